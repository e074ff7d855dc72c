// alluxio-worker's gRPC services (callback API) over an alluxio::FileSystem.
//
// BlockWorkerService is Alluxio 3.x's worker service
// (alluxio.grpc.block.BlockWorker, proto/alluxio/grpc/block_worker.proto):
// a request names a file by its full UFS URI (`s3://bucket/key`,
// `file:///dir/file`, or a bare absolute path for a local UFS), and the
// worker serves it from the mount of its own namespace whose UFS holds that
// URI (the longest mounted UFS URI that is a prefix of it, at a component
// boundary), so its page cache and metadata cache hold what it serves.
// Methods: GetStatus, ListStatus, Exists, ReadBlock, CreateFile and
// CompleteFile (the data between them comes on the data port, DataServer,
// or a WriteBlock stream: one UFS_FILE command naming the file, then its
// chunks in order, answered with the bytes received when the client closes
// its side), CreateDirectory, Remove, Rename, SetAttribute. A Remove with
// kKindKey "file" or "directory" in its metadata removes only that kind
// (unlink and rmdir), as POSIX clients need. Errors are gRPC codes with the exact errno
// in trailing metadata (wire.h). A client may ask for one content version of
// a file by sending kVersionKey in the request metadata of a ReadBlock; the
// worker then answers ABORTED (ECANCELED) when it sees another.
//
// WorkerHealthService is alluxio-posix's own (proto/alluxio/proto/
// worker.proto): the counters `alluxio-worker health` prints.
//
// Requests run on a pool of the service's own threads, not on gRPC's
// callback threads, because a UFS read may block for a long time.
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

#include "alluxio/file_system.h"
#include "alluxio/grpc/block_worker.grpc.pb.h"
#include "alluxio/grpc/sasl_server.grpc.pb.h"
#include "alluxio/proto/worker.grpc.pb.h"
#include "alluxio/task_pool.h"
#include "open_writes.h"

namespace alluxio::worker {

class BlockWorkerService final : public ::alluxio::grpc::block::BlockWorker::CallbackService {
 public:
  BlockWorkerService(std::shared_ptr<FileSystem> fs, OpenWrites* writes, int threads);
  // Finishes the queued requests, then stops the threads. The server must be
  // shut down first.
  ~BlockWorkerService() override;

  using Ctx = ::grpc::CallbackServerContext;
  using Unary = ::grpc::ServerUnaryReactor;
  ::grpc::ServerUnaryReactor* GetStatus(Ctx* ctx, const grpc::file::GetStatusPRequest* req,
                                        grpc::file::GetStatusPResponse* resp) override;
  ::grpc::ServerWriteReactor<grpc::file::ListStatusPResponse>* ListStatus(
      Ctx* ctx, const grpc::file::ListStatusPRequest* req) override;
  ::grpc::ServerUnaryReactor* Exists(Ctx* ctx, const grpc::file::ExistsPRequest* req,
                                     grpc::file::ExistsPResponse* resp) override;
  ::grpc::ServerBidiReactor<grpc::block::ReadRequest, grpc::block::ReadResponse>* ReadBlock(
      Ctx* ctx) override;
  ::grpc::ServerBidiReactor<grpc::block::WriteRequest, grpc::block::WriteResponse>* WriteBlock(
      Ctx* ctx) override;
  ::grpc::ServerUnaryReactor* CreateFile(Ctx* ctx, const grpc::file::CreateFilePRequest* req,
                                         grpc::file::CreateFilePResponse* resp) override;
  ::grpc::ServerUnaryReactor* CompleteFile(Ctx* ctx, const grpc::file::CompleteFilePRequest* req,
                                           grpc::file::CompleteFilePResponse* resp) override;
  ::grpc::ServerUnaryReactor* CreateDirectory(Ctx* ctx,
                                              const grpc::file::CreateDirectoryPRequest* req,
                                              grpc::file::CreateDirectoryPResponse* resp) override;
  ::grpc::ServerUnaryReactor* Remove(Ctx* ctx, const grpc::file::DeletePRequest* req,
                                     grpc::file::DeletePResponse* resp) override;
  ::grpc::ServerUnaryReactor* Rename(Ctx* ctx, const grpc::file::RenamePRequest* req,
                                     grpc::file::RenamePResponse* resp) override;
  ::grpc::ServerUnaryReactor* SetAttribute(Ctx* ctx, const grpc::file::SetAttributePRequest* req,
                                           grpc::file::SetAttributePResponse* resp) override;

  // The Alluxio path serving the full UFS URI `uri`. NotSupported when no
  // mount holds it, InvalidArgument when it is not normal.
  Result<std::string> Resolve(const std::string& uri);

  // An open handle of `path`, kept across requests so the page cache's
  // readahead for one read serves the next. With `version` nonzero, only
  // that content version (kAborted when the worker sees another).
  Result<std::shared_ptr<FileHandle>> OpenHandle(const std::string& path, uint64_t version);
  // Forgets the kept handle of `path` (it changed or is gone).
  void DropHandle(const std::string& path);
  // Counts a read served, for the health counters.
  void CountRead(uint64_t bytes) {
    reads_.fetch_add(1, std::memory_order_relaxed);
    bytes_read_.fetch_add(bytes, std::memory_order_relaxed);
  }

  // Counters since start, for the health service.
  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  FileSystem* fs() const { return fs_.get(); }

 private:
  class ReadReactor;
  class WriteReactor;
  class ListReactor;
  friend class ReadReactor;
  friend class WriteReactor;
  friend class ListReactor;

  // Runs fn on the pool, then finishes the call with its status.
  ::grpc::ServerUnaryReactor* Defer(Ctx* ctx, std::function<Status()> fn);

  static constexpr size_t kMaxOpenHandles = 256;

  std::shared_ptr<FileSystem> fs_;
  OpenWrites* const writes_;
  std::atomic<uint64_t> reads_{0};
  std::atomic<uint64_t> bytes_read_{0};

  // Open handles by path, most recently used first.
  std::mutex handles_mu_;  // guards handles_ and lru_; leaf lock
  std::list<std::string> lru_;
  std::unordered_map<std::string,
                     std::pair<std::shared_ptr<FileHandle>, std::list<std::string>::iterator>>
      handles_;

  // Runs the requests; declared last, so it stops (running what is queued:
  // each task answers a call) before the members its tasks use go.
  TaskPool pool_;
};

// Alluxio's channel authentication (alluxio.grpc.sasl): every Alluxio
// client authenticates a new channel first (SIMPLE by default: a PLAIN
// SASL exchange naming the user). This worker trusts the name, as Alluxio
// does under SIMPLE: each CHALLENGE is answered SUCCESS and the stream is
// kept open for the channel's life.
class SaslAuthService final
    : public ::alluxio::grpc::sasl::SaslAuthenticationService::CallbackService {
 public:
  ::grpc::ServerBidiReactor<grpc::sasl::SaslMessage, grpc::sasl::SaslMessage>* authenticate(
      ::grpc::CallbackServerContext* ctx) override;
};

class WorkerHealthService final : public proto::Worker::CallbackService {
 public:
  explicit WorkerHealthService(const BlockWorkerService* block) : block_(block) {}
  ::grpc::ServerUnaryReactor* Health(::grpc::CallbackServerContext* ctx,
                                     const proto::HealthRequest* req,
                                     proto::HealthResponse* resp) override;

 private:
  const BlockWorkerService* block_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_SERVICE_H_
