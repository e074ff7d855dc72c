// WorkerPool: the client's connections to the cache workers.
//
// One gRPC channel per worker, created on first use and re-created in a
// forked child (gRPC channels do not survive fork), found by the pid that
// created them. A worker whose call fails at the transport level is marked
// down for alluxio.user.worker.failure.backoff; meanwhile Available() is
// false and callers read the UFS directly. Going down and coming back are
// each logged once to stderr. Thread-safe.
#ifndef ALLUXIO_WORKER_WORKER_CLIENT_H_
#define ALLUXIO_WORKER_WORKER_CLIENT_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_info.h"
#include "alluxio/grpc/block_worker.grpc.pb.h"
#include "alluxio/proto/worker.grpc.pb.h"
#include "alluxio/status.h"
#include "alluxio/ufs.h"
#include "hash_ring.h"
#include "membership.h"

namespace alluxio::worker {

class BlockStream;

// The bytes of one file going to a worker: one WriteBlock call.
class BlockWriteStream {
 public:
  virtual ~BlockWriteStream() = default;
  // Sends the next bytes (in chunks of at most kChunkBytes).
  virtual Status Append(const char* data, size_t n) = 0;
  // Ends the stream; OK when the worker took every byte sent.
  virtual Status Close() = 0;
  // Abandons it: the worker drops what it received.
  virtual void Cancel() = 0;
};

struct WorkerHealth {
  int64_t pid = 0;
  std::string version;
  uint64_t read_ranges = 0;
  uint64_t bytes_read = 0;
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
};

struct WorkerPoolOptions {
  // Who the workers are. When null, `addresses` (host:port, at least one):
  // each is placed on the ring as the STATIC shorthand names it,
  // WorkerIdentity::FromName(the address as written).
  std::shared_ptr<Membership> membership;
  std::vector<std::string> addresses;
  int virtual_nodes = 5;
  int64_t rpc_timeout_ms = 30000;
  int64_t failure_backoff_ms = 5000;
  bool log = true;  // the stderr lines about workers going down and back
};

// "host:port" or "[v6]:port" with a port in 1..65535; InvalidArgument
// otherwise.
Status ValidateAddress(std::string_view address);

class WorkerPool {
 public:
  // From the membership the configuration names (MembershipFromConfig) and
  // the alluxio.user.worker.* keys. InvalidArgument naming the key for a bad
  // or duplicate address.
  static Result<std::shared_ptr<WorkerPool>> FromConfig(const Configuration& conf);
  static Result<std::shared_ptr<WorkerPool>> Create(WorkerPoolOptions opts);
  ~WorkerPool();

  // Workers are numbered in the order the pool first met them; a number
  // stays the worker's while the pool lives, also after it leaves the
  // cluster (it is then on no ring). size() counts every one met.
  size_t size() const { return count_.load(std::memory_order_acquire); }
  const std::string& address(size_t w) const;
  const WorkerIdentity& identity(size_t w) const;
  // The workers now on the ring.
  std::vector<size_t> Members();

  // The workers for `key` (a file's full UFS URI) in preference order: the
  // owner on the ring, then its replicas; at most `count`. The ring follows
  // the membership: rebuilt when its Epoch() moves.
  std::vector<size_t> Owners(std::string_view key, size_t count);

  // False while `w` is marked down.
  bool Available(size_t w) const;

  // The RPCs (Alluxio's BlockWorker service), each naming the file by its
  // full UFS URI. kUnavailable / kTimedOut when the worker could not be
  // reached (and it is then marked down); otherwise the worker's own error.
  Result<FileInfo> GetStatus(size_t w, const std::string& uri);
  Result<std::vector<FileInfo>> ListStatus(size_t w, const std::string& uri);
  // Reads [offset, offset + length) of the file (of `size` bytes, at
  // content version `version`; 0 = whatever the worker has) into buf;
  // returns the bytes read, fewer only at end of file. kAborted when the
  // worker sees another version.
  Result<size_t> Read(size_t w, const std::string& uri, uint64_t version, uint64_t size,
                      uint64_t offset, size_t length, char* buf);
  // The same bytes as one stream (one ReadBlock call) for sequential reads.
  Result<std::unique_ptr<UfsStream>> OpenStream(size_t w, const std::string& uri, uint64_t version,
                                                uint64_t size, uint64_t offset, uint64_t length);
  Result<WorkerHealth> Health(size_t w);

  // The write path: CreateFile opens `uri` for writing on the worker
  // (replacing what is there once completed) and returns its handle uuid;
  // StartWrite streams its bytes (one WriteBlock call); CompleteFile
  // publishes it, atomically, holding `length` bytes.
  Result<std::string> CreateFile(size_t w, const std::string& uri, uint32_t mode);
  Result<std::unique_ptr<BlockWriteStream>> StartWrite(size_t w, const std::string& uri);
  Status CompleteFile(size_t w, const std::string& uri, const std::string& uuid, uint64_t length);

  // The other mutations, as the Ufs methods they serve. `kind` of Remove is
  // "file", "directory" or empty (either).
  Status CreateDirectory(size_t w, const std::string& uri, uint32_t mode);
  Status Remove(size_t w, const std::string& uri, const char* kind);
  Status Rename(size_t w, const std::string& src, const std::string& dst);
  // Mode bits (rwx only), owner and group as the worker's names or numbers.
  Status SetAttribute(size_t w, const std::string& uri, std::optional<uint32_t> mode,
                      std::optional<uint32_t> uid, std::optional<uint32_t> gid);

  // Logs, once per worker, that it cannot serve a request for a reason other
  // than being unreachable (e.g. the UFS is not mounted on it).
  void NoteRefusal(size_t w, const Status& st);

 private:
  struct Worker;
  explicit WorkerPool(WorkerPoolOptions opts);
  // Starts a ReadBlock call for [offset, offset + length) of the file.
  Result<std::unique_ptr<BlockStream>> StartRead(size_t w, const std::string& uri, uint64_t version,
                                                 uint64_t size, uint64_t offset, uint64_t length,
                                                 bool deadline);

  // One unary call of the BlockWorker service; `kind`, when not empty, goes
  // as kKindKey metadata.
  template <typename Req, typename Resp, typename Method>
  Status Unary(size_t w, Method method, const Req& req, Resp* resp, const char* kind = nullptr);

  struct Stubs {
    std::shared_ptr<::alluxio::grpc::block::BlockWorker::Stub> block;
    std::shared_ptr<proto::Worker::Stub> health;
  };
  // The stubs for `w`, made for this process.
  Stubs StubsOf(size_t w);
  // Marks `w` down after a transport failure (IsTransportFailure), or up
  // after an answer; returns `st`.
  Status Finish(size_t w, const Status& st, bool transport_failure);

  // The ring of the membership's current workers, and which pool number
  // each of its entries is.
  struct Ring {
    uint64_t epoch = 0;
    ConsistentHashRing ring;
    std::vector<size_t> slots;
  };
  std::shared_ptr<const Ring> CurrentRing();
  // The pool number of `info`'s worker, adding it when new. Under ring_mu_.
  size_t SlotOf(const WorkerInfo& info);

  static constexpr size_t kMaxWorkers = 4096;

  WorkerPoolOptions opts_;
  std::mutex ring_mu_;  // guards ring_ and adding workers; before Worker::mu
  std::shared_ptr<const Ring> ring_;
  // kMaxWorkers slots, filled in order; those below count_ are set and
  // never change.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> count_{0};
};

// The membership alluxio.worker.membership.manager.type names: STATIC (the
// workers file or the alluxio.user.worker.addresses shorthand) or ETCD.
Result<std::shared_ptr<Membership>> MembershipFromConfig(const Configuration& conf);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_CLIENT_H_
