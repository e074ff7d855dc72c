#include "worker_client.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>

#include "etcd_membership.h"
#include "static_membership.h"
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
  WorkerIdentity identity;
  std::string address;  // host:rpc_port
  std::mutex mu;        // guards stubs and pid; leaf lock
  WorkerPool::Stubs stubs;
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

Result<std::shared_ptr<Membership>> MembershipFromConfig(const Configuration& conf) {
  ASSIGN_OR_RETURN(std::string type, MembershipType(conf));
  if (type == "ETCD") return EtcdMembership::FromConfig(conf);
  return StaticMembership::FromConfig(conf);
}

Result<std::shared_ptr<WorkerPool>> WorkerPool::FromConfig(const Configuration& conf) {
  WorkerPoolOptions opts;
  ASSIGN_OR_RETURN(opts.membership, MembershipFromConfig(conf));
  opts.virtual_nodes =
      static_cast<int>(conf.GetInt("alluxio.user.consistent.hash.virtual.node.count.per.worker"));
  opts.rpc_timeout_ms = conf.GetDurationMs("alluxio.user.worker.rpc.timeout");
  opts.failure_backoff_ms = conf.GetDurationMs("alluxio.user.worker.failure.backoff");
  return Create(std::move(opts));
}

Result<std::shared_ptr<WorkerPool>> WorkerPool::Create(WorkerPoolOptions opts) {
  if (opts.virtual_nodes < 1 || opts.virtual_nodes > 100000) {
    return Status::InvalidArgument(
        "bad value for property alluxio.user.consistent.hash.virtual.node.count.per.worker: " +
        std::to_string(opts.virtual_nodes) + " is not in 1..100000");
  }
  if (opts.rpc_timeout_ms <= 0) opts.rpc_timeout_ms = 30000;
  if (!opts.membership) {
    if (opts.addresses.empty()) {
      return Status::InvalidArgument(std::string(kAddressesKey) + " is empty");
    }
    std::set<std::string> seen;
    std::vector<WorkerInfo> workers;
    for (const auto& a : opts.addresses) {
      Status st = ValidateAddress(a);
      if (!st.ok()) return st.WithContext(std::string("bad value for property ") + kAddressesKey);
      if (!seen.insert(a).second) {
        return Status::InvalidArgument(std::string("bad value for property ") + kAddressesKey +
                                       ": worker " + a + " is listed twice");
      }
      WorkerInfo info;
      info.identity = WorkerIdentity::FromName(a);
      size_t colon = a.rfind(':');
      info.address.host = a.substr(0, colon);
      info.address.rpc_port = std::stoi(a.substr(colon + 1));
      workers.push_back(std::move(info));
    }
    opts.membership = std::make_shared<StaticMembership>(std::move(workers));
  }
  auto pool = std::shared_ptr<WorkerPool>(new WorkerPool(std::move(opts)));
  // Number the workers known now in the membership's order, so that a
  // static pool's numbers are its addresses' positions.
  (void)pool->CurrentRing();
  return pool;
}

WorkerPool::WorkerPool(WorkerPoolOptions opts) : opts_(std::move(opts)), workers_(kMaxWorkers) {}

size_t WorkerPool::SlotOf(const WorkerInfo& info) {
  std::string host = info.address.host;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  std::string address = host + ":" + std::to_string(info.address.rpc_port);
  size_t n = count_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    // A worker that comes back at another address is the same worker on
    // the ring but a new connection.
    if (workers_[i]->identity == info.identity && workers_[i]->address == address) return i;
  }
  if (n == kMaxWorkers) return n - 1;  // beyond any real cluster; reuse the last slot
  auto w = std::make_unique<Worker>();
  w->identity = info.identity;
  w->address = address;
  workers_[n] = std::move(w);
  count_.store(n + 1, std::memory_order_release);
  return n;
}

std::shared_ptr<const WorkerPool::Ring> WorkerPool::CurrentRing() {
  uint64_t epoch = opts_.membership->Epoch();
  std::lock_guard<std::mutex> lock(ring_mu_);
  if (ring_ && ring_->epoch == epoch) return ring_;
  std::vector<WorkerIdentity> ids;
  std::vector<size_t> slots;
  for (const WorkerInfo& info : opts_.membership->Live()) {
    ids.push_back(info.identity);
    slots.push_back(SlotOf(info));
  }
  ring_ = std::make_shared<const Ring>(
      Ring{epoch, ConsistentHashRing(std::move(ids), opts_.virtual_nodes), std::move(slots)});
  return ring_;
}

std::vector<size_t> WorkerPool::Members() { return CurrentRing()->slots; }

const std::string& WorkerPool::address(size_t w) const { return workers_[w]->address; }

const WorkerIdentity& WorkerPool::identity(size_t w) const { return workers_[w]->identity; }

WorkerPool::~WorkerPool() = default;

WorkerPool::Stubs WorkerPool::StubsOf(size_t w) {
  Worker& wk = *workers_[w];
  std::lock_guard<std::mutex> lock(wk.mu);
  pid_t pid = ::getpid();
  if (!wk.stubs.block || wk.pid != pid) {
    // In a forked child the parent's channel is unusable: it is dropped
    // (leaked, since tearing it down could touch the parent's threads) and a
    // fresh one made.
    if (wk.stubs.block && wk.pid != pid) new Stubs(std::move(wk.stubs));
    ::grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    // A dead worker is retried after the backoff, not hammered by gRPC's
    // own reconnect loop in between.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(opts_.failure_backoff_ms));
    auto channel =
        ::grpc::CreateCustomChannel(wk.address, ::grpc::InsecureChannelCredentials(), args);
    wk.stubs.block = ::alluxio::grpc::block::BlockWorker::NewStub(channel);
    wk.stubs.health = proto::Worker::NewStub(channel);
    wk.pid = pid;
  }
  return wk.stubs;
}

std::vector<size_t> WorkerPool::Owners(std::string_view key, size_t count) {
  std::shared_ptr<const Ring> ring = CurrentRing();
  std::vector<size_t> out = ring->ring.Owners(key, count);
  for (size_t& i : out) i = ring->slots[i];
  return out;
}

bool WorkerPool::Available(size_t w) const {
  int64_t until = workers_[w]->down_until.load(std::memory_order_relaxed);
  return until == 0 || NowMs() >= until;
}

Status WorkerPool::Finish(size_t w, const Status& st, bool transport_failure) {
  Worker& wk = *workers_[w];
  if (!transport_failure) {
    if (wk.down_until.load(std::memory_order_relaxed) != 0) {
      wk.down_until.store(0, std::memory_order_relaxed);
      if (wk.down.exchange(false) && opts_.log) {
        std::fprintf(stderr, "alluxio: worker %s is back; reading through it again\n",
                     wk.address.c_str());
      }
    }
    return st;
  }
  wk.down_until.store(NowMs() + opts_.failure_backoff_ms, std::memory_order_relaxed);
  if (!wk.down.exchange(true) && opts_.log) {
    // The message already starts with "worker <address>: ".
    std::string why = st.message();
    std::string prefix = "worker " + wk.address + ": ";
    if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
    std::fprintf(stderr,
                 "alluxio: worker %s failed (%s); asking the next worker or the UFS, retrying "
                 "it in %lld ms\n",
                 wk.address.c_str(), why.c_str(), static_cast<long long>(opts_.failure_backoff_ms));
  }
  return st;
}

void WorkerPool::NoteRefusal(size_t w, const Status& st) {
  Worker& wk = *workers_[w];
  if (!wk.refusal_logged.exchange(true) && opts_.log) {
    std::fprintf(stderr, "alluxio: worker %s cannot serve a read (%s); reading from the UFS\n",
                 wk.address.c_str(), st.ToString().c_str());
  }
}

namespace {

namespace fpb = ::alluxio::grpc::file;
namespace bpb = ::alluxio::grpc::block;

void SetDeadline(::grpc::ClientContext* ctx, int64_t timeout_ms) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
}

bpb::ReadRequest FirstRead(const std::string& uri, uint64_t size, uint64_t offset,
                           uint64_t length) {
  bpb::ReadRequest req;
  // A UFS file read: the "block" is the whole file, so offsets are the
  // file's.
  req.set_block_id(0);
  req.set_offset(static_cast<int64_t>(offset));
  req.set_length(static_cast<int64_t>(length));
  req.set_chunk_size(static_cast<int64_t>(kChunkBytes));
  req.set_position_short(length <= kChunkBytes);
  auto* o = req.mutable_open_ufs_block_options();
  o->set_ufs_path(uri);
  o->set_offset_in_file(0);
  o->set_block_size(static_cast<int64_t>(size));
  return req;
}

}  // namespace

// One ReadBlock call, read in chunks, each acknowledged.
class BlockStream : public UfsStream {
 public:
  BlockStream(std::unique_ptr<::grpc::ClientContext> ctx,
              std::unique_ptr<::grpc::ClientReaderWriter<bpb::ReadRequest, bpb::ReadResponse>> rw,
              std::string address, uint64_t length)
      : ctx_(std::move(ctx)), rw_(std::move(rw)), address_(std::move(address)), left_(length) {}

  ~BlockStream() override { Cancel(); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!status_.ok()) return status_;
    if (pos_ == chunk_.size()) {
      if (left_ == 0 || done_) return size_t{0};
      bpb::ReadResponse resp;
      if (!rw_->Read(&resp)) {
        done_ = true;
        ::grpc::Status st = rw_->Finish();
        finished_ = true;
        if (!st.ok()) return status_ = FromGrpc(st, *ctx_, address_);
        if (left_ > 0) {
          return status_ = Status(Code::kAborted, "worker " + address_ + " ended a read " +
                                                      std::to_string(left_) + " bytes short");
        }
        return size_t{0};
      }
      chunk_ = std::move(*resp.mutable_chunk()->mutable_data());
      pos_ = 0;
      if (chunk_.size() > left_) {
        return status_ = Status::IoError("worker " + address_ + " sent more bytes than asked");
      }
      left_ -= chunk_.size();
      received_ += chunk_.size();
      bpb::ReadRequest ack;
      ack.set_offset_received(static_cast<int64_t>(received_));
      (void)rw_->Write(ack);
    }
    size_t take = std::min(n, chunk_.size() - pos_);
    std::memcpy(buf, chunk_.data() + pos_, take);
    pos_ += take;
    return take;
  }

  void Cancel() override {
    if (!finished_) {
      ctx_->TryCancel();
      (void)rw_->Finish();
      finished_ = true;
    }
  }

  // Ends the call after `n` bytes were read: the worker, having sent what
  // was asked, ends its side; its status is the read's.
  Result<size_t> Close(size_t n) {
    if (finished_) return status_.ok() ? Result<size_t>(n) : Result<size_t>(status_);
    (void)rw_->WritesDone();
    bpb::ReadResponse extra;
    bool more = rw_->Read(&extra);
    ::grpc::Status st = rw_->Finish();
    finished_ = true;
    if (more) return Status::IoError("worker " + address_ + " sent more bytes than asked");
    if (!st.ok()) return FromGrpc(st, *ctx_, address_);
    return n;
  }

  // Reads exactly what was asked (fewer only when the file ends).
  Result<size_t> ReadAll(char* buf, size_t n) {
    size_t done = 0;
    while (done < n) {
      ASSIGN_OR_RETURN(size_t got, Read(buf + done, n - done));
      if (got == 0) break;
      done += got;
    }
    return done;
  }

 private:
  std::unique_ptr<::grpc::ClientContext> ctx_;
  std::unique_ptr<::grpc::ClientReaderWriter<bpb::ReadRequest, bpb::ReadResponse>> rw_;
  const std::string address_;
  uint64_t left_;
  uint64_t received_ = 0;
  std::string chunk_;
  size_t pos_ = 0;
  bool done_ = false;
  bool finished_ = false;
  Status status_;
};

Result<FileInfo> WorkerPool::GetStatus(size_t w, const std::string& uri) {
  fpb::GetStatusPRequest req;
  req.set_path(uri);
  fpb::GetStatusPResponse resp;
  ::grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  ::grpc::Status st = StubsOf(w).block->GetStatus(&ctx, req, &resp);
  RETURN_IF_ERROR(Finish(w, FromGrpc(st, ctx, address(w)), IsTransportFailure(st, ctx)));
  return FromProto(resp.fileinfo());
}

Result<std::vector<FileInfo>> WorkerPool::ListStatus(size_t w, const std::string& uri) {
  fpb::ListStatusPRequest req;
  req.set_path(uri);
  req.mutable_options()->set_recursive(false);
  ::grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  auto reader = StubsOf(w).block->ListStatus(&ctx, req);
  std::vector<FileInfo> out;
  fpb::ListStatusPResponse batch;
  while (reader->Read(&batch)) {
    for (const auto& e : batch.fileinfos()) out.push_back(FromProto(e));
  }
  ::grpc::Status st = reader->Finish();
  RETURN_IF_ERROR(Finish(w, FromGrpc(st, ctx, address(w)), IsTransportFailure(st, ctx)));
  return out;
}

Result<std::unique_ptr<BlockStream>> WorkerPool::StartRead(size_t w, const std::string& uri,
                                                           uint64_t version, uint64_t size,
                                                           uint64_t offset, uint64_t length,
                                                           bool deadline) {
  length = offset >= size ? 0 : std::min(length, size - offset);
  auto ctx = std::make_unique<::grpc::ClientContext>();
  if (deadline) SetDeadline(ctx.get(), opts_.rpc_timeout_ms);
  if (version != 0) ctx->AddMetadata(kVersionKey, std::to_string(version));
  auto rw = StubsOf(w).block->ReadBlock(ctx.get());
  if (!rw->Write(FirstRead(uri, size, offset, length))) {
    // The call broke before the request went out: Finish says why.
    ::grpc::Status st = rw->Finish();
    Status err = FromGrpc(st, *ctx, address(w));
    if (err.ok()) err = Status(Code::kUnavailable, "worker " + address(w) + " closed the read");
    return Finish(w, err, st.ok() || IsTransportFailure(st, *ctx));
  }
  return std::make_unique<BlockStream>(std::move(ctx), std::move(rw), address(w), length);
}

Result<std::unique_ptr<UfsStream>> WorkerPool::OpenStream(size_t w, const std::string& uri,
                                                          uint64_t version, uint64_t size,
                                                          uint64_t offset, uint64_t length) {
  ASSIGN_OR_RETURN(auto stream, StartRead(w, uri, version, size, offset, length, false));
  return std::unique_ptr<UfsStream>(std::move(stream));
}

Result<size_t> WorkerPool::Read(size_t w, const std::string& uri, uint64_t version, uint64_t size,
                                uint64_t offset, size_t length, char* buf) {
  if (offset >= size || length == 0) return size_t{0};
  ASSIGN_OR_RETURN(auto stream, StartRead(w, uri, version, size, offset, length, true));
  Result<size_t> got = stream->ReadAll(buf, length);
  if (got.ok()) got = stream->Close(*got);
  if (!got.ok()) {
    Code c = got.status().code();
    return Finish(w, got.status(), c == Code::kUnavailable || c == Code::kTimedOut);
  }
  (void)Finish(w, Status::OK(), false);
  return got;
}

Result<WorkerHealth> WorkerPool::Health(size_t w) {
  proto::HealthRequest req;
  proto::HealthResponse resp;
  ::grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  ::grpc::Status st = StubsOf(w).health->Health(&ctx, req, &resp);
  RETURN_IF_ERROR(Finish(w, FromGrpc(st, ctx, address(w)), IsTransportFailure(st, ctx)));
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

namespace alluxio::worker {

namespace {

namespace fpb = ::alluxio::grpc::file;
namespace bpb = ::alluxio::grpc::block;

class GrpcWriteStream : public BlockWriteStream {
 public:
  GrpcWriteStream(
      std::unique_ptr<::grpc::ClientContext> ctx,
      std::unique_ptr<::grpc::ClientReaderWriter<bpb::WriteRequest, bpb::WriteResponse>> rw,
      std::string address)
      : ctx_(std::move(ctx)), rw_(std::move(rw)), address_(std::move(address)) {}
  ~GrpcWriteStream() override { Cancel(); }

  Status Append(const char* data, size_t n) override {
    while (n > 0) {
      size_t take = std::min(n, kChunkBytes);
      bpb::WriteRequest req;
      req.mutable_chunk()->set_data(data, take);
      if (!rw_->Write(req)) return Broken();
      sent_ += take;
      data += take;
      n -= take;
    }
    return Status::OK();
  }

  Status Close() override {
    if (finished_) return Status::IoError("write to worker " + address_ + " already ended");
    (void)rw_->WritesDone();
    bpb::WriteResponse resp;
    bool answered = rw_->Read(&resp);
    ::grpc::Status st = rw_->Finish();
    finished_ = true;
    RETURN_IF_ERROR(FromGrpc(st, *ctx_, address_));
    if (!answered || resp.offset() < 0 || static_cast<uint64_t>(resp.offset()) != sent_) {
      return Status::IoError("worker " + address_ + " took " +
                             std::to_string(answered ? resp.offset() : -1) + " of " +
                             std::to_string(sent_) + " bytes written");
    }
    return Status::OK();
  }

  void Cancel() override {
    if (finished_) return;
    ctx_->TryCancel();
    (void)rw_->Finish();
    finished_ = true;
  }

 private:
  // The stream broke: its status says why.
  Status Broken() {
    ::grpc::Status st = rw_->Finish();
    finished_ = true;
    Status err = FromGrpc(st, *ctx_, address_);
    return err.ok() ? Status(Code::kUnavailable, "worker " + address_ + " closed the write") : err;
  }

  std::unique_ptr<::grpc::ClientContext> ctx_;
  std::unique_ptr<::grpc::ClientReaderWriter<bpb::WriteRequest, bpb::WriteResponse>> rw_;
  const std::string address_;
  uint64_t sent_ = 0;
  bool finished_ = false;
};

}  // namespace

template <typename Req, typename Resp, typename Method>
Status WorkerPool::Unary(size_t w, Method method, const Req& req, Resp* resp, const char* kind) {
  ::grpc::ClientContext ctx;
  SetDeadline(&ctx, opts_.rpc_timeout_ms);
  if (kind != nullptr && kind[0] != '\0') ctx.AddMetadata(kKindKey, kind);
  auto stub = StubsOf(w).block;
  ::grpc::Status st = ((*stub).*method)(&ctx, req, resp);
  return Finish(w, FromGrpc(st, ctx, address(w)), IsTransportFailure(st, ctx));
}

Result<std::string> WorkerPool::CreateFile(size_t w, const std::string& uri, uint32_t mode) {
  fpb::CreateFilePRequest req;
  req.set_path(uri);
  auto* o = req.mutable_options();
  o->set_overwrite(true);
  o->set_recursive(false);
  o->set_blocksizebytes(kBlockSizeBytes);
  o->set_writetype(fpb::CACHE_THROUGH);
  ToProto(mode, o->mutable_mode());
  fpb::CreateFilePResponse resp;
  RETURN_IF_ERROR(Unary(w, &bpb::BlockWorker::Stub::CreateFile, req, &resp));
  if (resp.uuid().empty()) {
    return Status::IoError("worker " + address(w) + " created " + uri + " without a handle");
  }
  return resp.uuid();
}

Result<std::unique_ptr<BlockWriteStream>> WorkerPool::StartWrite(size_t w, const std::string& uri) {
  auto ctx = std::make_unique<::grpc::ClientContext>();
  auto rw = StubsOf(w).block->WriteBlock(ctx.get());
  bpb::WriteRequest first;
  auto* c = first.mutable_command();
  c->set_type(bpb::UFS_FILE);
  c->set_offset(0);
  c->mutable_create_ufs_file_options()->set_ufs_path(uri);
  if (!rw->Write(first)) {
    ::grpc::Status st = rw->Finish();
    Status err = FromGrpc(st, *ctx, address(w));
    if (err.ok()) err = Status(Code::kUnavailable, "worker " + address(w) + " closed the write");
    return Finish(w, err, st.ok() || IsTransportFailure(st, *ctx));
  }
  return std::unique_ptr<BlockWriteStream>(
      new GrpcWriteStream(std::move(ctx), std::move(rw), address(w)));
}

Status WorkerPool::CompleteFile(size_t w, const std::string& uri, const std::string& uuid,
                                uint64_t length) {
  fpb::CompleteFilePRequest req;
  req.set_path(uri);
  req.set_uuid(uuid);
  req.mutable_options()->set_ufslength(static_cast<int64_t>(length));
  fpb::CompleteFilePResponse resp;
  return Unary(w, &bpb::BlockWorker::Stub::CompleteFile, req, &resp);
}

Status WorkerPool::CreateDirectory(size_t w, const std::string& uri, uint32_t mode) {
  fpb::CreateDirectoryPRequest req;
  req.set_path(uri);
  req.mutable_options()->set_recursive(false);
  req.mutable_options()->set_allowexists(false);
  ToProto(mode, req.mutable_options()->mutable_mode());
  fpb::CreateDirectoryPResponse resp;
  return Unary(w, &bpb::BlockWorker::Stub::CreateDirectory, req, &resp);
}

Status WorkerPool::Remove(size_t w, const std::string& uri, const char* kind) {
  fpb::DeletePRequest req;
  req.set_path(uri);
  req.mutable_options()->set_recursive(false);
  req.mutable_options()->set_alluxioonly(false);
  fpb::DeletePResponse resp;
  return Unary(w, &bpb::BlockWorker::Stub::Remove, req, &resp, kind);
}

Status WorkerPool::Rename(size_t w, const std::string& src, const std::string& dst) {
  fpb::RenamePRequest req;
  req.set_path(src);
  req.set_dstpath(dst);
  req.mutable_options()->set_overwrite(true);  // POSIX rename replaces
  fpb::RenamePResponse resp;
  return Unary(w, &bpb::BlockWorker::Stub::Rename, req, &resp);
}

Status WorkerPool::SetAttribute(size_t w, const std::string& uri, std::optional<uint32_t> mode,
                                std::optional<uint32_t> uid, std::optional<uint32_t> gid) {
  fpb::SetAttributePRequest req;
  req.set_path(uri);
  auto* o = req.mutable_options();
  o->set_recursive(false);
  if (mode) ToProto(*mode, o->mutable_mode());
  if (uid) o->set_owner(std::to_string(*uid));
  if (gid) o->set_group(std::to_string(*gid));
  fpb::SetAttributePResponse resp;
  return Unary(w, &bpb::BlockWorker::Stub::SetAttribute, req, &resp);
}

}  // namespace alluxio::worker
