// Backed descriptions: served descriptors that are real kernel descriptors
// of a local file, and how a file written through them reaches the UFS.
//
// A description opened for writing is staged from the start: the program's
// descriptor is a descriptor of the client's staging file for that open
// (FileHandle::StagingFd), an open file description of its own with the
// program's flags. The kernel does the I/O, so offsets shared across dup and
// fork, shared writable maps, raw syscalls, sendfile and programs exec'd
// without the shim all work as on a local file. The file is committed when
// the last holder of that open file description is gone, in whichever
// process that is, never because one process closed its copy:
//
//  - the description holds an OFD write lock on kHolderByte of the staging
//    file; the kernel drops it when the last descriptor of the description
//    closes, in any process (fork children and exec'd programs share it);
//  - a process that drops its last descriptor asks F_OFD_GETLK whether that
//    lock is still held. If it is, another process still writes and will
//    commit; if not, this one commits, under an OFD lock on kCommitByte so
//    two finishers never commit at once, and marks the staging file
//    committed (mode 0) so no one commits it again;
//  - a process that lets go while another still holds the description (a
//    close before a child's, an exec into a program that may lack the shim)
//    makes sure a watcher exists: a detached process that waits for the
//    holder lock to go and commits if no one else did. At most one watcher
//    runs per staging file (an OFD lock on kWatchByte). It takes a read lock
//    on kHolderByte, so finishers can tell it from a holder.
//
// Descriptions opened for reading keep the in-process fast path; they are
// backed by a read-only copy only where code the shim cannot see needs real
// bytes (stdio on fds 0-2, mmap, fork, exec).
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>

#include "alluxio/path.h"
#include "shim.h"

namespace alluxio::preload {

// A fork of this process has its maps too, and a map of a staging file
// holds that file's description: a watcher must not keep them.
void UnmapStagedMaps();
bool RecommitAfterMaps(const Desc& d, int fd);
void NoteEarlyCommit(Desc& d, int fd);

namespace {

// Lock bytes far past any real content; programs never lock the staging
// file itself (their record locks go to a lock file, see LockFdOf).
constexpr off_t kHolderByte = 0x7fffffffffff0000;
constexpr off_t kCommitByte = kHolderByte + 1;
constexpr off_t kWatchByte = kHolderByte + 2;

// Read-only copies for fork are made up to this size; larger files opened
// for reading without O_CLOEXEC keep separate offsets in parent and child.
constexpr uint64_t kForkCopyMax = 64ull << 20;

int OfdLock(int fd, int cmd, short type, off_t byte) {
  struct flock l = {};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = byte;
  l.l_len = 1;
  int rc;
  do {
    rc = real::fcntl(fd, cmd, &l);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

// The kind of lock another open file description holds on `byte` (F_UNLCK:
// none). When the kernel cannot tell, assume a holder: never commit early.
short LockOn(int fd, off_t byte) {
  struct flock l = {};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  l.l_start = byte;
  l.l_len = 1;
  if (real::fcntl(fd, F_OFD_GETLK, &l) != 0) return F_WRLCK;
  return l.l_type;
}

// A new open file description of the file behind `fd`.
int Reopen(int fd, int flags) {
  char p[40];
  snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
  return real::open(p, flags, 0);
}

// A staging file of its own (not linked into a UFS) is marked committed by
// mode 0. One that a local UFS took as the file itself (Ufs::LinkStaging)
// is never marked: finishing it again only reapplies its attributes.
bool Committed(int fd) {
  struct stat st;
  return real::fstat(fd, &st) == 0 && st.st_nlink == 0 && (st.st_mode & 07777) == 0;
}

void MarkCommitted(int fd) {
  struct stat st;
  if (real::fstat(fd, &st) == 0 && st.st_nlink == 0) (void)real::fchmod(fd, 0);
}

int NewCopyFile() {
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Fail(err);
  auto fd = fs->CreateScratchFile();
  return fd.ok() ? *fd : Fail(fd.status());
}

// Publishes the staging file `fd` as `apath` (FileSystem::CommitStagingFile):
// for a process that has the description but not the handle that opened it
// (an exec'd program, a watcher). The opener's writer lock may still be
// held by a process finishing its own close of a copy: up to `attempts`
// tries, 25 ms apart.
Status CommitFromFd(FileSystem* fs, const std::string& apath, int fd, uint32_t mode, int attempts) {
  Status st;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) usleep(25000);
    st = fs->CommitStagingFile(apath, fd, mode);
    if (st.code() != Code::kBusy) break;
  }
  return st;
}

// `attempts`: how long to wait for a writer lock still held (see
// CommitFromFd) where the handle is not ours.
Status CommitStaged(Desc& d, int fd, int attempts = 200) {
  if (d.handle) return d.handle->Close();
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Status::FromErrno(err, "alluxio client");
  return CommitFromFd(fs, d.where.apath, fd, d.create_mode, attempts);
}

// The watcher's life: hold nothing of the program's, wait for the last
// holder, commit unless someone did. Runs in a detached grandchild.
[[noreturn]] void RunWatcher(const std::string& apath, int probe, int ready, uint32_t mode) {
  setsid();
  UnmapStagedMaps();
  int w = real::fcntl(probe, F_DUPFD_CLOEXEC, 64);
  if (w < 0) _exit(1);
  int r = real::fcntl(ready, F_DUPFD_CLOEXEC, w + 1);
  if (r < 0) _exit(1);
  // Every descriptor of the program goes (a pipe kept open here would keep
  // its reader from seeing the end; the description being written would
  // look held). Then `ready`, whose end tells the program that we hold
  // nothing of its.
  syscall(SYS_close_range, 0u, static_cast<unsigned>(w - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(w + 1), static_cast<unsigned>(r - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(r + 1), ~0u, 0u);
  real::close(r);
  for (int i = 0; i < 3; ++i) real::open("/dev/null", O_RDWR, 0);
  if (OfdLock(w, F_OFD_SETLK, F_WRLCK, kWatchByte) != 0) _exit(0);  // one watcher is enough
  if (OfdLock(w, F_OFD_SETLKW, F_RDLCK, kHolderByte) != 0) _exit(1);
  // The program's client lost its descriptors above: make a new one.
  auto conf = Configuration::Load();
  auto fs =
      conf.ok() ? FileSystem::Create(*conf) : Result<std::shared_ptr<FileSystem>>(conf.status());
  for (useconds_t pause = 10000;; pause = std::min<useconds_t>(pause * 2, 1000000)) {
    if (OfdLock(w, F_OFD_SETLKW, F_WRLCK, kCommitByte) != 0) _exit(1);
    if (Committed(w)) _exit(0);
    Status st = fs.ok() ? CommitFromFd(fs->get(), apath, w, mode, 1) : fs.status();
    // Busy: a process that opened the file still holds it and commits it
    // itself when it closes (or lets go, and the next try succeeds).
    if (st.code() != Code::kBusy) {
      MarkCommitted(w);
      _exit(st.ok() ? 0 : 1);
    }
    OfdLock(w, F_OFD_SETLK, F_UNLCK, kCommitByte);
    usleep(pause);
  }
}

// Makes sure a watcher will commit the staging file behind `probe` once the
// last holder of its description is gone.
void EnsureWatcher(const Desc& d, int probe) {
  if (LockOn(probe, kWatchByte) != F_UNLCK) return;
  const std::string apath = d.where.apath;
  const uint32_t mode = d.create_mode;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    real::close(ready[0]);
    if (fork() != 0) _exit(0);
    RunWatcher(apath, probe, ready[1], mode);
  }
  real::close(ready[1]);
  if (pid > 0) {
    // Returns once the watcher holds no descriptor of ours.
    char c;
    while (real::read(ready[0], &c, 1) < 0 && errno == EINTR) {
    }
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  real::close(ready[0]);
}

}  // namespace

int InstallStagedFd(std::shared_ptr<Desc> desc, int staging_fd, int flags) {
  constexpr int kKept =
      O_ACCMODE | O_APPEND | O_NONBLOCK | O_NOATIME | O_DSYNC | O_SYNC | O_CLOEXEC;
  int own = Reopen(staging_fd, O_RDWR | O_CLOEXEC);
  if (own < 0) return -1;
  desc->backing_fd = MoveInternalFd(own);
  int fd = Reopen(staging_fd, flags & kKept);
  if (fd < 0) return -1;
  if (fd >= FdTable::kMaxFds) {
    real::close(fd);
    return Fail(EMFILE);
  }
  if (OfdLock(fd, F_OFD_SETLK, F_WRLCK, kHolderByte) != 0) {
    int e = errno;
    real::close(fd);
    return Fail(e);
  }
  desc->backed = true;
  desc->staged = true;
  desc->owner_pid = getpid();
  Fds().Install(fd, std::move(desc));
  return fd;
}

Status StageKept(Desc& d) {
  auto staging = d.handle->StagingFd();
  if (!staging.ok()) return staging.status();
  std::lock_guard<std::mutex> lock(d.mu);
  int own = Reopen(*staging, O_RDWR | O_CLOEXEC);
  if (own < 0) return Status::FromErrno(errno, "staging file of " + d.where.lpath);
  int kfd = Reopen(*staging, d.flags & (O_ACCMODE | O_APPEND | O_NONBLOCK));
  Status st = kfd < 0 ? Status::FromErrno(errno, "staging file of " + d.where.lpath) : Status::OK();
  if (st.ok() && OfdLock(kfd, F_OFD_SETLK, F_WRLCK, kHolderByte) != 0) {
    st = Status::FromErrno(errno, "holder lock of " + d.where.lpath);
  }
  if (st.ok()) real::lseek(kfd, static_cast<off_t>(d.offset), SEEK_SET);
  for (auto& [fd, other] : Fds().Snapshot()) {
    if (!st.ok()) break;
    if (other.get() != &d) continue;
    int fdflags = real::fcntl(fd, F_GETFD);
    if (real::dup3(kfd, fd, (fdflags > 0 && (fdflags & FD_CLOEXEC)) ? O_CLOEXEC : 0) < 0) {
      st = Status::FromErrno(errno, "stage " + d.where.lpath);
    }
  }
  if (kfd >= 0) real::close(kfd);
  if (!st.ok()) {
    real::close(own);
    return st;
  }
  if (d.backing_fd >= 0) real::close(d.backing_fd);  // an older read-only copy
  d.backing_fd = MoveInternalFd(own);
  d.owner_pid = getpid();
  d.staged = true;
  d.backed = true;
  return Status::OK();
}

namespace {

std::atomic<int> g_map_count{0};
std::mutex g_maps_mu;  // guards g_maps
// Start address -> length and description, of maps of staged descriptions.
std::map<uintptr_t, std::pair<size_t, std::shared_ptr<Desc>>>* g_maps = nullptr;

}  // namespace

void NoteStagedMap(const std::shared_ptr<Desc>& d, void* addr, size_t len) {
  std::lock_guard<std::mutex> lock(g_maps_mu);
  if (g_maps == nullptr)
    g_maps = new std::map<uintptr_t, std::pair<size_t, std::shared_ptr<Desc>>>();
  auto [it, fresh] = g_maps->emplace(reinterpret_cast<uintptr_t>(addr), std::make_pair(len, d));
  if (!fresh) {  // a MAP_FIXED map replaced an older one at that address
    if (it->second.second) it->second.second->maps.fetch_sub(1);
    it->second = std::make_pair(len, d);
  } else {
    g_map_count.fetch_add(1);
  }
  d->maps.fetch_add(1);
}

void NoteUnmap(void* addr, size_t len) {
  if (g_map_count.load(std::memory_order_relaxed) == 0) return;
  std::vector<std::shared_ptr<Desc>> gone;
  {
    std::lock_guard<std::mutex> lock(g_maps_mu);
    uintptr_t lo = reinterpret_cast<uintptr_t>(addr), hi = lo + len;
    for (auto it = g_maps->lower_bound(lo); it != g_maps->end() && it->first < hi;) {
      // Only maps unmapped whole count as gone (a partial unmap leaves the
      // rest, which still holds the file).
      if (it->first + it->second.first > hi) {
        ++it;
        continue;
      }
      gone.push_back(std::move(it->second.second));
      it = g_maps->erase(it);
      g_map_count.fetch_sub(1);
    }
  }
  for (auto& d : gone) {
    if (d->maps.fetch_sub(1) == 1 && d->finish_on_unmap.exchange(false)) (void)FinishStaged(*d);
  }
}

void NoteEarlyCommit(Desc& d, int fd) {
  struct stat st;
  if (real::fstat(fd, &st) != 0) return;
  d.committed_early = true;
  d.early_size = static_cast<uint64_t>(st.st_size);
  d.early_mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  d.early_linked = st.st_nlink > 0;
}

// Whether a description committed early should be committed again: only if
// a shared map changed the staging file since, and never to bring back a
// staging file that a newer commit replaced (a local UFS linked it in place,
// and it is no longer there).
bool RecommitAfterMaps(const Desc& d, int fd) {
  struct stat st;
  if (real::fstat(fd, &st) != 0) return false;
  if (d.early_linked && st.st_nlink == 0) return false;
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return static_cast<uint64_t>(st.st_size) != d.early_size || mtime != d.early_mtime_ns;
}

void UnmapStagedMaps() {
  // In a single-threaded fork child: the table is read without its lock
  // (another thread of the parent may have held it at the fork).
  if (g_maps == nullptr) return;
  for (auto& [addr, entry] : *g_maps) real::munmap(reinterpret_cast<void*>(addr), entry.first);
}

Status FinishStaged(Desc& d) {
  Guard guard;
  // The last close and the last munmap may both get here at once (the
  // close commits early and leaves finish_on_unmap for the munmap, which
  // can come before that commit is done): one at a time, so the second
  // sees committed_early and the rest as the first left them.
  std::lock_guard<std::mutex> finishing(d.finish_mu);
  if (d.maps.load() > 0) {
    // Our own maps hold the description too, so holders cannot be told
    // apart: commit now, as a close of a local file leaves its content
    // there and the file free for the next writer; the last munmap
    // finishes again, for what was written through a shared map since.
    d.finish_on_unmap = true;
    int probe = Reopen(d.backing_fd, O_RDWR | O_CLOEXEC);
    if (probe < 0) return Status::FromErrno(errno, "staging file of " + d.where.lpath);
    Status st;
    if (OfdLock(probe, F_OFD_SETLKW, F_WRLCK, kCommitByte) != 0) {
      st = Status::FromErrno(errno, "commit lock of " + d.where.lpath);
    } else if (!Committed(probe)) {
      st = CommitStaged(d, probe);
      d.handle.reset();  // done; a later finish publishes the staging file itself
      NoteEarlyCommit(d, probe);
    }
    real::close(probe);
    if (d.maps.load() > 0 || !d.finish_on_unmap.exchange(false)) return st;
  }
  int probe = Reopen(d.backing_fd, O_RDWR | O_CLOEXEC);
  if (probe < 0) return Status::FromErrno(errno, "staging file of " + d.where.lpath);
  Status st;
  if (LockOn(probe, kHolderByte) == F_WRLCK) {
    // Another process still holds the description and commits it. Fork
    // children of the owner may _exit without committing: the owner letting
    // go first leaves a watcher behind.
    if (getpid() == d.owner_pid) EnsureWatcher(d, probe);
    if (d.handle) d.handle->Forget();
  } else if (OfdLock(probe, F_OFD_SETLKW, F_WRLCK, kCommitByte) != 0) {
    st = Status::FromErrno(errno, "commit lock of " + d.where.lpath);
  } else if (Committed(probe)) {
    if (d.handle) d.handle->Forget();
  } else if (d.committed_early && !RecommitAfterMaps(d, probe)) {
    MarkCommitted(probe);
  } else {
    // After an early commit (maps outlived the fds), a writer that opened
    // the file since has it: its commit stands.
    st = CommitStaged(d, probe, d.committed_early ? 1 : 200);
    if (d.committed_early && st.code() == Code::kBusy) st = Status::OK();
    MarkCommitted(probe);
  }
  real::close(probe);
  return st;
}

Status SyncStaged(Desc& d) {
  if (d.handle) return d.handle->Sync();
  return CommitStaged(d, d.backing_fd);
}

Result<FileAttr> StagedAttr(Desc& d) {
  if (d.handle) return d.handle->Stat();
  struct stat st;
  if (real::fstat(d.backing_fd, &st) != 0) {
    return Status::FromErrno(errno, "staging file of " + d.where.lpath);
  }
  FileAttr a;
  a.size = static_cast<uint64_t>(st.st_size);
  a.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  a.mode = d.create_mode;
  a.uid = geteuid();
  a.gid = getegid();
  a.ino = PathHash(d.where.apath);
  a.version = ContentVersion(a.size, a.mtime_ns);
  return a;
}

Status ReleaseDesc(const std::shared_ptr<Desc>& d) {
  if (d == nullptr || d->fd_refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return Status::OK();
  Guard guard;
  if (d->staged) return FinishStaged(*d);
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
  int tfd = NewCopyFile();
  if (tfd < 0) return Status::FromErrno(errno, "copy of " + d.where.lpath);
  auto attr = d.handle->Stat();
  Status st = attr.status();
  if (st.ok() && attr->size > 0 && !d.handle->readable()) {
    // A write-only handle without a staging file keeps the file as it is:
    // read it through a reader.
    int err = 0;
    FileSystem* fs = Fs(&err);
    auto reader = fs ? fs->OpenFile(d.where.apath, OpenOptions::FromFlags(O_RDONLY, 0))
                     : Result<std::shared_ptr<FileHandle>>(Status::FromErrno(err, "client"));
    if (!reader.ok()) st = reader.status();
    for (uint64_t off = 0; st.ok() && off < attr->size;) {
      std::vector<char> buf(1 << 20);
      auto r = (*reader)->Read(off, buf.data(), buf.size());
      if (!r.ok()) st = r.status();
      if (!st.ok() || *r == 0) break;
      if (real::pwrite(tfd, buf.data(), *r, static_cast<off_t>(off)) != static_cast<ssize_t>(*r)) {
        st = Status::FromErrno(errno ? errno : EIO, "copy of " + d.where.lpath);
      }
      off += *r;
    }
    if (reader.ok()) (void)(*reader)->Close();
  } else if (st.ok()) {
    std::vector<char> buf(1 << 20);
    for (uint64_t off = 0; st.ok() && off < attr->size;) {
      auto r = d.handle->Read(off, buf.data(), buf.size());
      if (!r.ok()) st = r.status();
      if (!st.ok() || *r == 0) break;
      if (real::pwrite(tfd, buf.data(), *r, static_cast<off_t>(off)) != static_cast<ssize_t>(*r)) {
        st = Status::FromErrno(errno ? errno : EIO, "copy of " + d.where.lpath);
      }
      off += *r;
    }
  }
  // The copy is read-only: a write the shim does not see (a raw syscall, a
  // program without the shim) fails instead of vanishing into the copy.
  int kfd = st.ok() ? Reopen(tfd, O_RDONLY | O_CLOEXEC) : -1;
  if (st.ok() && kfd < 0) st = Status::FromErrno(errno, "copy of " + d.where.lpath);
  if (st.ok()) {
    // Every fd of this description now points at the copy, sharing one
    // kernel offset as they shared ours.
    real::lseek(kfd, static_cast<off_t>(d.offset), SEEK_SET);
    for (auto& [fd, other] : Fds().Snapshot()) {
      if (other.get() != &d) continue;
      int fdflags = real::fcntl(fd, F_GETFD);
      if (real::dup3(kfd, fd, (fdflags > 0 && (fdflags & FD_CLOEXEC)) ? O_CLOEXEC : 0) < 0) {
        st = Status::FromErrno(errno, "back " + d.where.lpath);
        break;
      }
    }
  }
  if (kfd >= 0) real::close(kfd);
  if (!st.ok()) {
    real::close(tfd);
    return st;
  }
  d.backing_fd = MoveInternalFd(tfd);
  d.backed = true;
  return Status::OK();
}

void BackInheritables() {
  for (auto& [fd, d] : Fds().Snapshot()) {
    if (d->backed || d->is_dir || !d->handle) continue;
    int fdflags = real::fcntl(fd, F_GETFD);
    if (fdflags < 0 || (fdflags & FD_CLOEXEC)) continue;
    auto a = d->handle->Stat();
    if (a.ok() && a->size <= kForkCopyMax) (void)MakeBacked(*d);
  }
}

void FinishAtExit() {
  Guard guard;
  // Each description once, after every fd of it here is closed.
  std::map<Desc*, std::shared_ptr<Desc>> open;
  for (auto& [fd, d] : Fds().Snapshot()) {
    if (d->is_dir || (!d->staged && !(d->handle && d->handle->writable()))) continue;
    Fds().Remove(fd);
    real::close(fd);
    open.emplace(d.get(), d);
  }
  // Maps of files being written that the program never unmapped: they hold
  // the descriptions until the process is gone.
  if (g_map_count.load() > 0) {
    std::lock_guard<std::mutex> lock(g_maps_mu);
    for (auto& [addr, entry] : *g_maps) {
      if (entry.second->fd_refs.load() == 0) open.emplace(entry.second.get(), entry.second);
    }
  }
  for (auto& [raw, d] : open) {
    if (d->staged && d->maps.load() > 0) {
      // Our maps count as holders: commit now what the file holds, and
      // leave a watcher in case another process holds it too.
      std::lock_guard<std::mutex> finishing(d->finish_mu);
      int probe = Reopen(d->backing_fd, O_RDWR | O_CLOEXEC);
      if (probe >= 0 && OfdLock(probe, F_OFD_SETLKW, F_WRLCK, kCommitByte) == 0 &&
          !Committed(probe)) {
        if (!d->committed_early) {
          (void)CommitStaged(*d, probe);
          if (getpid() == d->owner_pid) EnsureWatcher(*d, probe);
        } else if (RecommitAfterMaps(*d, probe)) {
          (void)CommitStaged(*d, probe, 1);
        }
      }
      if (probe >= 0) real::close(probe);
    } else if (d->staged) {
      (void)FinishStaged(*d);
    } else {
      (void)d->handle->Close();
    }
  }
}

// ---------------------------------------------------------------------------
// Exec hand-off: served fds a new program inherits, described in its
// environment so a shim there serves them too.

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

}  // namespace

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
      int fd = -1, flags = 0, staged = 0;
      unsigned mode = 0;
      char lhex[2 * PATH_MAX + 1], ahex[2 * PATH_MAX + 1];
      if (sscanf(item.c_str(), "%d,%d,%o,%d,%8190[0-9a-f],%8190[0-9a-f]", &fd, &flags, &mode,
                 &staged, lhex, ahex) != 6) {
        continue;
      }
      if (fd < 0 || fd >= FdTable::kMaxFds || real::fcntl(fd, F_GETFD) < 0) continue;
      auto d = std::make_shared<Desc>();
      d->where.lpath = Unhex(lhex);
      d->where.apath = Unhex(ahex);
      d->flags = flags;
      d->create_mode = mode;
      d->backed = true;
      d->staged = staged != 0;
      d->owner_pid = getpid();
      // A staged description needs a description of its own for probing.
      int own = d->staged ? Reopen(fd, O_RDWR | O_CLOEXEC) : real::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (own < 0) continue;
      d->backing_fd = MoveInternalFd(own);
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

std::vector<std::string> PrepareExec(bool shim_follows) {
  std::vector<std::string> env;
  if (!g_active) return env;
  std::string fds;
  for (auto& [fd, d] : Fds().Snapshot()) {
    int fdflags = real::fcntl(fd, F_GETFD);
    if (fdflags < 0 || (fdflags & FD_CLOEXEC) || d->is_dir) continue;
    if (d->staged && !shim_follows) {
      // A program without the shim never commits: a watcher does, once
      // the last holder is gone.
      int probe = Reopen(d->backing_fd, O_RDWR | O_CLOEXEC);
      if (probe >= 0) {
        EnsureWatcher(*d, probe);
        real::close(probe);
      }
    } else if (!MakeBacked(*d).ok()) {
      continue;
    }
    char head[64];
    snprintf(head, sizeof(head), "%d,%d,%o,%d,", fd, d->flags.load(), d->create_mode,
             d->staged ? 1 : 0);
    if (!fds.empty()) fds += ';';
    fds += head + Hex(d->where.lpath) + "," + Hex(d->where.apath);
  }
  if (!fds.empty()) env.push_back(std::string(kFdsEnv) + "=" + fds);
  std::string cwd = ServedCwd();
  if (!cwd.empty()) env.push_back(std::string(kCwdEnv) + "=" + cwd);
  return env;
}

}  // namespace alluxio::preload
