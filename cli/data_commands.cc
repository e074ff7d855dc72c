// `alluxio fs` commands that move data: cat, head, tail, cp, copyFromLocal
// (put), copyToLocal (get), checksum. Everything streams in kChunkSize
// pieces, so memory does not grow with file size.
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "alluxio/path.h"
#include "cli.h"

namespace alluxio::cli {

namespace {

// Reads up to n bytes at an offset; 0 at the end.
using ReadFn = std::function<Result<size_t>(uint64_t offset, char* buf, size_t n)>;
// Consumes n bytes that belong at `offset`.
using WriteFn = std::function<Status(uint64_t offset, const char* buf, size_t n)>;

// Moves [begin, end) from `read` to `write` in chunks.
Status Pump(const ReadFn& read, const WriteFn& write, uint64_t begin = 0,
            uint64_t end = UINT64_MAX) {
  std::unique_ptr<char[]> buf(new char[kChunkSize]);
  uint64_t off = begin;
  while (off < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkSize, end - off));
    ASSIGN_OR_RETURN(size_t n, read(off, buf.get(), want));
    if (n == 0) break;
    RETURN_IF_ERROR(write(off - begin, buf.get(), n));
    off += n;
  }
  return Status::OK();
}

WriteFn ToStdout() {
  return [](uint64_t, const char* buf, size_t n) {
    if (!WriteOut(buf, n)) return Status::FromErrno(errno, "write to standard output");
    return Status::OK();
  };
}

ReadFn FromHandle(FileHandle& h) {
  return [&h](uint64_t off, char* buf, size_t n) { return h.Read(off, buf, n); };
}

// Opens an Alluxio file for reading, with a clear error for a directory.
Result<std::shared_ptr<FileHandle>> OpenForRead(FileSystem& fs, const std::string& path) {
  ASSIGN_OR_RETURN(FileAttr attr, fs.GetStatus(path));
  if (attr.is_dir) return Status(Code::kIsDirectory, path + " is a directory");
  return fs.OpenFile(path, OpenOptions{});
}

// Local files ---------------------------------------------------------------

class LocalFd {
 public:
  explicit LocalFd(int fd) : fd_(fd) {}
  ~LocalFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  LocalFd(const LocalFd&) = delete;
  LocalFd& operator=(const LocalFd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

ReadFn FromLocalFd(int fd, const std::string& name) {
  return [fd, name](uint64_t off, char* buf, size_t n) -> Result<size_t> {
    for (;;) {
      ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Status::FromErrno(errno, "read " + name);
    }
  };
}

std::string LocalBaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string LocalJoin(const std::string& dir, const std::string& name) {
  return (!dir.empty() && dir.back() == '/') ? dir + name : dir + "/" + name;
}

// A temporary sibling of `path` for writing it atomically.
std::string TempSibling(const std::string& dir, const std::string& name) {
  static int counter = 0;
  return LocalJoin(dir, "." + name + ".alluxio-tmp." + std::to_string(::getpid()) + "." +
                            std::to_string(counter++));
}

// Writes a local file from `read` atomically: into a temporary sibling, then
// renamed into place. Without `force` an existing `dst` is an error and is
// never replaced (checked again atomically at the rename).
Status WriteLocalFile(const std::string& dst, uint32_t mode, bool force, const ReadFn& read) {
  struct stat st;
  if (::stat(dst.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status(Code::kIsDirectory, dst + " is a directory");
    if (!force) return Status::AlreadyExists(dst + " already exists (use -f to replace it)");
  } else if (errno != ENOENT) {
    return Status::FromErrno(errno, dst);
  }
  std::string dir = dst.find('/') == std::string::npos ? "." : dst.substr(0, dst.rfind('/'));
  if (dir.empty()) dir = "/";
  std::string tmp = TempSibling(dir, LocalBaseName(dst));
  LocalFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Status::FromErrno(errno, "create " + tmp);
  Status result = Pump(read, [&fd, &dst](uint64_t, const char* buf, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd.get(), buf, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + dst);
      }
      buf += w;
      n -= static_cast<size_t>(w);
    }
    return Status::OK();
  });
  if (result.ok() && ::fchmod(fd.get(), mode & ~CurrentUmask() & 07777) != 0) {
    result = Status::FromErrno(errno, "chmod " + dst);
  }
  if (::close(fd.Release()) != 0 && result.ok()) result = Status::FromErrno(errno, "close " + dst);
  if (result.ok()) {
    int r = force ? ::rename(tmp.c_str(), dst.c_str())
                  : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dst.c_str(), RENAME_NOREPLACE);
    if (r != 0) result = Status::FromErrno(errno, dst);
  }
  if (!result.ok()) ::unlink(tmp.c_str());
  return result;
}

// Alluxio files ---------------------------------------------------------------

// Writes an Alluxio file from `read`. Without `force` an existing `dst` is an
// error; a new file is written in place and appears whole on close (the
// client commits atomically), and on failure it is dropped before it is ever
// committed. With `force` an existing file is replaced by writing a
// temporary sibling and renaming it over `dst`, so a failure leaves the old
// content in place.
Status WriteAlluxioFile(FileSystem& fs, const std::string& dst, uint32_t mode, bool force,
                        const ReadFn& read) {
  auto existing = fs.GetStatus(dst);
  bool replace = false;
  if (existing.ok()) {
    if (existing->is_dir) return Status(Code::kIsDirectory, dst + " is a directory");
    if (!force) return Status::AlreadyExists(dst + " already exists (use -f to replace it)");
    replace = true;
  } else if (existing.status().code() != Code::kNotFound) {
    return existing.status();
  }
  static int counter = 0;
  const std::string target =
      replace ? JoinPath(ParentPath(dst), "." + std::string(BaseName(dst)) + ".alluxio-tmp." +
                                              std::to_string(::getpid()) + "." +
                                              std::to_string(counter++))
              : dst;
  OpenOptions opts;
  opts.read = false;
  opts.write = true;
  opts.create = true;
  opts.exclusive = true;
  opts.mode = mode & ~CurrentUmask() & 07777;
  ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, fs.OpenFile(target, opts));
  Status st = Pump(read, [&h](uint64_t off, const char* buf, size_t n) -> Status {
    ASSIGN_OR_RETURN(size_t w, h->Write(off, buf, n));
    if (w != n) return Status::IoError("short write to " + h->path());
    return Status::OK();
  });
  if (!st.ok()) {
    // Deleting a file open for writing makes Close discard it uncommitted.
    (void)fs.Delete(target);
    (void)h->Close();
    return st;
  }
  st = h->Close();
  if (st.ok() && replace) {
    st = fs.Rename(target, dst);
    if (!st.ok()) (void)fs.Delete(target);
  }
  return st;
}

// Where a copy of `src_name` lands: inside `dst` when it is an existing
// directory, else `dst` itself.
Result<std::string> AlluxioTarget(FileSystem& fs, const std::string& dst,
                                  const std::string& src_name) {
  auto attr = fs.GetStatus(dst);
  if (attr.ok() && attr->is_dir) return JoinPath(dst, src_name);
  if (!attr.ok() && attr.status().code() != Code::kNotFound) return attr.status();
  return dst;
}

std::string LocalTarget(const std::string& dst, const std::string& src_name) {
  struct stat st;
  if (::stat(dst.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return LocalJoin(dst, src_name);
  return dst;
}

// ---- cat, head, tail, checksum ------------------------------------------------

int Cat(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  int rc = kExitOk;
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    if (!path.ok()) {
      rc = Fail(arg, path.status());
      continue;
    }
    auto h = OpenForRead(fs, *path);
    Status st = h.ok() ? Pump(FromHandle(**h), ToStdout()) : h.status();
    if (h.ok()) (void)(*h)->Close();
    if (!st.ok()) rc = Fail(*path, st);
  }
  return rc;
}

// head and tail: -c takes a byte count with an optional unit ("1KB").
int HeadOrTail(Env& env, const Args& args, bool tail) {
  uint64_t count = 1024;
  if (args.Has("c")) {
    auto n = ParseBytes(args.Value("c"));
    if (!n.ok()) {
      std::fprintf(stderr, "alluxio fs %s: invalid byte count '%s'\n", tail ? "tail" : "head",
                   args.Value("c").c_str());
      return kExitUsage;
    }
    count = *n;
  }
  CLI_FS_OR_EXIT(fs, env);
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  auto h = OpenForRead(fs, *path);
  if (!h.ok()) return Fail(*path, h.status());
  Status st;
  auto attr = (*h)->Stat();
  if (!attr.ok()) {
    st = attr.status();
  } else {
    uint64_t size = attr->size;
    uint64_t begin = tail ? size - std::min(size, count) : 0;
    uint64_t end = tail ? size : std::min(size, count);
    st = Pump(FromHandle(**h), ToStdout(), begin, end);
  }
  (void)(*h)->Close();
  return st.ok() ? kExitOk : Fail(*path, st);
}

int Head(Env& env, const Args& args) { return HeadOrTail(env, args, false); }
int Tail(Env& env, const Args& args) { return HeadOrTail(env, args, true); }

int Checksum(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  auto h = OpenForRead(fs, *path);
  if (!h.ok()) return Fail(*path, h.status());
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) {
    return Fail(*path, Status(Code::kNoMemory, "cannot set up MD5"));
  }
  Status st = Pump(FromHandle(**h), [&ctx](uint64_t, const char* buf, size_t n) {
    if (EVP_DigestUpdate(ctx.get(), buf, n) != 1) return Status::IoError("MD5 update failed");
    return Status::OK();
  });
  (void)(*h)->Close();
  if (!st.ok()) return Fail(*path, st);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    return Fail(*path, Status::IoError("MD5 final failed"));
  }
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  std::printf("md5sum: %s\n", hex.c_str());
  return kExitOk;
}

// ---- cp (Alluxio -> Alluxio) ----------------------------------------------------

Status CopyAlluxioTree(FileSystem& fs, const std::string& src, const FileAttr& attr,
                       const std::string& dst, bool recursive, bool force) {
  if (!attr.is_dir) {
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, fs.OpenFile(src, OpenOptions{}));
    Status st = WriteAlluxioFile(fs, dst, attr.mode, force, FromHandle(*h));
    (void)h->Close();
    return st;
  }
  if (!recursive) {
    return Status(Code::kIsDirectory, src + " is a directory; use cp -R to copy it");
  }
  if (PathHasPrefix(dst, src)) {
    return Status::InvalidArgument("cannot copy " + src + " into itself (" + dst + ")");
  }
  CreateDirectoryOptions opts;
  opts.allow_exists = true;
  opts.mode = attr.mode & ~CurrentUmask() & 07777;
  RETURN_IF_ERROR(fs.CreateDirectory(dst, opts));
  ASSIGN_OR_RETURN(std::vector<FileInfo> entries, fs.ListStatus(src));
  for (const FileInfo& e : entries) {
    RETURN_IF_ERROR(
        CopyAlluxioTree(fs, JoinPath(src, e.name), e.attr, JoinPath(dst, e.name), true, force));
  }
  return Status::OK();
}

int Cp(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  auto src = AlluxioPath(args.positional[0]);
  if (!src.ok()) return Fail(args.positional[0], src.status());
  auto dst = AlluxioPath(args.positional[1]);
  if (!dst.ok()) return Fail(args.positional[1], dst.status());
  auto attr = fs.GetStatus(*src);
  if (!attr.ok()) return Fail(*src, attr.status());
  auto target = AlluxioTarget(fs, *dst, std::string(BaseName(*src)));
  if (!target.ok()) return Fail(*dst, target.status());
  if (*target == *src) {
    return Fail(*src, Status::InvalidArgument(*src + " and " + *target + " are the same"));
  }
  Status st =
      CopyAlluxioTree(fs, *src, *attr, *target, args.Has("R") || args.Has("r"), args.Has("f"));
  return st.ok() ? kExitOk : Fail(*src, st);
}

// ---- copyFromLocal / put ----------------------------------------------------------

Status PutTree(FileSystem& fs, const std::string& src, const struct stat& st,
               const std::string& dst, bool force) {
  if (S_ISREG(st.st_mode)) {
    LocalFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Status::FromErrno(errno, src);
    return WriteAlluxioFile(fs, dst, st.st_mode & 07777, force, FromLocalFd(fd.get(), src));
  }
  if (!S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "alluxio: warning: skipping %s: not a regular file or directory\n",
                 src.c_str());
    return Status::OK();
  }
  CreateDirectoryOptions opts;
  opts.allow_exists = true;
  opts.mode = st.st_mode & ~CurrentUmask() & 07777;
  RETURN_IF_ERROR(fs.CreateDirectory(dst, opts));
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(src.c_str()), ::closedir);
  if (dir == nullptr) return Status::FromErrno(errno, src);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  if (errno != 0) return Status::FromErrno(errno, src);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string child = LocalJoin(src, name);
    struct stat cst;
    if (::stat(child.c_str(), &cst) != 0) return Status::FromErrno(errno, child);
    RETURN_IF_ERROR(PutTree(fs, child, cst, JoinPath(dst, name), force));
  }
  return Status::OK();
}

int CopyFromLocal(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  const std::string& src = args.positional[0];
  auto dst = AlluxioPath(args.positional[1]);
  if (!dst.ok()) return Fail(args.positional[1], dst.status());
  struct stat st;
  if (::stat(src.c_str(), &st) != 0) return Fail(src, Status::FromErrno(errno, src));
  auto target = AlluxioTarget(fs, *dst, LocalBaseName(src));
  if (!target.ok()) return Fail(*dst, target.status());
  Status s = PutTree(fs, src, st, *target, args.Has("f"));
  return s.ok() ? kExitOk : Fail(*target, s);
}

// ---- copyToLocal / get --------------------------------------------------------------

Status GetTree(FileSystem& fs, const std::string& src, const FileAttr& attr, const std::string& dst,
               bool force) {
  if (!attr.is_dir) {
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, fs.OpenFile(src, OpenOptions{}));
    Status st = WriteLocalFile(dst, attr.mode, force, FromHandle(*h));
    (void)h->Close();
    return st;
  }
  if (::mkdir(dst.c_str(), attr.mode & 07777) != 0) {
    int err = errno;
    struct stat st;
    if (err != EEXIST || ::stat(dst.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::FromErrno(err, "create directory " + dst);
    }
  }
  ASSIGN_OR_RETURN(std::vector<FileInfo> entries, fs.ListStatus(src));
  for (const FileInfo& e : entries) {
    RETURN_IF_ERROR(GetTree(fs, JoinPath(src, e.name), e.attr, LocalJoin(dst, e.name), force));
  }
  return Status::OK();
}

int CopyToLocal(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  auto src = AlluxioPath(args.positional[0]);
  if (!src.ok()) return Fail(args.positional[0], src.status());
  auto attr = fs.GetStatus(*src);
  if (!attr.ok()) return Fail(*src, attr.status());
  std::string name = *src == "/" ? std::string("alluxio-root") : std::string(BaseName(*src));
  std::string target = LocalTarget(args.positional[1], name);
  Status st = GetTree(fs, *src, *attr, target, args.Has("f"));
  return st.ok() ? kExitOk : Fail(target, st);
}

}  // namespace

std::vector<Command> DataCommands() {
  static constexpr const char* kPutHelp =
      "Copies a local file or directory (recursively) into Alluxio. When <dst> is an "
      "existing directory the source is copied into it. An existing file is replaced only "
      "with -f, atomically (readers see the old or the new content, never a mix).";
  static constexpr const char* kGetHelp =
      "Copies an Alluxio file or directory (recursively) to the local file system. When "
      "<localDst> is an existing directory the source is copied into it. An existing file "
      "is replaced only with -f, atomically.";
  return {
      {"cat", "cat <path>...", "Prints the content of files.", "", 1, -1, Cat},
      {"head", "head [-c <bytes>] <path>",
       "Prints the first bytes of a file (1KB unless -c; units like 4KB are accepted).", "c:", 1, 1,
       Head},
      {"tail", "tail [-c <bytes>] <path>",
       "Prints the last bytes of a file (1KB unless -c; units like 4KB are accepted).", "c:", 1, 1,
       Tail},
      {"checksum", "checksum <path>", "Prints the MD5 checksum of a file as 'md5sum: <hex>'.", "",
       1, 1, Checksum},
      {"cp", "cp [-R] [-f] <src> <dst>",
       "Copies a file, or with -R a directory, within Alluxio. When <dst> is an existing "
       "directory the source is copied into it. An existing file is replaced only with -f.",
       "R r f", 2, 2, Cp},
      {"copyFromLocal", "copyFromLocal [-f] <localSrc> <dst>", kPutHelp, "f", 2, 2, CopyFromLocal},
      {"put", "put [-f] <localSrc> <dst>", kPutHelp, "f", 2, 2, CopyFromLocal},
      {"copyToLocal", "copyToLocal [-f] <src> <localDst>", kGetHelp, "f", 2, 2, CopyToLocal},
      {"get", "get [-f] <src> <localDst>", kGetHelp, "f", 2, 2, CopyToLocal},
  };
}

}  // namespace alluxio::cli
