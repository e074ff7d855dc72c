// The cluster commands: `alluxio fs location` (which workers own a path, by
// Alluxio's consistent-hash ring, from the configuration and membership
// alone) and `alluxio info nodes` (the members and their state).
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "alluxio/cluster.h"
#include "cli.h"
#include "hash_ring.h"
#include "static_membership.h"

namespace alluxio::cli {

namespace {

int Location(Env& env, const Args& args) {
  size_t replicas = 1;
  if (args.Has("replicas")) {
    std::string text = args.Value("replicas");
    size_t n = 0;
    bool ok = !text.empty() && text.size() <= 6;
    for (char c : text) {
      if (c < '0' || c > '9') ok = false;
      if (ok) n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (!ok || n < 1) {
      std::fprintf(stderr, "alluxio fs location: --replicas needs a whole number >= 1, got '%s'\n",
                   text.c_str());
      return kExitUsage;
    }
    replicas = n;
  }
  auto conf = env.Conf();
  if (!conf.ok()) return Fail("configuration", conf.status());
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  auto where = LocateMount(**conf, *path);
  if (!where.ok()) return Fail(*path, where.status());

  auto type = worker::MembershipType(**conf);
  if (!type.ok()) return Fail("configuration", type.status());
  std::vector<std::string> hosts;
  std::vector<worker::WorkerIdentity> ids;
  if (*type == "STATIC") {
    auto membership = worker::StaticMembership::FromConfig(**conf);
    if (!membership.ok()) return Fail("workers", membership.status());
    for (const auto& w : (*membership)->Live()) {
      hosts.push_back(w.address.host);
      ids.push_back(w.identity);
    }
  } else {
    // The live members, as Alluxio's client places by (its
    // alluxio.user.dynamic.consistent.hash.ring.enabled default).
    auto members = ListClusterMembers(**conf, /*probe=*/false);
    if (!members.ok()) return Fail("workers", members.status());
    for (const auto& m : *members) {
      if (m.state != "ONLINE") continue;
      auto id = worker::WorkerIdentity::FromUuid(m.uuid);
      if (!id.ok()) return Fail("workers", id.status());
      hosts.push_back(m.host);
      ids.push_back(*id);
    }
  }
  if (ids.size() < replicas) {
    // As Alluxio's ConsistentHashPolicy refuses it.
    return FailMessage("fs location: " + std::to_string(replicas) + " workers asked for, but " +
                       "the cluster has " + std::to_string(ids.size()));
  }
  const char* vnodes_key = "alluxio.user.consistent.hash.virtual.node.count.per.worker";
  int64_t vnodes = (*conf)->GetInt(vnodes_key);
  if (vnodes < 1 || vnodes > 100000) {
    return FailMessage(std::string("bad value for property ") + vnodes_key + ": " +
                       std::to_string(vnodes) + " is not in 1..100000");
  }
  worker::ConsistentHashRing ring(std::move(ids), static_cast<int>(vnodes));
  std::string key = worker::UfsFileUri(where->mount.ufs_uri, where->ufs_path);
  auto owners = ring.Owners(key, replicas);
  if (owners.size() < replicas) {
    return FailMessage("fs location: the hash ring gave " + std::to_string(owners.size()) +
                       " distinct workers for " + key + " in " +
                       std::to_string(worker::ConsistentHashRing::kMaxAttempts) + " attempts, " +
                       std::to_string(replicas) + " asked for");
  }
  std::string out = key + "\n";
  for (size_t w : owners) out += hosts[w] + "\n";
  if (!WriteOut(out.data(), out.size())) return Fail("stdout", Status::FromErrno(errno, "write"));
  return kExitOk;
}

}  // namespace

int InfoCommand(Env& env, const Args& args) {
  if (args.positional[0] != "nodes") {
    std::fprintf(stderr, "alluxio info: unknown subcommand '%s' (try 'nodes')\n",
                 args.positional[0].c_str());
    return kExitUsage;
  }
  auto conf = env.Conf();
  if (!conf.ok()) return Fail("configuration", conf.status());
  auto members = ListClusterMembers(**conf, /*probe=*/true);
  if (!members.ok()) return Fail("workers", members.status());
  std::string out = "WorkerId\tAddress\tStatus\n";
  for (const auto& m : *members) {
    out += "worker-" + m.uuid + "\t" + m.host + ":" + std::to_string(m.rpc_port) + "\t" + m.state +
           "\n";
  }
  if (!WriteOut(out.data(), out.size())) return Fail("stdout", Status::FromErrno(errno, "write"));
  return kExitOk;
}

std::vector<Command> LocationCommands() {
  return {
      {"location", "location [--replicas <n>] <path>",
       "Prints the UFS URI Alluxio's consistent-hash ring places <path> by, then the "
       "hostnames of the <n> (default 1) workers that own it, in preference order: the "
       "owner first, then its replicas. Computed from the mount table and the membership "
       "alone (STATIC: alluxio.worker.static.membership.manager.config.file or "
       "alluxio.user.worker.addresses; ETCD: the live workers in etcd); no UFS or worker "
       "is contacted.",
       "--replicas:", 1, 1, Location},
  };
}

}  // namespace alluxio::cli
