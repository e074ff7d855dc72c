// EtcdClient: the part of etcd's v3 API that ETCD membership needs, over
// gRPC (proto/alluxio/etcd/rpc.proto), synchronous and thread-safe.
//
// Endpoints are alluxio.etcd.endpoints' entries, "http://host:port" (or
// bare "host:port"); https is refused (no TLS here). Every call goes to the
// endpoint that answered last; when an endpoint cannot be reached (gRPC
// UNAVAILABLE or DEADLINE_EXCEEDED) the call is tried on the next one, in
// list order, each once. When none answers the Status is Unavailable and
// names every endpoint with what it said. Answers that are etcd's own
// refusals (a lease that does not exist) are not retried elsewhere.
//
// Keys and values are bytes (std::string). Each call has a deadline of
// `rpc_timeout_ms` per endpoint tried.
#ifndef ALLUXIO_WORKER_ETCD_CLIENT_H_
#define ALLUXIO_WORKER_ETCD_CLIENT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/status.h"

namespace alluxio::worker {

struct EtcdKeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;  // 0 = none
};

struct EtcdEvent {
  enum Type { kPut, kDelete } type = kPut;
  EtcdKeyValue kv;  // kDelete: the key, mod_revision = the deletion's
};

// What a prefix read answers: the pairs, sorted by key, and the store's
// revision at the time of the read (a watch from revision + 1 misses
// nothing that happened after it).
struct EtcdRange {
  std::vector<EtcdKeyValue> kvs;
  int64_t revision = 0;
};

struct EtcdLease {
  int64_t id = 0;
  int64_t ttl_seconds = 0;  // as granted by etcd
};

// One delivery to a watch callback: either events (in revision order) or,
// when the watch had to start over (its revision was compacted away), a
// snapshot: every pair now under the prefix, replacing what was known.
struct EtcdWatchUpdate {
  bool snapshot = false;
  std::vector<EtcdEvent> events;      // !snapshot
  std::vector<EtcdKeyValue> current;  // snapshot
};

class EtcdClient;

// A running watch of a key prefix (EtcdClient::WatchPrefix). Destroying it
// stops it: after the destructor returns the callback is not running and
// is never called again.
class EtcdWatch {
 public:
  using Callback = std::function<void(const EtcdWatchUpdate&)>;
  ~EtcdWatch();
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  // OK while the watch stream is established; otherwise why it is not (the
  // endpoint and gRPC's message). The watch keeps retrying meanwhile, every
  // endpoint in turn, and resumes from the revision after the last event it
  // delivered, so no event is lost or repeated across a broken stream.
  Status LastError() const;

  // How many times the watch stream has been established (1 after the first).
  uint64_t connections() const { return connections_.load(); }

 private:
  friend class EtcdClient;
  EtcdWatch(std::shared_ptr<EtcdClient> client, std::string prefix, int64_t start_revision,
            Callback cb);
  void Run();

  std::shared_ptr<EtcdClient> client_;
  const std::string prefix_;
  const Callback cb_;
  int64_t next_revision_;  // the watch thread's only
  std::atomic<uint64_t> connections_{0};

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  bool stop_ = false;
  Status error_;
  void* context_ = nullptr;  // grpc::ClientContext* of the open stream, for TryCancel
  std::thread thread_;
};

class EtcdClient : public std::enable_shared_from_this<EtcdClient> {
 public:
  struct Options {
    std::vector<std::string> endpoints;
    int64_t rpc_timeout_ms = 5000;
  };

  // Parses `endpoints`; InvalidArgument naming the bad entry for an empty
  // list, an https:// endpoint, or an entry without host:port. Connects
  // lazily: an unreachable etcd shows at the first call.
  static Result<std::shared_ptr<EtcdClient>> Create(const Options& options);
  ~EtcdClient();

  // Every pair whose key starts with `prefix` (a non-empty prefix).
  Result<EtcdRange> GetPrefix(std::string_view prefix);
  // The pair under `key`, or nullopt.
  Result<std::optional<EtcdKeyValue>> Get(std::string_view key);
  // Sets `key` to `value`, attached to `lease` (0 = no lease; a lease that
  // does not exist: NotFound).
  Status Put(std::string_view key, std::string_view value, int64_t lease = 0);
  Status Delete(std::string_view key);
  // One transaction: when `key` does not exist, sets it (no lease) and
  // answers nullopt; otherwise leaves it and answers the existing pair.
  Result<std::optional<EtcdKeyValue>> PutIfAbsent(std::string_view key, std::string_view value);

  // A lease of `ttl_seconds` (>= 1).
  Result<EtcdLease> Grant(int64_t ttl_seconds);
  // Renews `lease` once (one LeaseKeepAlive exchange) and answers its new
  // time-to-live; NotFound when the lease has expired or was revoked.
  Result<int64_t> KeepAliveOnce(int64_t lease);
  // Revokes `lease`, deleting every key attached to it; NotFound when it
  // does not exist (any more).
  Status Revoke(int64_t lease);

  // Watches every key under `prefix` from `start_revision` (inclusive; 0 =
  // from now), calling `cb` on the watch's own thread, one call at a time.
  std::unique_ptr<EtcdWatch> WatchPrefix(std::string prefix, int64_t start_revision,
                                         EtcdWatch::Callback cb);

  // The endpoints as configured ("http://127.0.0.1:2379").
  const std::vector<std::string>& endpoints() const { return names_; }

  // Implementation: one channel and stubs per endpoint (etcd_client.cc).
  struct Endpoint;

 private:
  EtcdClient() = default;
  friend class EtcdWatch;

  // Runs `call` on each endpoint in turn, starting with the one that last
  // answered, until one answers or none is left (see the file comment).
  // `call` answers a grpc status code (as an int) and fills `message`.
  Status Try(const char* what, const std::function<int(Endpoint&, std::string*)>& call);

  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::atomic<size_t> current_{0};
  int64_t rpc_timeout_ms_ = 5000;
};

// The "host:port" target of an endpoint ("http://host:port", "host:port",
// with or without a trailing '/'); InvalidArgument otherwise.
Result<std::string> EtcdEndpointTarget(std::string_view endpoint);

// The client ETCD membership uses: alluxio.etcd.endpoints (InvalidArgument
// naming it when empty or malformed), and in *cluster alluxio.cluster.name
// (default DefaultAlluxioCluster).
Result<std::shared_ptr<EtcdClient>> EtcdClientFromConfig(const Configuration& conf,
                                                         std::string* cluster);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_ETCD_CLIENT_H_
