// Cluster mode's one hook in the client: when the configuration names workers
// (alluxio.user.worker.addresses), a membership
// (alluxio.worker.membership.manager.type) or etcd (alluxio.etcd.endpoints),
// CreateUfs wraps every UFS so reads go through the cache workers.
//
// The wrapper lives in liballuxio_worker_client.so (worker/), which links
// gRPC and protobuf; it is dlopened (RTLD_NOW | RTLD_LOCAL) on first use, so
// the embedded default, and the LD_PRELOAD shim, never load gRPC. The library
// is found at alluxio.user.worker.client.library when set, else next to the
// image holding this code (liballuxio_posix.so, or the program), else where
// the build put it, else on the loader's search path.
#ifndef ALLUXIO_CLIENT_WORKER_LOADER_H_
#define ALLUXIO_CLIENT_WORKER_LOADER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "alluxio/cluster.h"
#include "alluxio/config.h"
#include "alluxio/status.h"
#include "alluxio/ufs.h"

namespace alluxio {

// The function the library exports, and the ABI number both sides agree on
// (worker/worker_client_entry.cc defines it). On success it sets *out and
// returns 0; otherwise sets *error and returns its errno.
inline constexpr char kWrapUfsSymbol[] = "alluxio_wrap_ufs_with_workers";
inline constexpr int kWorkerClientAbi = 1;
// ListClusterMembers (alluxio/cluster.h) is the library's second export.
inline constexpr char kClusterMembersSymbol[] = "alluxio_list_cluster_members";
using ClusterMembersFn = int (*)(int abi, const Configuration* conf, bool probe,
                                 int64_t probe_timeout_ms, std::vector<ClusterMember>* out,
                                 Status* error);
using WrapUfsFn = int (*)(int abi, const std::shared_ptr<Ufs>* ufs, const Configuration* conf,
                          std::shared_ptr<Ufs>* out, Status* error);

// `ufs` itself when no workers are configured; otherwise `ufs` wrapped.
// InvalidArgument naming the key when the library cannot be loaded or an
// address is malformed.
Result<std::shared_ptr<Ufs>> MaybeWrapWithWorkers(std::shared_ptr<Ufs> ufs,
                                                  const Configuration& conf);

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_WORKER_LOADER_H_
