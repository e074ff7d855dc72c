// Interposed directory streams, the working directory and realpath.
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "alluxio/path.h"
#include "dispatch.h"

namespace alluxio::preload {
namespace {

static_assert(sizeof(struct dirent) == sizeof(struct dirent64), "x86_64 dirent layouts");

// Our DIR: programs treat DIR* as opaque, so a served stream is this struct
// behind the pointer, told apart from glibc's by the magic in front (glibc's
// DIR starts with its fd and an unlocked lock: never this value).
constexpr uint64_t kDirMagic = 0xa11d1a0f00dd1e55ull;

struct ShimDir {
  uint64_t magic = kDirMagic;
  int fd = -1;
  std::shared_ptr<Desc> desc;
  struct dirent64 ent;
};

ShimDir* AsShim(DIR* dir) {
  if (dir == nullptr || !g_active) return nullptr;
  auto* sd = reinterpret_cast<ShimDir*>(dir);
  return sd->magic == kDirMagic ? sd : nullptr;
}

// Loads the listing on first use; "." and ".." come first as from the kernel.
Status EnsureListed(Desc& d) {
  if (d.listed) return Status::OK();
  int err = 0;
  FileSystem* fs = Fs(&err);
  if (fs == nullptr) return Status::FromErrno(err, "alluxio client");
  auto list = fs->ListStatus(d.where.apath);
  if (!list.ok()) return list.status();
  d.entries.clear();
  d.entries.reserve(list->size() + 2);
  FileAttr dot;
  dot.is_dir = true;
  dot.ino = PathHash(d.where.apath);
  d.entries.push_back(FileInfo{".", dot});
  FileAttr dotdot = dot;
  dotdot.ino = PathHash(std::string(ParentPath(d.where.apath)));
  d.entries.push_back(FileInfo{"..", dotdot});
  for (auto& e : *list) d.entries.push_back(std::move(e));
  d.listed = true;
  return Status::OK();
}

// The next entry into `out`; false at the end (or on error, with errno).
bool NextEntry(ShimDir* sd, struct dirent64* out) {
  Desc& d = *sd->desc;
  std::lock_guard<std::mutex> lock(d.mu);
  Status st = EnsureListed(d);
  if (!st.ok()) {
    errno = st.ToErrno();
    return false;
  }
  if (d.pos >= d.entries.size()) return false;
  const FileInfo& e = d.entries[d.pos++];
  memset(out, 0, offsetof(struct dirent64, d_name));
  out->d_ino = e.attr.ino;
  out->d_off = static_cast<off64_t>(d.pos);
  out->d_reclen = sizeof(struct dirent64);
  out->d_type = e.attr.is_dir ? DT_DIR : DT_REG;
  size_t n = std::min(e.name.size(), sizeof(out->d_name) - 1);
  memcpy(out->d_name, e.name.data(), n);
  out->d_name[n] = '\0';
  return true;
}

DIR* OpenDirServed(const Served& w) {
  int fd = OpenServed(w, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  auto* sd = new ShimDir();
  sd->fd = fd;
  sd->desc = Fds().Get(fd);
  return reinterpret_cast<DIR*>(sd);
}

template <typename Dirent, typename RealFn>
int ScanDir(int dirfd, const char* path, Dirent*** namelist, int (*filter)(const Dirent*),
            int (*compar)(const Dirent**, const Dirent**), RealFn&& real_call) {
  return ByPath(-1, dirfd, path, real_call, [&](const Served& w) {
    DIR* dir = OpenDirServed(w);
    if (dir == nullptr) return -1;
    ShimDir* sd = reinterpret_cast<ShimDir*>(dir);
    std::vector<Dirent*> out;
    struct dirent64 ent;
    errno = 0;
    while (NextEntry(sd, &ent)) {
      const Dirent* e = reinterpret_cast<const Dirent*>(&ent);
      if (filter != nullptr && !filter(e)) continue;
      auto* copy = static_cast<Dirent*>(malloc(sizeof(Dirent)));
      if (copy == nullptr) break;
      memcpy(copy, e, sizeof(Dirent));
      out.push_back(copy);
    }
    int err = errno;
    CloseServedFd(sd->fd);
    delete sd;
    if (err != 0) {
      for (auto* e : out) free(e);
      return Fail(err);
    }
    if (compar != nullptr) {
      qsort(out.data(), out.size(), sizeof(Dirent*),
            reinterpret_cast<int (*)(const void*, const void*)>(compar));
    }
    auto** list = static_cast<Dirent**>(malloc(sizeof(Dirent*) * (out.size() + 1)));
    if (list == nullptr) {
      for (auto* e : out) free(e);
      return Fail(ENOMEM);
    }
    std::copy(out.begin(), out.end(), list);
    *namelist = list;
    return static_cast<int>(out.size());
  });
}

int ChdirServed(const Served& w, const char* path) {
  struct stat st;
  if (StatServed(w, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) return Fail(ENOTDIR);
  // When the prefix is also a real directory (a FUSE mount of the same
  // namespace), move the kernel's cwd too, so children inherit it.
  if (path != nullptr && real::chdir(path) == 0) NoteRealCwd();
  SetServedCwd(&w);
  return 0;
}

char* CopyOut(const std::string& s, char* buf, size_t size, bool allocate_exact) {
  if (buf == nullptr) {
    size_t n = allocate_exact || size == 0 ? s.size() + 1 : size;
    if (n < s.size() + 1) return (errno = ERANGE, nullptr);
    buf = static_cast<char*>(malloc(n));
    if (buf == nullptr) return (errno = ENOMEM, nullptr);
  } else if (size < s.size() + 1) {
    errno = ERANGE;
    return nullptr;
  }
  memcpy(buf, s.c_str(), s.size() + 1);
  return buf;
}

char* RealpathServed(const Served& w, char* resolved) {
  struct stat st;
  if (StatServed(w, &st) != 0) return nullptr;
  if (w.lpath.size() >= PATH_MAX) return (errno = ENAMETOOLONG, nullptr);
  return CopyOut(w.lpath, resolved, resolved ? PATH_MAX : 0, true);
}

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below

SHIM_EXPORT DIR* opendir(const char* path) {
  return ByPath<DIR*>(
      nullptr, AT_FDCWD, path, [&] { return real::opendir(path); },
      [&](const Served& w) { return OpenDirServed(w); });
}

SHIM_EXPORT DIR* fdopendir(int fd) {
  return ByFd<DIR*>(
      nullptr, fd, [&] { return real::fdopendir(fd); },
      [&](Desc& d) -> DIR* {
        if (!d.is_dir) return (errno = ENOTDIR, nullptr);
        auto* sd = new ShimDir();
        sd->fd = fd;
        sd->desc = Fds().Get(fd);
        return reinterpret_cast<DIR*>(sd);
      });
}

SHIM_EXPORT struct dirent* readdir(DIR* dir) {
  ShimDir* sd = AsShim(dir);
  if (sd == nullptr) return real::readdir(dir);
  Guard guard;
  return Protect<struct dirent*>(
      nullptr, [&]() -> struct dirent* {
        return NextEntry(sd, &sd->ent) ? reinterpret_cast<struct dirent*>(&sd->ent) : nullptr;
      });
}
SHIM_TWIN(readdir64, readdir);

SHIM_EXPORT int readdir_r(DIR* dir, struct dirent* entry, struct dirent** result) {
  ShimDir* sd = AsShim(dir);
  if (sd == nullptr) return real::readdir_r(dir, entry, result);
  Guard guard;
  int saved = errno;
  errno = 0;
  auto* entry64 = reinterpret_cast<struct dirent64*>(entry);
  bool got = Protect<bool>(false, [&] { return NextEntry(sd, entry64); });
  int err = errno;
  errno = saved;
  *result = got ? entry : nullptr;
  return got ? 0 : err;
}
SHIM_TWIN(readdir64_r, readdir_r);

SHIM_EXPORT int closedir(DIR* dir) {
  ShimDir* sd = AsShim(dir);
  if (sd == nullptr) return real::closedir(dir);
  int fd = sd->fd;
  sd->magic = 0;
  delete sd;
  return Protect(-1, [&] { return CloseServedFd(fd); });
}

SHIM_EXPORT void rewinddir(DIR* dir) {
  ShimDir* sd = AsShim(dir);
  if (sd == nullptr) return real::rewinddir(dir);
  std::lock_guard<std::mutex> lock(sd->desc->mu);
  sd->desc->pos = 0;
  sd->desc->listed = false;  // the next read sees changes, as POSIX asks
}

SHIM_EXPORT void seekdir(DIR* dir, long loc) {
  ShimDir* sd = AsShim(dir);
  if (sd == nullptr) return real::seekdir(dir, loc);
  std::lock_guard<std::mutex> lock(sd->desc->mu);
  sd->desc->pos = loc < 0 ? 0 : static_cast<size_t>(loc);
}

SHIM_EXPORT long telldir(DIR* dir) {
  ShimDir* sd = AsShim(dir);
  if (sd == nullptr) return real::telldir(dir);
  std::lock_guard<std::mutex> lock(sd->desc->mu);
  return static_cast<long>(sd->desc->pos);
}

SHIM_EXPORT int dirfd(DIR* dir) {
  ShimDir* sd = AsShim(dir);
  return sd == nullptr ? real::dirfd(dir) : sd->fd;
}

SHIM_EXPORT int scandir(const char* path, struct dirent*** namelist,
                        int (*filter)(const struct dirent*),
                        int (*compar)(const struct dirent**, const struct dirent**)) {
  return ScanDir<struct dirent>(AT_FDCWD, path, namelist, filter, compar,
                                [&] { return real::scandir(path, namelist, filter, compar); });
}
SHIM_TWIN(scandir64, scandir);

SHIM_EXPORT int scandirat(int dirfd, const char* path, struct dirent*** namelist,
                          int (*filter)(const struct dirent*),
                          int (*compar)(const struct dirent**, const struct dirent**)) {
  return ScanDir<struct dirent>(dirfd, path, namelist, filter, compar, [&] {
    return real::scandirat(dirfd, path, namelist, filter, compar);
  });
}
SHIM_TWIN(scandirat64, scandirat);

// --- working directory ------------------------------------------------------

SHIM_EXPORT int chdir(const char* path) {
  if (Bypass()) return real::chdir(path);
  return ByPath(
      -1, AT_FDCWD, path,
      [&] {
        int rc = real::chdir(path);
        if (rc == 0) NoteRealCwd();
        return rc;
      },
      [&](const Served& w) { return ChdirServed(w, path); });
}

SHIM_EXPORT int fchdir(int fd) {
  if (Bypass()) return real::fchdir(fd);
  return ByFd(
      -1, fd,
      [&] {
        int rc = real::fchdir(fd);
        if (rc == 0) NoteRealCwd();
        return rc;
      },
      [&](Desc& d) {
        if (!d.is_dir) return Fail(ENOTDIR);
        return ChdirServed(d.where, d.where.lpath.c_str());
      });
}

SHIM_EXPORT char* getcwd(char* buf, size_t size) {
  if (Bypass()) return real::getcwd(buf, size);
  return Protect<char*>(nullptr, [&]() -> char* {
    std::string cwd = ServedCwd();
    if (cwd.empty()) return real::getcwd(buf, size);
    if (buf != nullptr && size == 0) return (errno = EINVAL, nullptr);
    return CopyOut(cwd, buf, size, false);
  });
}

SHIM_EXPORT char* realpath(const char* path, char* resolved) {
  if (path == nullptr) return real::realpath(path, resolved);
  return ByPath<char*>(
      nullptr, AT_FDCWD, path, [&] { return real::realpath(path, resolved); },
      [&](const Served& w) { return RealpathServed(w, resolved); });
}

SHIM_EXPORT char* canonicalize_file_name(const char* path) {
  return ByPath<char*>(
      nullptr, AT_FDCWD, path, [&] { return real::canonicalize_file_name(path); },
      [&](const Served& w) { return RealpathServed(w, nullptr); });
}
