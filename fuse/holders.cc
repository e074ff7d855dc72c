#include "holders.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace alluxio::fuse {
namespace {

// The PIDs below this are never handed out again after a wrap (the kernel's
// RESERVED_PIDS).
constexpr int64_t kReservedPids = 300;

// The content of a small /proc file (up to `max` bytes), or "" on failure.
std::string ReadProcFile(const char* path, size_t max = 4096) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// The number after `key` (which ends with its separator) in `text`, or -1.
int64_t NumberAfter(const std::string& text, const char* key) {
  size_t pos = 0;
  const size_t klen = std::strlen(key);
  while ((pos = text.find(key, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      const char* p = text.c_str() + pos + klen;
      while (*p == ' ' || *p == '\t') ++p;
      char* end = nullptr;
      long long v = std::strtoll(p, &end, 10);
      return end == p ? -1 : static_cast<int64_t>(v);
    }
    pos += klen;
  }
  return -1;
}

// The parent of a process (from /proc/<pid>/stat, readable for every
// process), or 0.
pid_t ParentOf(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  std::string stat = ReadProcFile(path);
  // "pid (comm) state ppid ...": comm may hold anything, up to the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  char state = 0;
  int ppid = 0;
  if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2) return 0;
  return ppid;
}

// A decimal directory name of /proc, or 0.
pid_t PidName(const char* name) {
  pid_t v = 0;
  for (const char* p = name; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return 0;
    v = v * 10 + (*p - '0');
  }
  return v;
}

}  // namespace

Holders::Holders(dev_t dev) : dev_(dev) {
  // /proc/self names this process in /proc's namespace: it must be the pid
  // this process has in its own, the namespace FUSE reports pids in.
  char self[32] = {};
  ssize_t n = ::readlink("/proc/self", self, sizeof(self) - 1);
  pid_max_ = NumberAfter(ReadProcFile("/proc/sys/kernel/pid_max"), "");
  usable_ = dev != 0 && n > 0 && PidName(self) == ::getpid() && pid_max_ > kReservedPids;
}

ForkMark Holders::Mark() const {
  ForkMark m;
  if (!usable_) return m;
  int64_t forks = NumberAfter(ReadProcFile("/proc/stat", 1 << 20), "processes ");
  int64_t last = NumberAfter(ReadProcFile("/proc/sys/kernel/ns_last_pid"), "");
  if (forks < 0 || last < 0) return m;
  m.forks = static_cast<uint64_t>(forks);
  m.last_pid = last;
  return m;
}

pid_t Holders::ProcessOf(pid_t tid) {
  if (tid <= 0) return 0;
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/status", static_cast<int>(tid));
  int64_t tgid = NumberAfter(ReadProcFile(path), "Tgid:");
  return tgid > 0 ? static_cast<pid_t>(tgid) : 0;
}

Holders::Verdict Holders::ProcessHolds(pid_t pid, dev_t dev, uint64_t ino) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/fd", static_cast<int>(pid));
  int dfd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno == ENOENT || errno == ESRCH ? Verdict::kNone : Verdict::kUnknown;
  DIR* dir = ::fdopendir(dfd);
  if (dir == nullptr) {
    ::close(dfd);
    return Verdict::kUnknown;
  }
  Verdict verdict = Verdict::kNone;
  while (struct dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    // Following the link reaches the open file's inode itself (not a path
    // lookup); DONT_SYNC answers from cached attributes, so no file system
    // (this mount included) is asked anything.
    struct statx stx;
    if (::statx(dfd, e->d_name, AT_STATX_DONT_SYNC, STATX_INO, &stx) != 0) {
      if (errno == ENOENT) continue;  // closed meanwhile
      // Not allowed to follow its links (EACCES): none of the rest either.
      verdict = Verdict::kUnknown;
      if (errno == EACCES || errno == EPERM) break;
      continue;
    }
    if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != dev || stx.stx_ino != ino) continue;
    // The link's own mode carries the descriptor's access mode.
    struct stat link;
    if (::fstatat(dfd, e->d_name, &link, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) verdict = Verdict::kUnknown;
      continue;
    }
    if (link.st_mode & S_IWUSR) {
      verdict = Verdict::kHeld;
      break;
    }
  }
  ::closedir(dir);
  return verdict;
}

Holders::Verdict Holders::Check(uint64_t ino, const std::vector<pid_t>& known,
                                const ForkMark& since) const {
  if (!usable_) return Verdict::kUnknown;
  bool unknown = false;
  std::vector<pid_t> pids;
  for (pid_t p : known) {
    if (p <= 0) {
      unknown = true;
    } else {
      pids.push_back(p);
    }
  }
  if (unknown) return Verdict::kUnknown;

  // Every process started since the open, found by its PID: later than the
  // mark's, cyclically, unless so many forks happened that PIDs may have
  // come round past the mark (then every process is looked at).
  ForkMark now = Mark();
  const bool everyone = !since.valid() || !now.valid() || now.forks < since.forks ||
                        now.forks - since.forks >= static_cast<uint64_t>(pid_max_ - kReservedPids);
  auto started_since = [&](int64_t p) {
    if (everyone) return true;
    if (since.last_pid == now.last_pid) return false;
    if (since.last_pid < now.last_pid) return p > since.last_pid && p <= now.last_pid;
    return p > since.last_pid || p <= now.last_pid;  // wrapped once
  };
  // A process this one may not inspect (more privileged: another user's,
  // a setuid program) can hold the file only if it descends from the opener,
  // the closer, or a process started since the open (which may have
  // inherited it). Others (children of older processes, such as init's)
  // cannot have it, short of being handed it over a socket, or being
  // orphaned by a holder and adopted by one of those.
  auto related = [&](pid_t p) {
    pid_t x = p;
    for (int depth = 0; depth < 64 && x > 0; ++depth) {
      if (std::find(known.begin(), known.end(), x) != known.end()) return true;
      if (x != p && !everyone && started_since(x)) return true;
      x = ParentOf(x);
    }
    return everyone;
  };
  if (everyone || now.last_pid != since.last_pid) {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return Verdict::kUnknown;
    while (struct dirent* e = ::readdir(proc)) {
      pid_t p = PidName(e->d_name);
      if (p > 0 && started_since(p)) pids.push_back(p);
    }
    ::closedir(proc);
  }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  for (pid_t p : pids) {
    switch (ProcessHolds(p, dev_, ino)) {
      case Verdict::kHeld:
        return Verdict::kHeld;
      case Verdict::kUnknown:
        if (related(p)) unknown = true;
        break;
      case Verdict::kNone:
        break;
    }
  }
  return unknown ? Verdict::kUnknown : Verdict::kNone;
}

}  // namespace alluxio::fuse
