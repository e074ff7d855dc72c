// WorkerServiceEntity: the JSON value an Alluxio 3.x worker keeps in etcd.
//
// Alluxio's worker (EtcdMembershipManager.join) writes this value under two
// keys: /ServiceDiscovery/<alluxio.cluster.name>/worker-<uuid>, attached to
// its lease (the live members), and /DHT/<cluster>/AUTHORIZED/worker-<uuid>,
// without a lease (every worker that ever joined). The value is Gson's
// rendering of alluxio.membership.WorkerServiceEntity with only @Expose
// fields, subclass fields first, in declaration order:
//
//   {"Identity":{"version":1,"identifier":"<32 lower-case hex digits>"},
//    "WorkerNetAddress":{"Host":"h","ContainerHost":"","RpcPort":29999,
//      "DataPort":29997,"SecureRpcPort":0,"NettyDataPort":0,"WebPort":30000,
//      "DomainSocketPath":"","HttpServerPort":28080},
//    "State":"AUTHORIZED","GenerationNumber":-1,
//    "ServiceEntityName":"worker-<uuid>"}
//
// (one line, no spaces). The identifier is the identity's 16 bytes in hex
// (WorkerIdentity's Gson serializer), so the ring a reader builds from these
// values hashes exactly the bytes the worker hashes.
#ifndef ALLUXIO_WORKER_WORKER_ENTITY_H_
#define ALLUXIO_WORKER_WORKER_ENTITY_H_

#include <string>
#include <string_view>

#include "alluxio/status.h"
#include "membership.h"

namespace alluxio::worker {

// Alluxio's key prefixes for `cluster` (alluxio.cluster.name), each ending in
// '/'; a worker's key is the prefix plus WorkerIdentity::ToString().
std::string LiveWorkersPrefix(std::string_view cluster);        // /ServiceDiscovery/<c>/
std::string AuthorizedWorkersPrefix(std::string_view cluster);  // /DHT/<c>/AUTHORIZED/

// The value Alluxio's worker writes for `info`, byte for byte as above
// (State AUTHORIZED, GenerationNumber -1, as a Java worker registers). Text
// is escaped as Gson escapes it (HTML-safe: <, >, &, =, ' as \u003c ...).
std::string EncodeWorkerEntity(const WorkerInfo& info);

// Reads a value written by Alluxio's worker or by EncodeWorkerEntity: any
// field order, unknown fields ignored, missing ports 0. InvalidArgument
// naming what is wrong when it is not JSON, has no Identity, or the
// identifier is not 32 hex digits.
Result<WorkerInfo> DecodeWorkerEntity(std::string_view json);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_ENTITY_H_
