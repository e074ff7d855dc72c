#include "worker_ufs.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include "wire.h"

namespace alluxio::worker {

namespace {

// A worker could not answer at all (the next candidate may).
bool Unreachable(const Status& st) {
  return st.code() == Code::kUnavailable || st.code() == Code::kTimedOut;
}

// The worker answered but cannot serve this file: it does not mount this
// UFS or cannot do this operation (NotSupported), or the file is at another
// version there (Aborted). The next candidate may.
bool Refused(const Status& st) {
  return st.code() == Code::kAborted || st.code() == Code::kNotSupported;
}

// Asks the candidates for `uri` in order; `call` returns the worker's
// answer. Returns the first answer that is not "cannot serve"; nullopt when
// none could.
template <typename T, typename Call>
std::optional<Result<T>> AskWorkers(WorkerPool* pool, const std::string& uri, Call call) {
  for (size_t w : pool->Owners(uri, WorkerUfs::kCandidates)) {
    if (!pool->Available(w)) continue;
    Result<T> r = call(w);
    if (r.ok()) return r;
    if (Unreachable(r.status())) continue;  // marked down and logged by the pool
    if (Refused(r.status())) {
      if (r.status().code() != Code::kAborted) pool->NoteRefusal(w, r.status());
      continue;
    }
    return r;
  }
  return std::nullopt;
}

// The same for an operation whose answer is a Status.
template <typename Call>
std::optional<Status> TellWorkers(WorkerPool* pool, const std::string& uri, Call call) {
  auto r = AskWorkers<bool>(pool, uri, [&](size_t w) -> Result<bool> {
    RETURN_IF_ERROR(call(w));
    return true;
  });
  if (!r) return std::nullopt;
  return r->status();
}

class WorkerWriter : public UfsWriter {
 public:
  WorkerWriter(std::shared_ptr<Ufs> target, std::shared_ptr<WorkerPool> pool, size_t w,
               std::string path, std::string uri, std::string uuid,
               std::unique_ptr<BlockWriteStream> stream, UfsCreateOptions opts)
      : target_(std::move(target)),
        pool_(std::move(pool)),
        w_(w),
        path_(std::move(path)),
        uri_(std::move(uri)),
        uuid_(std::move(uuid)),
        stream_(std::move(stream)),
        opts_(opts) {}
  ~WorkerWriter() override { Abort(); }

  Status Append(const char* data, size_t n) override {
    if (done_) return Status::IoError("write of " + uri_ + " already ended");
    Status st = stream_->Append(data, n);
    if (!st.ok()) {
      Abort();
      return st.WithContext("writing " + uri_ + " through worker " + pool_->address(w_));
    }
    length_ += n;
    return Status::OK();
  }

  Status Commit() override {
    if (done_) return Status::IoError("write of " + uri_ + " already ended");
    done_ = true;
    Status st = stream_->Close();
    if (st.ok()) st = pool_->CompleteFile(w_, uri_, uuid_, length_);
    if (!st.ok()) {
      stream_->Cancel();
      return st.WithContext("writing " + uri_ + " through worker " + pool_->address(w_));
    }
    // What CreateFile could not carry.
    if (opts_.uid || opts_.gid) {
      st = pool_->SetAttribute(w_, uri_, std::nullopt, opts_.uid, opts_.gid);
      if (!st.ok()) st = target_->SetOwner(path_, opts_.uid, opts_.gid);
    }
    if (st.ok() && (opts_.mode & ~0777u) != 0) st = target_->SetMode(path_, opts_.mode);
    if (st.ok() && opts_.mtime_ns) st = target_->SetMtime(path_, *opts_.mtime_ns);
    return st;
  }

  void Abort() override {
    if (done_) return;
    done_ = true;
    stream_->Cancel();
  }

 private:
  const std::shared_ptr<Ufs> target_;
  const std::shared_ptr<WorkerPool> pool_;
  const size_t w_;
  const std::string path_;
  const std::string uri_;
  const std::string uuid_;
  const std::unique_ptr<BlockWriteStream> stream_;
  const UfsCreateOptions opts_;
  uint64_t length_ = 0;
  bool done_ = false;
};

class WorkerReader : public UfsReader {
 public:
  WorkerReader(std::shared_ptr<Ufs> target, std::shared_ptr<WorkerPool> pool, std::string path,
               std::string uri, FileAttr attr)
      : target_(std::move(target)),
        pool_(std::move(pool)),
        path_(std::move(path)),
        uri_(std::move(uri)),
        attr_(attr),
        candidates_(pool_->Owners(uri_, WorkerUfs::kCandidates)) {}

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset >= attr_.size || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, attr_.size - offset));
    for (size_t w : candidates_) {
      if (!pool_->Available(w)) continue;
      auto got = pool_->Read(w, uri_, attr_.version, attr_.size, offset, n, buf);
      if (got.ok() && *got == n) return got;
      if (got.ok()) break;  // short: the worker's view differs; the UFS says
      if (Unreachable(got.status())) continue;
      if (Refused(got.status())) {
        if (got.status().code() != Code::kAborted) pool_->NoteRefusal(w, got.status());
        continue;
      }
      return got.status();
    }
    ASSIGN_OR_RETURN(UfsReader * direct, Direct());
    return direct->ReadAt(offset, buf, n);
  }

  uint64_t Size() const override { return attr_.size; }
  uint64_t Version() const override { return attr_.version; }
  // Sequential reads stream from the owner (one ReadBlock call).
  bool PrefersStreams() const override { return true; }
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) override {
    for (size_t w : candidates_) {
      if (!pool_->Available(w)) continue;
      auto s = pool_->OpenStream(w, uri_, attr_.version, attr_.size, offset, length);
      if (s.ok()) return s;
    }
    ASSIGN_OR_RETURN(UfsReader * direct, Direct());
    if (!direct->PrefersStreams()) {
      return Status::NotSupported("no worker streams " + uri_ + " and its UFS does not");
    }
    return direct->OpenStream(offset, length);
  }

 private:
  // The UFS's own reader, opened on first need, of the same version.
  Result<UfsReader*> Direct() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!direct_) {
      ASSIGN_OR_RETURN(direct_, target_->OpenReader(path_, nullptr));
      if (direct_->Version() != attr_.version || direct_->Size() != attr_.size) {
        direct_.reset();
        return Status(Code::kAborted, uri_ +
                                          " changed: its UFS has another version than the "
                                          "workers had");
      }
    }
    return direct_.get();
  }

  const std::shared_ptr<Ufs> target_;
  const std::shared_ptr<WorkerPool> pool_;
  const std::string path_;
  const std::string uri_;
  const FileAttr attr_;
  const std::vector<size_t> candidates_;
  std::mutex mu_;  // guards direct_'s creation; leaf lock
  std::unique_ptr<UfsReader> direct_;
};

}  // namespace

Result<FileAttr> WorkerUfs::Stat(const std::string& path, size_t head_max, std::string* head) {
  std::string uri = UfsFileUri(uri_, path);
  auto r = AskWorkers<FileAttr>(pool_.get(), uri, [&](size_t w) -> Result<FileAttr> {
    ASSIGN_OR_RETURN(FileInfo info, pool_->GetStatus(w, uri));
    return info.attr;
  });
  if (r) return std::move(*r);
  return target_->Stat(path, head_max, head);
}

Result<std::vector<FileInfo>> WorkerUfs::ListStatus(const std::string& path) {
  std::string uri = UfsFileUri(uri_, path);
  auto r = AskWorkers<std::vector<FileInfo>>(
      pool_.get(), uri, [&](size_t w) -> Result<std::vector<FileInfo>> {
        ASSIGN_OR_RETURN(FileInfo self, pool_->GetStatus(w, uri));
        if (!self.attr.is_dir) return Status(Code::kNotDirectory, uri + " is a file");
        return pool_->ListStatus(w, uri);
      });
  if (r) return std::move(*r);
  return target_->ListStatus(path);
}

Result<std::unique_ptr<UfsReader>> WorkerUfs::OpenReader(const std::string& path,
                                                         const FileAttr* known) {
  FileAttr attr;
  if (known != nullptr) {
    attr = *known;
  } else {
    ASSIGN_OR_RETURN(attr, Stat(path, 0, nullptr));
  }
  if (attr.is_dir) return Status(Code::kIsDirectory, path + " is a directory");
  return std::unique_ptr<UfsReader>(
      new WorkerReader(target_, pool_, path, UfsFileUri(uri_, path), attr));
}

Result<std::unique_ptr<UfsWriter>> WorkerUfs::Create(const std::string& path,
                                                     const UfsCreateOptions& opts) {
  std::string uri = UfsFileUri(uri_, path);
  auto r = AskWorkers<std::unique_ptr<UfsWriter>>(
      pool_.get(), uri, [&](size_t w) -> Result<std::unique_ptr<UfsWriter>> {
        ASSIGN_OR_RETURN(std::string uuid, pool_->CreateFile(w, uri, opts.mode & 0777));
        ASSIGN_OR_RETURN(auto stream, pool_->StartWrite(w, uri));
        return std::unique_ptr<UfsWriter>(
            new WorkerWriter(target_, pool_, w, path, uri, uuid, std::move(stream), opts));
      });
  if (r) return std::move(*r);
  return target_->Create(path, opts);
}

Result<int> WorkerUfs::CreateStaging(const std::string& path) {
  return Status::NotSupported("files under " + uri_ + " are written through the workers, not " +
                              "staged locally: " + path);
}

Status WorkerUfs::LinkStaging(const std::string& path, int, const UfsCreateOptions&) {
  return Status::NotSupported("no local staging through the workers: " + path);
}

Status WorkerUfs::CreateDirectory(const std::string& path, uint32_t mode) {
  std::string uri = UfsFileUri(uri_, path);
  if ((mode & ~0777u) != 0) return target_->CreateDirectory(path, mode);
  auto r =
      TellWorkers(pool_.get(), uri, [&](size_t w) { return pool_->CreateDirectory(w, uri, mode); });
  return r ? *r : target_->CreateDirectory(path, mode);
}

Status WorkerUfs::DeleteFile(const std::string& path) {
  std::string uri = UfsFileUri(uri_, path);
  auto r = TellWorkers(pool_.get(), uri, [&](size_t w) { return pool_->Remove(w, uri, "file"); });
  return r ? *r : target_->DeleteFile(path);
}

Status WorkerUfs::DeleteDirectory(const std::string& path) {
  std::string uri = UfsFileUri(uri_, path);
  auto r =
      TellWorkers(pool_.get(), uri, [&](size_t w) { return pool_->Remove(w, uri, "directory"); });
  return r ? *r : target_->DeleteDirectory(path);
}

Status WorkerUfs::Rename(const std::string& src, const std::string& dst) {
  // Placed by the source, as Alluxio's client places a rename.
  std::string from = UfsFileUri(uri_, src);
  std::string to = UfsFileUri(uri_, dst);
  auto r = TellWorkers(pool_.get(), from, [&](size_t w) { return pool_->Rename(w, from, to); });
  return r ? *r : target_->Rename(src, dst);
}

Status WorkerUfs::SetMode(const std::string& path, uint32_t mode) {
  if ((mode & ~0777u) != 0) return target_->SetMode(path, mode);
  std::string uri = UfsFileUri(uri_, path);
  auto r = TellWorkers(pool_.get(), uri, [&](size_t w) {
    return pool_->SetAttribute(w, uri, mode, std::nullopt, std::nullopt);
  });
  return r ? *r : target_->SetMode(path, mode);
}

Status WorkerUfs::SetOwner(const std::string& path, std::optional<uint32_t> uid,
                           std::optional<uint32_t> gid) {
  std::string uri = UfsFileUri(uri_, path);
  auto r = TellWorkers(pool_.get(), uri, [&](size_t w) {
    return pool_->SetAttribute(w, uri, std::nullopt, uid, gid);
  });
  return r ? *r : target_->SetOwner(path, uid, gid);
}

}  // namespace alluxio::worker
