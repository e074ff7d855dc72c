// Membership: which cache workers the cluster has, as Alluxio 3.x keeps it.
//
// alluxio.worker.membership.manager.type chooses the source: STATIC (a file
// of hostnames, alluxio.worker.static.config.file) or ETCD (live workers
// registered under /ServiceDiscovery/<alluxio.cluster.name>/ with a lease).
// A client builds its consistent-hash ring from Live(); when Epoch() moves,
// the members changed and the ring is rebuilt. Implementations are
// thread-safe.
#ifndef ALLUXIO_WORKER_MEMBERSHIP_H_
#define ALLUXIO_WORKER_MEMBERSHIP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "worker_identity.h"

namespace alluxio::worker {

// Alluxio's WorkerNetAddress: where a worker serves what. The ports not
// known (0) are not served or not said.
struct WorkerNetAddress {
  std::string host;
  std::string container_host;
  int rpc_port = 0;          // the BlockWorker gRPC service
  int data_port = 0;         // gRPC data (Alluxio: same service as rpc)
  int netty_data_port = 0;   // Alluxio's framed data port (worker/data_server.h)
  int web_port = 0;          // web UI and /metrics
  int http_server_port = 0;  // the REST API alluxiofs uses
  std::string domain_socket_path;
};

struct WorkerInfo {
  WorkerIdentity identity;
  WorkerNetAddress address;
};

class Membership {
 public:
  virtual ~Membership() = default;

  // The workers now in the cluster (STATIC: all listed; ETCD: those with a
  // live registration), in no particular order.
  virtual std::vector<WorkerInfo> Live() const = 0;

  // Moves whenever Live() would answer differently.
  virtual uint64_t Epoch() const = 0;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_MEMBERSHIP_H_
