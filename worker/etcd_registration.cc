#include "etcd_registration.h"

#include <errno.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "worker_entity.h"

namespace alluxio::worker {
namespace {

bool Wildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

// Alluxio's WorkerServiceEntity.equalsIgnoringOptionalFields: the same
// worker, perhaps with another HttpServerPort (or netty port).
bool SameIgnoringOptional(const WorkerInfo& a, const WorkerInfo& b) {
  const WorkerNetAddress& x = a.address;
  const WorkerNetAddress& y = b.address;
  return a.identity == b.identity && x.host == y.host && x.container_host == y.container_host &&
         x.rpc_port == y.rpc_port && x.data_port == y.data_port && x.web_port == y.web_port &&
         x.domain_socket_path == y.domain_socket_path;
}

std::string Describe(const WorkerNetAddress& a) {
  return a.host + ":" + std::to_string(a.rpc_port);
}

}  // namespace

std::string WorkerIdentityFile(const Configuration& conf) {
  std::string path = conf.Get("alluxio.worker.identity.uuid.file.path");
  return path.empty() ? conf.Get("alluxio.work.dir") + "/worker_identity" : path;
}

Result<WorkerIdentity> WorkerIdentityFromConfig(const Configuration& conf, std::string* warning) {
  std::string configured = conf.Get("alluxio.worker.identity.uuid");
  if (!configured.empty()) {
    auto id = WorkerIdentity::FromUuid(configured);
    if (!id.ok()) return id.status().WithContext("alluxio.worker.identity.uuid");
    return id;
  }
  const std::string file = WorkerIdentityFile(conf);
  std::ifstream in(file);
  if (in) {
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      auto id = WorkerIdentity::FromUuid(line);
      if (!id.ok()) return id.status().WithContext("worker identity file " + file);
      return id;
    }
    if (in.bad()) return Status::IoError("cannot read worker identity file " + file);
    // Only comments: as Alluxio, a new identity (written below).
  } else if (errno != ENOENT) {
    return Status::FromErrno(errno, "worker identity file " + file);
  }

  WorkerIdentity id;
  if (RAND_bytes(id.id.data(), static_cast<int>(id.id.size())) != 1) {
    return Status::IoError("cannot draw a random worker identity");
  }
  id.id[6] = static_cast<uint8_t>((id.id[6] & 0x0f) | 0x40);  // version 4: random
  id.id[8] = static_cast<uint8_t>((id.id[8] & 0x3f) | 0x80);  // the IETF variant
  char date[64];
  time_t now = time(nullptr);
  struct tm tm_utc;
  gmtime_r(&now, &tm_utc);
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm_utc);
  std::ofstream out(file, std::ios::trunc);
  out << "# Worker identity automatically generated at " << date << "\n" << id.Uuid() << "\n";
  out.close();
  if (!out) {
    if (warning != nullptr) {
      *warning = "cannot write worker identity file " + file + ": this worker (" + id.ToString() +
                 ") gets a new identity at restart";
    }
    return id;
  }
  struct stat st;
  if (::stat(file.c_str(), &st) == 0) {
    ::chmod(file.c_str(), st.st_mode & ~static_cast<mode_t>(S_IWUSR | S_IWGRP | S_IWOTH));
  }
  return id;
}

WorkerInfo LocalWorkerInfo(const Configuration& conf, const WorkerIdentity& identity, int rpc_port,
                           int data_port) {
  WorkerInfo info;
  info.identity = identity;
  WorkerNetAddress& a = info.address;
  a.host = conf.Get("alluxio.worker.hostname");
  if (a.host.empty()) {
    std::string bind = conf.Get("alluxio.worker.bind.host");
    if (!Wildcard(bind)) {
      a.host = bind;
      if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') {
        a.host = a.host.substr(1, a.host.size() - 2);
      }
    } else {
      char name[256] = {};
      if (gethostname(name, sizeof(name) - 1) == 0) a.host = name;
    }
  }
  a.container_host = conf.Get("alluxio.worker.container.hostname");
  a.rpc_port = rpc_port;
  const bool netty = data_port > 0 && conf.GetBool("alluxio.user.netty.data.transmission.enabled");
  a.data_port = netty ? data_port : rpc_port;
  a.netty_data_port = netty ? data_port : 0;
  a.web_port = static_cast<int>(conf.GetInt("alluxio.worker.web.port"));
  a.http_server_port = static_cast<int>(conf.GetInt("alluxio.worker.http.server.port"));
  return info;
}

Result<std::unique_ptr<EtcdRegistration>> EtcdRegistration::Start(
    std::shared_ptr<EtcdClient> client, const std::string& cluster, const WorkerInfo& self,
    int64_t ttl_seconds) {
  std::unique_ptr<EtcdRegistration> r(new EtcdRegistration());
  r->client_ = std::move(client);
  r->value_ = EncodeWorkerEntity(self);
  r->live_key_ = LiveWorkersPrefix(cluster) + self.identity.ToString();
  r->ttl_seconds_ = ttl_seconds < 1 ? 1 : ttl_seconds;

  const std::string authorized = AuthorizedWorkersPrefix(cluster) + self.identity.ToString();
  auto existing = r->client_->PutIfAbsent(authorized, r->value_);
  if (!existing.ok()) return existing.status().WithContext("registering at " + authorized);
  if (existing->has_value() && (*existing)->value != r->value_) {
    auto theirs = DecodeWorkerEntity((*existing)->value);
    if (!theirs.ok()) {
      return Status::IoError("existing WorkerServiceEntity at " + authorized +
                             " is corrupted: " + theirs.status().message());
    }
    if (!SameIgnoringOptional(*theirs, self)) {
      return Status::AlreadyExists(
          "another worker (" + Describe(theirs->address) + ") is registered as " +
          self.identity.ToString() + " at " + authorized + ", not this one (" +
          Describe(self.address) +
          "); two workers cannot share one identity: give this one another "
          "alluxio.worker.identity.uuid or identity file, or delete that key");
    }
    RETURN_IF_ERROR(
        r->client_->Put(authorized, r->value_).WithContext("registering at " + authorized));
  }
  RETURN_IF_ERROR(r->Register());
  r->keeper_ = std::thread([raw = r.get()] { raw->Keep(); });
  return r;
}

Result<std::unique_ptr<EtcdRegistration>> EtcdRegistration::FromConfig(const Configuration& conf,
                                                                       const WorkerInfo& self) {
  std::string cluster;
  ASSIGN_OR_RETURN(auto client, EtcdClientFromConfig(conf, &cluster));
  int64_t ttl = conf.GetDurationMs("alluxio.worker.failure.detection.timeout") / 1000;
  return Start(client, cluster, self, ttl);
}

Status EtcdRegistration::Register() {
  auto lease = client_->Grant(ttl_seconds_);
  if (!lease.ok()) return lease.status().WithContext("registering at " + live_key_);
  Status put = client_->Put(live_key_, value_, lease->id);
  if (!put.ok()) {
    (void)client_->Revoke(lease->id);
    return put.WithContext("registering at " + live_key_);
  }
  lease_.store(lease->id);
  registrations_.fetch_add(1);
  return Status::OK();
}

void EtcdRegistration::Keep() {
  // Three renewals per TTL: one lost renewal never lets the lease lapse.
  const auto period = std::chrono::milliseconds(ttl_seconds_ * 1000 / 3);
  bool healthy = true;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, period, [this] { return stop_; });
      if (stop_) return;
    }
    auto ttl = client_->KeepAliveOnce(lease_.load());
    Status s = ttl.ok() ? Status::OK() : ttl.status();
    if (s.code() == Code::kNotFound) s = Register();  // the lease lapsed: join again
    if (s.ok() != healthy) {
      healthy = s.ok();
      if (healthy) {
        std::fprintf(stderr, "alluxio-worker: etcd: registration %s renewed (lease %lld)\n",
                     live_key_.c_str(), static_cast<long long>(lease_.load()));
      } else {
        std::fprintf(stderr, "alluxio-worker: etcd: cannot renew %s: %s\n", live_key_.c_str(),
                     s.ToString().c_str());
      }
    }
  }
}

Status EtcdRegistration::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return Status::OK();
    stop_ = true;
  }
  cv_.notify_all();
  if (keeper_.joinable()) keeper_.join();
  Status s = client_->Revoke(lease_.load());
  if (s.code() == Code::kNotFound) return Status::OK();  // already gone
  return s.WithContext("unregistering " + live_key_);
}

EtcdRegistration::~EtcdRegistration() { (void)Stop(); }

}  // namespace alluxio::worker
