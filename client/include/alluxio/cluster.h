// The cluster's workers as the configured membership lists them: what
// `alluxio info nodes` prints and `alluxio fs location` places by under
// ETCD membership.
//
// Listed by liballuxio_worker_client.so (it speaks etcd's and the workers'
// gRPC), which ListClusterMembers loads as cluster mode does
// (client/src/worker_loader.h), so callers do not link gRPC.
#ifndef ALLUXIO_CLUSTER_H_
#define ALLUXIO_CLUSTER_H_

#include <string>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/status.h"

namespace alluxio {

struct ClusterMember {
  std::string uuid;  // the worker's identity, as WorkerIdentity::Uuid() prints it
  std::string host;
  int rpc_port = 0;
  int data_port = 0;  // Alluxio's framed data port; 0 when not registered
  int http_port = 0;  // the REST API
  // Alluxio's words: ONLINE (live in etcd, or answering when probed), OFFLINE
  // (registered in etcd but without a live lease, or not answering when
  // probed), N/A (STATIC and not probed).
  std::string state;
};

// The workers of alluxio.worker.membership.manager.type (docs/WORKER.md):
// STATIC lists the workers file (or alluxio.user.worker.addresses); with
// `probe` each is asked for a connection (all at once, for at most
// `probe_timeout_ms`) to tell ONLINE from OFFLINE. ETCD lists every worker
// that ever joined (/DHT/<cluster>/AUTHORIZED/) and every live one
// (/ServiceDiscovery/<cluster>/), ONLINE when live. In the membership's
// order for STATIC, by uuid for ETCD. Errors name the key, the file or the
// etcd endpoints and what went wrong.
Result<std::vector<ClusterMember>> ListClusterMembers(const Configuration& conf, bool probe,
                                                      int64_t probe_timeout_ms = 2000);

}  // namespace alluxio

#endif  // ALLUXIO_CLUSTER_H_
