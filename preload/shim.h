// The shim's core: the recursion guard, path routing, the descriptor table
// and the lazily created client. Everything in preload/ shares it; nothing
// here knows about particular libc calls.
#ifndef ALLUXIO_PRELOAD_SHIM_H_
#define ALLUXIO_PRELOAD_SHIM_H_

#include <errno.h>
#include <limits.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "alluxio/posix_attr.h"
#include "real.h"

namespace alluxio::preload {

// ---------------------------------------------------------------------------
// Recursion guard. Set while the shim runs client code, so the client's own
// libc calls (and anything else on this thread) go straight to libc.
extern thread_local bool t_in_shim __attribute__((tls_model("initial-exec")));

class Guard {
 public:
  Guard() : prev_(t_in_shim) { t_in_shim = true; }
  ~Guard() { t_in_shim = prev_; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  bool prev_;
};

// True when the shim has prefixes to serve and is not already on the stack.
extern bool g_active;
inline bool Bypass() { return !g_active || t_in_shim; }

// ---------------------------------------------------------------------------
// Errors: -1 and errno, as libc does.
inline int Fail(int err) {
  errno = err;
  return -1;
}
inline int Fail(const Status& st) { return Fail(st.ToErrno()); }

// Runs `fn` catching everything: bad_alloc -> ENOMEM, anything else -> EIO,
// returning `error_value` with errno set.
template <typename R, typename Fn>
R Protect(R error_value, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
  } catch (...) {
    errno = EIO;
  }
  return error_value;
}

// ---------------------------------------------------------------------------
// Routing: which local paths are served, and as which Alluxio paths.

struct Served {
  std::string apath;  // the Alluxio path
  std::string lpath;  // the normalized local path
  // What normalization hid, for the errno the kernel would give: the path
  // ended in '/' (or "." / ".."), so it must name a directory; and whether
  // its last component was "." (1) or ".." (2).
  bool must_be_dir = false;
  int last_dot = 0;
};

enum class Route { kReal, kServed, kError };

// Decides whether `path` (relative to `dirfd` when relative; AT_FDCWD for
// the working directory) is served. kServed fills *out; kError sets *err
// (e.g. a served directory fd used with a bad path).
Route RoutePath(int dirfd, const char* path, Served* out, int* err);

// A path that must name a directory (see Served::must_be_dir) but names a
// file: ENOTDIR, as the kernel answers. Returns 0 or an errno value.
int CheckDirSyntax(const Served& w);

// Real directory fds opened on an ancestor of a prefix are remembered with
// their path, so *at calls relative to them can still enter the prefix.
void NoteRealOpen(int dirfd, const char* path, int fd);  // after a real open
void ForgetRealFd(int fd);                               // before a real close
bool AncestorFdPath(int fd, std::string* path);

// The working directory when it is served ("" when it is not).
std::string ServedCwd();
void SetServedCwd(const Served* cwd);  // nullptr: the cwd is real
void NoteRealCwd();                    // after a real chdir/fchdir succeeded

// ---------------------------------------------------------------------------
// The client, created on first use. Returns nullptr with *err set when the
// configuration or the UFS is unusable (the reason is printed once).
FileSystem* Fs(int* err);

// The client's own descriptors (opened under the guard) are moved above the
// numbers programs pick for dup2 (shells use 0-9, and move their own to 10+),
// so `3< file` in a shell cannot close the client's reader under it.
int MoveInternalFd(int fd);

// The process umask, tracked without the set-and-restore race.
mode_t CurrentUmask();
void NoteUmask(mode_t mask);

// ---------------------------------------------------------------------------
// Descriptors. A served fd is a real kernel fd reserved with a /dev/null
// placeholder; the table maps it to the open file description (Desc), which
// dup'ed fds share.

struct Desc {
  // What guards each field is written beside it. "Fixed" fields are set
  // before the description is installed in the FdTable (publication through
  // the shard lock orders them before every reader) and never change.
  //
  // Lock order in the shim, outermost first; a thread holding one lock
  // takes only locks further down this list:
  //   1. Desc::finish_mu   (FinishStaged, the last holder's commit)
  //   2. Desc::mu          (offset, directory listing, the switch to a
  //                         backing or staging file)
  //   3. FdTable shard     (FdTable's own methods: Snapshot, Install, Get,
  //                         Remove; MakeBacked and StageKept take them
  //                         under Desc::mu; nothing is called under one,
  //                         and fork's prepare handler takes them all)
  //   4. g_fs_mu           (shim.cc: creating the client, once)
  //   5. the client's own locks (FileHandle, FileSystem, the page cache),
  //                         held while Desc::mu or finish_mu is: a
  //                         served read holds Desc::mu across the client's
  //                         read. Client code runs under the recursion
  //                         guard, so it never takes a shim lock.
  // Leaves, under which nothing else is taken: g_cwd_mu, g_ancestor_mu
  // (shim.cc), g_maps_mu (backing.cc; FinishStaged runs after it is
  // released), g_cookies_mu, g_reopened_mu (interpose_stdio.cc; the fd is
  // closed after they are released).

  // Guards offset, entries, listed, pos, lock_fd, F_SETFL's read-modify-
  // write of flags, and the switch from a placeholder to a backing or
  // staging file (backed, staged, backing_fd, owner_pid by StageKept);
  // held across client reads. A call that checked `backed` or `staged`
  // without it checks again once it holds it (ReadDesc, WriteDesc,
  // SeekDesc, FIONREAD), since the switch moves the offset into the kernel.
  std::mutex mu;
  // Serializes FinishStaged (and the exit's commit) for this description:
  // the last close and the last munmap may both finish it. Guards
  // committed_early, early_* and the handle's reset there.
  std::mutex finish_mu;
  // Fixed, except that FinishStaged (under finish_mu, once no fd is left)
  // resets it after an early commit. Null for directories and adopted ones.
  std::shared_ptr<FileHandle> handle;
  Served where;         // fixed
  bool is_dir = false;  // fixed
  // Writable and staged (backing.cc): the fds are kernel descriptors of the
  // staging file, and the last holder of that open file description, in
  // any process, commits it. Fixed, or set later under mu by StageKept
  // (after backing_fd and owner_pid: readers that load it true see those).
  std::atomic<bool> staged{false};
  // Without the random-access switch, writes the shim sees must be
  // sequential (as the handle enforces for in-process writes). Fixed.
  bool sequential_only = false;
  // The mode a created file gets, for adopters' stat. Fixed.
  uint32_t create_mode = 0644;
  // The process that opened or adopted a staged description: the one that
  // leaves a watcher behind if it lets go first (backing.cc). Fixed, or set
  // by StageKept under mu before `staged`; read by the finish after the
  // last fd is gone.
  pid_t owner_pid = 0;
  // open(2) flags (access mode, O_APPEND, O_NONBLOCK, ...). Atomic: F_SETFL
  // changes them under mu (so two F_SETFLs cannot lose each other's bits),
  // every other reader loads them without it.
  std::atomic<int> flags{0};
  uint64_t offset = 0;  // under mu; unused once backed (the kernel's then)
  // Directory streams: a snapshot listing and a position in it (under mu).
  std::vector<FileInfo> entries;
  bool listed = false;
  size_t pos = 0;
  // Lazily opened lock file carrying fcntl/flock locks for this path (under
  // mu; the destructor closes it).
  int lock_fd = -1;
  // How many served fds refer to this description; the close that drops
  // it to zero finishes (commits) it and reports the result. Atomic.
  std::atomic<int> fd_refs{0};
  // Live memory maps of a staged description in this process (they hold
  // the open file description too); the munmap of the last one finishes a
  // description whose fds are all closed (finish_on_unmap, which exactly
  // one of the last close and the last munmap exchanges back). Atomic.
  std::atomic<int> maps{0};
  std::atomic<bool> finish_on_unmap{false};
  // Committed at close while maps lived on, and the staging file then
  // (RecommitAfterMaps). Under finish_mu.
  bool committed_early = false;
  bool early_linked = false;
  uint64_t early_size = 0;
  int64_t early_mtime_ns = 0;
  // Backed by a real file: the fds are kernel descriptors of a local file
  // (the staging file, or a read-only copy of the content) instead of
  // /dev/null, so code the shim cannot see reads and writes real bytes, and
  // I/O goes through the kernel. Fixed, or set once under mu (MakeBacked,
  // StageKept) after backing_fd; never cleared. Atomic, read without mu.
  std::atomic<bool> backed{false};
  // An internal close-on-exec descriptor of that file. Written with
  // `backed`/`staged` (fixed, or under mu before they are set; StageKept
  // replaces a read-only copy's with the staging file's); read by callers
  // that saw `staged`, or by the finish.
  int backing_fd = -1;

  ~Desc();
};

class FdTable {
 public:
  static constexpr int kMaxFds = 1 << 16;

  // The description of a served fd, or nullptr (cheap for unserved fds).
  std::shared_ptr<Desc> Get(int fd) {
    if (fd < 0 || fd >= kMaxFds || !served_[fd].load(std::memory_order_acquire)) return nullptr;
    std::lock_guard<std::mutex> lock(ShardOf(fd));
    return slots_[fd];
  }
  bool IsServed(int fd) const {
    return fd >= 0 && fd < kMaxFds && served_[fd].load(std::memory_order_acquire);
  }
  // Registers fd -> desc, returning whatever was registered before.
  std::shared_ptr<Desc> Install(int fd, std::shared_ptr<Desc> desc);
  std::shared_ptr<Desc> Remove(int fd);
  // Every served fd with its description (for fork and exit).
  std::vector<std::pair<int, std::shared_ptr<Desc>>> Snapshot();

  void LockAll();
  void UnlockAll();

 private:
  static constexpr int kShards = 64;
  std::mutex& ShardOf(int fd) { return shards_[fd % kShards]; }
  // Shard i guards slots_[fd] for fd % kShards == i. Third in the lock
  // order (see Desc): taken under Desc::mu, never held while calling out.
  std::mutex shards_[kShards];
  std::shared_ptr<Desc> slots_[kMaxFds];
  std::atomic<bool> served_[kMaxFds];
};

FdTable& Fds();

// Reserves a kernel fd for a new served description (a /dev/null
// placeholder, close-on-exec when `cloexec`) and registers it.
int InstallNewFd(std::shared_ptr<Desc> desc, bool cloexec);

// Releases a served fd: unregisters it, closes the placeholder and, for the
// last fd of a description, closes (commits) the handle. Returns close(2)'s
// result with errno set.
int CloseServedFd(int fd);

// Drops one fd's reference to `d` (already unregistered and closed); the
// last one finishes it (commits). Returns the commit's status.
Status ReleaseDesc(const std::shared_ptr<Desc>& d);

// --- backing.cc: backed and staged descriptions -----------------------------

// Registers a staged description: the program's fd is a new open file
// description of `staging_fd` (FileHandle::StagingFd) with open(2)'s
// `flags`. Returns the fd, or -1 with errno.
int InstallStagedFd(std::shared_ptr<Desc> desc, int staging_fd, int flags);

// A kept file served in-process was emptied (truncate to 0): stages it, so
// its fds become kernel descriptors of the staging file.
Status StageKept(Desc& d);

// After this process dropped its last fd of a staged description: commits
// when no other process holds the description, else leaves it to them.
Status FinishStaged(Desc& d);
// Memory maps of staged descriptions: mmap records them, munmap of the last
// one may finish the description.
void NoteStagedMap(const std::shared_ptr<Desc>& d, void* addr, size_t len);
void NoteUnmap(void* addr, size_t len);

// fsync of a staged description: commits what the staging file holds.
Status SyncStaged(Desc& d);
// Attributes of a staged description (size and mtime from the file).
Result<FileAttr> StagedAttr(Desc& d);

// Turns a description served in-process into one backed by a read-only
// copy of its content, for all its fds (see Desc::backed).
Status MakeBacked(Desc& d);

// Before fork: inherited descriptions read in-process get backing copies,
// so parent and child share their offsets as with a kernel file.
void BackInheritables();

// At exit: finishes every description still open for writing.
void FinishAtExit();

// Before exec: makes the inherited fds usable by the new program and returns
// the environment entries that let a shim there adopt them; in the new
// program, AdoptInherited takes them over. `shim_follows`: the new program
// loads the shim (else a watcher commits what it writes).
std::vector<std::string> PrepareExec(bool shim_follows);
void AdoptInherited();

// Opens `where` as open(2) would with these flags and mode (before umask).
int OpenServed(const Served& where, int flags, mode_t mode);

// Whether this process may access a file with these attributes in `mode`
// (R_OK/W_OK/X_OK), as the kernel decides (alluxio::MayAccess), with its
// effective ids (or the real ones, for access(2)) and only its primary group
// (the open path makes no getgroups call).
bool CallerMayAccess(const FileAttr& a, int mode, bool effective = true);

// Served files in stat: a device of their own, makedev(0xa1, 0x10), and
// 128 KiB as the preferred I/O size.
inline constexpr StatLayout kServedStat{(0xa1 << 8) | 0x10, 128 * 1024};

// Stat results in the kernel's layout.
int StatServed(const Served& where, struct stat* st);

// A Desc's current attributes (open handles report unflushed writes).
Result<FileAttr> DescAttr(Desc& d);

}  // namespace alluxio::preload

#endif  // ALLUXIO_PRELOAD_SHIM_H_
