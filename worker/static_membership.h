// STATIC membership: a fixed list of workers, as Alluxio 3.x's
// StaticMembershipManager reads it.
//
// alluxio.worker.membership.manager.type=STATIC (our default when neither
// it nor alluxio.etcd.endpoints is set). The workers come from:
//  - alluxio.worker.static.membership.manager.config.file (Alluxio's key;
//    default ${alluxio.conf.dir}/workers, and alluxio.conf.dir is
//    $ALLUXIO_CONF_DIR, else ${alluxio.home}/conf), read as Alluxio's
//    CommandUtils.readNodeList reads it: UTF-8 lines, each trimmed of
//    whitespace and control characters; a line that then starts with '#'
//    is a comment, an empty one is skipped, a repeated one counts once.
//    Everything else on a line is the hostname ("host # note" is a hostname
//    with a space in it, as in Alluxio). A worker's identity is
//    WorkerIdentity::FromName(hostname); its address is that host with the
//    ports of alluxio.worker.rpc.port (29999), alluxio.worker.web.port
//    (30000), alluxio.worker.http.server.port (28080) and, when
//    alluxio.user.netty.data.transmission.enabled (true), data and netty
//    data port alluxio.worker.data.port (29997), else data port = RPC port;
//    container host alluxio.worker.container.hostname. The workers are
//    listed in the order Alluxio's client sees them (the iteration order of
//    the java.util.HashSet readNodeList returns), which decides ties on the
//    hash ring (see hash_ring.h).
//  - or, when alluxio.user.worker.addresses is set, that list, our
//    shorthand: each entry is "host" or "host:port" ("[v6]:port"), its
//    identity WorkerIdentity::FromName(the entry as written), its RPC port
//    the one given, else alluxio.worker.rpc.port; listed in the order
//    written. An entry that is a bare hostname is therefore exactly the
//    worker Alluxio's STATIC file names with the same line; "host:port"
//    names a different identity than "host" (so that several workers on one
//    host are distinct). The hostnames file is then not read, and setting
//    both is an error.
//
// Errors (InvalidArgument or the file's errno, each naming the key or the
// file): a missing or unreadable file, a file that is not UTF-8, no worker
// listed, a malformed or repeated address entry, a port out of 1..65535.
// Live() never changes; Epoch() is always 1. Thread-safe (immutable).
#ifndef ALLUXIO_WORKER_STATIC_MEMBERSHIP_H_
#define ALLUXIO_WORKER_STATIC_MEMBERSHIP_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/status.h"
#include "membership.h"

namespace alluxio::worker {

inline constexpr char kMembershipTypeKey[] = "alluxio.worker.membership.manager.type";
inline constexpr char kStaticConfigFileKey[] =
    "alluxio.worker.static.membership.manager.config.file";
inline constexpr char kWorkerAddressesKey[] = "alluxio.user.worker.addresses";

// "STATIC" or "ETCD": alluxio.worker.membership.manager.type (any case);
// unset or empty: "ETCD" when alluxio.etcd.endpoints is set, else "STATIC".
// InvalidArgument naming the key for anything else (MASTER, Alluxio 2.x's
// default, included: a DORA cluster has no master to ask).
Result<std::string> MembershipType(const Configuration& conf);

class StaticMembership : public Membership {
 public:
  // The workers the configuration lists (see above). Does not look at
  // alluxio.worker.membership.manager.type: callers check MembershipType().
  static Result<std::shared_ptr<Membership>> FromConfig(const Configuration& conf);

  // The hostnames of a STATIC workers file, in file order, repeats dropped.
  // An empty list is not an error here.
  static Result<std::vector<std::string>> ReadHostsFile(const std::string& path);

  // `hosts` (distinct) in the order a java.util.HashSet<String> filled in
  // that order iterates them.
  static std::vector<std::string> JavaHashSetOrder(std::vector<std::string> hosts);

  explicit StaticMembership(std::vector<WorkerInfo> workers) : workers_(std::move(workers)) {}

  std::vector<WorkerInfo> Live() const override { return workers_; }
  uint64_t Epoch() const override { return 1; }

 private:
  const std::vector<WorkerInfo> workers_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_STATIC_MEMBERSHIP_H_
