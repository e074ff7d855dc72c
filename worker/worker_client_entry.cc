// The one symbol liballuxio_worker_client.so exports. The client dlopens
// this library only in cluster mode (workers, a membership or etcd set; see
// client/src/worker_loader.h, which declares the same function and ABI
// number), so gRPC and protobuf are loaded only in cluster mode.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/ufs.h"
#include "cluster_members.h"
#include "worker_ufs.h"

namespace {
// Bumped whenever the signature or the layout of what crosses it changes.
constexpr int kWorkerClientAbi = 1;

// Every UFS (the root and each mount) wrapped under the same worker settings
// shares one pool: one channel per worker, and one view of which are down
// (so a dead worker is logged once, not once per mount).
alluxio::Result<std::shared_ptr<alluxio::worker::WorkerPool>> SharedPool(
    const alluxio::Configuration& conf) {
  static std::mutex mu;  // guards pools
  static auto* pools = new std::map<std::string, std::weak_ptr<alluxio::worker::WorkerPool>>();
  std::string key;
  for (const char* k :
       {"alluxio.user.worker.addresses", "alluxio.worker.membership.manager.type",
        "alluxio.worker.static.membership.manager.config.file", "alluxio.etcd.endpoints",
        "alluxio.cluster.name", "alluxio.user.consistent.hash.virtual.node.count.per.worker",
        "alluxio.user.worker.rpc.timeout", "alluxio.user.worker.failure.backoff"}) {
    key += conf.Get(k);
    key.push_back('\n');
  }
  std::lock_guard<std::mutex> lock(mu);
  if (auto pool = (*pools)[key].lock()) return pool;
  ASSIGN_OR_RETURN(auto pool, alluxio::worker::WorkerPool::FromConfig(conf));
  (*pools)[key] = pool;
  return pool;
}

// False, with *error saying so, when the client was built for another ABI.
bool SameAbi(int abi, alluxio::Status* error) {
  if (abi == kWorkerClientAbi) return true;
  *error = alluxio::Status::InvalidArgument("liballuxio_worker_client.so speaks ABI " +
                                            std::to_string(kWorkerClientAbi) + ", the client " +
                                            std::to_string(abi) + ": it is from another build");
  return false;
}
}  // namespace

// Wraps *ufs so its reads go through the workers configured in *conf. On
// success sets *out and returns 0; otherwise sets *error and returns its
// errno value. Never throws.
extern "C" __attribute__((visibility("default"))) int alluxio_wrap_ufs_with_workers(
    int abi, const std::shared_ptr<alluxio::Ufs>* ufs, const alluxio::Configuration* conf,
    std::shared_ptr<alluxio::Ufs>* out, alluxio::Status* error) {
  try {
    if (!SameAbi(abi, error)) return error->ToErrno();
    auto pool = SharedPool(*conf);
    if (!pool.ok()) {
      *error = pool.status();
      return error->ToErrno();
    }
    *out = std::make_shared<alluxio::worker::WorkerUfs>(*ufs, std::move(*pool));
    return 0;
  } catch (const std::bad_alloc&) {
    *error = alluxio::Status(alluxio::Code::kNoMemory, "out of memory wrapping the UFS");
  } catch (...) {
    *error = alluxio::Status::IoError("unexpected error wrapping the UFS with workers");
  }
  return error->ToErrno();
}

// ListClusterMembers (alluxio/cluster.h), for the client. Same conventions.
extern "C" __attribute__((visibility("default"))) int alluxio_list_cluster_members(
    int abi, const alluxio::Configuration* conf, bool probe, int64_t probe_timeout_ms,
    std::vector<alluxio::ClusterMember>* out, alluxio::Status* error) {
  try {
    if (!SameAbi(abi, error)) return error->ToErrno();
    auto members = alluxio::worker::ClusterMembers(*conf, probe, probe_timeout_ms);
    if (!members.ok()) {
      *error = members.status();
      return error->ToErrno();
    }
    *out = std::move(*members);
    return 0;
  } catch (const std::bad_alloc&) {
    *error = alluxio::Status(alluxio::Code::kNoMemory, "out of memory listing the workers");
  } catch (...) {
    *error = alluxio::Status::IoError("unexpected error listing the workers");
  }
  return error->ToErrno();
}
