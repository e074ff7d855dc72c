// The worker side of ListClusterMembers (client/include/alluxio/cluster.h):
// the members of the configured membership and their state.
#ifndef ALLUXIO_WORKER_CLUSTER_MEMBERS_H_
#define ALLUXIO_WORKER_CLUSTER_MEMBERS_H_

#include <vector>

#include "alluxio/cluster.h"
#include "alluxio/config.h"
#include "alluxio/status.h"

namespace alluxio::worker {

// As ListClusterMembers says.
Result<std::vector<ClusterMember>> ClusterMembers(const Configuration& conf, bool probe,
                                                  int64_t probe_timeout_ms);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_CLUSTER_MEMBERS_H_
