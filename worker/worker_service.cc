#include "worker_service.h"

#include <unistd.h>

#include <algorithm>

#include "wire.h"

#ifndef ALLUXIO_VERSION
#define ALLUXIO_VERSION "0.1.0-dev"
#endif

namespace alluxio::worker {

namespace {

// "file:///a/b/" and "/a/b" name the same local UFS.
std::string NormalUri(std::string uri) {
  if (uri.rfind("file://", 0) == 0) uri.erase(0, 7);
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  return uri;
}

// Absolute, no empty, "." or ".." components: a request cannot climb out of
// the mount it names.
bool IsNormalPath(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p == "/") return true;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string_view c(p.data() + i, j - i);
    if (c.empty() || c == "." || c == "..") return false;
    i = j + 1;
  }
  return true;
}

}  // namespace

WorkerService::WorkerService(std::shared_ptr<FileSystem> fs, int threads)
    : fs_(std::move(fs)), pool_(threads, TaskPool::AtStop::kRunPending) {}

WorkerService::~WorkerService() { pool_.Stop(); }

grpc::ServerUnaryReactor* WorkerService::Defer(grpc::CallbackServerContext* ctx,
                                               std::function<void()> fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto task = [reactor, fn = std::move(fn)] {
    // Exceptions stop here: the reply carries EIO/ENOMEM instead.
    try {
      fn();
      reactor->Finish(grpc::Status::OK);
    } catch (const std::bad_alloc&) {
      reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "out of memory"));
    } catch (...) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "unexpected error"));
    }
  };
  pool_.Submit(std::move(task));
  return reactor;
}

Result<std::string> WorkerService::Resolve(const std::string& ufs_uri, const std::string& path) {
  if (!IsNormalPath(path)) {
    return Status::InvalidArgument("path '" + path + "' is not absolute and normal");
  }
  std::string want = NormalUri(ufs_uri);
  for (const auto& m : fs_->GetMountTable()) {
    if (NormalUri(m.ufs_uri) != want) continue;
    if (path == "/") return m.alluxio_path;
    return (m.alluxio_path == "/" ? std::string() : m.alluxio_path) + path;
  }
  return Status::InvalidArgument("UFS " + ufs_uri + " is not mounted on this worker");
}

grpc::ServerUnaryReactor* WorkerService::GetStatus(grpc::CallbackServerContext* ctx,
                                                   const proto::GetStatusRequest* req,
                                                   proto::GetStatusResponse* resp) {
  return Defer(ctx, [this, req, resp] {
    auto p = Resolve(req->ufs_uri(), req->path());
    Result<FileAttr> attr = p.ok() ? fs_->GetStatus(*p) : Result<FileAttr>(p.status());
    if (attr.ok()) ToProto(*attr, resp->mutable_attr());
    ToProto(attr.status(), resp->mutable_error());
  });
}

grpc::ServerUnaryReactor* WorkerService::ListStatus(grpc::CallbackServerContext* ctx,
                                                    const proto::ListStatusRequest* req,
                                                    proto::ListStatusResponse* resp) {
  return Defer(ctx, [this, req, resp] {
    auto p = Resolve(req->ufs_uri(), req->path());
    Result<std::vector<FileInfo>> list =
        p.ok() ? fs_->ListStatus(*p) : Result<std::vector<FileInfo>>(p.status());
    if (list.ok()) {
      for (const auto& e : *list) {
        auto* out = resp->add_entries();
        out->set_name(e.name);
        ToProto(e.attr, out->mutable_attr());
      }
    }
    ToProto(list.status(), resp->mutable_error());
  });
}

Result<std::shared_ptr<FileHandle>> WorkerService::OpenHandle(const std::string& path,
                                                              uint64_t version) {
  std::string key = path;
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(&version), sizeof(version));
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    auto it = handles_.find(key);
    if (it != handles_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first;
    }
  }
  ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> handle, fs_->OpenFile(path, OpenOptions{}));
  ASSIGN_OR_RETURN(FileAttr attr, handle->Stat());
  if (attr.version != version) {
    (void)handle->Close();
    return Status(Code::kAborted, path + " is at another version on this worker");
  }
  std::shared_ptr<FileHandle> evicted;
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    auto [it, fresh] = handles_.try_emplace(key, handle, lru_.end());
    if (!fresh) return it->second.first;  // another request opened it meanwhile
    lru_.push_front(key);
    it->second.second = lru_.begin();
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

void WorkerService::DropHandle(const std::string& path, uint64_t version) {
  std::string key = path;
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(&version), sizeof(version));
  std::lock_guard<std::mutex> lock(handles_mu_);
  auto it = handles_.find(key);
  if (it == handles_.end()) return;
  lru_.erase(it->second.second);
  handles_.erase(it);
}

Status WorkerService::DoReadRange(const proto::ReadRangeRequest& req, std::string* data) {
  if (req.length() > kMaxReadRange) {
    return Status::InvalidArgument("read of " + std::to_string(req.length()) + " bytes; at most " +
                                   std::to_string(kMaxReadRange));
  }
  ASSIGN_OR_RETURN(std::string path, Resolve(req.ufs_uri(), req.path()));
  // Two tries. The first may meet this worker's cached metadata of an older
  // version than the client saw: then the metadata cache is dropped and the
  // file opened again. A mismatch after that means the client's view is the
  // older one, and the client reads the UFS itself (kAborted). Any other
  // read failure is retried once on a fresh handle.
  Status st;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt > 0) {
      DropHandle(path, req.version());
      if (st.code() == Code::kAborted) fs_->InvalidateCache();
    }
    auto handle = OpenHandle(path, req.version());
    if (!handle.ok()) {
      st = handle.status();
      if (st.code() == Code::kAborted) continue;
      return st;  // NotFound, IsDirectory, ...: the client's UFS will say
    }
    auto attr = (*handle)->Stat();
    if (!attr.ok()) return attr.status();
    uint64_t end = std::min<uint64_t>(attr->size, req.offset() + req.length());
    size_t want = req.offset() < end ? static_cast<size_t>(end - req.offset()) : 0;
    data->resize(want);
    size_t done = 0;
    st = Status::OK();
    while (done < want) {
      auto n = (*handle)->Read(req.offset() + done, data->data() + done, want - done);
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
      done += *n;
    }
    // The handle moves to a newer version when it finds the file changed
    // (kAborted); whatever it read is then not of the version asked for.
    if (st.ok()) {
      auto now = (*handle)->Stat();
      if (now.ok() && now->version != req.version()) {
        st = Status(Code::kAborted, req.path() + " changed while being read");
      }
    }
    if (!st.ok()) continue;
    data->resize(done);
    return Status::OK();
  }
  if (st.code() == Code::kAborted) {
    return Status(Code::kAborted,
                  req.path() + " in " + req.ufs_uri() + " is at another version on this worker");
  }
  return st;
}

grpc::ServerUnaryReactor* WorkerService::ReadRange(grpc::CallbackServerContext* ctx,
                                                   const proto::ReadRangeRequest* req,
                                                   proto::ReadRangeResponse* resp) {
  return Defer(ctx, [this, req, resp] {
    Status st = DoReadRange(*req, resp->mutable_data());
    if (st.ok()) {
      read_ranges_.fetch_add(1, std::memory_order_relaxed);
      bytes_read_.fetch_add(resp->data().size(), std::memory_order_relaxed);
    } else {
      resp->clear_data();
    }
    ToProto(st, resp->mutable_error());
  });
}

grpc::ServerUnaryReactor* WorkerService::Health(grpc::CallbackServerContext* ctx,
                                                const proto::HealthRequest*,
                                                proto::HealthResponse* resp) {
  // Cheap and non-blocking: answered on the gRPC thread.
  resp->set_version(ALLUXIO_VERSION);
  resp->set_pid(::getpid());
  resp->set_read_ranges(read_ranges_.load(std::memory_order_relaxed));
  resp->set_bytes_read(bytes_read_.load(std::memory_order_relaxed));
  auto stats = fs_->GetCacheStats();
  if (stats.ok()) {
    resp->set_cache_hits(stats->hits);
    resp->set_cache_misses(stats->misses);
  }
  ToProto(Status::OK(), resp->mutable_error());
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace alluxio::worker
