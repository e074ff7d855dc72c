#include "etcd_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "alluxio/etcd/rpc.grpc.pb.h"

namespace alluxio::worker {

struct EtcdClient::Endpoint {
  std::string name;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
};

namespace {

// The end of the key range that is "every key starting with prefix".
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

EtcdKeyValue FromProto(const mvccpb::KeyValue& kv) {
  EtcdKeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  out.lease = kv.lease();
  return out;
}

bool Unreachable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "error";
  }
}

// Records `s` for Try: its code, and "MESSAGE (CODE)" in `message`.
int Report(const grpc::Status& s, std::string* message) {
  if (!s.ok()) *message = s.error_message() + " (" + CodeName(s.error_code()) + ")";
  return static_cast<int>(s.error_code());
}

}  // namespace

Result<std::string> EtcdEndpointTarget(std::string_view endpoint) {
  std::string_view e = endpoint;
  while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
  while (!e.empty() && (e.back() == ' ' || e.back() == '\t' || e.back() == '/')) e.remove_suffix(1);
  if (e.substr(0, 8) == "https://") {
    return Status::InvalidArgument("etcd endpoint '" + std::string(endpoint) +
                                   "': https is not supported (use http://host:port)");
  }
  if (e.substr(0, 7) == "http://") e.remove_prefix(7);
  size_t colon = e.rfind(':');
  if (e.empty() || colon == std::string_view::npos || colon == 0 || colon + 1 == e.size() ||
      e.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("etcd endpoint '" + std::string(endpoint) +
                                   "' is not http://host:port");
  }
  for (char c : e.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("etcd endpoint '" + std::string(endpoint) +
                                     "' has a bad port");
    }
  }
  return std::string(e);
}

Result<std::shared_ptr<EtcdClient>> EtcdClient::Create(const Options& options) {
  if (options.endpoints.empty()) {
    return Status::InvalidArgument("no etcd endpoints given (alluxio.etcd.endpoints)");
  }
  std::shared_ptr<EtcdClient> c(new EtcdClient());
  c->rpc_timeout_ms_ = options.rpc_timeout_ms;
  for (const auto& name : options.endpoints) {
    ASSIGN_OR_RETURN(std::string target, EtcdEndpointTarget(name));
    grpc::ChannelArguments args;
    // An etcd that was down is tried again within a second of coming back,
    // not after gRPC's default backoff (up to two minutes).
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    auto ep = std::make_unique<Endpoint>();
    ep->name = name;
    ep->channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    ep->kv = etcdserverpb::KV::NewStub(ep->channel);
    ep->lease = etcdserverpb::Lease::NewStub(ep->channel);
    ep->watch = etcdserverpb::Watch::NewStub(ep->channel);
    c->names_.push_back(name);
    c->endpoints_.push_back(std::move(ep));
  }
  return c;
}

EtcdClient::~EtcdClient() = default;

Status EtcdClient::Try(const char* what, const std::function<int(Endpoint&, std::string*)>& call) {
  std::string failures;
  const size_t n = endpoints_.size();
  const size_t first = current_.load();
  for (size_t i = 0; i < n; ++i) {
    size_t at = (first + i) % n;
    Endpoint& ep = *endpoints_[at];
    std::string message;
    auto code = static_cast<grpc::StatusCode>(call(ep, &message));
    if (code == grpc::StatusCode::OK) {
      current_.store(at);
      return Status::OK();
    }
    std::string where = std::string("etcd ") + what + " at " + ep.name + ": " + message;
    if (!Unreachable(code)) {
      current_.store(at);
      if (code == grpc::StatusCode::NOT_FOUND) return Status::NotFound(where);
      if (code == grpc::StatusCode::INVALID_ARGUMENT) return Status::InvalidArgument(where);
      return Status::IoError(where);
    }
    failures += (failures.empty() ? "" : "; ") + where;
  }
  return {Code::kUnavailable, "no etcd endpoint answered: " + failures};
}

namespace {

void SetDeadline(grpc::ClientContext* ctx, int64_t ms) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
}

}  // namespace

Result<EtcdRange> EtcdClient::GetPrefix(std::string_view prefix) {
  etcdserverpb::RangeRequest req;
  req.set_key(std::string(prefix));
  req.set_range_end(PrefixEnd(prefix));
  etcdserverpb::RangeResponse resp;
  RETURN_IF_ERROR(Try("range", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    resp.Clear();
    return Report(ep.kv->Range(&ctx, req, &resp), msg);
  }));
  EtcdRange out;
  out.revision = resp.header().revision();
  for (const auto& kv : resp.kvs()) out.kvs.push_back(FromProto(kv));
  return out;
}

Result<std::optional<EtcdKeyValue>> EtcdClient::Get(std::string_view key) {
  etcdserverpb::RangeRequest req;
  req.set_key(std::string(key));
  etcdserverpb::RangeResponse resp;
  RETURN_IF_ERROR(Try("get", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    resp.Clear();
    return Report(ep.kv->Range(&ctx, req, &resp), msg);
  }));
  if (resp.kvs_size() == 0) return std::optional<EtcdKeyValue>();
  return std::optional<EtcdKeyValue>(FromProto(resp.kvs(0)));
}

Status EtcdClient::Put(std::string_view key, std::string_view value, int64_t lease) {
  etcdserverpb::PutRequest req;
  req.set_key(std::string(key));
  req.set_value(std::string(value));
  req.set_lease(lease);
  return Try("put", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    etcdserverpb::PutResponse resp;
    return Report(ep.kv->Put(&ctx, req, &resp), msg);
  });
}

Status EtcdClient::Delete(std::string_view key) {
  etcdserverpb::DeleteRangeRequest req;
  req.set_key(std::string(key));
  return Try("delete", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    etcdserverpb::DeleteRangeResponse resp;
    return Report(ep.kv->DeleteRange(&ctx, req, &resp), msg);
  });
}

Result<std::optional<EtcdKeyValue>> EtcdClient::PutIfAbsent(std::string_view key,
                                                            std::string_view value) {
  etcdserverpb::TxnRequest req;
  etcdserverpb::Compare* cmp = req.add_compare();
  cmp->set_result(etcdserverpb::Compare::EQUAL);
  cmp->set_target(etcdserverpb::Compare::VERSION);
  cmp->set_key(std::string(key));
  cmp->set_version(0);
  etcdserverpb::PutRequest* put = req.add_success()->mutable_request_put();
  put->set_key(std::string(key));
  put->set_value(std::string(value));
  req.add_failure()->mutable_request_range()->set_key(std::string(key));
  etcdserverpb::TxnResponse resp;
  RETURN_IF_ERROR(Try("txn", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    resp.Clear();
    return Report(ep.kv->Txn(&ctx, req, &resp), msg);
  }));
  if (resp.succeeded()) return std::optional<EtcdKeyValue>();
  for (const auto& op : resp.responses()) {
    if (op.has_response_range() && op.response_range().kvs_size() > 0) {
      return std::optional<EtcdKeyValue>(FromProto(op.response_range().kvs(0)));
    }
  }
  // Deleted between the compare and the read: report it as just written
  // by someone else, with no value.
  EtcdKeyValue gone;
  gone.key = std::string(key);
  return std::optional<EtcdKeyValue>(gone);
}

Result<EtcdLease> EtcdClient::Grant(int64_t ttl_seconds) {
  etcdserverpb::LeaseGrantRequest req;
  req.set_ttl(ttl_seconds);
  etcdserverpb::LeaseGrantResponse resp;
  RETURN_IF_ERROR(Try("lease grant", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    resp.Clear();
    return Report(ep.lease->LeaseGrant(&ctx, req, &resp), msg);
  }));
  if (!resp.error().empty() || resp.id() == 0) {
    return Status::IoError("etcd lease grant: " +
                           (resp.error().empty() ? std::string("no lease id") : resp.error()));
  }
  return EtcdLease{resp.id(), resp.ttl()};
}

Result<int64_t> EtcdClient::KeepAliveOnce(int64_t lease) {
  etcdserverpb::LeaseKeepAliveRequest req;
  req.set_id(lease);
  etcdserverpb::LeaseKeepAliveResponse resp;
  RETURN_IF_ERROR(Try("lease keep-alive", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    resp.Clear();
    auto stream = ep.lease->LeaseKeepAlive(&ctx);
    bool answered = stream->Write(req) && stream->Read(&resp);
    stream->WritesDone();
    if (answered) ctx.TryCancel();  // we asked once; do not wait for etcd to close
    grpc::Status s = stream->Finish();
    if (answered) return static_cast<int>(grpc::StatusCode::OK);
    if (s.ok()) s = grpc::Status(grpc::StatusCode::UNAVAILABLE, "keep-alive stream closed");
    return Report(s, msg);
  }));
  if (resp.ttl() <= 0) {
    return Status::NotFound("etcd lease " + std::to_string(lease) + " has expired");
  }
  return resp.ttl();
}

Status EtcdClient::Revoke(int64_t lease) {
  etcdserverpb::LeaseRevokeRequest req;
  req.set_id(lease);
  return Try("lease revoke", [&](Endpoint& ep, std::string* msg) {
    grpc::ClientContext ctx;
    SetDeadline(&ctx, rpc_timeout_ms_);
    etcdserverpb::LeaseRevokeResponse resp;
    return Report(ep.lease->LeaseRevoke(&ctx, req, &resp), msg);
  });
}

std::unique_ptr<EtcdWatch> EtcdClient::WatchPrefix(std::string prefix, int64_t start_revision,
                                                   EtcdWatch::Callback cb) {
  std::unique_ptr<EtcdWatch> w(
      new EtcdWatch(shared_from_this(), std::move(prefix), start_revision, std::move(cb)));
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

EtcdWatch::EtcdWatch(std::shared_ptr<EtcdClient> client, std::string prefix, int64_t start_revision,
                     Callback cb)
    : client_(std::move(client)),
      prefix_(std::move(prefix)),
      cb_(std::move(cb)),
      next_revision_(start_revision),
      error_(Code::kUnavailable, "etcd watch not yet established") {}

EtcdWatch::~EtcdWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (context_ != nullptr) static_cast<grpc::ClientContext*>(context_)->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status EtcdWatch::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void EtcdWatch::Run() {
  const size_t n = client_->endpoints_.size();
  size_t at = client_->current_.load() % n;
  int backoff_ms = 100;
  while (true) {
    EtcdClient::Endpoint& ep = *client_->endpoints_[at];
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      context_ = &ctx;
    }
    auto stream = ep.watch->Watch(&ctx);
    etcdserverpb::WatchRequest req;
    etcdserverpb::WatchCreateRequest* create = req.mutable_create_request();
    create->set_key(prefix_);
    create->set_range_end(PrefixEnd(prefix_));
    create->set_start_revision(next_revision_);
    std::string why;
    bool resync = false;
    if (stream->Write(req)) {
      etcdserverpb::WatchResponse resp;
      while (stream->Read(&resp)) {
        if (resp.created()) {
          connections_.fetch_add(1);
          backoff_ms = 100;
          std::lock_guard<std::mutex> lock(mu_);
          error_ = Status::OK();
        }
        if (resp.canceled()) {
          resync = resp.compact_revision() > 0;
          why = "watch canceled by etcd: " + (resp.cancel_reason().empty()
                                                  ? std::string("revision compacted")
                                                  : resp.cancel_reason());
          break;
        }
        if (resp.events_size() == 0) continue;
        EtcdWatchUpdate update;
        for (const auto& e : resp.events()) {
          EtcdEvent ev;
          ev.type = e.type() == mvccpb::Event::DELETE ? EtcdEvent::kDelete : EtcdEvent::kPut;
          ev.kv = FromProto(e.kv());
          next_revision_ = std::max(next_revision_, ev.kv.mod_revision + 1);
          update.events.push_back(std::move(ev));
        }
        cb_(update);
      }
    }
    ctx.TryCancel();
    grpc::Status s = stream->Finish();
    {
      std::lock_guard<std::mutex> lock(mu_);
      context_ = nullptr;
      if (stop_) return;
      if (why.empty()) {
        why = s.ok() ? std::string("stream closed by etcd")
                     : s.error_message() + " (" + CodeName(s.error_code()) + ")";
      }
      error_ =
          Status(Code::kUnavailable, "etcd watch of " + prefix_ + " at " + ep.name + ": " + why);
    }
    if (resync) {
      // The history after our revision is gone: read the present instead,
      // and watch from there.
      auto range = client_->GetPrefix(prefix_);
      if (range.ok()) {
        EtcdWatchUpdate update;
        update.snapshot = true;
        update.current = std::move(range->kvs);
        next_revision_ = range->revision + 1;
        cb_(update);
        continue;
      }
    }
    at = (at + 1) % n;  // try the next endpoint
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return stop_; });
    if (stop_) return;
    backoff_ms = std::min(backoff_ms * 2, 2000);
  }
}

Result<std::shared_ptr<EtcdClient>> EtcdClientFromConfig(const Configuration& conf,
                                                         std::string* cluster) {
  EtcdClient::Options opts;
  for (const auto& e : conf.GetList("alluxio.etcd.endpoints")) {
    if (!e.empty()) opts.endpoints.push_back(e);
  }
  if (opts.endpoints.empty()) {
    return Status::InvalidArgument(
        "alluxio.worker.membership.manager.type=ETCD needs alluxio.etcd.endpoints "
        "(e.g. http://127.0.0.1:2379), which is empty");
  }
  auto client = EtcdClient::Create(opts);
  if (!client.ok()) return client.status().WithContext("alluxio.etcd.endpoints");
  *cluster = conf.Get("alluxio.cluster.name");
  if (cluster->empty()) *cluster = "DefaultAlluxioCluster";
  return client;
}

}  // namespace alluxio::worker
