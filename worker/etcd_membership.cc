#include "etcd_membership.h"

#include "worker_entity.h"

namespace alluxio::worker {
namespace {

bool SameWorker(const WorkerInfo& a, const WorkerInfo& b) {
  const WorkerNetAddress& x = a.address;
  const WorkerNetAddress& y = b.address;
  return a.identity == b.identity && x.host == y.host && x.container_host == y.container_host &&
         x.rpc_port == y.rpc_port && x.data_port == y.data_port &&
         x.netty_data_port == y.netty_data_port && x.web_port == y.web_port &&
         x.http_server_port == y.http_server_port && x.domain_socket_path == y.domain_socket_path;
}

}  // namespace

Result<std::shared_ptr<Membership>> EtcdMembership::FromConfig(const Configuration& conf) {
  std::string cluster;
  ASSIGN_OR_RETURN(auto client, EtcdClientFromConfig(conf, &cluster));
  ASSIGN_OR_RETURN(auto m, Start(client, cluster));
  return std::shared_ptr<Membership>(std::move(m));
}

Result<std::shared_ptr<EtcdMembership>> EtcdMembership::Start(
    const std::shared_ptr<EtcdClient>& client, const std::string& cluster) {
  std::string prefix = LiveWorkersPrefix(cluster);
  auto range = client->GetPrefix(prefix);
  if (!range.ok()) {
    return range.status().WithContext("ETCD membership: cannot read the live workers under " +
                                      prefix);
  }
  std::shared_ptr<EtcdMembership> m(new EtcdMembership(client, prefix));
  {
    std::lock_guard<std::mutex> lock(m->mu_);
    for (const auto& kv : range->kvs) m->PutLocked(kv.key, kv.value);
  }
  EtcdMembership* raw = m.get();
  m->watch_ = client->WatchPrefix(prefix, range->revision + 1,
                                  [raw](const EtcdWatchUpdate& u) { raw->Apply(u); });
  return m;
}

EtcdMembership::~EtcdMembership() { watch_.reset(); }

bool EtcdMembership::PutLocked(const std::string& key, const std::string& value) {
  auto info = DecodeWorkerEntity(value);
  auto it = members_.find(key);
  if (!info.ok()) {
    bad_value_ = info.status().WithContext("etcd key " + key);
    if (it == members_.end()) return false;
    members_.erase(it);
    return true;
  }
  if (it != members_.end() && SameWorker(it->second, *info)) return false;
  members_[key] = std::move(*info);
  return true;
}

void EtcdMembership::Apply(const EtcdWatchUpdate& update) {
  std::lock_guard<std::mutex> lock(mu_);
  bool changed = false;
  if (update.snapshot) {
    std::map<std::string, WorkerInfo> before = std::move(members_);
    members_.clear();
    bad_value_ = Status::OK();
    for (const auto& kv : update.current) PutLocked(kv.key, kv.value);
    changed = before.size() != members_.size();
    for (auto a = before.begin(), b = members_.begin(); !changed && a != before.end(); ++a, ++b) {
      changed = a->first != b->first || !SameWorker(a->second, b->second);
    }
  }
  for (const auto& e : update.events) {
    if (e.type == EtcdEvent::kDelete) {
      changed = members_.erase(e.kv.key) > 0 || changed;
    } else {
      changed = PutLocked(e.kv.key, e.kv.value) || changed;
    }
  }
  if (changed) epoch_.fetch_add(1);
}

std::vector<WorkerInfo> EtcdMembership::Live() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WorkerInfo> out;
  out.reserve(members_.size());
  for (const auto& [key, info] : members_) out.push_back(info);
  return out;
}

Status EtcdMembership::Health() const {
  Status watch = watch_->LastError();
  if (!watch.ok()) return watch;
  std::lock_guard<std::mutex> lock(mu_);
  return bad_value_;
}

}  // namespace alluxio::worker
