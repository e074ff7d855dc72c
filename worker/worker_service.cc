#include "worker_service.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "ufs_uri.h"
#include "wire.h"

#ifndef ALLUXIO_VERSION
#define ALLUXIO_VERSION "0.1.0-dev"
#endif

namespace alluxio::worker {

namespace fpb = ::alluxio::grpc::file;
namespace bpb = ::alluxio::grpc::block;

namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

BlockWorkerService::BlockWorkerService(std::shared_ptr<FileSystem> fs, OpenWrites* writes,
                                       int threads)
    : fs_(std::move(fs)), writes_(writes), pool_(threads, TaskPool::AtStop::kRunPending) {}

BlockWorkerService::~BlockWorkerService() { pool_.Stop(); }

::grpc::ServerUnaryReactor* BlockWorkerService::Defer(Ctx* ctx, std::function<Status()> fn) {
  ::grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto task = [reactor, ctx, fn = std::move(fn)] {
    // Exceptions stop here: the reply says what went wrong instead.
    try {
      reactor->Finish(ToGrpc(fn(), ctx));
    } catch (const std::bad_alloc&) {
      reactor->Finish(ToGrpc(Status(Code::kNoMemory, "out of memory"), ctx));
    } catch (...) {
      reactor->Finish(ToGrpc(Status::IoError("unexpected error"), ctx));
    }
  };
  pool_.Submit(std::move(task));
  return reactor;
}

Result<std::string> BlockWorkerService::Resolve(const std::string& uri) {
  return ResolveUfsUri(fs_->GetMountTable(), uri);
}

::grpc::ServerUnaryReactor* BlockWorkerService::GetStatus(Ctx* ctx,
                                                          const fpb::GetStatusPRequest* req,
                                                          fpb::GetStatusPResponse* resp) {
  return Defer(ctx, [this, req, resp]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    ASSIGN_OR_RETURN(FileAttr attr, fs_->GetStatus(path));
    ToProto(FileInfo{BaseName(path), attr}, req->path(), resp->mutable_fileinfo());
    return Status::OK();
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::Exists(Ctx* ctx, const fpb::ExistsPRequest* req,
                                                       fpb::ExistsPResponse* resp) {
  return Defer(ctx, [this, req, resp]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    auto attr = fs_->GetStatus(path);
    if (!attr.ok() && attr.status().code() != Code::kNotFound &&
        attr.status().code() != Code::kNotDirectory) {
      return attr.status();
    }
    resp->set_exists(attr.ok());
    return Status::OK();
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::CreateFile(Ctx* ctx,
                                                           const fpb::CreateFilePRequest* req,
                                                           fpb::CreateFilePResponse* resp) {
  return Defer(ctx, [this, req, resp]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    const fpb::CreateFilePOptions& o = req->options();
    if (o.recursive()) {
      size_t slash = path.find_last_of('/');
      std::string parent = slash == 0 ? "/" : path.substr(0, slash);
      CreateDirectoryOptions dir;
      dir.recursive = true;
      dir.allow_exists = true;
      RETURN_IF_ERROR(fs_->CreateDirectory(parent, dir));
    }
    OpenOptions open;
    open.read = false;
    open.write = true;
    open.create = true;
    open.truncate = true;
    open.exclusive = !o.overwrite();
    open.mode = o.has_mode() ? FromProto(o.mode()) : 0644;
    ASSIGN_OR_RETURN(std::string uuid, writes_->Create(req->path(), path, open));
    FileAttr attr;
    attr.mode = open.mode;
    attr.uid = static_cast<uint32_t>(::getuid());
    attr.gid = static_cast<uint32_t>(::getgid());
    ToProto(FileInfo{BaseName(path), attr}, req->path(), resp->mutable_fileinfo());
    resp->mutable_fileinfo()->set_completed(false);
    resp->set_uuid(uuid);
    return Status::OK();
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::CompleteFile(Ctx* ctx,
                                                             const fpb::CompleteFilePRequest* req,
                                                             fpb::CompleteFilePResponse*) {
  return Defer(ctx, [this, req]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    int64_t length = req->options().has_ufslength() ? req->options().ufslength() : -1;
    RETURN_IF_ERROR(writes_->Complete(req->path(), req->uuid(), length));
    DropHandle(path);
    return Status::OK();
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::CreateDirectory(
    Ctx* ctx, const fpb::CreateDirectoryPRequest* req, fpb::CreateDirectoryPResponse*) {
  return Defer(ctx, [this, req]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    CreateDirectoryOptions opts;
    opts.recursive = req->options().recursive();
    opts.allow_exists = req->options().allowexists();
    if (req->options().has_mode()) opts.mode = FromProto(req->options().mode());
    return fs_->CreateDirectory(path, opts);
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::Remove(Ctx* ctx, const fpb::DeletePRequest* req,
                                                       fpb::DeletePResponse*) {
  return Defer(ctx, [this, ctx, req]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    DeleteOptions opts;
    opts.recursive = req->options().recursive();
    auto kind = ctx->client_metadata().find(kKindKey);
    if (kind != ctx->client_metadata().end()) {
      std::string k(kind->second.data(), kind->second.size());
      if (k == "file") opts.kind = DeleteOptions::Kind::kFileOnly;
      if (k == "directory") opts.kind = DeleteOptions::Kind::kDirectoryOnly;
    }
    RETURN_IF_ERROR(fs_->Delete(path, opts));
    DropHandle(path);
    return Status::OK();
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::Rename(Ctx* ctx, const fpb::RenamePRequest* req,
                                                       fpb::RenamePResponse*) {
  return Defer(ctx, [this, req]() -> Status {
    ASSIGN_OR_RETURN(std::string src, Resolve(req->path()));
    ASSIGN_OR_RETURN(std::string dst, Resolve(req->dstpath()));
    // Alluxio's rename replaces only when asked to; POSIX's always does.
    // Without overwrite the destination must not exist.
    bool no_replace = req->options().has_overwrite() && !req->options().overwrite();
    RETURN_IF_ERROR(fs_->Rename(src, dst, no_replace));
    DropHandle(src);
    DropHandle(dst);
    return Status::OK();
  });
}

::grpc::ServerUnaryReactor* BlockWorkerService::SetAttribute(Ctx* ctx,
                                                             const fpb::SetAttributePRequest* req,
                                                             fpb::SetAttributePResponse*) {
  return Defer(ctx, [this, req]() -> Status {
    ASSIGN_OR_RETURN(std::string path, Resolve(req->path()));
    const fpb::SetAttributePOptions& o = req->options();
    if (o.recursive()) {
      return Status::NotSupported("recursive SetAttribute of " + req->path());
    }
    SetAttributeOptions opts;
    if (o.has_mode()) opts.mode = FromProto(o.mode());
    if (o.has_owner()) {
      fpb::FileInfo named;
      named.set_owner(o.owner());
      named.set_group(o.has_group() ? o.group() : std::string());
      FileInfo parsed = FromProto(named);
      opts.uid = parsed.attr.uid;
      if (o.has_group()) opts.gid = parsed.attr.gid;
    } else if (o.has_group()) {
      fpb::FileInfo named;
      named.set_group(o.group());
      opts.gid = FromProto(named).attr.gid;
    }
    if (!opts.mode && !opts.uid && !opts.gid && !opts.mtime_ns) return Status::OK();
    return fs_->SetAttribute(path, opts);
  });
}

Result<std::shared_ptr<FileHandle>> BlockWorkerService::OpenHandle(const std::string& path,
                                                                   uint64_t version) {
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    auto it = handles_.find(path);
    if (it != handles_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      std::shared_ptr<FileHandle> h = it->second.first;
      auto attr = h->Stat();
      if (attr.ok() && (version == 0 || attr->version == version)) return h;
    }
  }
  DropHandle(path);
  ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> handle, fs_->OpenFile(path, OpenOptions{}));
  ASSIGN_OR_RETURN(FileAttr attr, handle->Stat());
  if (version != 0 && attr.version != version) {
    // This worker's metadata may be older than the client's: look again.
    (void)handle->Close();
    fs_->InvalidateCache();
    ASSIGN_OR_RETURN(handle, fs_->OpenFile(path, OpenOptions{}));
    ASSIGN_OR_RETURN(attr, handle->Stat());
    if (attr.version != version) {
      (void)handle->Close();
      return Status(Code::kAborted, path + " is at another version on this worker");
    }
  }
  std::shared_ptr<FileHandle> evicted;
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    auto [it, fresh] = handles_.try_emplace(path, handle, lru_.end());
    if (!fresh) {
      evicted = std::move(it->second.first);
      it->second.first = handle;
      lru_.splice(lru_.begin(), lru_, it->second.second);
    } else {
      lru_.push_front(path);
      it->second.second = lru_.begin();
    }
    if (handles_.size() > kMaxOpenHandles) {
      auto last = handles_.find(lru_.back());
      evicted = std::move(last->second.first);
      handles_.erase(last);
      lru_.pop_back();
    }
  }
  if (evicted) (void)evicted->Close();
  return handle;
}

void BlockWorkerService::DropHandle(const std::string& path) {
  std::shared_ptr<FileHandle> gone;
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    auto it = handles_.find(path);
    if (it == handles_.end()) return;
    gone = std::move(it->second.first);
    lru_.erase(it->second.second);
    handles_.erase(it);
  }
  (void)gone->Close();
}

namespace {

namespace spb = ::alluxio::grpc::sasl;

class SaslReactor final : public ::grpc::ServerBidiReactor<spb::SaslMessage, spb::SaslMessage> {
 public:
  SaslReactor() { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client closed the channel's authentication (or went away).
      Finish(::grpc::Status::OK);
      return;
    }
    out_.Clear();
    out_.set_messagetype(spb::SUCCESS);
    if (in_.has_clientid()) out_.set_clientid(in_.clientid());
    StartWrite(&out_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(::grpc::Status::CANCELLED);
      return;
    }
    StartRead(&in_);
  }

  void OnDone() override { delete this; }

 private:
  spb::SaslMessage in_;
  spb::SaslMessage out_;
};

}  // namespace

::grpc::ServerBidiReactor<spb::SaslMessage, spb::SaslMessage>* SaslAuthService::authenticate(
    ::grpc::CallbackServerContext*) {
  return new SaslReactor();
}

::grpc::ServerUnaryReactor* WorkerHealthService::Health(::grpc::CallbackServerContext* ctx,
                                                        const proto::HealthRequest*,
                                                        proto::HealthResponse* resp) {
  // Cheap and non-blocking: answered on the gRPC thread.
  resp->set_version(ALLUXIO_VERSION);
  resp->set_pid(::getpid());
  resp->set_read_ranges(block_->reads());
  resp->set_bytes_read(block_->bytes_read());
  auto stats = block_->fs()->GetCacheStats();
  if (stats.ok()) {
    resp->set_cache_hits(stats->hits);
    resp->set_cache_misses(stats->misses);
  }
  resp->mutable_error()->set_code(0);
  ::grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(::grpc::Status::OK);
  return reactor;
}

}  // namespace alluxio::worker
