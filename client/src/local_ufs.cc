#include "local_ufs.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include "alluxio/path.h"

namespace alluxio {

namespace {

FileAttr AttrFromStat(const struct stat& st) {
  FileAttr a;
  a.is_dir = S_ISDIR(st.st_mode);
  a.size = a.is_dir ? 0 : static_cast<uint64_t>(st.st_size);
  auto ns = [](const struct timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
  };
  a.mtime_ns = ns(st.st_mtim);
  a.atime_ns = ns(st.st_atim);
  a.ctime_ns = ns(st.st_ctim);
  a.nlink = static_cast<uint32_t>(st.st_nlink);
  a.mode = st.st_mode & 07777;
  a.uid = st.st_uid;
  a.gid = st.st_gid;
  // File timestamps tick coarsely (a few ms), so two same-size writes can
  // share an mtime; our commits rename a new inode into place, so the inode
  // number tells those apart.
  a.version = ContentVersion(a.size, a.mtime_ns) ^
              (static_cast<uint64_t>(st.st_ino) * 0x9e3779b97f4a7c15ull);
  return a;
}

bool IsTempName(const char* name) {
  return std::strncmp(name, kLocalTempPrefix, sizeof(kLocalTempPrefix) - 1) == 0;
}

// ---- who writes a staging file ----------------------------------------------
//
// A staging file is named ".alluxio_tmp.<host>-<pid>-<start>.<random>": the
// writing process (pid, and its start time in clock ticks since boot, which
// tells it from a later process given the same pid) and <host>, a hash of the
// boot id and the pid namespace, without which the pid means nothing. The
// writer also holds flock(2) on the file while it writes, which a process
// that shares the descriptor after fork() keeps holding after the creator
// is gone. (Staging written unnamed, O_TMPFILE, is named the same way for
// the moment between its link and its rename.) A file is abandoned when its
// writer is of our boot and pid namespace, no longer runs, and nobody holds
// the lock.

// The start time of a process (field 22 of /proc/<pid>/stat), or 0.
uint64_t StartTimeOf(const std::string& pid) {
  int fd = ::open(("/proc/" + pid + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  // The command name (field 2) may hold spaces and parentheses: count fields
  // from the last ')'.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  for (int field = 2; field < 22 && p != nullptr; ++field) {
    p = std::strchr(p + 1, ' ');
  }
  return p == nullptr ? 0 : std::strtoull(p + 1, nullptr, 10);
}

// <host>: 16 hex digits, or "" when the boot id or namespace is unknown
// (then no file is ever judged ours).
std::string HostTag() {
  auto slurp = [](const char* path) {
    std::string out;
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[128];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) out.assign(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
  };
  std::string boot = slurp("/proc/sys/kernel/random/boot_id");
  char ns[64];
  ssize_t n = ::readlink("/proc/self/ns/pid", ns, sizeof(ns));
  if (boot.empty() || n <= 0) return "";
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (char c : boot + std::string(ns, static_cast<size_t>(n))) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// "<host>-<pid>-<start>" of this process; recomputed in a child after fork.
const std::string& WriterId() {
  static thread_local pid_t pid = 0;
  static thread_local std::string id;
  if (pid != ::getpid()) {
    pid = ::getpid();
    std::string p = std::to_string(pid);
    id = HostTag() + "-" + p + "-" + std::to_string(StartTimeOf(p));
  }
  return id;
}

// A staging file's name: the prefix, this process's id, a random part.
void StagingName(uint64_t random, char* name, size_t size) {
  std::snprintf(name, size, "%s%s.%016llx", kLocalTempPrefix, WriterId().c_str(),
                static_cast<unsigned long long>(random));
}

// Whether a staging file's writer (from its name) is known to be gone: of
// this boot and pid namespace, and no process with its pid and start time
// runs. Names of older versions, other namespaces or other hosts are never
// judged gone.
bool WriterGone(const char* name) {
  std::string_view rest(name + sizeof(kLocalTempPrefix) - 1);
  rest = rest.substr(0, rest.find('.'));
  size_t d1 = rest.find('-');
  size_t d2 = d1 == std::string_view::npos ? d1 : rest.find('-', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  std::string host(rest.substr(0, d1));
  std::string pid(rest.substr(d1 + 1, d2 - d1 - 1));
  std::string start(rest.substr(d2 + 1));
  static const std::string self_host = HostTag();
  if (self_host.empty() || host != self_host || pid.empty() || pid.size() > 9 ||
      pid.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  // kill(0) sees processes /proc may hide (hidepid): EPERM means it exists.
  pid_t p = static_cast<pid_t>(std::strtol(pid.c_str(), nullptr, 10));
  if (p <= 0) return false;
  if (::kill(p, 0) != 0 && errno == ESRCH) return true;
  uint64_t now = StartTimeOf(pid);
  return now != 0 && start != "0" && std::to_string(now) != start;  // the pid was reused
}

// Removes `name` in `dir_fd` if it is an abandoned staging file: its writer
// is gone and nobody holds its lock. True when removed.
bool RemoveIfAbandoned(int dir_fd, const char* name) {
  if (!WriterGone(name)) return false;
  int fd = ::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool removed = false;
  // Under the lock, so a process sharing the writer's descriptor keeps it.
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    removed = ::unlinkat(dir_fd, name, 0) == 0;
  }
  ::close(fd);
  return removed;
}

class LocalReader : public UfsReader {
 public:
  LocalReader(int fd, uint64_t size, uint64_t version) : fd_(fd), size_(size), version_(version) {}
  ~LocalReader() override { ::close(fd_); }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "read");
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }
  uint64_t Size() const override { return size_; }
  uint64_t Version() const override { return version_; }
  bool PrefersStreams() const override { return false; }
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t, uint64_t) override { return NoStreams(); }

 private:
  int fd_;
  uint64_t size_;
  uint64_t version_;
};

class LocalWriter : public UfsWriter {
 public:
  LocalWriter(int fd, std::string temp, std::string dest, UfsCreateOptions opts)
      : fd_(fd), temp_(std::move(temp)), dest_(std::move(dest)), opts_(opts) {}
  ~LocalWriter() override { Abort(); }

  Status Append(const char* data, size_t n) override {
    if (fd_ < 0) return Status(Code::kBadDescriptor, "writer already closed");
    while (n > 0) {
      ssize_t w = ::write(fd_, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + dest_);
      }
      data += w;
      n -= static_cast<size_t>(w);
      size_ += static_cast<uint64_t>(w);
    }
    return Status::OK();
  }

  // A hole: the offset moves on and Commit sets the size.
  Status AppendZeros(uint64_t n) override {
    if (fd_ < 0) return Status(Code::kBadDescriptor, "writer already closed");
    size_ += n;
    if (::lseek(fd_, static_cast<off_t>(size_), SEEK_SET) < 0) {
      return Status::FromErrno(errno, "seek in " + dest_);
    }
    return Status::OK();
  }

  Status Commit() override {
    if (fd_ < 0) return Status(Code::kBadDescriptor, "writer already closed");
    Status st;
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      st = Status::FromErrno(errno, "size " + dest_);
    } else if (::fchmod(fd_, opts_.mode & 07777) != 0) {
      st = Status::FromErrno(errno, "chmod " + dest_);
    } else if ((opts_.uid || opts_.gid) &&
               ::fchown(fd_, opts_.uid ? *opts_.uid : static_cast<uid_t>(-1),
                        opts_.gid ? *opts_.gid : static_cast<gid_t>(-1)) != 0 &&
               errno != EPERM) {
      st = Status::FromErrno(errno, "chown " + dest_);
    }
    if (st.ok() && opts_.mtime_ns) {
      struct timespec ts[2];
      ts[0].tv_nsec = UTIME_OMIT;
      ts[1].tv_sec = *opts_.mtime_ns / 1000000000;
      ts[1].tv_nsec = *opts_.mtime_ns % 1000000000;
      if (::futimens(fd_, ts) != 0) st = Status::FromErrno(errno, "utimens " + dest_);
    }
    if (st.ok() && ::close(fd_) != 0)
      st = Status::FromErrno(errno, "close " + dest_);
    else if (!st.ok())
      ::close(fd_);
    fd_ = -1;
    if (st.ok() && ::rename(temp_.c_str(), dest_.c_str()) != 0) {
      st = Status::FromErrno(errno, "commit " + dest_);
    }
    if (!st.ok()) ::unlink(temp_.c_str());
    temp_.clear();
    return st;
  }

  void Abort() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
  }

 private:
  int fd_;
  std::string temp_;
  std::string dest_;
  UfsCreateOptions opts_;
  uint64_t size_ = 0;  // bytes appended, holes included
};

}  // namespace

Result<std::shared_ptr<Ufs>> LocalUfs::Open(const std::string& root) {
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {
    return Status::FromErrno(errno, "local UFS directory " + root);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status(Code::kNotDirectory, "local UFS " + root + " is not a directory");
  }
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return std::shared_ptr<Ufs>(new LocalUfs(r == "/" ? "" : r));
}

Result<FileAttr> LocalUfs::Stat(const std::string& path, size_t, std::string*) {
  struct stat st;
  if (::stat(Full(path).c_str(), &st) != 0) return Status::FromErrno(errno, path);
  return AttrFromStat(st);
}

Result<std::vector<FileInfo>> LocalUfs::ListStatus(const std::string& path) {
  std::string full = Full(path);
  int dfd = ::open(full.empty() ? "/" : full.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::FromErrno(errno, path);
  DIR* dir = ::fdopendir(dfd);
  if (dir == nullptr) {
    ::close(dfd);
    return Status::FromErrno(errno, path);
  }
  std::vector<FileInfo> out;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(dir);
    if (e == nullptr) break;
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if (IsTempName(e->d_name)) continue;
    struct stat st;
    // An entry removed between readdir and stat is simply skipped.
    if (::fstatat(dfd, e->d_name, &st, 0) != 0) continue;
    out.push_back(FileInfo{e->d_name, AttrFromStat(st)});
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return Status::FromErrno(err, "list " + path);
  return out;
}

Status LocalUfs::CreateDirectory(const std::string& path, uint32_t mode) {
  if (::mkdir(Full(path).c_str(), mode & 07777) != 0) return Status::FromErrno(errno, path);
  // mkdir applies the umask; the caller's mode is already final.
  ::chmod(Full(path).c_str(), mode & 07777);
  return Status::OK();
}

Result<std::unique_ptr<UfsReader>> LocalUfs::OpenReader(const std::string& path, const FileAttr*) {
  int fd = ::open(Full(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, path);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status(Code::kIsDirectory, path + " is a directory");
  }
  FileAttr a = AttrFromStat(st);
  return std::unique_ptr<UfsReader>(new LocalReader(fd, a.size, a.version));
}

Result<std::unique_ptr<UfsWriter>> LocalUfs::Create(const std::string& path,
                                                    const UfsCreateOptions& opts) {
  std::string dest = Full(path);
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status(Code::kIsDirectory, path + " is a directory");
  }
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::string parent = dest.substr(0, dest.rfind('/'));
  for (int attempt = 0; attempt < 8; ++attempt) {
    char name[128];
    StagingName(rng(), name, sizeof(name));
    std::string temp = parent + "/" + name;
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      // Held until the descriptor closes: tells a live writer (in any process
      // sharing it) from an abandoned file. Where flock is unavailable, the
      // name alone tells.
      while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
      }
      return std::unique_ptr<UfsWriter>(new LocalWriter(fd, temp, dest, opts));
    }
    if (errno != EEXIST) {
      return Status::FromErrno(errno, std::string(ParentPath(path)));
    }
  }
  return Status::IoError("cannot create a temporary file for " + path);
}

Result<int> LocalUfs::CreateStaging(const std::string& path) {
  std::string dest = Full(path);
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status(Code::kIsDirectory, path + " is a directory");
  }
  std::string parent = dest.substr(0, dest.rfind('/'));
  if (parent.empty()) parent = "/";
  int fd = ::open(parent.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
    return Status::NotSupported("no anonymous files in " + parent);
  }
  return Status::FromErrno(errno, std::string(ParentPath(path)));
}

Status LocalUfs::LinkStaging(const std::string& path, int fd, const UfsCreateOptions& opts) {
  std::string dest = Full(path);
  if (::fchmod(fd, opts.mode & 07777) != 0) return Status::FromErrno(errno, "chmod " + path);
  if ((opts.uid || opts.gid) &&
      ::fchown(fd, opts.uid ? *opts.uid : static_cast<uid_t>(-1),
               opts.gid ? *opts.gid : static_cast<gid_t>(-1)) != 0 &&
      errno != EPERM) {
    return Status::FromErrno(errno, "chown " + path);
  }
  if (opts.mtime_ns) {
    struct timespec ts[2];
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = *opts.mtime_ns / 1000000000;
    ts[1].tv_nsec = *opts.mtime_ns % 1000000000;
    if (::futimens(fd, ts) != 0) return Status::FromErrno(errno, "utimens " + path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "stat staging of " + path);
  if (st.st_nlink > 0) return Status::OK();  // published before (an fsync): in place
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::string parent = dest.substr(0, dest.rfind('/'));
  char proc[40];
  std::snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
  for (int attempt = 0; attempt < 8; ++attempt) {
    char name[128];
    StagingName(rng(), name, sizeof(name));
    std::string temp = parent + "/" + name;
    if (::linkat(AT_FDCWD, proc, AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) continue;
      return Status::FromErrno(errno, "commit " + path);
    }
    if (::rename(temp.c_str(), dest.c_str()) != 0) {
      int err = errno;
      ::unlink(temp.c_str());
      return Status::FromErrno(err, "commit " + path);
    }
    return Status::OK();
  }
  return Status::IoError("cannot name a temporary file for " + path);
}

Result<uint64_t> LocalUfs::RemoveAbandonedWrites(const std::atomic<bool>* cancel) {
  int root_fd =
      ::open(root_.empty() ? "/" : root_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root_fd < 0) return Status::FromErrno(errno, "local UFS directory " + root_);
  struct stat root_st;
  if (::fstat(root_fd, &root_st) != 0) {
    int err = errno;
    ::close(root_fd);
    return Status::FromErrno(err, "local UFS directory " + root_);
  }
  uint64_t removed = 0;
  // Depth first, one open directory at a time. Other file systems mounted
  // below the root are not entered (a dead FUSE mount would hang the walk).
  std::vector<int> pending = {root_fd};
  while (!pending.empty()) {
    int dfd = pending.back();
    pending.pop_back();
    DIR* dir = ::fdopendir(dfd);
    if (dir == nullptr) {
      ::close(dfd);
      continue;
    }
    std::vector<std::string> subdirs;
    while (struct dirent* e = ::readdir(dir)) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) break;
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_REG && IsTempName(e->d_name)) {
        if (RemoveIfAbandoned(dfd, e->d_name)) ++removed;
      } else if (type == DT_DIR) {
        subdirs.emplace_back(e->d_name);
      }
    }
    for (const std::string& sub : subdirs) {
      int fd = ::openat(dfd, sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat st;
      if (::fstat(fd, &st) != 0 || st.st_dev != root_st.st_dev) {
        ::close(fd);
        continue;
      }
      pending.push_back(fd);
    }
    ::closedir(dir);
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) break;
  }
  for (int fd : pending) ::close(fd);
  return removed;
}

Status LocalUfs::DeleteFile(const std::string& path) {
  if (::unlink(Full(path).c_str()) != 0) return Status::FromErrno(errno, path);
  return Status::OK();
}

Status LocalUfs::DeleteDirectory(const std::string& path) {
  if (::rmdir(Full(path).c_str()) != 0) return Status::FromErrno(errno, path);
  return Status::OK();
}

Status LocalUfs::Rename(const std::string& src, const std::string& dst) {
  if (::rename(Full(src).c_str(), Full(dst).c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + src + " to " + dst);
  }
  return Status::OK();
}

Status LocalUfs::SetMode(const std::string& path, uint32_t mode) {
  if (::chmod(Full(path).c_str(), mode & 07777) != 0) return Status::FromErrno(errno, path);
  return Status::OK();
}

Status LocalUfs::SetOwner(const std::string& path, std::optional<uint32_t> uid,
                          std::optional<uint32_t> gid) {
  if (::chown(Full(path).c_str(), uid ? *uid : static_cast<uid_t>(-1),
              gid ? *gid : static_cast<gid_t>(-1)) != 0) {
    return Status::FromErrno(errno, path);
  }
  return Status::OK();
}

Status LocalUfs::SetMtime(const std::string& path, int64_t mtime_ns) {
  struct timespec ts[2];
  ts[0].tv_sec = 0;
  ts[0].tv_nsec = UTIME_OMIT;
  ts[1].tv_sec = mtime_ns / 1000000000;
  ts[1].tv_nsec = mtime_ns % 1000000000;
  if (::utimensat(AT_FDCWD, Full(path).c_str(), ts, 0) != 0) {
    return Status::FromErrno(errno, path);
  }
  return Status::OK();
}

Status LocalUfs::GetSpace(uint64_t* total, uint64_t* free) {
  struct statvfs sv;
  if (::statvfs(root_.empty() ? "/" : root_.c_str(), &sv) != 0) {
    return Status::FromErrno(errno, "statvfs " + root_);
  }
  *total = static_cast<uint64_t>(sv.f_blocks) * sv.f_frsize;
  *free = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
  return Status::OK();
}

}  // namespace alluxio
