#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "alluxio/path.h"
#include "handles.h"

namespace alluxio {

OpenOptions OpenOptions::FromFlags(int flags, uint32_t mode) {
  OpenOptions o;
  int acc = flags & O_ACCMODE;
  o.read = acc == O_RDONLY || acc == O_RDWR;
  o.write = acc == O_WRONLY || acc == O_RDWR;
  o.create = (flags & O_CREAT) != 0;
  o.exclusive = (flags & O_EXCL) != 0;
  o.truncate = (flags & O_TRUNC) != 0 && o.write;
  o.append = (flags & O_APPEND) != 0;
  o.mode = mode & 07777;
  return o;
}

namespace {

int64_t RealtimeNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr char kRandomAccessKey[] = "alluxio.user.fuse.random.access.file.stream.enabled";

Status NeedsRandomAccess(const std::string& what, const std::string& path) {
  return Status::NotSupported(what + " of " + path + " requires " + kRandomAccessKey + "=true");
}

// ---------------------------------------------------------------------------
// Writer registry

class FileToken : public WriterRegistry::Token {
 public:
  FileToken(int fd, std::string file) : fd_(fd), file_(std::move(file)) {}
  ~FileToken() override {
    // Unlink while still holding the lock; Acquire checks that the file it
    // locked is still the one at the name.
    if (!file_.empty()) ::unlink(file_.c_str());
    if (fd_ >= 0) ::close(fd_);
  }
  void Forget() override {
    ::close(fd_);
    fd_ = -1;
    file_.clear();
  }

 private:
  int fd_;
  std::string file_;
};

class DirectoryRegistry : public WriterRegistry {
 public:
  explicit DirectoryRegistry(std::string dir) : dir_(std::move(dir)) {}
  Result<std::unique_ptr<Token>> Acquire(const std::string& path) override {
    char name[32];
    std::snprintf(name, sizeof(name), "/%016llx.lock",
                  static_cast<unsigned long long>(PathHash(path)));
    std::string file = dir_ + name;
    for (int attempt = 0; attempt < 16; ++attempt) {
      int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0) return Status::FromErrno(errno, "writer lock " + file);
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
          return Status(Code::kBusy, path + " is already open for writing on this node");
        }
        return Status::FromErrno(err, "writer lock " + file);
      }
      struct stat a, b;
      if (::fstat(fd, &a) == 0 && ::stat(file.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
          a.st_dev == b.st_dev) {
        return std::unique_ptr<Token>(new FileToken(fd, file));
      }
      ::close(fd);  // lost a race with a releasing holder: try again
    }
    return Status(Code::kBusy, path + " is contended by writers on this node");
  }

 private:
  std::string dir_;
};

class MemoryRegistry : public WriterRegistry {
 public:
  class MemToken : public Token {
   public:
    MemToken(MemoryRegistry* r, std::string p) : r_(r), p_(std::move(p)) {}
    ~MemToken() override {
      std::lock_guard<std::mutex> lock(r_->mu_);
      r_->held_.erase(p_);
    }

   private:
    MemoryRegistry* r_;
    std::string p_;
  };
  Result<std::unique_ptr<Token>> Acquire(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!held_.insert(path).second) {
      return Status(Code::kBusy, path + " is already open for writing on this node");
    }
    return std::unique_ptr<Token>(new MemToken(this, path));
  }

 private:
  std::mutex mu_;  // guards held_
  std::set<std::string> held_;
};

// ---------------------------------------------------------------------------
// Read handle

class ReadHandle : public ReadOnlyFileHandle {
 public:
  ReadHandle(std::string path, std::unique_ptr<UfsReader> reader, const FileAttr& attr)
      : path_(std::move(path)), reader_(std::move(reader)), attr_(attr) {
    attr_.size = reader_->Size();
  }
  const std::string& path() const override { return path_; }
  Result<size_t> Read(uint64_t offset, char* buf, size_t n) override {
    if (offset >= attr_.size || n == 0) return size_t{0};
    return reader_->ReadAt(offset, buf, n);
  }
  Result<FileAttr> Stat() override { return attr_; }

 private:
  std::string path_;
  std::unique_ptr<UfsReader> reader_;
  FileAttr attr_;
};

// ---------------------------------------------------------------------------
// Write handle
//
// Three modes:
//  kStream:  a new or truncated file written sequentially, streamed into a
//            UfsWriter and committed on Close (O_WRONLY without the switch).
//  kStaged:  content kept in an anonymous local file (copied from the
//            existing file when it is kept), uploaded as a whole on
//            Sync/Close. Used for O_RDWR and whenever the switch is on.
//  kPending: an existing non-empty file opened for writing without O_TRUNC
//            and without the switch: it stays intact; only truncate(0)
//            (which turns the handle into kStream) or reads are allowed.
// A kStaged handle whose staging file was handed out (StagingFd) is
// "external": others write the file directly, so its size and mtime are
// read from the file, and Close always uploads it.
class WriteHandleImpl : public WriteHandle {
 public:
  explicit WriteHandleImpl(WriteHandleParams p) : p_(std::move(p)) {}
  ~WriteHandleImpl() override {
    if (!closed_) (void)Close();
  }

  Status Init();

  const std::string& path() const override { return p_.path; }
  bool readable() const override { return p_.opts.read; }
  bool writable() const override { return true; }
  Result<size_t> Read(uint64_t offset, char* buf, size_t n) override;
  Result<size_t> Write(uint64_t offset, const char* buf, size_t n) override;
  Status Truncate(uint64_t size) override;
  Status Sync() override;
  Status Close() override;
  void Abort() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      unlinked_ = true;  // Close discards instead of committing
    }
    (void)Close();
    std::lock_guard<std::mutex> lock(mu_);
    close_status_ = Status::OK();
  }
  Result<FileAttr> Stat() override;
  Result<int> StagingFd() override;
  void Forget() override;
  void SetPendingAttributes(const SetAttributeOptions& o) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (o.mode) mode_ = *o.mode;
    if (o.uid) uid_ = o.uid;
    if (o.gid) gid_ = o.gid;
    if (o.mtime_ns) mtime_override_ = o.mtime_ns;
    attrs_dirty_ = true;
  }
  void MarkUnlinked() override {
    std::lock_guard<std::mutex> lock(mu_);
    unlinked_ = true;
  }

 private:
  enum class Mode { kStream, kStaged, kPending };
  Status StartStream();
  Status ResumeStream();     // after Sync committed the stream
  Status EnsureStaged();     // copies kept content into the staging file
  Status ApplyAttributes();  // pending chmod/chown/utimes of an unchanged file
  Status OpenStagingFile();
  Status Upload();  // staged content -> UFS, atomically
  void RefreshExternal();
  UfsCreateOptions CreateOptions() const;

  WriteHandleParams p_;
  std::mutex mu_;  // guards everything below; held across UFS calls
  Mode mode_kind_ = Mode::kStream;
  std::unique_ptr<UfsWriter> writer_;
  std::unique_ptr<UfsReader> pending_reader_;  // kPending with O_RDWR
  int staged_fd_ = -1;
  uint64_t size_ = 0;
  bool dirty_ = false;        // content differs from the UFS
  bool attrs_dirty_ = false;  // attributes to apply
  bool unlinked_ = false;
  bool closed_ = false;
  bool external_ = false;  // the staging file was handed out (StagingFd)
  bool linked_ = false;    // the staging file is the UFS's (Ufs::CreateStaging)
  Status close_status_;
  // A failed write poisons the handle: later writes and Close return it and
  // nothing is committed, so a partial file never replaces a good one.
  Status broken_;
  uint32_t mode_ = 0644;
  std::optional<uint32_t> uid_, gid_;
  std::optional<int64_t> mtime_override_;
  int64_t mtime_ns_ = 0;
};

UfsCreateOptions WriteHandleImpl::CreateOptions() const {
  UfsCreateOptions o;
  o.mode = mode_;
  o.uid = uid_;
  o.gid = gid_;
  o.mtime_ns = mtime_override_;
  return o;
}

Status WriteHandleImpl::StartStream() {
  ASSIGN_OR_RETURN(writer_, p_.ufs->Create(p_.ufs_path, CreateOptions()));
  mode_kind_ = Mode::kStream;
  size_ = 0;
  dirty_ = true;
  return Status::OK();
}

Status WriteHandleImpl::OpenStagingFile() {
  if (p_.opts.stage) {
    // Where the UFS keeps local files, stage on its own file system: the
    // commit then publishes the staging file without a copy.
    auto local = p_.ufs->CreateStaging(p_.ufs_path);
    if (local.ok()) {
      staged_fd_ = *local;
      linked_ = true;
      mode_kind_ = Mode::kStaged;
      return Status::OK();
    }
    if (local.status().code() != Code::kNotSupported) return local.status();
  }
  int fd = ::open(p_.staging_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    // Filesystems without O_TMPFILE: a named file removed at once.
    std::string tmpl = p_.staging_dir + "/stage.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "staging file in " + p_.staging_dir);
    ::unlink(buf.data());
  }
  staged_fd_ = fd;
  mode_kind_ = Mode::kStaged;
  return Status::OK();
}

Status WriteHandleImpl::Init() {
  mtime_ns_ = RealtimeNs();
  if (p_.existing) {
    mode_ = p_.existing->mode;
    uid_ = p_.existing->uid;
    gid_ = p_.existing->gid;
  } else {
    mode_ = p_.opts.mode;
    uid_ = p_.opts.uid;
    gid_ = p_.opts.gid;
  }
  const bool keep = p_.existing && !p_.opts.truncate && p_.existing->size > 0;
  if (keep && !p_.random_access) {
    mode_kind_ = Mode::kPending;
    size_ = p_.existing->size;
    mtime_ns_ = p_.existing->mtime_ns;
    if (p_.opts.read) {
      ASSIGN_OR_RETURN(pending_reader_, p_.ufs->OpenRead(p_.ufs_path));
    }
    return Status::OK();
  }
  if (!p_.opts.read && !p_.random_access && !p_.opts.stage) {
    RETURN_IF_ERROR(StartStream());
    return Status::OK();
  }
  mode_kind_ = Mode::kStaged;
  dirty_ = !p_.existing || p_.opts.truncate;
  if (keep) {
    // The existing content is copied only when first read, written or
    // truncated: `touch` of an open file must not rewrite it.
    size_ = p_.existing->size;
    mtime_ns_ = p_.existing->mtime_ns;
    return Status::OK();
  }
  RETURN_IF_ERROR(OpenStagingFile());
  return Status::OK();
}

Status WriteHandleImpl::EnsureStaged() {
  if (staged_fd_ >= 0) return Status::OK();
  RETURN_IF_ERROR(OpenStagingFile());
  ASSIGN_OR_RETURN(auto reader, p_.ufs->OpenRead(p_.ufs_path));
  std::vector<char> buf(1 << 20);
  uint64_t off = 0;
  while (off < size_) {
    ASSIGN_OR_RETURN(size_t n, reader->ReadAt(off, buf.data(), buf.size()));
    if (n == 0) break;
    if (::pwrite(staged_fd_, buf.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
      return Status::FromErrno(errno ? errno : EIO, "staging " + p_.path);
    }
    off += n;
  }
  if (off != size_) return Status::IoError(p_.path + " changed while it was being staged");
  return Status::OK();
}

Status WriteHandleImpl::ApplyAttributes() {
  Status st;
  if (mtime_override_) st = p_.ufs->SetMtime(p_.ufs_path, *mtime_override_);
  if (st.ok()) st = p_.ufs->SetMode(p_.ufs_path, mode_);
  if (st.ok() && (uid_ || gid_)) st = p_.ufs->SetOwner(p_.ufs_path, uid_, gid_);
  if (st.ok()) attrs_dirty_ = false;
  if (p_.observer) p_.observer->OnCommitted(p_.path);
  return st;
}

void WriteHandleImpl::RefreshExternal() {
  struct stat st;
  if (!external_ || staged_fd_ < 0 || ::fstat(staged_fd_, &st) != 0) return;
  size_ = static_cast<uint64_t>(st.st_size);
  mtime_ns_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

Result<int> WriteHandleImpl::StagingFd() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status(Code::kBadDescriptor, p_.path + " is closed");
  if (!broken_.ok()) return broken_;
  if (mode_kind_ == Mode::kPending) return NeedsRandomAccess("writing existing content", p_.path);
  if (mode_kind_ != Mode::kStaged) {
    return Status::NotSupported(p_.path + " is streamed: open it with OpenOptions::stage");
  }
  if (!external_) {
    const int64_t kept_mtime = mtime_ns_;
    RETURN_IF_ERROR(EnsureStaged());
    // The copy keeps the file's mtime until someone writes.
    struct timespec ts[2];
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = kept_mtime / 1000000000;
    ts[1].tv_nsec = kept_mtime % 1000000000;
    ::futimens(staged_fd_, ts);
    external_ = true;
    dirty_ = true;
  }
  return staged_fd_;
}

void WriteHandleImpl::Forget() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    close_status_ = Status::OK();
    // Neither commit nor abort: what these share with another process
    // (a writer's temporary file, the staging file, the writer lock) is
    // that process's to finish.
    (void)writer_.release();
    pending_reader_.reset();
    if (staged_fd_ >= 0) ::close(staged_fd_);
    staged_fd_ = -1;
    if (p_.token) p_.token->Forget();
    p_.token.reset();
  }
  if (p_.observer) p_.observer->OnClosed(p_.path, this);
}

Result<size_t> WriteHandleImpl::Read(uint64_t offset, char* buf, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshExternal();
  if (!p_.opts.read) return Status(Code::kBadDescriptor, p_.path + " is not open for reading");
  if (closed_) return Status(Code::kBadDescriptor, p_.path + " is closed");
  if (mode_kind_ == Mode::kPending) {
    if (!pending_reader_) return size_t{0};
    return pending_reader_->ReadAt(offset, buf, n);
  }
  if (mode_kind_ != Mode::kStaged) {
    return Status(Code::kBadDescriptor, p_.path + " is not open for reading");
  }
  RETURN_IF_ERROR(EnsureStaged());
  ssize_t r = ::pread(staged_fd_, buf, n, static_cast<off_t>(offset));
  if (r < 0) return Status::FromErrno(errno, "read " + p_.path);
  return static_cast<size_t>(r);
}

Result<size_t> WriteHandleImpl::Write(uint64_t offset, const char* buf, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshExternal();
  if (closed_) return Status(Code::kBadDescriptor, p_.path + " is closed");
  if (!broken_.ok()) return broken_;
  if (mode_kind_ == Mode::kPending)
    return NeedsRandomAccess("overwriting existing content", p_.path);
  if (!p_.random_access && offset != size_) {
    return NeedsRandomAccess(offset > size_ ? "writing past the end" : "random write", p_.path);
  }
  if (n == 0) return size_t{0};
  if (mode_kind_ == Mode::kStream) {
    Status st = writer_ ? Status::OK() : ResumeStream();
    if (st.ok()) st = writer_->Append(buf, n);
    if (!st.ok()) {
      broken_ = st;
      return st;
    }
    size_ += n;
  } else {
    Status st = EnsureStaged();
    if (!st.ok()) return st;
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::pwrite(staged_fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        broken_ = Status::FromErrno(errno, "write " + p_.path);
        return broken_;
      }
      done += static_cast<size_t>(w);
    }
    size_ = std::max(size_, offset + n);
  }
  dirty_ = true;
  mtime_ns_ = RealtimeNs();
  return n;
}

Status WriteHandleImpl::Truncate(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshExternal();
  if (closed_) return Status(Code::kBadDescriptor, p_.path + " is closed");
  if (size == size_ && mode_kind_ != Mode::kPending) return Status::OK();
  if (mode_kind_ == Mode::kPending) {
    if (size == size_) return Status::OK();
    if (size != 0) return NeedsRandomAccess("truncating existing content", p_.path);
    pending_reader_.reset();
    if (p_.opts.read || p_.opts.stage) {
      RETURN_IF_ERROR(OpenStagingFile());
      size_ = 0;
      dirty_ = true;
    } else {
      RETURN_IF_ERROR(StartStream());
    }
    mtime_ns_ = RealtimeNs();
    return Status::OK();
  }
  if (mode_kind_ == Mode::kStream) {
    if (size != 0) return NeedsRandomAccess("truncate", p_.path);
    if (writer_) writer_->Abort();
    writer_.reset();
    RETURN_IF_ERROR(StartStream());
  } else {
    if (!p_.random_access && size != 0) return NeedsRandomAccess("truncate", p_.path);
    RETURN_IF_ERROR(EnsureStaged());
    if (::ftruncate(staged_fd_, static_cast<off_t>(size)) != 0) {
      return Status::FromErrno(errno, "truncate " + p_.path);
    }
    size_ = size;
    dirty_ = true;
  }
  mtime_ns_ = RealtimeNs();
  return Status::OK();
}

Status WriteHandleImpl::Upload() {
  RefreshExternal();
  if (linked_) {
    RETURN_IF_ERROR(p_.ufs->LinkStaging(p_.ufs_path, staged_fd_, CreateOptions()));
    dirty_ = external_;
    attrs_dirty_ = false;
    if (p_.observer) p_.observer->OnCommitted(p_.path);
    return Status::OK();
  }
  UfsCreateOptions o = CreateOptions();
  if (!o.mtime_ns) o.mtime_ns = mtime_ns_;
  ASSIGN_OR_RETURN(auto writer, p_.ufs->Create(p_.ufs_path, o));
  std::vector<char> buf(1 << 20);
  uint64_t off = 0;
  while (off < size_) {
    // Holes of the staging file stay holes where the UFS keeps them.
    off_t data = ::lseek(staged_fd_, static_cast<off_t>(off), SEEK_DATA);
    uint64_t data_at = data >= 0 ? static_cast<uint64_t>(data) : errno == ENXIO ? size_ : off;
    data_at = std::min(data_at, size_);
    if (data_at > off) {
      RETURN_IF_ERROR(writer->AppendZeros(data_at - off));
      off = data_at;
      continue;
    }
    off_t hole = ::lseek(staged_fd_, static_cast<off_t>(off), SEEK_HOLE);
    uint64_t end = hole > static_cast<off_t>(off) ? std::min<uint64_t>(hole, size_) : size_;
    while (off < end) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - off));
      ssize_t r = ::pread(staged_fd_, buf.data(), want, static_cast<off_t>(off));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "read staged " + p_.path);
      }
      if (r == 0) return Status::IoError(p_.path + ": staging file shrank during the upload");
      RETURN_IF_ERROR(writer->Append(buf.data(), static_cast<size_t>(r)));
      off += static_cast<uint64_t>(r);
    }
  }
  RETURN_IF_ERROR(writer->Commit());
  dirty_ = external_;  // others may write the staging file at any time
  attrs_dirty_ = false;
  if (p_.observer) p_.observer->OnCommitted(p_.path);
  return Status::OK();
}

Status WriteHandleImpl::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status(Code::kBadDescriptor, p_.path + " is closed");
  if (!broken_.ok()) return broken_;
  if (unlinked_) return Status::OK();
  if (mode_kind_ == Mode::kStaged && dirty_) return Upload();
  if (mode_kind_ == Mode::kStaged && attrs_dirty_) return ApplyAttributes();
  if (mode_kind_ == Mode::kStream && writer_ && dirty_) {
    // Commit what is written so far; a later write continues the file
    // (ResumeStream), and Close commits again.
    Status st = writer_->Commit();
    writer_.reset();
    if (!st.ok()) {
      broken_ = st;
      return st;
    }
    dirty_ = false;
    if (p_.observer) p_.observer->OnCommitted(p_.path);
  }
  return Status::OK();
}

Status WriteHandleImpl::ResumeStream() {
  // A new writer that starts with the content committed by Sync.
  ASSIGN_OR_RETURN(auto reader, p_.ufs->OpenRead(p_.ufs_path));
  ASSIGN_OR_RETURN(writer_, p_.ufs->Create(p_.ufs_path, CreateOptions()));
  std::vector<char> buf(1 << 20);
  for (uint64_t off = 0; off < size_;) {
    ASSIGN_OR_RETURN(size_t n, reader->ReadAt(off, buf.data(), buf.size()));
    if (n == 0) return Status::IoError(p_.path + " shrank while being written");
    RETURN_IF_ERROR(writer_->Append(buf.data(), n));
    off += n;
  }
  return Status::OK();
}

Status WriteHandleImpl::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return close_status_;
  closed_ = true;
  Status st = broken_;
  if (unlinked_ || !broken_.ok()) {
    if (writer_) writer_->Abort();
  } else if (mode_kind_ == Mode::kStream) {
    // chmod/touch while open: the stream was created with the old values, so
    // they are applied right after the commit.
    // No writer: Sync committed everything already.
    if (writer_) st = writer_->Commit();
    if (st.ok() && attrs_dirty_) {
      st = ApplyAttributes();
    } else if (p_.observer) {
      p_.observer->OnCommitted(p_.path);
    }
  } else if (mode_kind_ == Mode::kStaged && dirty_) {
    st = Upload();
  } else if (attrs_dirty_) {  // only attributes changed (kPending, or kStaged untouched)
    st = ApplyAttributes();
  }
  writer_.reset();
  pending_reader_.reset();
  if (staged_fd_ >= 0) ::close(staged_fd_);
  staged_fd_ = -1;
  close_status_ = st;
  p_.token.reset();
  lock.unlock();
  if (p_.observer) p_.observer->OnClosed(p_.path, this);
  return st;
}

Result<FileAttr> WriteHandleImpl::Stat() {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshExternal();
  FileAttr a;
  a.is_dir = false;
  a.size = size_;
  a.mtime_ns = mtime_override_ ? *mtime_override_ : mtime_ns_;
  a.mode = mode_;
  a.uid = uid_ ? *uid_ : getuid();
  a.gid = gid_ ? *gid_ : getgid();
  // The number the file will have: a staging file the commit links into
  // place is that file.
  struct stat st;
  if (linked_ && staged_fd_ >= 0 && ::fstat(staged_fd_, &st) == 0) {
    a.ino = InodeNumber(st.st_dev, st.st_ino);
  } else if (p_.existing && !linked_) {
    a.ino = p_.existing->ino;
  } else {
    a.ino = PathHash(p_.path);
  }
  a.version = ContentVersion(size_, a.mtime_ns);
  return a;
}

}  // namespace

std::unique_ptr<WriterRegistry> WriterRegistry::InDirectory(std::string dir) {
  return std::make_unique<DirectoryRegistry>(std::move(dir));
}

std::unique_ptr<WriterRegistry> WriterRegistry::InMemory() {
  return std::make_unique<MemoryRegistry>();
}

std::shared_ptr<FileHandle> NewReadHandle(std::string path, std::unique_ptr<UfsReader> reader,
                                          const FileAttr& attr) {
  return std::make_shared<ReadHandle>(std::move(path), std::move(reader), attr);
}

Result<std::shared_ptr<WriteHandle>> WriteHandle::Open(WriteHandleParams params) {
  auto h = std::make_shared<WriteHandleImpl>(std::move(params));
  Status st = h->Init();
  if (!st.ok()) {
    h->MarkUnlinked();  // discard: nothing of a failed open reaches the UFS
    (void)h->Close();
    return st;
  }
  return std::shared_ptr<WriteHandle>(std::move(h));
}

}  // namespace alluxio
