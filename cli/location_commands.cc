// `alluxio fs location`: which workers of the cluster own a path, by
// Alluxio's consistent-hash ring, from the configuration alone.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

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
  if (*type != "STATIC") {
    return FailMessage("fs location: " + *type + " membership (" + worker::kMembershipTypeKey +
                       ") needs the worker client, which this command does not use yet; "
                       "only STATIC membership is supported here");
  }
  auto membership = worker::StaticMembership::FromConfig(**conf);
  if (!membership.ok()) return Fail("workers", membership.status());
  auto workers = (*membership)->Live();
  if (workers.size() < replicas) {
    // As Alluxio's ConsistentHashPolicy refuses it.
    return FailMessage("fs location: " + std::to_string(replicas) + " workers asked for, but " +
                       "the cluster has " + std::to_string(workers.size()));
  }
  std::vector<worker::WorkerIdentity> ids;
  ids.reserve(workers.size());
  for (const auto& w : workers) ids.push_back(w.identity);
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
  for (size_t w : owners) out += workers[w].address.host + "\n";
  if (!WriteOut(out.data(), out.size())) return Fail("stdout", Status::FromErrno(errno, "write"));
  return kExitOk;
}

}  // namespace

std::vector<Command> LocationCommands() {
  return {
      {"location", "location [--replicas <n>] <path>",
       "Prints the UFS URI Alluxio's consistent-hash ring places <path> by, then the "
       "hostnames of the <n> (default 1) workers that own it, in preference order: the "
       "owner first, then its replicas. Computed from the configuration alone (the mount "
       "table and STATIC membership: alluxio.worker.static.membership.manager.config.file "
       "or alluxio.user.worker.addresses); no UFS or worker is contacted.",
       "--replicas:", 1, 1, Location},
  };
}

}  // namespace alluxio::cli
