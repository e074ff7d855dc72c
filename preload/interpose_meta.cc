// Interposed metadata calls: the stat family, access, mkdir, unlink, rename,
// attributes, and the calls served paths answer with a fixed errno.
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>

#include "alluxio/path.h"
#include "dispatch.h"

namespace alluxio::preload {
namespace {

static_assert(sizeof(struct stat) == sizeof(struct stat64), "x86_64 stat layouts");
static_assert(sizeof(struct statfs) == sizeof(struct statfs64), "x86_64 statfs layouts");
static_assert(sizeof(struct statvfs) == sizeof(struct statvfs64), "x86_64 statvfs layouts");

int FstatDesc(int fd, Desc& d, struct stat* st) {
  auto a = DescAttr(d);
  if (!a.ok()) return Fail(a.status());
  FillStat(*a, kServedStat, st);
  if (d.backed) {  // the copy holds the current size
    struct stat real_st;
    if (real::fstat(fd, &real_st) == 0) {
      st->st_size = real_st.st_size;
      st->st_blocks = real_st.st_blocks;
    }
  }
  return 0;
}

// fstatat-style: AT_EMPTY_PATH with "" means the descriptor itself.
template <typename RealFn>
int StatAt(int dirfd, const char* path, struct stat* st, int flags, RealFn&& real_call) {
  if (path != nullptr && path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
    if (dirfd == AT_FDCWD) {
      return ByPath(-1, AT_FDCWD, ".", real_call,
                    [&](const Served& w) { return StatServed(w, st); });
    }
    return ByFd(-1, dirfd, real_call, [&](Desc& d) { return FstatDesc(dirfd, d, st); });
  }
  return ByPath(-1, dirfd, path, real_call, [&](const Served& w) { return StatServed(w, st); });
}

// access(2) against the served attributes, for the real or effective ids.
int AccessServed(const Served& w, int mode, bool effective) {
  SHIM_FS_OR_FAIL(fs, -1);
  auto a = fs->GetStatus(w.apath);
  if (!a.ok()) return Fail(a.status());
  if (mode == F_OK) return 0;
  if (mode & ~(R_OK | W_OK | X_OK)) return Fail(EINVAL);
  return CallerMayAccess(*a, mode, effective) ? 0 : Fail(EACCES);
}

int Done(const Status& st) { return st.ok() ? 0 : Fail(st); }

int MkdirServed(const Served& w, mode_t mode) {
  SHIM_FS_OR_FAIL(fs, -1);
  CreateDirectoryOptions o;
  o.mode = mode & ~CurrentUmask() & 07777;
  return Done(fs->CreateDirectory(w.apath, o));
}

int DeleteServed(const Served& w, DeleteOptions::Kind kind) {
  // What the kernel answers for a last component of "." or "..".
  if (w.last_dot) {
    if (kind != DeleteOptions::Kind::kDirectoryOnly) return Fail(EISDIR);
    return Fail(w.last_dot == 1 ? EINVAL : ENOTEMPTY);
  }
  SHIM_FS_OR_FAIL(fs, -1);
  DeleteOptions o;
  o.kind = kind;
  return Done(fs->Delete(w.apath, o));
}

// rename/renameat/renameat2: both served, neither, or EXDEV.
template <typename RealFn>
int RenameAt(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
             unsigned int flags, RealFn&& real_call) {
  if (Bypass()) return real_call();
  return Protect(-1, [&] {
    Served from, to;
    int err = 0;
    Route a = RoutePath(olddirfd, oldpath, &from, &err);
    if (a == Route::kError) return Fail(err);
    Route b = RoutePath(newdirfd, newpath, &to, &err);
    if (b == Route::kError) return Fail(err);
    if (a == Route::kReal && b == Route::kReal) return real_call();
    if (a != b) return Fail(EXDEV);
    if (flags & ~RENAME_NOREPLACE) return Fail(EINVAL);  // RENAME_EXCHANGE, WHITEOUT
    if (from.last_dot || to.last_dot) return Fail(EBUSY);
    if (int e = CheckDirSyntax(from)) return Fail(e);
    if (int e = CheckDirSyntax(to)) return Fail(e);
    Guard guard;
    SHIM_FS_OR_FAIL(fs, -1);
    return Done(fs->Rename(from.apath, to.apath, flags & RENAME_NOREPLACE));
  });
}

int SetAttrServed(const Served& w, const SetAttributeOptions& o) {
  SHIM_FS_OR_FAIL(fs, -1);
  return Done(fs->SetAttribute(w.apath, o));
}

SetAttributeOptions OwnerOptions(uid_t uid, gid_t gid) {
  SetAttributeOptions o;
  if (uid != static_cast<uid_t>(-1)) o.uid = uid;
  if (gid != static_cast<gid_t>(-1)) o.gid = gid;
  return o;
}

SetAttributeOptions ModeOptions(mode_t mode) {
  SetAttributeOptions o;
  o.mode = mode & 07777;
  return o;
}

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// utimensat semantics: null times = now; UTIME_NOW; UTIME_OMIT. Only the
// modification time is kept (access times are not stored).
bool MtimeOptions(const struct timespec* times, SetAttributeOptions* o) {
  if (times == nullptr || times[1].tv_nsec == UTIME_NOW) {
    o->mtime_ns = NowNs();
    return true;
  }
  if (times[1].tv_nsec == UTIME_OMIT) return true;
  if (times[1].tv_nsec < 0 || times[1].tv_nsec >= 1000000000) return false;
  o->mtime_ns = static_cast<int64_t>(times[1].tv_sec) * 1000000000 + times[1].tv_nsec;
  return true;
}

int UtimensServed(const Served& w, const struct timespec* times) {
  SetAttributeOptions o;
  if (!MtimeOptions(times, &o)) return Fail(EINVAL);
  if (!o.mtime_ns) {
    struct stat st;
    return StatServed(w, &st);  // still reports a missing path
  }
  return SetAttrServed(w, o);
}

int UtimesServed(const Served& w, const struct timeval* tv) {
  if (tv == nullptr) return UtimensServed(w, nullptr);
  struct timespec ts[2];
  for (int i = 0; i < 2; ++i) {
    ts[i].tv_sec = tv[i].tv_sec;
    ts[i].tv_nsec = tv[i].tv_usec * 1000;
  }
  return UtimensServed(w, ts);
}

// Served files are never symbolic links.
int ReadlinkServed(const Served& w) {
  struct stat st;
  if (StatServed(w, &st) != 0) return -1;
  return Fail(EINVAL);
}

// Extended attributes are not kept: a clear ENOTSUP once the path exists.
template <typename R>
R XattrServed(const Served& w) {
  struct stat st;
  if (StatServed(w, &st) != 0) return -1;
  errno = ENOTSUP;
  return -1;
}

// symlink, link, mknod and mkfifo cannot be served: EPERM, as filesystems
// without them answer (see docs/SEMANTICS.md).
int UnsupportedCreate(const Served& w) {
  SHIM_FS_OR_FAIL(fs, -1);
  auto a = fs->GetStatus(w.apath);
  if (a.ok()) return Fail(EEXIST);
  return Fail(EPERM);
}

// link/linkat: hard links cannot be served (EPERM); across the boundary
// between served and real paths, EXDEV.
template <typename RealFn>
int LinkAt(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
           RealFn&& real_call) {
  if (Bypass()) return real_call();
  return Protect(-1, [&] {
    Served from, to;
    int err = 0;
    Route a = RoutePath(olddirfd, oldpath, &from, &err);
    Route b = a == Route::kError ? a : RoutePath(newdirfd, newpath, &to, &err);
    if (a == Route::kError || b == Route::kError) return Fail(err);
    if (a == Route::kReal && b == Route::kReal) return real_call();
    if (a != b) return Fail(EXDEV);
    Guard guard;
    struct stat st;
    if (StatServed(from, &st) != 0) return -1;
    return UnsupportedCreate(to);
  });
}

int StatfsServed(const Served& w, struct statfs* sf) {
  SHIM_FS_OR_FAIL(fs, -1);
  auto a = fs->GetStatus(w.apath);
  if (!a.ok()) return Fail(a.status());
  uint64_t total = 0, free = 0;
  (void)fs->GetSpace(w.apath, &total, &free);  // unknown capacity reads as 0
  memset(sf, 0, sizeof(*sf));
  sf->f_type = 0x414c5558;  // "ALUX"
  sf->f_bsize = 4096;
  sf->f_frsize = 4096;
  sf->f_blocks = total / 4096;
  sf->f_bfree = free / 4096;
  sf->f_bavail = free / 4096;
  sf->f_namelen = 255;
  return 0;
}

int StatvfsServed(const Served& w, struct statvfs* sv) {
  struct statfs sf;
  if (StatfsServed(w, &sf) != 0) return -1;
  memset(sv, 0, sizeof(*sv));
  sv->f_bsize = sf.f_bsize;
  sv->f_frsize = sf.f_frsize;
  sv->f_blocks = sf.f_blocks;
  sv->f_bfree = sf.f_bfree;
  sv->f_bavail = sf.f_bavail;
  sv->f_namemax = 255;
  return 0;
}

int FstatfsDesc(Desc& d, struct statfs* sf) { return StatfsServed(d.where, sf); }

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below
using alluxio::DeleteOptions;

// --- stat family ------------------------------------------------------------

SHIM_EXPORT int stat(const char* path, struct stat* st) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::stat(path, st); },
      [&](const Served& w) { return StatServed(w, st); });
}
SHIM_TWIN(stat64, stat);
SHIM_EXPORT int lstat(const char* path, struct stat* st) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::lstat(path, st); },
      [&](const Served& w) { return StatServed(w, st); });
}
SHIM_TWIN(lstat64, lstat);
SHIM_EXPORT int fstat(int fd, struct stat* st) {
  return ByFd(
      -1, fd, [&] { return real::fstat(fd, st); }, [&](Desc& d) { return FstatDesc(fd, d, st); });
}
SHIM_TWIN(fstat64, fstat);
SHIM_EXPORT int fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  return StatAt(dirfd, path, st, flags, [&] { return real::fstatat(dirfd, path, st, flags); });
}
SHIM_TWIN(fstatat64, fstatat);
SHIM_EXPORT int __xstat(int ver, const char* path, struct stat* st) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return SHIM_REAL(__xstat, -1, ver, path, st); },
      [&](const Served& w) { return StatServed(w, st); });
}
SHIM_TWIN(__xstat64, __xstat);
SHIM_EXPORT int __lxstat(int ver, const char* path, struct stat* st) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return SHIM_REAL(__lxstat, -1, ver, path, st); },
      [&](const Served& w) { return StatServed(w, st); });
}
SHIM_TWIN(__lxstat64, __lxstat);
SHIM_EXPORT int __fxstat(int ver, int fd, struct stat* st) {
  return ByFd(
      -1, fd, [&] { return SHIM_REAL(__fxstat, -1, ver, fd, st); },
      [&](Desc& d) { return FstatDesc(fd, d, st); });
}
SHIM_TWIN(__fxstat64, __fxstat);
SHIM_EXPORT int __fxstatat(int ver, int dirfd, const char* path, struct stat* st, int flags) {
  return StatAt(dirfd, path, st, flags,
                [&] { return SHIM_REAL(__fxstatat, -1, ver, dirfd, path, st, flags); });
}
SHIM_TWIN(__fxstatat64, __fxstatat);

SHIM_EXPORT int statx(int dirfd, const char* path, int flags, unsigned int mask, struct statx* sx) {
  auto real_call = [&] { return real::statx(dirfd, path, flags, mask, sx); };
  auto from_attr = [&](const alluxio::Result<alluxio::FileAttr>& a) {
    if (!a.ok()) return Fail(a.status());
    FillStatx(*a, kServedStat, sx);
    return 0;
  };
  if (path != nullptr && path[0] == '\0' && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
    return ByFd(-1, dirfd, real_call, [&](Desc& d) { return from_attr(DescAttr(d)); });
  }
  return ByPath(-1, dirfd, path, real_call, [&](const Served& w) {
    SHIM_FS_OR_FAIL(fs, -1);
    return from_attr(fs->GetStatus(w.apath));
  });
}

// --- access -----------------------------------------------------------------

SHIM_EXPORT int access(const char* path, int mode) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::access(path, mode); },
      [&](const Served& w) { return AccessServed(w, mode, false); });
}
SHIM_EXPORT int faccessat(int dirfd, const char* path, int mode, int flags) {
  return ByPath(
      -1, dirfd, path, [&] { return real::faccessat(dirfd, path, mode, flags); },
      [&](const Served& w) { return AccessServed(w, mode, flags & AT_EACCESS); });
}
SHIM_EXPORT int euidaccess(const char* path, int mode) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::euidaccess(path, mode); },
      [&](const Served& w) { return AccessServed(w, mode, true); });
}
SHIM_EXPORT int eaccess(const char* path, int mode) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::eaccess(path, mode); },
      [&](const Served& w) { return AccessServed(w, mode, true); });
}

// --- create and remove ------------------------------------------------------

SHIM_EXPORT int mkdir(const char* path, mode_t mode) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::mkdir(path, mode); },
      [&](const Served& w) { return MkdirServed(w, mode); });
}
SHIM_EXPORT int mkdirat(int dirfd, const char* path, mode_t mode) {
  return ByPath(
      -1, dirfd, path, [&] { return real::mkdirat(dirfd, path, mode); },
      [&](const Served& w) { return MkdirServed(w, mode); });
}
SHIM_EXPORT int rmdir(const char* path) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::rmdir(path); },
      [&](const Served& w) { return DeleteServed(w, DeleteOptions::Kind::kDirectoryOnly); });
}
SHIM_EXPORT int unlink(const char* path) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::unlink(path); },
      [&](const Served& w) { return DeleteServed(w, DeleteOptions::Kind::kFileOnly); });
}
SHIM_EXPORT int unlinkat(int dirfd, const char* path, int flags) {
  return ByPath(
      -1, dirfd, path, [&] { return real::unlinkat(dirfd, path, flags); },
      [&](const Served& w) {
        if (flags & ~AT_REMOVEDIR) return Fail(EINVAL);
        return DeleteServed(w, (flags & AT_REMOVEDIR) ? DeleteOptions::Kind::kDirectoryOnly
                                                      : DeleteOptions::Kind::kFileOnly);
      });
}
SHIM_EXPORT int rename(const char* oldpath, const char* newpath) {
  return RenameAt(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0,
                  [&] { return real::rename(oldpath, newpath); });
}
SHIM_EXPORT int renameat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath) {
  return RenameAt(olddirfd, oldpath, newdirfd, newpath, 0,
                  [&] { return real::renameat(olddirfd, oldpath, newdirfd, newpath); });
}
SHIM_EXPORT int renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                          unsigned int flags) {
  return RenameAt(olddirfd, oldpath, newdirfd, newpath, flags, [&] {
    return SHIM_REAL(renameat2, -1, olddirfd, oldpath, newdirfd, newpath, flags);
  });
}

// --- attributes -------------------------------------------------------------

SHIM_EXPORT int chmod(const char* path, mode_t mode) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::chmod(path, mode); },
      [&](const Served& w) { return SetAttrServed(w, ModeOptions(mode)); });
}
SHIM_EXPORT int fchmod(int fd, mode_t mode) {
  return ByFd(
      -1, fd, [&] { return real::fchmod(fd, mode); },
      [&](Desc& d) { return SetAttrServed(d.where, ModeOptions(mode)); });
}
SHIM_EXPORT int fchmodat(int dirfd, const char* path, mode_t mode, int flags) {
  return ByPath(
      -1, dirfd, path, [&] { return real::fchmodat(dirfd, path, mode, flags); },
      [&](const Served& w) { return SetAttrServed(w, ModeOptions(mode)); });
}
SHIM_EXPORT int chown(const char* path, uid_t uid, gid_t gid) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::chown(path, uid, gid); },
      [&](const Served& w) { return SetAttrServed(w, OwnerOptions(uid, gid)); });
}
SHIM_EXPORT int lchown(const char* path, uid_t uid, gid_t gid) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::lchown(path, uid, gid); },
      [&](const Served& w) { return SetAttrServed(w, OwnerOptions(uid, gid)); });
}
SHIM_EXPORT int fchown(int fd, uid_t uid, gid_t gid) {
  return ByFd(
      -1, fd, [&] { return real::fchown(fd, uid, gid); },
      [&](Desc& d) { return SetAttrServed(d.where, OwnerOptions(uid, gid)); });
}
SHIM_EXPORT int fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) {
  if (path != nullptr && path[0] == '\0' && (flags & AT_EMPTY_PATH)) return fchown(dirfd, uid, gid);
  return ByPath(
      -1, dirfd, path, [&] { return real::fchownat(dirfd, path, uid, gid, flags); },
      [&](const Served& w) { return SetAttrServed(w, OwnerOptions(uid, gid)); });
}
SHIM_EXPORT int utime(const char* path, const struct utimbuf* times) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::utime(path, times); },
      [&](const Served& w) {
        if (times == nullptr) return UtimensServed(w, nullptr);
        struct timespec ts[2] = {{times->actime, 0}, {times->modtime, 0}};
        return UtimensServed(w, ts);
      });
}
SHIM_EXPORT int utimes(const char* path, const struct timeval tv[2]) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::utimes(path, tv); },
      [&](const Served& w) { return UtimesServed(w, tv); });
}
SHIM_EXPORT int lutimes(const char* path, const struct timeval tv[2]) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::lutimes(path, tv); },
      [&](const Served& w) { return UtimesServed(w, tv); });
}
SHIM_EXPORT int futimes(int fd, const struct timeval tv[2]) {
  return ByFd(
      -1, fd, [&] { return real::futimes(fd, tv); },
      [&](Desc& d) { return UtimesServed(d.where, tv); });
}
SHIM_EXPORT int utimensat(int dirfd, const char* path, const struct timespec times[2], int flags) {
  if (path == nullptr) {  // Linux: the descriptor itself
    return ByFd(
        -1, dirfd, [&] { return real::utimensat(dirfd, path, times, flags); },
        [&](Desc& d) { return UtimensServed(d.where, times); });
  }
  return ByPath(
      -1, dirfd, path, [&] { return real::utimensat(dirfd, path, times, flags); },
      [&](const Served& w) { return UtimensServed(w, times); });
}
SHIM_EXPORT int futimens(int fd, const struct timespec times[2]) {
  return ByFd(
      -1, fd, [&] { return real::futimens(fd, times); },
      [&](Desc& d) { return UtimensServed(d.where, times); });
}
SHIM_EXPORT mode_t umask(mode_t mask) {
  mode_t old = real::umask(mask);
  NoteUmask(mask);
  return old;
}

// --- links, xattrs, special files --------------------------------------------

SHIM_EXPORT ssize_t readlink(const char* path, char* buf, size_t size) {
  return ByPath<ssize_t>(
      -1, AT_FDCWD, path, [&] { return real::readlink(path, buf, size); },
      [&](const Served& w) { return ReadlinkServed(w); });
}
SHIM_EXPORT ssize_t readlinkat(int dirfd, const char* path, char* buf, size_t size) {
  return ByPath<ssize_t>(
      -1, dirfd, path, [&] { return real::readlinkat(dirfd, path, buf, size); },
      [&](const Served& w) { return ReadlinkServed(w); });
}

#define SHIM_PATH_XATTR(name, params, args)                        \
  SHIM_EXPORT ssize_t name(const char* path params) {              \
    return ByPath<ssize_t>(                                        \
        -1, AT_FDCWD, path, [&] { return real::name(path args); }, \
        [&](const Served& w) { return XattrServed<ssize_t>(w); }); \
  }
#define SHIM_FD_XATTR(name, params, args)                        \
  SHIM_EXPORT ssize_t name(int fd params) {                      \
    return ByFd<ssize_t>(                                        \
        -1, fd, [&] { return real::name(fd args); },             \
        [&](Desc& d) { return XattrServed<ssize_t>(d.where); }); \
  }
#define SHIM_COMMA ,
SHIM_PATH_XATTR(getxattr, SHIM_COMMA const char* n SHIM_COMMA void* v SHIM_COMMA size_t s,
                SHIM_COMMA n SHIM_COMMA v SHIM_COMMA s)
SHIM_PATH_XATTR(lgetxattr, SHIM_COMMA const char* n SHIM_COMMA void* v SHIM_COMMA size_t s,
                SHIM_COMMA n SHIM_COMMA v SHIM_COMMA s)
SHIM_FD_XATTR(fgetxattr, SHIM_COMMA const char* n SHIM_COMMA void* v SHIM_COMMA size_t s,
              SHIM_COMMA n SHIM_COMMA v SHIM_COMMA s)
SHIM_PATH_XATTR(listxattr, SHIM_COMMA char* l SHIM_COMMA size_t s, SHIM_COMMA l SHIM_COMMA s)
SHIM_PATH_XATTR(llistxattr, SHIM_COMMA char* l SHIM_COMMA size_t s, SHIM_COMMA l SHIM_COMMA s)
SHIM_FD_XATTR(flistxattr, SHIM_COMMA char* l SHIM_COMMA size_t s, SHIM_COMMA l SHIM_COMMA s)
#undef SHIM_PATH_XATTR
#undef SHIM_FD_XATTR

#define SHIM_PATH_XATTR_SET(name, params, args)                                      \
  SHIM_EXPORT int name(const char* path params) {                                    \
    return ByPath(                                                                   \
        -1, AT_FDCWD, path, [&] { return real::name(path args); },                   \
        [&](const Served& w) { return static_cast<int>(XattrServed<ssize_t>(w)); }); \
  }
#define SHIM_FD_XATTR_SET(name, params, args)                                      \
  SHIM_EXPORT int name(int fd params) {                                            \
    return ByFd(                                                                   \
        -1, fd, [&] { return real::name(fd args); },                               \
        [&](Desc& d) { return static_cast<int>(XattrServed<ssize_t>(d.where)); }); \
  }
SHIM_PATH_XATTR_SET(setxattr,
                    SHIM_COMMA const char* n SHIM_COMMA const void* v SHIM_COMMA size_t s
                        SHIM_COMMA int f,
                    SHIM_COMMA n SHIM_COMMA v SHIM_COMMA s SHIM_COMMA f)
SHIM_PATH_XATTR_SET(lsetxattr,
                    SHIM_COMMA const char* n SHIM_COMMA const void* v SHIM_COMMA size_t s
                        SHIM_COMMA int f,
                    SHIM_COMMA n SHIM_COMMA v SHIM_COMMA s SHIM_COMMA f)
SHIM_FD_XATTR_SET(fsetxattr,
                  SHIM_COMMA const char* n SHIM_COMMA const void* v SHIM_COMMA size_t s
                      SHIM_COMMA int f,
                  SHIM_COMMA n SHIM_COMMA v SHIM_COMMA s SHIM_COMMA f)
SHIM_PATH_XATTR_SET(removexattr, SHIM_COMMA const char* n, SHIM_COMMA n)
SHIM_PATH_XATTR_SET(lremovexattr, SHIM_COMMA const char* n, SHIM_COMMA n)
SHIM_FD_XATTR_SET(fremovexattr, SHIM_COMMA const char* n, SHIM_COMMA n)
#undef SHIM_PATH_XATTR_SET
#undef SHIM_FD_XATTR_SET
#undef SHIM_COMMA

SHIM_EXPORT int symlink(const char* target, const char* linkpath) {
  return ByPath(
      -1, AT_FDCWD, linkpath, [&] { return real::symlink(target, linkpath); }, UnsupportedCreate);
}
SHIM_EXPORT int symlinkat(const char* target, int dirfd, const char* linkpath) {
  return ByPath(
      -1, dirfd, linkpath, [&] { return real::symlinkat(target, dirfd, linkpath); },
      UnsupportedCreate);
}
SHIM_EXPORT int link(const char* oldpath, const char* newpath) {
  return LinkAt(AT_FDCWD, oldpath, AT_FDCWD, newpath, [&] { return real::link(oldpath, newpath); });
}
SHIM_EXPORT int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                       int flags) {
  return LinkAt(olddirfd, oldpath, newdirfd, newpath,
                [&] { return real::linkat(olddirfd, oldpath, newdirfd, newpath, flags); });
}
SHIM_EXPORT int mknod(const char* path, mode_t mode, dev_t dev) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::mknod(path, mode, dev); },
      [&](const Served& w) {
        // A regular file is what open(O_CREAT) makes; other kinds cannot be.
        if (S_ISREG(mode) || (mode & S_IFMT) == 0) {
          int fd = OpenServed(w, O_CREAT | O_EXCL | O_WRONLY, mode & 07777);
          return fd < 0 ? -1 : CloseServedFd(fd);
        }
        return UnsupportedCreate(w);
      });
}
SHIM_EXPORT int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) {
  return ByPath(
      -1, dirfd, path, [&] { return real::mknodat(dirfd, path, mode, dev); },
      [&](const Served& w) {
        if (S_ISREG(mode) || (mode & S_IFMT) == 0) {
          int fd = OpenServed(w, O_CREAT | O_EXCL | O_WRONLY, mode & 07777);
          return fd < 0 ? -1 : CloseServedFd(fd);
        }
        return UnsupportedCreate(w);
      });
}
SHIM_EXPORT int mkfifo(const char* path, mode_t mode) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::mkfifo(path, mode); }, UnsupportedCreate);
}
SHIM_EXPORT int mkfifoat(int dirfd, const char* path, mode_t mode) {
  return ByPath(
      -1, dirfd, path, [&] { return real::mkfifoat(dirfd, path, mode); }, UnsupportedCreate);
}

// --- filesystem statistics --------------------------------------------------

SHIM_EXPORT int statfs(const char* path, struct statfs* sf) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::statfs(path, sf); },
      [&](const Served& w) { return StatfsServed(w, sf); });
}
SHIM_TWIN(statfs64, statfs);
SHIM_EXPORT int fstatfs(int fd, struct statfs* sf) {
  return ByFd(
      -1, fd, [&] { return real::fstatfs(fd, sf); }, [&](Desc& d) { return FstatfsDesc(d, sf); });
}
SHIM_TWIN(fstatfs64, fstatfs);
SHIM_EXPORT int statvfs(const char* path, struct statvfs* sv) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::statvfs(path, sv); },
      [&](const Served& w) { return StatvfsServed(w, sv); });
}
SHIM_TWIN(statvfs64, statvfs);
SHIM_EXPORT int fstatvfs(int fd, struct statvfs* sv) {
  return ByFd(
      -1, fd, [&] { return real::fstatvfs(fd, sv); },
      [&](Desc& d) { return StatvfsServed(d.where, sv); });
}
SHIM_TWIN(fstatvfs64, fstatvfs);
