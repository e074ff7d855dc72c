#include "worker_client.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "wire.h"

namespace alluxio::worker {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char kAddressesKey[] = "alluxio.user.worker.addresses";

}  // namespace

struct WorkerPool::Worker {
  std::string address;
  std::mutex mu;  // guards stub and pid; leaf lock
  std::shared_ptr<proto::Worker::Stub> stub;
  pid_t pid = 0;
  // Steady-clock ms until which the worker counts as down; 0 = up.
  std::atomic<int64_t> down_until{0};
  std::atomic<bool> down{false};  // for logging the transitions once
  std::atomic<bool> refusal_logged{false};
};

Status ValidateAddress(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("worker address '" + std::string(address) +
                                   "' is not host:port");
  }
  std::string_view host = address.substr(0, colon);
  if (host.front() == '[' ? host.back() != ']' || host.size() < 3
                          : host.find(':') != std::string_view::npos) {
    return Status::InvalidArgument("worker address '" + std::string(address) +
                                   "' has a malformed host (IPv6 needs [brackets])");
  }
  std::string_view port = address.substr(colon + 1);
  int value = 0;
  if (port.empty() || port.size() > 5) value = -1;
  for (char c : port) {
    if (c < '0' || c > '9') value = -1;
    if (value >= 0) value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) {
    return Status::InvalidArgument("worker address '" + std::string(address) +
                                   "' needs a port in 1..65535");
  }
  return Status::OK();
}

Result<std::shared_ptr<WorkerPool>> WorkerPool::FromConfig(const Configuration& conf) {
  WorkerPoolOptions opts;
  opts.addresses = conf.GetList(kAddressesKey);
  opts.virtual_nodes =
      static_cast<int>(conf.GetInt("alluxio.user.consistent.hash.virtual.node.count.per.worker"));
  opts.rpc_timeout_ms = conf.GetDurationMs("alluxio.user.worker.rpc.timeout");
  opts.failure_backoff_ms = conf.GetDurationMs("alluxio.user.worker.failure.backoff");
  return Create(std::move(opts));
}

Result<std::shared_ptr<WorkerPool>> WorkerPool::Create(WorkerPoolOptions opts) {
  if (opts.addresses.empty())
    return Status::InvalidArgument(std::string(kAddressesKey) + " is empty");
  std::set<std::string> seen;
  for (const auto& a : opts.addresses) {
    Status st = ValidateAddress(a);
    if (!st.ok()) return st.WithContext(std::string("bad value for property ") + kAddressesKey);
    if (!seen.insert(a).second) {
      return Status::InvalidArgument(std::string("bad value for property ") + kAddressesKey +
                                     ": worker " + a + " is listed twice");
    }
  }
  if (opts.virtual_nodes < 1 || opts.virtual_nodes > 100000) {
    return Status::InvalidArgument(
        "bad value for property alluxio.user.consistent.hash.virtual.node.count.per.worker: " +
        std::to_string(opts.virtual_nodes) + " is not in 1..100000");
  }
  if (opts.rpc_timeout_ms <= 0) opts.rpc_timeout_ms = 30000;
  return std::shared_ptr<WorkerPool>(new WorkerPool(std::move(opts)));
}

WorkerPool::WorkerPool(WorkerPoolOptions opts)
    : opts_(std::move(opts)), ring_(opts_.addresses, opts_.virtual_nodes) {
  for (const auto& a : ring_.addresses()) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->address = a;
  }
}

WorkerPool::~WorkerPool() = default;

std::shared_ptr<proto::Worker::Stub> WorkerPool::Stub(size_t w) {
  Worker& wk = *workers_[w];
  std::lock_guard<std::mutex> lock(wk.mu);
  pid_t pid = ::getpid();
  if (!wk.stub || wk.pid != pid) {
    // In a forked child the parent's channel is unusable: it is dropped
    // (leaked, since tearing it down could touch the parent's threads) and a
    // fresh one made.
    if (wk.stub && wk.pid != pid) new std::shared_ptr<proto::Worker::Stub>(std::move(wk.stub));
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    // A dead worker is retried after the backoff, not hammered by gRPC's
    // own reconnect loop in between.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(opts_.failure_backoff_ms));
    auto channel = grpc::CreateCustomChannel(wk.address, grpc::InsecureChannelCredentials(), args);
    wk.stub = proto::Worker::NewStub(channel);
    wk.pid = pid;
  }
  return wk.stub;
}

bool WorkerPool::Available(size_t w) const {
  int64_t until = workers_[w]->down_until.load(std::memory_order_relaxed);
  return until == 0 || NowMs() >= until;
}

Status WorkerPool::Finish(size_t w, const Status& transport) {
  Worker& wk = *workers_[w];
  if (transport.ok()) {
    if (wk.down_until.load(std::memory_order_relaxed) != 0) {
      wk.down_until.store(0, std::memory_order_relaxed);
      if (wk.down.exchange(false) && opts_.log) {
        std::fprintf(stderr, "alluxio: worker %s is back; reading through it again\n",
                     wk.address.c_str());
      }
    }
    return transport;
  }
  wk.down_until.store(NowMs() + opts_.failure_backoff_ms, std::memory_order_relaxed);
  if (!wk.down.exchange(true) && opts_.log) {
    // The message already starts with "worker <address>: ".
    std::string why = transport.message();
    std::string prefix = "worker " + wk.address + ": ";
    if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
    std::fprintf(stderr,
                 "alluxio: worker %s failed (%s); reading from the UFS directly, retrying the "
                 "worker in %lld ms\n",
                 wk.address.c_str(), why.c_str(), static_cast<long long>(opts_.failure_backoff_ms));
  }
  return transport;
}

void WorkerPool::NoteRefusal(size_t w, const Status& st) {
  Worker& wk = *workers_[w];
  if (!wk.refusal_logged.exchange(true) && opts_.log) {
    std::fprintf(stderr, "alluxio: worker %s cannot serve a read (%s); reading from the UFS\n",
                 wk.address.c_str(), st.ToString().c_str());
  }
}

namespace {

void SetDeadline(grpc::ClientContext* ctx, int64_t timeout_ms) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
}

}  // namespace

Result<size_t> WorkerPool::ReadRange(size_t w, const std::string& ufs_uri, const std::string& path,
                                     uint64_t version, uint64_t offset, size_t length, char* buf) {
  if (length > kMaxReadRange) {
    return Status::InvalidArgument("worker read of " + std::to_string(length) + " bytes");
  }
  proto::ReadRangeRequest req;
  req.set_ufs_uri(ufs_uri);
  req.set_path(path);
  req.set_version(version);
  req.set_offset(offset);
  req.set_length(length);
  proto::ReadRangeResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  RETURN_IF_ERROR(Finish(w, FromGrpc(Stub(w)->ReadRange(&ctx, req, &resp), address(w))));
  RETURN_IF_ERROR(FromProto(resp.error()));
  const std::string& data = resp.data();
  if (data.size() > length) {
    return Status::IoError("worker " + address(w) + " returned more bytes than asked");
  }
  data.copy(buf, data.size());
  return data.size();
}

Result<FileAttr> WorkerPool::GetStatus(size_t w, const std::string& ufs_uri,
                                       const std::string& path) {
  proto::GetStatusRequest req;
  req.set_ufs_uri(ufs_uri);
  req.set_path(path);
  proto::GetStatusResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  RETURN_IF_ERROR(Finish(w, FromGrpc(Stub(w)->GetStatus(&ctx, req, &resp), address(w))));
  RETURN_IF_ERROR(FromProto(resp.error()));
  return FromProto(resp.attr());
}

Result<std::vector<FileInfo>> WorkerPool::ListStatus(size_t w, const std::string& ufs_uri,
                                                     const std::string& path) {
  proto::ListStatusRequest req;
  req.set_ufs_uri(ufs_uri);
  req.set_path(path);
  proto::ListStatusResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  RETURN_IF_ERROR(Finish(w, FromGrpc(Stub(w)->ListStatus(&ctx, req, &resp), address(w))));
  RETURN_IF_ERROR(FromProto(resp.error()));
  std::vector<FileInfo> out;
  out.reserve(static_cast<size_t>(resp.entries_size()));
  for (const auto& e : resp.entries()) out.push_back(FileInfo{e.name(), FromProto(e.attr())});
  return out;
}

Result<WorkerHealth> WorkerPool::Health(size_t w) {
  proto::HealthRequest req;
  proto::HealthResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  RETURN_IF_ERROR(Finish(w, FromGrpc(Stub(w)->Health(&ctx, req, &resp), address(w))));
  RETURN_IF_ERROR(FromProto(resp.error()));
  WorkerHealth h;
  h.pid = resp.pid();
  h.version = resp.version();
  h.read_ranges = resp.read_ranges();
  h.bytes_read = resp.bytes_read();
  h.cache_hits = resp.cache_hits();
  h.cache_misses = resp.cache_misses();
  return h;
}

}  // namespace alluxio::worker
