#include "local_ufs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "alluxio/path.h"

namespace alluxio {

namespace {

FileAttr AttrFromStat(const struct stat& st) {
  FileAttr a;
  a.is_dir = S_ISDIR(st.st_mode);
  a.size = a.is_dir ? 0 : static_cast<uint64_t>(st.st_size);
  a.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
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

Result<FileAttr> LocalUfs::GetStatus(const std::string& path) {
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

Result<std::unique_ptr<UfsReader>> LocalUfs::OpenRead(const std::string& path) {
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
    char name[40];
    std::snprintf(name, sizeof(name), "%s%016llx", kLocalTempPrefix,
                  static_cast<unsigned long long>(rng()));
    std::string temp = parent + "/" + name;
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
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
    char name[40];
    std::snprintf(name, sizeof(name), "%s%016llx", kLocalTempPrefix,
                  static_cast<unsigned long long>(rng()));
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
