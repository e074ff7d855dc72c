#include "cluster_members.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "etcd_client.h"
#include "static_membership.h"
#include "worker_entity.h"

namespace alluxio::worker {

namespace {

ClusterMember ToMember(const WorkerInfo& w, const char* state) {
  ClusterMember m;
  m.uuid = w.identity.Uuid();
  m.host = w.address.host;
  m.rpc_port = w.address.rpc_port;
  m.data_port = w.address.netty_data_port;
  m.http_port = w.address.http_server_port;
  m.state = state;
  return m;
}

std::string Target(const ClusterMember& m) {
  bool v6 = m.host.find(':') != std::string::npos && m.host.front() != '[';
  return (v6 ? "[" + m.host + "]" : m.host) + ":" + std::to_string(m.rpc_port);
}

// Connects to every member at once and marks each by whether it connected
// before the deadline.
void Probe(std::vector<ClusterMember>* members, int64_t timeout_ms) {
  std::vector<std::shared_ptr<::grpc::Channel>> channels;
  for (const auto& m : *members) {
    auto ch = ::grpc::CreateChannel(Target(m), ::grpc::InsecureChannelCredentials());
    (void)ch->GetState(/*try_to_connect=*/true);
    channels.push_back(std::move(ch));
  }
  auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (size_t i = 0; i < members->size(); ++i) {
    (*members)[i].state = channels[i]->WaitForConnected(deadline) ? "ONLINE" : "OFFLINE";
  }
}

Result<std::vector<ClusterMember>> EtcdMembers(const Configuration& conf) {
  std::string cluster;
  ASSIGN_OR_RETURN(auto client, EtcdClientFromConfig(conf, &cluster));
  std::map<std::string, ClusterMember> by_uuid;
  const std::string live_prefix = LiveWorkersPrefix(cluster);
  const std::string all_prefix = AuthorizedWorkersPrefix(cluster);
  for (const std::string& prefix : {all_prefix, live_prefix}) {
    auto range = client->GetPrefix(prefix);
    if (!range.ok()) return range.status().WithContext("ETCD membership: reading " + prefix);
    for (const auto& kv : range->kvs) {
      auto w = DecodeWorkerEntity(kv.value);
      if (!w.ok()) return w.status().WithContext("ETCD membership: the value of " + kv.key);
      // A live registration is the newer address.
      by_uuid[w->identity.Uuid()] = ToMember(*w, prefix == live_prefix ? "ONLINE" : "OFFLINE");
    }
  }
  std::vector<ClusterMember> out;
  for (auto& [uuid, m] : by_uuid) out.push_back(std::move(m));
  return out;
}

}  // namespace

Result<std::vector<ClusterMember>> ClusterMembers(const Configuration& conf, bool probe,
                                                  int64_t probe_timeout_ms) {
  ASSIGN_OR_RETURN(std::string type, MembershipType(conf));
  if (type == "ETCD") return EtcdMembers(conf);
  ASSIGN_OR_RETURN(auto membership, StaticMembership::FromConfig(conf));
  std::vector<ClusterMember> out;
  for (const auto& w : membership->Live()) out.push_back(ToMember(w, "N/A"));
  if (probe) Probe(&out, std::max<int64_t>(probe_timeout_ms, 1));
  return out;
}

}  // namespace alluxio::worker
