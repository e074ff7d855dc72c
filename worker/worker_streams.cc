// The streaming methods of BlockWorkerService: ListStatus (a server stream
// of batches) and ReadBlock (a bidirectional stream: one request, then the
// client's acknowledgements; the data in chunks).
//
// Each reactor does its blocking work (UFS and cache reads) on the service's
// pool and only starts gRPC operations from there; gRPC's callbacks just
// schedule the next step. A reactor calls Finish exactly once, as the last
// thing it does with itself, and is deleted in OnDone.
#include <algorithm>
#include <mutex>

#include "wire.h"
#include "worker_service.h"

namespace alluxio::worker {

namespace fpb = ::alluxio::grpc::file;
namespace bpb = ::alluxio::grpc::block;

namespace {

std::string Child(const std::string& uri, const std::string& name) {
  return !uri.empty() && uri.back() == '/' ? uri + name : uri + "/" + name;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

uint64_t AskedVersion(const ::grpc::CallbackServerContext* ctx) {
  auto it = ctx->client_metadata().find(kVersionKey);
  if (it == ctx->client_metadata().end()) return 0;
  std::string text(it->second.data(), it->second.size());
  return std::strtoull(text.c_str(), nullptr, 10);
}

// Entries per ListStatus message.
constexpr size_t kListBatch = 1000;

}  // namespace

class BlockWorkerService::ListReactor final
    : public ::grpc::ServerWriteReactor<fpb::ListStatusPResponse> {
 public:
  ListReactor(BlockWorkerService* svc, Ctx* ctx, const fpb::ListStatusPRequest* req)
      : svc_(svc), ctx_(ctx), uri_(req->path()) {
    svc_->pool_.Submit([this] { List(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(::grpc::Status::CANCELLED);
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  void List() {
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(std::string path, svc_->Resolve(uri_));
      ASSIGN_OR_RETURN(FileAttr attr, svc_->fs_->GetStatus(path));
      if (!attr.is_dir) {
        // A file lists as itself, as Alluxio's worker answers.
        entries_.push_back(FileInfo{BaseName(path), attr});
        self_ = true;
        return Status::OK();
      }
      ASSIGN_OR_RETURN(entries_, svc_->fs_->ListStatus(path));
      return Status::OK();
    }();
    if (!st.ok()) {
      Finish(ToGrpc(st, ctx_));
      return;
    }
    WriteNext();
  }

  void WriteNext() {
    if (next_ >= entries_.size() && next_ > 0) {
      Finish(::grpc::Status::OK);
      return;
    }
    batch_.Clear();
    size_t end = std::min(entries_.size(), next_ + kListBatch);
    for (; next_ < end; ++next_) {
      const FileInfo& e = entries_[next_];
      ToProto(e, self_ ? uri_ : Child(uri_, e.name), batch_.add_fileinfos());
    }
    if (entries_.empty()) next_ = 1;  // one empty batch, then done
    StartWrite(&batch_);
  }

  BlockWorkerService* const svc_;
  Ctx* const ctx_;
  const std::string uri_;
  std::vector<FileInfo> entries_;
  bool self_ = false;
  size_t next_ = 0;
  fpb::ListStatusPResponse batch_;
};

::grpc::ServerWriteReactor<fpb::ListStatusPResponse>* BlockWorkerService::ListStatus(
    Ctx* ctx, const fpb::ListStatusPRequest* req) {
  return new ListReactor(this, ctx, req);
}

class BlockWorkerService::ReadReactor final
    : public ::grpc::ServerBidiReactor<bpb::ReadRequest, bpb::ReadResponse> {
 public:
  ReadReactor(BlockWorkerService* svc, Ctx* ctx) : svc_(svc), ctx_(ctx) { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    bool never_asked = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        // The client is done sending (or gone); fine once it has asked.
        never_asked = !started_;
      } else {
        if (!started_) {
          started_ = true;
          req_ = in_;
          svc_->pool_.Submit([this] { Open(); });
        }
        // Later messages acknowledge what the client consumed
        // (offset_received); gRPC's flow control already keeps the window.
        if (!finishing_) StartRead(&in_);
      }
    }
    if (never_asked) {
      End(ToGrpc(Status::InvalidArgument("ReadBlock stream closed before its request"), ctx_));
    }
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(::grpc::Status::CANCELLED);
      return;
    }
    svc_->pool_.Submit([this] { SendNext(); });
  }

  void OnCancel() override { cancelled_.store(true, std::memory_order_relaxed); }
  void OnDone() override { delete this; }

 private:
  void Open() {
    Status st = [&]() -> Status {
      const auto& o = req_.open_ufs_block_options();
      std::string uri = o.ufs_path();
      if (uri.empty()) {
        return Status::InvalidArgument(
            "ReadBlock without open_ufs_block_options.ufs_path: this worker serves UFS files "
            "only");
      }
      if (req_.offset() < 0 || req_.length() < 0 || o.offset_in_file() < 0) {
        return Status::InvalidArgument("ReadBlock of " + uri + " at a negative offset or length");
      }
      ASSIGN_OR_RETURN(path_, svc_->Resolve(uri));
      ASSIGN_OR_RETURN(handle_, svc_->OpenHandle(path_, AskedVersion(ctx_)));
      ASSIGN_OR_RETURN(FileAttr attr, handle_->Stat());
      version_ = attr.version;
      uint64_t block_start = static_cast<uint64_t>(o.offset_in_file());
      uint64_t block_end = o.has_block_size() && o.block_size() > 0
                               ? block_start + static_cast<uint64_t>(o.block_size())
                               : attr.size;
      pos_ = block_start + static_cast<uint64_t>(req_.offset());
      first_ = pos_;
      end_ = std::min<uint64_t>(std::min(block_end, attr.size),
                                req_.has_length() && req_.length() >= 0
                                    ? pos_ + static_cast<uint64_t>(req_.length())
                                    : attr.size);
      chunk_ = req_.chunk_size() > 0
                   ? std::min<size_t>(static_cast<size_t>(req_.chunk_size()), kChunkBytes)
                   : kChunkBytes;
      return Status::OK();
    }();
    if (!st.ok()) {
      End(ToGrpc(st, ctx_));
      return;
    }
    SendNext();
  }

  void SendNext() {
    if (cancelled_.load(std::memory_order_relaxed)) {
      End(::grpc::Status::CANCELLED);
      return;
    }
    if (pos_ >= end_) {
      End(::grpc::Status::OK);
      return;
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_, end_ - pos_));
    std::string* data = out_.mutable_chunk()->mutable_data();
    data->resize(want);
    size_t done = 0;
    Status st;
    while (done < want) {
      auto n = handle_->Read(pos_ + done, data->data() + done, want - done);
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
      done += *n;
    }
    if (st.ok() && done < want) {
      st = Status(Code::kAborted, path_ + " became shorter while being read");
    }
    if (st.ok()) {
      // The handle follows a file that changed (kAborted from Read, or a new
      // version in Stat); what it read is then not of one version.
      auto now = handle_->Stat();
      if (now.ok() && now->version != version_) {
        st = Status(Code::kAborted, path_ + " changed while being read");
      }
    }
    if (!st.ok()) {
      svc_->DropHandle(path_);
      End(ToGrpc(st, ctx_));
      return;
    }
    if (pos_ == first_) svc_->reads_.fetch_add(1, std::memory_order_relaxed);
    svc_->bytes_read_.fetch_add(done, std::memory_order_relaxed);
    pos_ += done;
    StartWrite(&out_);
  }

  // Finishes the call; the last thing done with this reactor.
  void End(const ::grpc::Status& st) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finishing_) return;
      finishing_ = true;
    }
    handle_.reset();
    Finish(st);
  }

  BlockWorkerService* const svc_;
  Ctx* const ctx_;
  std::mutex mu_;  // guards started_, finishing_ and in_; leaf lock
  bool started_ = false;
  bool finishing_ = false;
  bpb::ReadRequest in_;
  std::atomic<bool> cancelled_{false};
  // Set once by Open, then used by one pool task at a time.
  bpb::ReadRequest req_;
  std::string path_;
  std::shared_ptr<FileHandle> handle_;
  uint64_t version_ = 0;
  uint64_t first_ = 0;
  uint64_t pos_ = 0;
  uint64_t end_ = 0;
  size_t chunk_ = kChunkBytes;
  bpb::ReadResponse out_;
};

::grpc::ServerBidiReactor<bpb::ReadRequest, bpb::ReadResponse>* BlockWorkerService::ReadBlock(
    Ctx* ctx) {
  return new ReadReactor(this, ctx);
}

// A WriteBlock stream: the command names the file (created by CreateFile)
// and where its chunks start; each chunk goes into the open write on the
// pool; when the client closes its side the worker answers the bytes it
// took (or the first error). A stream that breaks abandons the write.
class BlockWorkerService::WriteReactor final
    : public ::grpc::ServerBidiReactor<bpb::WriteRequest, bpb::WriteResponse> {
 public:
  WriteReactor(BlockWorkerService* svc, Ctx* ctx) : svc_(svc), ctx_(ctx) { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client closed its side (or is gone: then OnCancel came first).
      svc_->pool_.Submit([this] { Answer(); });
      return;
    }
    // One message at a time: the next read starts when this one is in.
    svc_->pool_.Submit([this] { Take(); });
  }

  void OnWriteDone(bool ok) override { Finish(ok ? st_ : ::grpc::Status::CANCELLED); }

  void OnCancel() override { cancelled_.store(true, std::memory_order_relaxed); }
  void OnDone() override { delete this; }

 private:
  void Take() {
    if (status_.ok()) {
      if (in_.has_command()) {
        const auto& c = in_.command();
        if (!uri_.empty()) {
          status_ = Status::InvalidArgument("a second command in one WriteBlock stream");
        } else if (c.create_ufs_file_options().ufs_path().empty()) {
          status_ = Status::InvalidArgument(
              "WriteBlock without create_ufs_file_options.ufs_path: this worker writes UFS "
              "files only");
        } else {
          uri_ = c.create_ufs_file_options().ufs_path();
          offset_ = static_cast<uint64_t>(std::max<int64_t>(0, c.offset()));
        }
      } else if (uri_.empty()) {
        status_ = Status::InvalidArgument("WriteBlock data before its command");
      } else {
        const std::string& data = in_.chunk().data();
        status_ = svc_->writes_->Write(uri_, offset_, data.data(), data.size());
        offset_ += data.size();
      }
    }
    if (cancelled_.load(std::memory_order_relaxed)) {
      if (!uri_.empty()) svc_->writes_->Cancel(uri_);
      Finish(::grpc::Status::CANCELLED);
      return;
    }
    StartRead(&in_);
  }

  void Answer() {
    if (cancelled_.load(std::memory_order_relaxed)) {
      if (!uri_.empty()) svc_->writes_->Cancel(uri_);
      Finish(::grpc::Status::CANCELLED);
      return;
    }
    if (status_.ok() && !uri_.empty()) status_ = svc_->writes_->Error(uri_);
    st_ = ToGrpc(status_, ctx_);
    if (!status_.ok()) {
      Finish(st_);
      return;
    }
    out_.set_offset(static_cast<int64_t>(offset_));
    StartWrite(&out_);
  }

  BlockWorkerService* const svc_;
  Ctx* const ctx_;
  std::atomic<bool> cancelled_{false};
  // Used by one pool task at a time (each read starts after the last task).
  bpb::WriteRequest in_;
  bpb::WriteResponse out_;
  std::string uri_;
  uint64_t offset_ = 0;
  Status status_;
  ::grpc::Status st_;
};

::grpc::ServerBidiReactor<bpb::WriteRequest, bpb::WriteResponse>* BlockWorkerService::WriteBlock(
    Ctx* ctx) {
  return new WriteReactor(this, ctx);
}

}  // namespace alluxio::worker
