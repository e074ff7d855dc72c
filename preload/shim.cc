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
    if (!l.ok() || !a.ok()) {
      fprintf(stderr, "alluxio-posix: ignoring bad entry '%s' in ALLUXIO_POSIX_PREFIXES: %s\n",
              item.c_str(), (!l.ok() ? l.status() : a.status()).ToString().c_str());
      continue;
    }
    prefixes->push_back(Prefix{*l, *a});
  }
  // Longest first, so nested prefixes pick the most specific.
  std::sort(prefixes->begin(), prefixes->end(),
            [](const Prefix& x, const Prefix& y) { return x.local.size() > y.local.size(); });
  g_prefixes = prefixes;
}

void AdoptInherited();

// A served file open for writing and inherited by a child may be written
// by a program the child execs; back it with a real copy now, so parent and
// child share the bytes (and the offset) as they would share a kernel file,
// and whichever closes last commits everything.
void BackWritableInheritables() {
  for (auto& [fd, d] : Fds().Snapshot()) {
    if (d->backed || d->is_dir || !d->handle || !d->handle->writable()) continue;
    int fdflags = real::fcntl(fd, F_GETFD);
    if (fdflags < 0 || (fdflags & FD_CLOEXEC)) continue;
    (void)MakeBacked(*d);
  }
}

void AtForkPrepare() {
  if (g_active && !t_in_shim)
    Protect(0, [] {
      BackWritableInheritables();
      return 0;
    });
  Fds().LockAll();
}
void AtForkParent() { Fds().UnlockAll(); }
void AtForkChild() {
  Fds().UnlockAll();
  // Files being written belong to the process that opened them: the child
  // may read through them but its close or exit never commits them.
  for (auto& [fd, d] : Fds().Snapshot()) {
    if (d->handle && d->handle->writable()) d->inherited = true;
  }
}

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
  Guard guard;
  for (auto& [fd, d] : Fds().Snapshot()) {
    if (d->inherited || d->is_dir || (d->flags & O_ACCMODE) == O_RDONLY) continue;
    // Each description once, however many fds share it.
    Fds().Remove(fd);
    d->fd_refs.store(1);
    (void)ReleaseDesc(d);
  }
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
    for (const auto& w : conf->warnings())
      fprintf(stderr, "alluxio-posix: warning: %s\n", w.c_str());
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

namespace {

// Where staged copies live: the client's staging directory once the client
// exists, else the system temporary directory.
std::string StagingDir() {
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs != nullptr) return fs->conf().Get("alluxio.user.client.cache.staging.dir");
  const char* tmp = getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

int NewStagingFile() {
  std::string dir = StagingDir();
  int fd = real::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string tmpl = dir + "/alluxio-posix.XXXXXX";
  fd = mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd >= 0) real::unlink(tmpl.c_str());
  return fd;
}

// Writes the backing copy of `d` into the UFS: through its own handle, or
// (adopted across exec) a new one replacing the file.
Status CommitBacked(Desc& d) {
  std::shared_ptr<FileHandle> h = d.handle;
  if (h == nullptr) {
    int err = 0;
    FileSystem* fs = Fs(&err);
    if (fs == nullptr) return Status::FromErrno(err, "alluxio client");
    auto opened = fs->OpenFile(d.where.apath, OpenOptions::FromFlags(O_WRONLY | O_CREAT | O_TRUNC,
                                                                     0666 & ~CurrentUmask()));
    // The program that handed the file over still has it open for writing:
    // it commits the shared copy (with these writes) when it closes it.
    if (!opened.ok() && opened.status().code() == Code::kBusy && d.adopted) return Status::OK();
    if (!opened.ok()) return opened.status();
    h = *opened;
  } else {
    Status st = h->Truncate(0);
    if (!st.ok()) {
      (void)h->Close();
      return st;
    }
  }
  std::vector<char> buf(1 << 20);
  uint64_t off = 0;
  Status st;
  while (st.ok()) {
    ssize_t r = real::pread(d.backing_fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (r < 0) {
      st = Status::FromErrno(errno, "read staged copy of " + d.where.apath);
      break;
    }
    if (r == 0) break;
    auto w = h->Write(off, buf.data(), static_cast<size_t>(r));
    if (!w.ok()) st = w.status();
    off += static_cast<uint64_t>(r);
  }
  Status cst = h->Close();
  return st.ok() ? cst : st;
}

}  // namespace

Status ReleaseDesc(const std::shared_ptr<Desc>& d) {
  if (d == nullptr || d->fd_refs.fetch_sub(1, std::memory_order_acq_rel) != 1 || d->inherited) {
    return Status::OK();
  }
  Guard guard;
  const bool writable = (d->flags & O_ACCMODE) != O_RDONLY && !d->is_dir;
  if (d->backed && writable) return CommitBacked(*d);
  if (d->handle) return d->handle->Close();
  return Status::OK();
}

int CloseServedFd(int fd) {
  std::shared_ptr<Desc> d = Fds().Remove(fd);
  int rc = real::close(fd);
  int saved = errno;
  Status st = ReleaseDesc(d);
  if (!st.ok()) return Fail(st);
  errno = saved;
  return rc;
}

Status MakeBacked(Desc& d) {
  Guard guard;
  std::lock_guard<std::mutex> lock(d.mu);
  if (d.backed) return Status::OK();
  if (d.is_dir) return Status::NotSupported(d.where.lpath + " is a directory");
  int tfd = NewStagingFile();
  if (tfd < 0) return Status::FromErrno(errno, "staging copy of " + d.where.lpath);
  auto attr = d.handle->Stat();
  Status st = attr.status();
  // A write-only handle cannot read back: copy what the file held when it
  // was opened (O_APPEND, or O_WRONLY without O_TRUNC), through a reader,
  // as long as this handle has not changed it yet.
  std::shared_ptr<FileHandle> source = d.handle;
  if (st.ok() && attr->size > 0 && !d.handle->readable()) {
    int err = 0;
    FileSystem* fs = Fs(&err);
    auto committed = fs ? fs->GetStatus(d.where.apath) : Status::FromErrno(err, "alluxio client");
    auto reader = committed.ok() && committed->size == attr->size
                      ? fs->OpenFile(d.where.apath, OpenOptions::FromFlags(O_RDONLY, 0))
                      : Result<std::shared_ptr<FileHandle>>(Status::NotSupported(
                            d.where.lpath + " is open write-only with data already written"));
    if (reader.ok()) {
      source = *reader;
    } else {
      st = reader.status();
    }
  }
  if (st.ok() && attr->size > 0) {
    std::vector<char> buf(1 << 20);
    for (uint64_t off = 0; st.ok() && off < attr->size;) {
      auto r = source->Read(off, buf.data(), buf.size());
      if (!r.ok()) st = r.status();
      if (!st.ok() || *r == 0) break;
      if (real::pwrite(tfd, buf.data(), *r, static_cast<off_t>(off)) != static_cast<ssize_t>(*r)) {
        st = Status::FromErrno(errno ? errno : EIO, "staging copy of " + d.where.lpath);
      }
      off += *r;
    }
  }
  if (source != d.handle) (void)source->Close();
  if (st.ok()) {
    // Every fd of this description now points at the copy, sharing one
    // kernel offset as they shared ours.
    for (auto& [fd, other] : Fds().Snapshot()) {
      if (other.get() != &d) continue;
      int fdflags = real::fcntl(fd, F_GETFD);
      if (real::dup3(tfd, fd, (fdflags > 0 && (fdflags & FD_CLOEXEC)) ? O_CLOEXEC : 0) < 0) {
        st = Status::FromErrno(errno, "back " + d.where.lpath);
        break;
      }
    }
  }
  if (!st.ok()) {
    real::close(tfd);
    return st;
  }
  real::lseek(tfd, static_cast<off_t>(d.offset), SEEK_SET);
  if (d.flags & O_APPEND) real::fcntl(tfd, F_SETFL, O_APPEND);
  d.backing_fd = MoveInternalFd(tfd);
  d.backed = true;
  return Status::OK();
}

namespace {

constexpr char kFdsEnv[] = "ALLUXIO_POSIX_FDS";
constexpr char kCwdEnv[] = "ALLUXIO_POSIX_CWD";

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(const std::string& s) {
  std::string out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    out += static_cast<char>(std::stoi(s.substr(i, 2), nullptr, 16));
  }
  return out;
}

// In a new program: take over the served fds the previous one handed on.
void AdoptInherited() {
  const char* env = getenv(kFdsEnv);
  if (env != nullptr) {
    std::string all(env);
    size_t i = 0;
    while (i < all.size()) {
      size_t end = all.find(';', i);
      if (end == std::string::npos) end = all.size();
      std::string item = all.substr(i, end - i);
      i = end + 1;
      int fd = -1, flags = 0;
      char lhex[2 * PATH_MAX + 1], ahex[2 * PATH_MAX + 1];
      if (sscanf(item.c_str(), "%d,%d,%8190[0-9a-f],%8190[0-9a-f]", &fd, &flags, lhex, ahex) != 4)
        continue;
      if (fd < 0 || fd >= FdTable::kMaxFds || real::fcntl(fd, F_GETFD) < 0) continue;
      auto d = std::make_shared<Desc>();
      d->where.lpath = Unhex(lhex);
      d->where.apath = Unhex(ahex);
      d->flags = flags;
      d->backed = true;
      d->adopted = true;
      d->backing_fd = MoveInternalFd(real::fcntl(fd, F_DUPFD_CLOEXEC, 0));
      Fds().Install(fd, std::move(d));
    }
    unsetenv(kFdsEnv);
  }
  const char* cwd = getenv(kCwdEnv);
  if (cwd != nullptr) {
    Served w;
    int err = 0;
    if (RoutePath(AT_FDCWD, cwd, &w, &err) == Route::kServed) SetServedCwd(&w);
    unsetenv(kCwdEnv);
  }
}

}  // namespace

std::vector<std::string> PrepareExec() {
  std::vector<std::string> env;
  if (!g_active) return env;
  std::string fds;
  for (auto& [fd, d] : Fds().Snapshot()) {
    int fdflags = real::fcntl(fd, F_GETFD);
    if (fdflags < 0 || (fdflags & FD_CLOEXEC) || d->is_dir) continue;
    if (!MakeBacked(*d).ok()) continue;
    // A writable handle stays: after fork+exec this image is gone without
    // running anything; for posix_spawn (called in the parent) the parent
    // keeps writing and commits, and the new program's commit of the
    // shared copy defers to it while it holds the file (CommitBacked).
    if (!fds.empty()) fds += ';';
    fds += std::to_string(fd) + "," + std::to_string(d->flags) + "," + Hex(d->where.lpath) + "," +
           Hex(d->where.apath);
  }
  if (!fds.empty()) env.push_back(std::string(kFdsEnv) + "=" + fds);
  std::string cwd = ServedCwd();
  if (!cwd.empty()) env.push_back(std::string(kCwdEnv) + "=" + cwd);
  return env;
}

void FillStat(const FileAttr& a, struct stat* st) {
  memset(st, 0, sizeof(*st));
  st->st_dev = makedev(0xa1, 0x10);
  st->st_ino = a.ino;
  st->st_mode = (a.is_dir ? S_IFDIR : S_IFREG) | (a.mode & 07777);
  st->st_nlink = a.is_dir ? 2 : 1;
  st->st_uid = a.uid;
  st->st_gid = a.gid;
  st->st_size = static_cast<off_t>(a.size);
  st->st_blksize = 128 * 1024;
  st->st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  st->st_mtim.tv_sec = a.mtime_ns / 1000000000;
  st->st_mtim.tv_nsec = a.mtime_ns % 1000000000;
  st->st_atim = st->st_mtim;
  st->st_ctim = st->st_mtim;
}

int StatServed(const Served& where, struct stat* st) {
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Fail(err);
  Guard guard;
  auto attr = fs->GetStatus(where.apath);
  if (!attr.ok()) return Fail(attr.status());
  FillStat(*attr, st);
  return 0;
}

Result<FileAttr> DescAttr(Desc& d) {
  if (d.handle) return d.handle->Stat();
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Status::FromErrno(err, "alluxio client");
  return fs->GetStatus(d.where.apath);
}

bool MayAccess(const FileAttr& a, int mode) {
  uid_t uid = geteuid();
  if (uid == 0) return !(mode & X_OK) || a.is_dir || (a.mode & 0111);
  uint32_t bits = a.uid == uid         ? (a.mode >> 6) & 7
                  : a.gid == getegid() ? (a.mode >> 3) & 7
                                       : a.mode & 7;
  return !((mode & R_OK) && !(bits & 4)) && !((mode & W_OK) && !(bits & 2)) &&
         !((mode & X_OK) && !(bits & 1));
}

namespace {

// Opening an existing file checks its permission bits as the kernel would
// (the UFS may be reachable with more rights than the caller has).
bool MayOpen(const FileAttr& a, int acc) {
  int want = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
  return MayAccess(a, want);
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
    if (!MayAccess(*attr, R_OK)) return Fail(EACCES);
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
  auto handle = fs->OpenFile(where.apath, o);
  if (!handle.ok()) return Fail(handle.status());
  desc->handle = std::move(*handle);
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
