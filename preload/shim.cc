#include "shim.h"

#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <unordered_map>

#include "alluxio/path.h"

namespace alluxio::preload {

thread_local bool t_in_shim __attribute__((tls_model("initial-exec"))) = false;
bool g_active = false;

namespace {

struct Prefix {
  std::string local;    // normalized local prefix, e.g. /mnt/alluxio
  std::string alluxio;  // normalized Alluxio path it maps to
};

// Set once by the constructor, read-only after; never freed (interposed
// calls can run during exit).
std::vector<Prefix>* g_prefixes = nullptr;

std::mutex g_cwd_mu;  // guards g_real_cwd, g_served_cwd
std::string* g_real_cwd = nullptr;
std::string* g_served_cwd = nullptr;  // local path; empty when the cwd is real
// Whether relative paths can be served at all: the cwd (real or served) is
// under a prefix. Read on every relative-path call without the lock.
std::atomic<bool> g_cwd_maybe_served{false};

// Real directory fds opened on a proper ancestor of a prefix, with their
// paths. The flags make the check for every other fd one load.
std::atomic<bool> g_ancestor_flag[FdTable::kMaxFds];
std::mutex g_ancestor_mu;  // guards g_ancestor_paths
std::unordered_map<int, std::string>* g_ancestor_paths = nullptr;

std::atomic<mode_t> g_umask{022};

int g_internal_fd_base = 0;  // set by the constructor

std::mutex g_fs_mu;  // guards g_fs and g_fs_err during creation
std::atomic<FileSystem*> g_fs{nullptr};
int g_fs_err = 0;

// A path needs lexical normalization when it has an empty, "." or ".."
// component or a trailing slash.
bool NeedsNormalize(const char* p) {
  for (const char* c = p; *c; ++c) {
    if (c[0] != '/') continue;
    if (c[1] == '/' || c[1] == '\0') return c != p || c[1] == '/';
    if (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) return true;
    if (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')) return true;
  }
  return false;
}

// Matches a normalized absolute local path against the prefixes.
bool MatchPrefix(const char* abs, size_t len, Served* out) {
  for (const Prefix& pre : *g_prefixes) {
    size_t n = pre.local.size();
    if (len < n || memcmp(abs, pre.local.data(), n) != 0) continue;
    if (len != n && abs[n] != '/' && n != 1) continue;
    out->lpath.assign(abs, len);
    std::string rest(abs + (n == 1 ? 0 : n), len - (n == 1 ? 0 : n));
    out->apath = pre.alluxio == "/" ? (rest.empty() ? "/" : rest) : pre.alluxio + rest;
    return true;
  }
  return false;
}

bool UnderAnyPrefix(const std::string& abs) {
  Served ignored;
  return MatchPrefix(abs.data(), abs.size(), &ignored);
}

// Whether a relative path from directory `abs` can name a served path: it is
// under a prefix, or a prefix is under it (`mkdir served` from its parent).
bool CanReachPrefix(const std::string& abs) {
  for (const Prefix& pre : *g_prefixes) {
    if (PathHasPrefix(pre.local, abs)) return true;
  }
  return UnderAnyPrefix(abs);
}

void ParsePrefixes(const char* env) {
  auto* prefixes = new std::vector<Prefix>();
  std::string all(env);
  size_t i = 0;
  while (i <= all.size()) {
    size_t colon = all.find(':', i);
    if (colon == std::string::npos) colon = all.size();
    std::string item = all.substr(i, colon - i);
    i = colon + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string local = item.substr(0, eq);
    // Without "=alluxio-path" a prefix serves the Alluxio root, as a FUSE
    // mount at the same path shows it.
    std::string apath = eq == std::string::npos ? "/" : item.substr(eq + 1);
    auto l = NormalizePath(local);
    auto a = NormalizePath(apath);
    std::string bad;
    if (!l.ok() || !a.ok()) {
      bad = (!l.ok() ? l.status() : a.status()).ToString();
    } else if (*l == "/") {
      bad = "the root cannot be a prefix (every program file would be served)";
    } else {
      for (const Prefix& p : *prefixes) {
        if (p.local == *l) bad = "the prefix " + *l + " is listed twice";
      }
    }
    if (!bad.empty()) {
      // A configuration error: the one thing the shim writes to a served
      // program's stderr. Nothing is served, so nothing is misrouted.
      fprintf(stderr, "alluxio-posix: ALLUXIO_POSIX_PREFIXES entry '%s': %s; serving nothing\n",
              item.c_str(), bad.c_str());
      prefixes->clear();
      break;
    }
    prefixes->push_back(Prefix{*l, *a});
  }
  // Longest first, so nested prefixes pick the most specific.
  std::sort(prefixes->begin(), prefixes->end(),
            [](const Prefix& x, const Prefix& y) { return x.local.size() > y.local.size(); });
  g_prefixes = prefixes;
}

// Backing copies for fork are made by the interposed fork(), before any
// pthread_atfork handler: the client's handlers lock what a copy reads.
void AtForkPrepare() { Fds().LockAll(); }
void AtForkParent() { Fds().UnlockAll(); }
void AtForkChild() { Fds().UnlockAll(); }

__attribute__((constructor)) void Init() {
  real::ResolveAll();
  const char* env = getenv("ALLUXIO_POSIX_PREFIXES");
  if (env == nullptr || env[0] == '\0') return;
  Guard guard;
  ParsePrefixes(env);
  if (g_prefixes->empty()) return;
  mode_t m = ::umask(022);  // single-threaded here: the set-and-restore is safe
  ::umask(m);
  g_umask = m;
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    g_internal_fd_base = static_cast<int>(std::min<rlim_t>(lim.rlim_cur / 2, 1024));
  } else {
    g_internal_fd_base = 1024;
  }
  g_ancestor_paths = new std::unordered_map<int, std::string>();
  g_real_cwd = new std::string();
  g_served_cwd = new std::string();
  NoteRealCwd();
  pthread_atfork(AtForkPrepare, AtForkParent, AtForkChild);
  g_active = true;
  AdoptInherited();
}

// Exit commits what is still open for writing: first stdio buffers reach
// their descriptors, then every written file is committed.
__attribute__((destructor)) void Fini() {
  if (!g_active) return;
  fflush(nullptr);
  FinishAtExit();
}

}  // namespace

// ---------------------------------------------------------------------------

namespace {

// Records what lexical normalization of `path` hides (see Served).
void NoteDirSyntax(const char* path, Served* out) {
  size_t n = strlen(path);
  if (n == 0) return;
  if (path[n - 1] == '/') out->must_be_dir = true;
  while (n > 1 && path[n - 1] == '/') --n;
  size_t start = n;
  while (start > 0 && path[start - 1] != '/') --start;
  size_t len = n - start;
  if (len == 1 && path[start] == '.') out->last_dot = 1;
  if (len == 2 && path[start] == '.' && path[start + 1] == '.') out->last_dot = 2;
  if (out->last_dot) out->must_be_dir = true;
}

}  // namespace

int CheckDirSyntax(const Served& w) {
  if (!w.must_be_dir) return 0;
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return err;
  Guard guard;
  auto a = fs->GetStatus(w.apath);
  return a.ok() && !a->is_dir ? ENOTDIR : 0;
}

Route RoutePath(int dirfd, const char* path, Served* out, int* err) {
  if (path == nullptr) return Route::kReal;
  if (path[0] == '/') {
    if (!NeedsNormalize(path)) {
      return MatchPrefix(path, strlen(path), out) ? Route::kServed : Route::kReal;
    }
    auto n = NormalizePath(path);
    if (!n.ok()) return Route::kReal;
    if (!MatchPrefix(n->data(), n->size(), out)) return Route::kReal;
    NoteDirSyntax(path, out);
    return Route::kServed;
  }
  std::string base;
  if (dirfd == AT_FDCWD) {
    if (!g_cwd_maybe_served.load(std::memory_order_acquire)) return Route::kReal;
    std::lock_guard<std::mutex> lock(g_cwd_mu);
    base = g_served_cwd->empty() ? *g_real_cwd : *g_served_cwd;
  } else {
    auto d = Fds().Get(dirfd);
    if (d == nullptr) {
      // A real directory above a prefix (a secure path walker's openat
      // chain, as rsync's): relative names from it may enter the prefix.
      if (!AncestorFdPath(dirfd, &base)) return Route::kReal;
      if (path[0] == '\0') return Route::kReal;
      auto n = NormalizePath(base + "/" + path);
      if (!n.ok() || !MatchPrefix(n->data(), n->size(), out)) return Route::kReal;
      NoteDirSyntax(path, out);
      return Route::kServed;
    }
    if (path[0] == '\0') {
      *err = ENOENT;
      return Route::kError;
    }
    if (!d->is_dir) {
      *err = ENOTDIR;
      return Route::kError;
    }
    base = d->where.lpath;
  }
  if (path[0] == '\0') {
    *err = ENOENT;
    return Route::kError;
  }
  auto n = NormalizePath(base + "/" + path);
  if (!n.ok()) {
    *err = n.status().ToErrno();
    return Route::kError;
  }
  if (!MatchPrefix(n->data(), n->size(), out)) return Route::kReal;
  NoteDirSyntax(path, out);
  return Route::kServed;
}

namespace {

bool IsProperAncestorOfPrefix(const std::string& abs) {
  for (const Prefix& pre : *g_prefixes) {
    if (pre.local != abs && PathHasPrefix(pre.local, abs)) return true;
  }
  return false;
}

}  // namespace

bool AncestorFdPath(int fd, std::string* path) {
  if (fd < 0 || fd >= FdTable::kMaxFds || !g_ancestor_flag[fd].load(std::memory_order_acquire)) {
    return false;
  }
  std::lock_guard<std::mutex> lock(g_ancestor_mu);
  auto it = g_ancestor_paths->find(fd);
  if (it == g_ancestor_paths->end()) return false;
  *path = it->second;
  return true;
}

void NoteRealOpen(int dirfd, const char* path, int fd) {
  if (!g_active || fd < 0 || fd >= FdTable::kMaxFds || path == nullptr) return;
  ForgetRealFd(fd);
  std::string abs;
  if (path[0] == '/') {
    abs = path;
  } else if (dirfd == AT_FDCWD) {
    if (!g_cwd_maybe_served.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(g_cwd_mu);
    if (!g_served_cwd->empty()) return;
    abs = *g_real_cwd + "/" + path;
  } else if (!AncestorFdPath(dirfd, &abs)) {
    return;
  } else {
    abs += "/";
    abs += path;
  }
  auto n = NormalizePath(abs);
  if (!n.ok() || !IsProperAncestorOfPrefix(*n)) return;
  std::lock_guard<std::mutex> lock(g_ancestor_mu);
  (*g_ancestor_paths)[fd] = *n;
  g_ancestor_flag[fd].store(true, std::memory_order_release);
}

void ForgetRealFd(int fd) {
  if (fd < 0 || fd >= FdTable::kMaxFds || !g_ancestor_flag[fd].load(std::memory_order_acquire)) {
    return;
  }
  std::lock_guard<std::mutex> lock(g_ancestor_mu);
  g_ancestor_flag[fd].store(false, std::memory_order_release);
  g_ancestor_paths->erase(fd);
}

std::string ServedCwd() {
  if (!g_active) return "";
  std::lock_guard<std::mutex> lock(g_cwd_mu);
  return *g_served_cwd;
}

void SetServedCwd(const Served* cwd) {
  std::lock_guard<std::mutex> lock(g_cwd_mu);
  if (cwd) {
    *g_served_cwd = cwd->lpath;
    g_cwd_maybe_served = true;
  } else {
    g_served_cwd->clear();
    g_cwd_maybe_served = CanReachPrefix(*g_real_cwd);
  }
}

void NoteRealCwd() {
  char buf[PATH_MAX];
  if (real::getcwd(buf, sizeof(buf)) == nullptr) return;
  std::lock_guard<std::mutex> lock(g_cwd_mu);
  *g_real_cwd = buf;
  g_served_cwd->clear();
  g_cwd_maybe_served = CanReachPrefix(*g_real_cwd);
}

FileSystem* Fs(int* err) {
  FileSystem* fs = g_fs.load(std::memory_order_acquire);
  if (fs != nullptr) return fs;
  Guard guard;
  std::lock_guard<std::mutex> lock(g_fs_mu);
  fs = g_fs.load(std::memory_order_acquire);
  if (fs != nullptr) return fs;
  if (g_fs_err != 0) {
    *err = g_fs_err;
    return nullptr;
  }
  auto conf = Configuration::Load();
  Status st = conf.status();
  if (conf.ok()) {
    // Warnings (unknown keys and the like) are not the served program's to
    // print; `alluxio getConf` shows them.
    auto created = FileSystem::Create(*conf);
    if (created.ok()) {
      // Owned for the life of the process; never destroyed because
      // interposed calls may run during exit.
      auto* keep = new std::shared_ptr<FileSystem>(*created);
      fs = keep->get();
      g_fs.store(fs, std::memory_order_release);
      return fs;
    }
    st = created.status();
  }
  fprintf(stderr, "alluxio-posix: cannot serve %s: %s\n",
          g_prefixes->empty() ? "" : (*g_prefixes)[0].local.c_str(), st.ToString().c_str());
  g_fs_err = st.ToErrno();
  *err = g_fs_err;
  return nullptr;
}

int MoveInternalFd(int fd) {
  if (fd < 0 || fd >= g_internal_fd_base || g_internal_fd_base == 0) return fd;
  int moved = real::fcntl(fd, F_DUPFD_CLOEXEC, g_internal_fd_base);
  if (moved < 0) return fd;
  real::close(fd);
  return moved;
}

mode_t CurrentUmask() { return g_umask.load(std::memory_order_relaxed); }
void NoteUmask(mode_t mask) { g_umask.store(mask & 0777, std::memory_order_relaxed); }

// ---------------------------------------------------------------------------

Desc::~Desc() {
  if (lock_fd >= 0) real::close(lock_fd);
  if (backing_fd >= 0) real::close(backing_fd);
}

std::shared_ptr<Desc> FdTable::Install(int fd, std::shared_ptr<Desc> desc) {
  desc->fd_refs.fetch_add(1, std::memory_order_acq_rel);
  std::lock_guard<std::mutex> lock(ShardOf(fd));
  std::shared_ptr<Desc> old = std::move(slots_[fd]);
  slots_[fd] = std::move(desc);
  served_[fd].store(true, std::memory_order_release);
  return old;
}

std::shared_ptr<Desc> FdTable::Remove(int fd) {
  if (fd < 0 || fd >= kMaxFds) return nullptr;
  std::lock_guard<std::mutex> lock(ShardOf(fd));
  served_[fd].store(false, std::memory_order_release);
  return std::move(slots_[fd]);
}

std::vector<std::pair<int, std::shared_ptr<Desc>>> FdTable::Snapshot() {
  std::vector<std::pair<int, std::shared_ptr<Desc>>> out;
  for (int fd = 0; fd < kMaxFds; ++fd) {
    if (!served_[fd].load(std::memory_order_acquire)) continue;
    std::lock_guard<std::mutex> lock(ShardOf(fd));
    if (slots_[fd]) out.emplace_back(fd, slots_[fd]);
  }
  return out;
}

void FdTable::LockAll() {
  for (auto& m : shards_) m.lock();
}
void FdTable::UnlockAll() {
  for (auto& m : shards_) m.unlock();
}

FdTable& Fds() {
  // Constructed in static storage on first use and never destroyed.
  alignas(FdTable) static unsigned char storage[sizeof(FdTable)];
  static FdTable* table = new (storage) FdTable();
  return *table;
}

int InstallNewFd(std::shared_ptr<Desc> desc, bool cloexec) {
  int fd = real::open("/dev/null", O_RDWR | (cloexec ? O_CLOEXEC : 0));
  if (fd < 0) return -1;
  if (fd >= FdTable::kMaxFds) {
    real::close(fd);
    return Fail(EMFILE);
  }
  // A stale entry (the fd was closed behind our back, e.g. by a raw
  // syscall) is replaced.
  Fds().Install(fd, std::move(desc));
  return fd;
}

int StatServed(const Served& where, struct stat* st) {
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Fail(err);
  Guard guard;
  auto attr = fs->GetStatus(where.apath);
  if (!attr.ok()) return Fail(attr.status());
  FillStat(*attr, kServedStat, st);
  return 0;
}

Result<FileAttr> DescAttr(Desc& d) {
  if (d.staged) return StagedAttr(d);
  if (d.handle) return d.handle->Stat();
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Status::FromErrno(err, "alluxio client");
  return fs->GetStatus(d.where.apath);
}

bool CallerMayAccess(const FileAttr& a, int mode, bool effective) {
  uid_t uid = effective ? geteuid() : getuid();
  if (uid == 0) return MayAccess(a, 0, {}, mode);  // no group asked for root
  gid_t gid = effective ? getegid() : getgid();
  return MayAccess(a, uid, {&gid, 1}, mode);
}

namespace {

// Opening an existing file checks its permission bits as the kernel would
// (the UFS may be reachable with more rights than the caller has).
bool MayOpen(const FileAttr& a, int acc) {
  int want = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
  return CallerMayAccess(a, want);
}

}  // namespace

int OpenServed(const Served& where, int flags, mode_t mode) {
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Fail(err);
  Guard guard;
  if ((flags & O_TMPFILE) == O_TMPFILE) return Fail(EOPNOTSUPP);
  const int acc = flags & O_ACCMODE;
  auto desc = std::make_shared<Desc>();
  desc->where = where;
  desc->flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
  if (acc == O_RDONLY && !(flags & (O_CREAT | O_DIRECTORY)) && !where.must_be_dir) {
    // The common case, a file opened for reading, goes straight to OpenFile:
    // it needs only the size and version, which a listing may already have
    // given (no stat of an S3 object per open). Directories take the path
    // below.
    auto handle = fs->OpenFile(where.apath, OpenOptions::FromFlags(flags, 0));
    if (handle.ok()) {
      auto a = (*handle)->Stat();
      if (a.ok() && !MayOpen(*a, acc)) return Fail(EACCES);
      desc->handle = std::move(*handle);
      int fd = InstallNewFd(desc, flags & O_CLOEXEC);
      if (fd >= 0 && fd <= 2) (void)MakeBacked(*desc);
      return fd;
    }
    if (handle.status().code() != Code::kIsDirectory) return Fail(handle.status());
  }
  auto attr = fs->GetStatus(where.apath);
  if (attr.ok() && attr->is_dir) {
    if ((flags & O_CREAT) && (flags & O_EXCL)) return Fail(EEXIST);
    if (acc != O_RDONLY || (flags & O_CREAT)) return Fail(EISDIR);
    if (!CallerMayAccess(*attr, R_OK)) return Fail(EACCES);
    desc->is_dir = true;
    return InstallNewFd(std::move(desc), flags & O_CLOEXEC);
  }
  if (attr.ok() && (flags & O_DIRECTORY)) return Fail(ENOTDIR);
  if (!attr.ok() && where.must_be_dir && (flags & O_CREAT)) return Fail(EISDIR);
  if (attr.ok() && !MayOpen(*attr, acc)) return Fail(EACCES);
  if (!attr.ok() && (attr.status().code() != Code::kNotFound || !(flags & O_CREAT))) {
    return Fail(attr.status());
  }
  OpenOptions o = OpenOptions::FromFlags(flags, mode & ~CurrentUmask() & 07777);
  o.stage = true;
  auto handle = fs->OpenFile(where.apath, o);
  if (!handle.ok()) return Fail(handle.status());
  desc->handle = std::move(*handle);
  desc->create_mode = o.mode;
  if (desc->handle->writable()) {
    // The kernel carries the bytes of a file being written (backing.cc).
    desc->sequential_only =
        !fs->conf().GetBool("alluxio.user.fuse.random.access.file.stream.enabled");
    auto staging = desc->handle->StagingFd();
    if (staging.ok()) {
      int fd = InstallStagedFd(desc, *staging, flags);
      if (fd < 0) {
        int e = errno;
        desc->handle->Abort();
        return Fail(e);
      }
      return fd;
    }
    if (staging.status().code() != Code::kNotSupported) {
      desc->handle->Abort();
      return Fail(staging.status());
    }
    // Kept content without the random-access switch: the file stays as it
    // is, served in-process (writes fail with ENOTSUP).
  }
  int fd = InstallNewFd(desc, flags & O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    (void)desc->handle->Close();
    return Fail(e);
  }
  // stdin/stdout/stderr are used by stdio's internal calls, which the shim
  // cannot see: give them real bytes.
  if (fd <= 2) (void)MakeBacked(*desc);
  return fd;
}

}  // namespace alluxio::preload
