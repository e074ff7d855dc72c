#include "fuse_fs.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <utility>

#include "alluxio/path.h"
#include "alluxio/posix_attr.h"
#include "log.h"

namespace alluxio::fuse {
namespace {

// Largest read and write the kernel sends (libfuse's buffer allows 1 MiB).
constexpr unsigned kMaxIo = 1u << 20;
// st_blksize: programs size their I/O buffers by it, and each FUSE request
// costs a round trip, so advertise the largest request.
constexpr blksize_t kPreferredIo = kMaxIo;
// How attributes become struct stat here: st_dev 0, as the kernel puts the
// mount's own device in every reply.
constexpr StatLayout kFuseStat{0, kPreferredIo};

void FillStat(const FileAttr& a, struct stat* st) { alluxio::FillStat(a, kFuseStat, st); }
// Reported when the UFS cannot tell its capacity (object stores).
constexpr uint64_t kUnknownSpace = uint64_t{1} << 50;
// How long an open waits for the release of a writer whose last flush came
// from a holder nobody could check (see OpenFile::AwaitEndAfterUnverifiedFlush).
// The kernel queues that release before the close(2) returns, so it arrives
// within milliseconds unless the holder still has the file: then the open
// goes ahead (EBUSY for a second writer) after this long.
constexpr std::chrono::milliseconds kReleaseWait{1000};

// ---- helpers shared by the operations -------------------------------------

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t FromTimespec(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The errno of a failed Status. Errors that mean "something is broken"
// rather than "the caller asked for something impossible" are logged.
int Errno(const Status& st, const char* op) {
  switch (st.code()) {
    case Code::kIoError:
    case Code::kTimedOut:
    case Code::kUnavailable:
    case Code::kNoMemory:
    case Code::kNoSpace:
      Log("%s: %s", op, st.ToString().c_str());
      break;
    default:
      break;
  }
  int err = st.ToErrno();
  return err == 0 ? EIO : err;
}

// A handle this daemon did not issue: one of a daemon that died, still held
// by a program's open descriptor. Its file can no longer be read or written.
constexpr int kStaleHandle = EIO;

}  // namespace

// ---- Invalidator ------------------------------------------------------------

Invalidator::~Invalidator() { Stop(); }

void Invalidator::Start(fuse_session* se) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pool_ != nullptr) return;
  se_ = se;
  pool_ = std::make_unique<TaskPool>(1, TaskPool::AtStop::kDropPending);
}

void Invalidator::Stop() {
  std::unique_ptr<TaskPool> pool;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pool = std::move(pool_);
  }
  if (pool != nullptr) pool->Stop();
}

void Invalidator::Inode(uint64_t ino, bool data_too) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pool_ == nullptr) return;
  pool_->Submit([se = se_, ino, data_too] {
    // off < 0: attributes only; off 0, len 0: attributes and all data.
    // ENOENT only means the kernel already forgot the node.
    (void)fuse_lowlevel_notify_inval_inode(se, ino, data_too ? 0 : -1, 0);
  });
}

void Invalidator::AttributesNow(uint64_t ino) {
  fuse_session* se;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pool_ == nullptr) return;
    se = se_;
  }
  (void)fuse_lowlevel_notify_inval_inode(se, ino, -1, 0);
}

// ---- FuseFs: the work of each operation ------------------------------------

FuseFs::FuseFs(std::shared_ptr<FileSystem> fs, std::string root_path, MountOptions opts)
    : fs_(std::move(fs)),
      root_path_(std::move(root_path)),
      opts_(std::move(opts)),
      inodes_(root_path_),
      set_owner_(geteuid() == 0) {}

FuseFs::~FuseFs() { invalidator_.Stop(); }

void FuseFs::SetGeneration(uint64_t generation) {
  inodes_.SetGeneration(generation);
  files_.SetGeneration(generation);
  dirs_.SetGeneration(generation);
}

void FuseFs::StartSession(fuse_session* se, dev_t dev) {
  holders_ = std::make_unique<Holders>(dev);
  if (!holders_->usable() && !opts_.read_only) {
    Log("cannot see who holds open files (mount device %s, /proc of another PID namespace?): "
        "written files are committed at release, after close(2) returned",
        dev == 0 ? "unknown" : "known");
  }
  invalidator_.Start(se);
}

void FuseFs::Init(fuse_conn_info* conn) {
  auto want = [conn](unsigned cap) {
    if (conn->capable & cap) conn->want |= cap;
  };
  // O_TRUNC reaches open() instead of a separate setattr(size=0), so the
  // client can replace the file atomically on commit.
  want(FUSE_CAP_ATOMIC_O_TRUNC);
  want(FUSE_CAP_ASYNC_READ);
  want(FUSE_CAP_READDIRPLUS);
  want(FUSE_CAP_READDIRPLUS_AUTO);
  want(FUSE_CAP_PARALLEL_DIROPS);
  // Write-back caching would defer writes past close(2), where their errors
  // could no longer be reported; splicing buys nothing for our buffers.
  conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
                  FUSE_CAP_SPLICE_MOVE);
  if (opts_.cache == CacheMode::kAuto) {
    want(FUSE_CAP_AUTO_INVAL_DATA);
  } else {
    conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  }
  conn->max_write = kMaxIo;
  // Without writes there is nothing to do at open or close: let the kernel
  // skip both (it then keeps its page cache across opens, and drops it when
  // attributes show a change, with auto_cache). The per-open choices of
  // noauto_cache and direct_io need open, so they keep it.
  no_open_ = opts_.read_only && opts_.cache != CacheMode::kNone && !opts_.direct_io &&
             (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
  if (opts_.max_background > 0) {
    conn->max_background = opts_.max_background;
    conn->congestion_threshold = opts_.max_background * 3 / 4;
  }
  conn->time_gran = 1;
}

int FuseFs::PathOf(fuse_ino_t ino, InodeView* view) {
  if (!inodes_.Get(ino, view)) return ESTALE;
  if (view->path.empty()) return ENOENT;
  return 0;
}

int FuseFs::ChildPath(fuse_ino_t parent, const char* name, std::string* path) {
  size_t len = std::strlen(name);
  if (len > kMaxNameLength) return ENAMETOOLONG;
  // The kernel resolves "." and ".." itself and never sends '/': anything
  // else would be a way above the mount's root.
  if (len == 0 || std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0 ||
      std::strchr(name, '/') != nullptr) {
    return EINVAL;
  }
  InodeView dir;
  if (int err = PathOf(parent, &dir)) return err;
  if (!dir.is_dir) return ENOTDIR;
  *path = JoinPath(dir.path, name);
  if (path->size() > kMaxPathLength) return ENAMETOOLONG;
  return 0;
}

int FuseFs::AttrOf(const std::string& path, const std::shared_ptr<OpenFile>& writer,
                   FileAttr* attr) {
  if (writer) {
    auto r = writer->Stat();
    if (r.ok()) {
      *attr = *r;
      return 0;
    }
  }
  auto r = fs_->GetStatus(path);
  if (!r.ok()) return Errno(r.status(), "stat");
  *attr = *r;
  return 0;
}

void FuseFs::FillEntry(const std::string& path, const FileAttr& attr, fuse_entry_param* e) {
  std::shared_ptr<OpenFile> writer;
  *e = {};
  e->ino = inodes_.Lookup(path, attr.is_dir, &writer);
  FileAttr a = attr;
  if (writer && !attr.is_dir) {
    auto r = writer->Stat();
    if (r.ok()) a = *r;
  }
  FillStat(a, &e->attr);
  e->generation = 0;
  e->attr_timeout = opts_.attr_timeout;
  e->entry_timeout = opts_.entry_timeout;
}

int FuseFs::Lookup(fuse_ino_t parent, const char* name, fuse_entry_param* e) {
  std::string path;
  if (int err = ChildPath(parent, name, &path)) return err;
  auto r = fs_->GetStatus(path);
  if (!r.ok()) {
    if (r.status().code() == Code::kNotFound && opts_.negative_timeout > 0) {
      *e = {};  // ino 0: the kernel caches "no such entry"
      e->entry_timeout = opts_.negative_timeout;
      return 0;
    }
    return Errno(r.status(), "lookup");
  }
  FillEntry(path, *r, e);
  return 0;
}

void FuseFs::Forget(fuse_ino_t ino, uint64_t nlookup) {
  inodes_.Forget(ino, nlookup);
  if (no_open_) {
    InodeView v;
    if (!inodes_.Get(ino, &v)) {
      std::shared_ptr<FileHandle> dropped;  // closed outside the lock
      std::lock_guard<std::mutex> lock(readers_mu_);
      auto it = readers_.find(ino);
      if (it != readers_.end()) {
        dropped = std::move(it.value());
        readers_.erase(it);
      }
    }
  }
}

int FuseFs::GetAttr(fuse_ino_t ino, fuse_file_info* fi, struct stat* st) {
  std::shared_ptr<OpenFile> open;  // fstat: the descriptor's own open file
  if (fi != nullptr && fi->fh != 0) open = files_.Get(fi->fh);
  std::shared_ptr<OpenFile> writer = open && open->writable() ? open : nullptr;
  InodeView v;
  if (!inodes_.Get(ino, &v)) return ESTALE;
  if (!writer) writer = v.writer;
  FileAttr a;
  if (!writer && v.path.empty()) {
    // Unlinked while open: as on a local file system, fstat of the open
    // descriptor still describes the file it reads. (fstat does not say
    // which open file it asks for: any of the node's will do.)
    if (open == nullptr) open = files_.FindIf([&](const OpenFile& f) { return f.ino() == ino; });
    if (open == nullptr) return ENOENT;
    auto r = open->Stat();
    if (!r.ok()) return ENOENT;
    a = *r;
    FillStat(a, st);
    return 0;
  }
  if (int err = AttrOf(v.path, writer, &a)) return err;
  if (v.is_dir != a.is_dir) return ESTALE;  // replaced by the other kind
  FillStat(a, st);
  return 0;
}

int FuseFs::SetAttr(fuse_req_t, fuse_ino_t ino, const struct stat& attr, int to_set,
                    fuse_file_info* fi, struct stat* st) {
  if (opts_.read_only) return EROFS;
  InodeView v;
  if (!inodes_.Get(ino, &v)) return ESTALE;
  std::shared_ptr<OpenFile> writer;
  if (fi != nullptr && fi->fh != 0) writer = files_.Get(fi->fh);
  if (writer && !writer->writable()) writer.reset();
  if (!writer) writer = v.writer;
  if (!writer && v.path.empty()) return ENOENT;

  if (to_set & FUSE_SET_ATTR_SIZE) {
    if (v.is_dir) return EISDIR;
    if (attr.st_size < 0) return EINVAL;
    uint64_t size = static_cast<uint64_t>(attr.st_size);
    Status s = writer ? writer->Truncate(size) : fs_->Truncate(v.path, size);
    if (!s.ok()) return Errno(s, "truncate");
  }
  SetAttributeOptions sa;
  bool any = false;
  if (to_set & FUSE_SET_ATTR_MODE) {
    sa.mode = attr.st_mode & 07777;
    any = true;
  }
  if (to_set & FUSE_SET_ATTR_UID) {
    sa.uid = attr.st_uid;
    any = true;
  }
  if (to_set & FUSE_SET_ATTR_GID) {
    sa.gid = attr.st_gid;
    any = true;
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    // A truncation already stamps the time it happened.
    if (!(to_set & FUSE_SET_ATTR_SIZE)) {
      sa.mtime_ns = NowNs();
      any = true;
    }
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    sa.mtime_ns = FromTimespec(attr.st_mtim);
    any = true;
  }
  // There is no access or change time to set: atime and ctime requests
  // succeed and read back as the modification time.
  if (any) {
    std::string path = v.path.empty() && writer ? writer->path() : v.path;
    Status s = fs_->SetAttribute(path, sa);
    if (!s.ok()) return Errno(s, "setattr");
  }
  FileAttr a;
  if (int err = AttrOf(v.path.empty() && writer ? writer->path() : v.path, writer, &a)) {
    return err;
  }
  FillStat(a, st);
  return 0;
}

int FuseFs::MkDir(const fuse_ctx& ctx, fuse_ino_t parent, const char* name, mode_t mode,
                  fuse_entry_param* e) {
  if (opts_.read_only) return EROFS;
  std::string path;
  if (int err = ChildPath(parent, name, &path)) return err;
  CreateDirectoryOptions o;
  o.mode = mode & ~ctx.umask & 07777;
  if (set_owner_) {
    o.uid = ctx.uid;
    o.gid = ctx.gid;
  }
  Status s = fs_->CreateDirectory(path, o);
  if (!s.ok()) return Errno(s, "mkdir");
  auto r = fs_->GetStatus(path);
  if (!r.ok()) return Errno(r.status(), "mkdir");
  FillEntry(path, *r, e);
  return 0;
}

int FuseFs::MkNod(const fuse_ctx& ctx, fuse_ino_t parent, const char* name, mode_t mode,
                  fuse_entry_param* e) {
  // Only regular files exist here: FIFOs, sockets and devices are refused
  // with EPERM, as mknod(2) documents for "the filesystem does not support
  // the type of node requested".
  if (!S_ISREG(mode)) return EPERM;
  if (opts_.read_only) return EROFS;
  std::string path;
  if (int err = ChildPath(parent, name, &path)) return err;
  OpenOptions o;
  o.read = false;
  o.write = true;
  o.create = true;
  o.exclusive = true;
  o.mode = mode & ~ctx.umask & 07777;
  if (set_owner_) {
    o.uid = ctx.uid;
    o.gid = ctx.gid;
  }
  auto h = fs_->OpenFile(path, o);
  if (!h.ok()) return Errno(h.status(), "mknod");
  Status s = (*h)->Close();
  if (!s.ok()) return Errno(s, "mknod");
  auto r = fs_->GetStatus(path);
  if (!r.ok()) return Errno(r.status(), "mknod");
  FillEntry(path, *r, e);
  return 0;
}

int FuseFs::Unlink(fuse_ino_t parent, const char* name) {
  if (opts_.read_only) return EROFS;
  std::string path;
  if (int err = ChildPath(parent, name, &path)) return err;
  DeleteOptions o;
  o.kind = DeleteOptions::Kind::kFileOnly;
  Status s = fs_->Delete(path, o);
  if (!s.ok()) return Errno(s, "unlink");
  inodes_.Detach(path);
  return 0;
}

int FuseFs::RmDir(fuse_ino_t parent, const char* name) {
  if (opts_.read_only) return EROFS;
  std::string path;
  if (int err = ChildPath(parent, name, &path)) return err;
  DeleteOptions o;
  o.kind = DeleteOptions::Kind::kDirectoryOnly;
  Status s = fs_->Delete(path, o);
  if (!s.ok()) return Errno(s, "rmdir");
  inodes_.Detach(path);
  return 0;
}

int FuseFs::Rename(fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
                   unsigned int flags) {
  // RENAME_EXCHANGE and RENAME_WHITEOUT cannot be done atomically on the
  // UFS; rename(2) documents EINVAL for unsupported flags.
  if (flags & ~static_cast<unsigned int>(RENAME_NOREPLACE)) return EINVAL;
  if (opts_.read_only) return EROFS;
  std::string src, dst;
  if (int err = ChildPath(parent, name, &src)) return err;
  if (int err = ChildPath(newparent, newname, &dst)) return err;
  Status s = fs_->Rename(src, dst, (flags & RENAME_NOREPLACE) != 0);
  if (!s.ok()) return Errno(s, "rename");
  inodes_.Rename(src, dst);
  return 0;
}

void FuseFs::FinishOpen(uint64_t ino, std::shared_ptr<FileHandle> handle, const OpenOptions& opts,
                        bool dirty, pid_t pid, const ForkMark& mark, fuse_file_info* fi) {
  bool keep = false;
  switch (opts_.cache) {
    case CacheMode::kKernel:
      keep = true;
      break;
    case CacheMode::kNone:
      break;
    case CacheMode::kAuto: {
      // The kernel's cached pages are valid when they hold the version the
      // file has now. A truncating open replaces the content (the kernel
      // drops its pages itself).
      uint64_t version = 0;
      if (!opts.truncate) {
        auto a = handle->Stat();
        if (a.ok()) version = a->version;
      }
      uint64_t cached = inodes_.ExchangeCachedVersion(ino, version);
      keep = version != 0 && cached == version;
      // The file changed since the kernel last saw it here (another
      // process or node wrote it): its cached size is stale too, and reads
      // must not stop at the old end of file.
      if (cached != 0 && cached != version) invalidator_.AttributesNow(ino);
      break;
    }
  }
  Opener opener;
  if (handle->writable()) opener = {pid, Holders::ProcessOf(pid), mark};
  auto of = std::make_shared<OpenFile>(fs_.get(), std::move(handle), ino, opts, dirty, opener);
  fi->keep_cache = keep;
  fi->direct_io = opts_.direct_io;
  // A read-only descriptor has nothing to commit: spare close(2) the FLUSH
  // round trip.
  fi->noflush = !of->writable();
  if (of->writable()) inodes_.SetWriter(ino, of);
  fi->fh = files_.Add(std::move(of));
}

int FuseFs::Create(const fuse_ctx& ctx, fuse_ino_t parent, const char* name, mode_t mode,
                   fuse_file_info* fi, fuse_entry_param* e) {
  if (opts_.read_only) return EROFS;
  std::string path;
  if (int err = ChildPath(parent, name, &path)) return err;
  OpenOptions o = OpenOptions::FromFlags(fi->flags, mode & ~ctx.umask & 07777);
  o.create = true;
  if (set_owner_) {
    o.uid = ctx.uid;
    o.gid = ctx.gid;
  }
  // Taken before the open: a process that inherits the new descriptor
  // starts after it.
  const ForkMark mark = holders_ ? holders_->Mark() : ForkMark();
  auto h = OpenMeetingWriter(path, o, inodes_.WriterAt(path));
  if (!h.ok()) return Errno(h.status(), "create");
  auto a = (*h)->Stat();
  if (!a.ok()) {
    (void)(*h)->Close();
    return Errno(a.status(), "create");
  }
  FillEntry(path, *a, e);
  FinishOpen(e->ino, std::move(*h), o, /*dirty=*/true, ctx.pid, mark, fi);
  return 0;
}

Result<std::shared_ptr<FileHandle>> FuseFs::OpenMeetingWriter(
    const std::string& path, const OpenOptions& opts, const std::shared_ptr<OpenFile>& writer) {
  auto h = fs_->OpenFile(path, opts);
  if (h.ok() || h.status().code() != Code::kBusy || !writer) return h;
  // The previous writer's last close may have returned before its release
  // reached the daemon (when that close could not be checked): the release
  // is on its way, and this open comes after it.
  if (!writer->AwaitEndAfterUnverifiedFlush(kReleaseWait)) return h;
  return fs_->OpenFile(path, opts);
}

int FuseFs::Open(fuse_ino_t ino, pid_t pid, fuse_file_info* fi) {
  InodeView v;
  if (int err = PathOf(ino, &v)) return err;
  if (v.is_dir) return EISDIR;
  OpenOptions o = OpenOptions::FromFlags(fi->flags, 0);
  o.create = false;
  o.exclusive = false;
  if (opts_.read_only && (o.write || o.truncate)) return EROFS;
  // ENOSYS here is the kernel's cue to stop sending open and release.
  if (no_open_) return ENOSYS;
  const ForkMark mark = holders_ && o.write ? holders_->Mark() : ForkMark();
  if (!o.write && v.writer) {
    // A reader right after a writer's close reads what the close committed,
    // also when the commit is left to the release.
    (void)v.writer->AwaitEndAfterUnverifiedFlush(kReleaseWait);
  }
  auto h = OpenMeetingWriter(v.path, o, v.writer);
  if (!h.ok()) return Errno(h.status(), "open");
  FinishOpen(ino, std::move(*h), o, /*dirty=*/o.truncate, pid, mark, fi);
  return 0;
}

int FuseFs::ReadWithoutOpen(fuse_ino_t ino, size_t size, off_t off, char* buf, size_t* n) {
  constexpr size_t kMaxSharedReaders = 128;
  InodeView v;
  if (int err = PathOf(ino, &v)) return err;
  auto attr = fs_->GetStatus(v.path);  // cached: cheap
  if (!attr.ok()) return Errno(attr.status(), "read");
  std::shared_ptr<FileHandle> h;
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    auto it = readers_.find(ino);
    if (it != readers_.end()) h = it->second;
  }
  if (h) {
    auto hs = h->Stat();
    if (!hs.ok() || hs->version != attr->version) h.reset();
  }
  if (!h) {
    auto opened = fs_->OpenFile(v.path, OpenOptions());
    if (!opened.ok()) return Errno(opened.status(), "read");
    h = std::move(*opened);
    std::shared_ptr<FileHandle> evicted;  // closed outside the lock
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (readers_.size() >= kMaxSharedReaders && readers_.find(ino) == readers_.end()) {
      auto victim = readers_.begin();
      evicted = std::move(victim.value());
      readers_.erase(victim);
    }
    readers_[ino] = h;
  }
  auto r = h->Read(static_cast<uint64_t>(off), buf, size);
  if (!r.ok()) return Errno(r.status(), "read");
  *n = *r;
  return 0;
}

int FuseFs::Read(fuse_ino_t ino, fuse_file_info* fi, size_t size, off_t off, char* buf, size_t* n) {
  if (off < 0) return EINVAL;
  if (fi->fh == 0) return ReadWithoutOpen(ino, size, off, buf, n);
  std::shared_ptr<OpenFile> of = files_.Get(fi->fh);
  if (!of) return kStaleHandle;
  if (std::shared_ptr<OpenFile> w = SuccessorOf(of)) {
    auto r = w->Read(static_cast<uint64_t>(off), buf, size);
    if (r.ok()) {
      *n = *r;
      return 0;
    }
    if (r.status().code() != Code::kBadDescriptor) return Errno(r.status(), "read");
    // A write-only successor: the committed file, then.
  }
  auto r = of->Read(static_cast<uint64_t>(off), buf, size);
  if (!r.ok()) return Errno(r.status(), "read");
  *n = *r;
  return 0;
}

std::shared_ptr<OpenFile> FuseFs::SuccessorOf(const std::shared_ptr<OpenFile>& of) {
  if (!of->writable() || !of->Finished()) return nullptr;
  InodeView v;
  if (!inodes_.Get(of->ino(), &v) || v.writer == of) return nullptr;
  return v.writer;
}

int FuseFs::Write(fuse_file_info* fi, const char* buf, size_t size, off_t off, size_t* n) {
  if (opts_.read_only) return EROFS;
  if (off < 0) return EINVAL;
  std::shared_ptr<OpenFile> of = files_.Get(fi->fh);
  if (!of) return kStaleHandle;
  // Write-back of a mapping that outlived its descriptors: the node's bytes,
  // which belong to its current writer.
  if (std::shared_ptr<OpenFile> w = SuccessorOf(of)) of = std::move(w);
  auto r = of->Write(static_cast<uint64_t>(off), buf, size);
  if (!r.ok()) return Errno(r.status(), "write");
  *n = *r;
  return 0;
}

void FuseFs::AfterCommit(const OpenFile& of, const Status& st) {
  if (st.ok()) {
    // The kernel's pages were written through it, so they hold the new
    // content: remember its version so the next open keeps them.
    uint64_t version = 0;
    if (opts_.cache == CacheMode::kAuto) {
      auto a = fs_->GetStatus(of.path());
      if (a.ok()) version = a->version;
    }
    (void)inodes_.ExchangeCachedVersion(of.ino(), version);
    invalidator_.Inode(of.ino(), /*data_too=*/false);  // the commit's mtime
  } else {
    // The UFS kept the previous content; the kernel must not serve ours.
    (void)inodes_.ExchangeCachedVersion(of.ino(), 0);
    invalidator_.Inode(of.ino(), /*data_too=*/true);
  }
}

int FuseFs::Flush(fuse_file_info* fi, pid_t pid) {
  // Without open there is nothing to flush; ENOSYS stops the kernel asking.
  if (fi->fh == 0) return ENOSYS;
  std::shared_ptr<OpenFile> of = files_.Get(fi->fh);
  if (!of) return kStaleHandle;
  if (!of->writable()) return 0;
  if (!of->Pending()) {
    Status poison = of->WriteError();
    return poison.ok() ? 0 : Errno(poison, "flush");
  }
  // This close ends the writer only if nobody else holds the open file: the
  // closing process no longer has this descriptor, but it may have others,
  // and children may have inherited it. pid 0: a process this daemon's PID
  // namespace cannot see.
  Holders::Verdict verdict = Holders::Verdict::kUnknown;
  const Opener& opener = of->opener();
  pid_t closer = pid != 0 && pid == opener.thread ? opener.process : Holders::ProcessOf(pid);
  if (holders_ && closer > 0) {
    verdict = holders_->Check(PathHash(of->path()), {opener.process, closer}, opener.mark);
  }
  if (verdict != Holders::Verdict::kNone) {
    of->NoteFlush(verdict == Holders::Verdict::kUnknown);
    // Not the end of the writer: nothing is committed, but a write that
    // failed is reported to every close.
    Status poison = of->WriteError();
    return poison.ok() ? 0 : Errno(poison, "flush");
  }
  bool committed = false;
  Status st = of->Finish(&committed);
  if (committed) AfterCommit(*of, st);
  // The node has no writer any more: an open for writing may come at once.
  inodes_.ClearWriter(of->ino(), of.get());
  if (!st.ok()) return Errno(st, "flush");
  return 0;
}

int FuseFs::Fsync(fuse_file_info* fi) {
  if (fi->fh == 0) return 0;
  std::shared_ptr<OpenFile> of = files_.Get(fi->fh);
  if (!of) return kStaleHandle;
  Status st = of->Sync();
  if (!st.ok()) return Errno(st, "fsync");
  return 0;
}

void FuseFs::Release(fuse_file_info* fi) {
  if (fi->fh == 0) return;
  std::shared_ptr<OpenFile> of = files_.Remove(fi->fh);
  fi->fh = 0;
  if (!of) return;  // a dead daemon's: nothing of it is left here
  bool committed = false;
  Status st = of->Close(&committed);
  if (committed) {
    AfterCommit(*of, st);
    // Writes after the last close(2) (through a shared mapping) have no
    // caller left to tell.
    if (!st.ok()) Log("release: %s", st.ToString().c_str());
  }
  if (of->writable()) inodes_.ClearWriter(of->ino(), of.get());
}

void FuseFs::AbandonOpen(fuse_file_info* fi, bool forget_entry) {
  std::shared_ptr<OpenFile> of = files_.Get(fi->fh);
  if (!of) return;
  uint64_t ino = of->ino();
  Release(fi);
  if (forget_entry) inodes_.Forget(ino, 1);
}

int FuseFs::OpenDirectory(fuse_ino_t ino, fuse_file_info* fi) {
  InodeView v;
  if (int err = PathOf(ino, &v)) return err;
  if (!v.is_dir) return ENOTDIR;
  auto r = fs_->ListStatus(v.path);
  if (!r.ok()) return Errno(r.status(), "opendir");
  auto dir = std::make_shared<OpenDir>();
  dir->path = std::move(v.path);
  dir->entries = std::move(*r);
  if (opts_.cache == CacheMode::kKernel) {
    // The kernel keeps the listing until this daemon changes the directory.
    fi->cache_readdir = 1;
    fi->keep_cache = 1;
  }
  fi->fh = dirs_.Add(std::move(dir));
  return 0;
}

int FuseFs::ReadDir(fuse_req_t req, fuse_file_info* fi, size_t size, off_t off, bool plus,
                    char* buf, size_t* used) {
  std::shared_ptr<OpenDir> dir = dirs_.Get(fi->fh);
  if (!dir) return kStaleHandle;
  const size_t total = dir->entries.size() + 2;  // "." and ".." first
  size_t pos = 0;
  for (size_t i = off < 0 ? 0 : static_cast<size_t>(off); i < total; ++i) {
    const char* name;
    struct stat st = {};
    const FileInfo* info = nullptr;
    if (i < 2) {
      name = i == 0 ? "." : "..";
      st.st_mode = S_IFDIR;
      st.st_ino = PathHash(i == 0 ? dir->path : std::string(ParentPath(dir->path)));
    } else {
      info = &dir->entries[i - 2];
      name = info->name.c_str();
      FillStat(info->attr, &st);
    }
    const off_t next = static_cast<off_t>(i + 1);
    const size_t room = size - pos;
    if (!plus) {
      size_t need = fuse_add_direntry(req, buf + pos, room, name, &st, next);
      if (need > room) break;
      pos += need;
      continue;
    }
    fuse_entry_param e = {};
    e.attr = st;
    // Measure first: an entry that does not fit must not count a lookup.
    size_t need = fuse_add_direntry_plus(req, nullptr, 0, name, &e, next);
    if (need > room) break;
    if (info != nullptr) {
      FillEntry(JoinPath(dir->path, info->name), info->attr, &e);
      // Placeholder mode, owner and mtime (an S3 listing) must not be
      // cached by the kernel: its next stat asks getattr.
      if (!info->full_attributes) e.attr_timeout = 0;
    }
    // "." and ".." go with node id 0: the kernel makes no entry for them.
    fuse_add_direntry_plus(req, buf + pos, room, name, &e, next);
    pos += need;
  }
  *used = pos;
  return 0;
}

void FuseFs::ReleaseDirectory(fuse_file_info* fi) {
  (void)dirs_.Remove(fi->fh);
  fi->fh = 0;
}

int FuseFs::StatFs(fuse_ino_t, struct statvfs* out) {
  uint64_t total = 0;
  uint64_t free = 0;
  Status s = fs_->GetSpace(root_path_, &total, &free);
  if (s.code() == Code::kNotSupported) {
    total = free = kUnknownSpace;
  } else if (!s.ok()) {
    return Errno(s, "statfs");
  }
  constexpr uint64_t kFrag = 4096;
  *out = {};
  out->f_bsize = kPreferredIo;
  out->f_frsize = kFrag;
  out->f_blocks = total / kFrag;
  out->f_bfree = free / kFrag;
  out->f_bavail = free / kFrag;
  out->f_files = 1u << 30;
  out->f_ffree = 1u << 30;
  out->f_favail = 1u << 30;
  out->f_namemax = kMaxNameLength;
  return 0;
}

// ---- the callbacks: run the work, then reply ---------------------------------

namespace {

FuseFs* Self(fuse_req_t req) { return static_cast<FuseFs*>(fuse_req_userdata(req)); }

// Runs the work of one request. No exception may reach libfuse (a C library
// that cannot unwind): bad_alloc is ENOMEM, anything else EIO.
template <typename Fn>
int Run(const char* op, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    Log("%s: out of memory", op);
    return ENOMEM;
  } catch (const std::exception& e) {
    Log("%s: unexpected exception: %s", op, e.what());
    return EIO;
  } catch (...) {
    Log("%s: unexpected exception", op);
    return EIO;
  }
}

// Work without a reply (forget, release): exceptions are logged and dropped.
template <typename Fn>
void RunQuietly(const char* op, Fn&& fn) noexcept {
  (void)Run(op, [&] {
    fn();
    return 0;
  });
}

void ReplyEntry(fuse_req_t req, int err, const fuse_entry_param& e) {
  if (err != 0) {
    fuse_reply_err(req, err);
  } else if (fuse_reply_entry(req, &e) != 0 && e.ino != 0) {
    // The kernel did not take the reference (the request was interrupted).
    RunQuietly("lookup", [&] { Self(req)->Forget(e.ino, 1); });
  }
}

thread_local std::vector<char> tls_buffer;

char* Buffer(size_t size) {
  if (tls_buffer.size() < size) tls_buffer.resize(size);
  return tls_buffer.data();
}

void OpInit(void* userdata, fuse_conn_info* conn) {
  RunQuietly("init", [&] { static_cast<FuseFs*>(userdata)->Init(conn); });
}

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_entry_param e = {};
  int err = Run("lookup", [&] { return Self(req)->Lookup(parent, name, &e); });
  ReplyEntry(req, err, e);
}

void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  RunQuietly("forget", [&] { Self(req)->Forget(ino, nlookup); });
  fuse_reply_none(req);
}

void OpForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  RunQuietly("forget", [&] {
    for (size_t i = 0; i < count; ++i) Self(req)->Forget(forgets[i].ino, forgets[i].nlookup);
  });
  fuse_reply_none(req);
}

void OpGetAttr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  struct stat st;
  int err = Run("getattr", [&] { return Self(req)->GetAttr(ino, fi, &st); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_attr(req, &st, Self(req)->options().attr_timeout);
  }
}

void OpSetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  struct stat st;
  int err = Run("setattr", [&] { return Self(req)->SetAttr(req, ino, *attr, to_set, fi, &st); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_attr(req, &st, Self(req)->options().attr_timeout);
  }
}

void OpMkDir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  fuse_entry_param e = {};
  int err =
      Run("mkdir", [&] { return Self(req)->MkDir(*fuse_req_ctx(req), parent, name, mode, &e); });
  ReplyEntry(req, err, e);
}

void OpMkNod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
  fuse_entry_param e = {};
  int err =
      Run("mknod", [&] { return Self(req)->MkNod(*fuse_req_ctx(req), parent, name, mode, &e); });
  ReplyEntry(req, err, e);
}

void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, Run("unlink", [&] { return Self(req)->Unlink(parent, name); }));
}

void OpRmDir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, Run("rmdir", [&] { return Self(req)->RmDir(parent, name); }));
}

void OpRename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
              const char* newname, unsigned int flags) {
  fuse_reply_err(req, Run("rename", [&] {
                   return Self(req)->Rename(parent, name, newparent, newname, flags);
                 }));
}

// Symbolic and hard links cannot be represented in the UFS; EPERM is what
// symlink(2) and link(2) document for "the filesystem does not support" it.
void OpSymlink(fuse_req_t req, const char*, fuse_ino_t, const char*) { fuse_reply_err(req, EPERM); }

void OpLink(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { fuse_reply_err(req, EPERM); }

void OpReadlink(fuse_req_t req, fuse_ino_t) { fuse_reply_err(req, EINVAL); }

void OpCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
              fuse_file_info* fi) {
  fuse_entry_param e = {};
  int err = Run("create",
                [&] { return Self(req)->Create(*fuse_req_ctx(req), parent, name, mode, fi, &e); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else if (fuse_reply_create(req, &e, fi) != 0) {
    RunQuietly("create", [&] { Self(req)->AbandonOpen(fi, /*forget_entry=*/true); });
  }
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  int err = Run("open", [&] { return Self(req)->Open(ino, fuse_req_ctx(req)->pid, fi); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else if (fuse_reply_open(req, fi) != 0) {
    RunQuietly("open", [&] { Self(req)->AbandonOpen(fi, /*forget_entry=*/false); });
  }
}

void OpRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  char* buf = nullptr;
  size_t n = 0;
  int err = Run("read", [&] {
    buf = Buffer(size);
    return Self(req)->Read(ino, fi, size, off, buf, &n);
  });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_buf(req, buf, n);
  }
}

void OpWrite(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
             fuse_file_info* fi) {
  size_t n = 0;
  int err = Run("write", [&] { return Self(req)->Write(fi, buf, size, off, &n); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_write(req, n);
  }
}

void OpFlush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  fuse_reply_err(req, Run("flush", [&] { return Self(req)->Flush(fi, fuse_req_ctx(req)->pid); }));
}

void OpFsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  fuse_reply_err(req, Run("fsync", [&] { return Self(req)->Fsync(fi); }));
}

void OpRelease(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  RunQuietly("release", [&] { Self(req)->Release(fi); });
  fuse_reply_err(req, 0);
}

void OpOpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  int err = Run("opendir", [&] { return Self(req)->OpenDirectory(ino, fi); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else if (fuse_reply_open(req, fi) != 0) {
    Self(req)->ReleaseDirectory(fi);
  }
}

void ReadDirCommon(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  char* buf = nullptr;
  size_t used = 0;
  int err = Run(plus ? "readdirplus" : "readdir", [&] {
    buf = Buffer(size);
    return Self(req)->ReadDir(req, fi, size, off, plus, buf, &used);
  });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_buf(req, buf, used);
  }
}

void OpReadDir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirCommon(req, size, off, fi, /*plus=*/false);
}

void OpReadDirPlus(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirCommon(req, size, off, fi, /*plus=*/true);
}

void OpReleaseDir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Self(req)->ReleaseDirectory(fi);
  fuse_reply_err(req, 0);
}

void OpFsyncDir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
  fuse_reply_err(req, 0);  // directory changes are synchronous in the UFS
}

void OpStatFs(fuse_req_t req, fuse_ino_t ino) {
  struct statvfs st;
  int err = Run("statfs", [&] { return Self(req)->StatFs(ino, &st); });
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_statfs(req, &st);
  }
}

// Extended attributes are not stored. ENOSYS makes the kernel answer every
// later xattr call with EOPNOTSUPP (== ENOTSUP) itself, without a round trip.
void OpSetXattr(fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) {
  fuse_reply_err(req, ENOSYS);
}

void OpGetXattr(fuse_req_t req, fuse_ino_t, const char*, size_t) { fuse_reply_err(req, ENOSYS); }

void OpListXattr(fuse_req_t req, fuse_ino_t, size_t) { fuse_reply_err(req, ENOSYS); }

void OpRemoveXattr(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOSYS); }

fuse_lowlevel_ops MakeOperations() {
  fuse_lowlevel_ops ops = {};
  ops.init = OpInit;
  ops.lookup = OpLookup;
  ops.forget = OpForget;
  ops.forget_multi = OpForgetMulti;
  ops.getattr = OpGetAttr;
  ops.setattr = OpSetAttr;
  ops.readlink = OpReadlink;
  ops.mknod = OpMkNod;
  ops.mkdir = OpMkDir;
  ops.unlink = OpUnlink;
  ops.rmdir = OpRmDir;
  ops.symlink = OpSymlink;
  ops.rename = OpRename;
  ops.link = OpLink;
  ops.create = OpCreate;
  ops.open = OpOpen;
  ops.read = OpRead;
  ops.write = OpWrite;
  ops.flush = OpFlush;
  ops.release = OpRelease;
  ops.fsync = OpFsync;
  ops.opendir = OpOpenDir;
  ops.readdir = OpReadDir;
  ops.readdirplus = OpReadDirPlus;
  ops.releasedir = OpReleaseDir;
  ops.fsyncdir = OpFsyncDir;
  ops.statfs = OpStatFs;
  ops.setxattr = OpSetXattr;
  ops.getxattr = OpGetXattr;
  ops.listxattr = OpListXattr;
  ops.removexattr = OpRemoveXattr;
  // Not set, so libfuse answers ENOSYS and the kernel handles them itself:
  // access (permission checks are the kernel's, with default_permissions),
  // locks (local to this node), fallocate (EOPNOTSUPP), ioctl, poll, bmap,
  // copy_file_range (the kernel falls back to read and write), lseek.
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FuseFs::Operations() {
  static const fuse_lowlevel_ops kOps = MakeOperations();
  return kOps;
}

}  // namespace alluxio::fuse
