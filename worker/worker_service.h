// The cache worker's gRPC service (callback API) over an alluxio::FileSystem.
//
// A request names a UFS by URI and a path in it; the worker serves it from
// the mount of its own namespace whose UFS has that URI (the root UFS, or any
// mount in its mount table), so its page cache and metadata cache hold what
// it serves. Requests run on a small pool of the service's own threads, not
// on gRPC's callback threads, because a UFS read may block for a long time.
#ifndef ALLUXIO_WORKER_WORKER_SERVICE_H_
#define ALLUXIO_WORKER_WORKER_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alluxio/file_system.h"
#include "alluxio/proto/worker.grpc.pb.h"
#include "alluxio/task_pool.h"

namespace alluxio::worker {

class WorkerService final : public proto::Worker::CallbackService {
 public:
  WorkerService(std::shared_ptr<FileSystem> fs, int threads);
  // Stops the threads after finishing the queued requests. The server must
  // be shut down first.
  ~WorkerService() override;

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const proto::GetStatusRequest* req,
                                      proto::GetStatusResponse* resp) override;
  grpc::ServerUnaryReactor* ListStatus(grpc::CallbackServerContext* ctx,
                                       const proto::ListStatusRequest* req,
                                       proto::ListStatusResponse* resp) override;
  grpc::ServerUnaryReactor* ReadRange(grpc::CallbackServerContext* ctx,
                                      const proto::ReadRangeRequest* req,
                                      proto::ReadRangeResponse* resp) override;
  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* ctx,
                                   const proto::HealthRequest* req,
                                   proto::HealthResponse* resp) override;

  // The Alluxio path serving `path` of the UFS `ufs_uri`. InvalidArgument
  // when no mount has that UFS or the path is not normal.
  Result<std::string> Resolve(const std::string& ufs_uri, const std::string& path);

 private:
  // Runs fn on the pool, then finishes the call.
  grpc::ServerUnaryReactor* Defer(grpc::CallbackServerContext* ctx, std::function<void()> fn);
  Status DoReadRange(const proto::ReadRangeRequest& req, std::string* data);
  // An open handle of `path` at `version`, kept across requests so the page
  // cache's readahead for one range serves the next; kAborted when the
  // worker sees another version.
  Result<std::shared_ptr<FileHandle>> OpenHandle(const std::string& path, uint64_t version);
  void DropHandle(const std::string& path, uint64_t version);

  static constexpr size_t kMaxOpenHandles = 256;

  std::shared_ptr<FileSystem> fs_;
  std::atomic<uint64_t> read_ranges_{0};
  std::atomic<uint64_t> bytes_read_{0};

  // Open handles by path and version, most recently used first.
  std::mutex handles_mu_;  // guards handles_ and lru_; leaf lock
  std::list<std::string> lru_;
  std::unordered_map<std::string,
                     std::pair<std::shared_ptr<FileHandle>, std::list<std::string>::iterator>>
      handles_;

  // Runs the requests; declared last, so it stops (running what is queued:
  // each task answers a call) before the members its tasks use go.
  TaskPool pool_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_SERVICE_H_
