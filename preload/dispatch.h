// The two shapes every interposed call takes: by path (routed through the
// prefixes) or by descriptor (looked up in the fd table). Each falls back to
// the real libc call when the shim does not serve the argument, and runs the
// served branch under the recursion guard with every exception caught.
#ifndef ALLUXIO_PRELOAD_DISPATCH_H_
#define ALLUXIO_PRELOAD_DISPATCH_H_

#include "shim.h"

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

// Exports `twin` as another name of the function `plain` defined just above
// it in the same file, for the pairs that symbols.inc lists as
// ALLUXIO_TWIN(twin, plain): the `*64` names whose plain twin is the same
// function in x86_64 glibc (open64 and open share one address there, and
// exports_test.sh checks that both there and here). A twin's real call is
// then its plain twin's (real::open for open64), the very function glibc
// would run; real::open64 is still resolved by its own name for code that
// calls it. `copy` gives the alias the target's attributes (nothrow, ...),
// as GCC asks of an alias; clang, which only parses this code for
// clang-tidy, lacks it.
#if defined(__has_attribute) && __has_attribute(copy)
#define SHIM_TWIN_ATTRS(plain) alias(#plain), copy(plain)
#else
#define SHIM_TWIN_ATTRS(plain) alias(#plain)
#endif
#define SHIM_TWIN(twin, plain) \
  extern "C" __attribute__((visibility("default"), SHIM_TWIN_ATTRS(plain))) decltype(::twin) twin

namespace alluxio::preload {

// R is the call's return type; `fail` what it returns on error (-1 or NULL).
template <typename R, typename RealFn, typename ServedFn>
R ByPath(R fail, int dirfd, const char* path, RealFn&& real_call, ServedFn&& served_call) {
  if (Bypass()) return real_call();
  return Protect(fail, [&]() -> R {
    Served w;
    int err = 0;
    switch (RoutePath(dirfd, path, &w, &err)) {
      case Route::kReal:
        return real_call();
      case Route::kError:
        errno = err;
        return fail;
      case Route::kServed:
        break;
    }
    if (int e = CheckDirSyntax(w)) {
      errno = e;
      return fail;
    }
    Guard guard;
    return served_call(w);
  });
}

// For the open family: the real call, with the client's own fds moved up.
template <typename RealFn, typename ServedFn>
int OpenByPath(int dirfd, const char* path, RealFn&& real_call, ServedFn&& served_call) {
  if (t_in_shim) return MoveInternalFd(real_call());
  int fd = ByPath(-1, dirfd, path, real_call, served_call);
  if (fd >= 0 && !Bypass() && !Fds().IsServed(fd)) NoteRealOpen(dirfd, path, fd);
  return fd;
}

template <typename R, typename RealFn, typename ServedFn>
R ByFd(R fail, int fd, RealFn&& real_call, ServedFn&& served_call) {
  if (Bypass() || !Fds().IsServed(fd)) return real_call();
  return Protect(fail, [&]() -> R {
    std::shared_ptr<Desc> d = Fds().Get(fd);
    if (d == nullptr) return real_call();
    Guard guard;
    return served_call(*d);
  });
}

// The client or errno; for use inside served branches.
#define SHIM_FS_OR_FAIL(fs, fail)            \
  int fs##_err = 0;                          \
  ::alluxio::FileSystem* fs = Fs(&fs##_err); \
  if (fs == nullptr) {                       \
    errno = fs##_err;                        \
    return fail;                             \
  }

// Calls a real libc function that may be missing from this libc.
#define SHIM_REAL(name, fail, ...) (real::name ? real::name(__VA_ARGS__) : (errno = ENOSYS, fail))

// Served-file I/O shared by the interposed calls.
// `fd` is the descriptor the call came through (backed descriptions do their
// I/O on it); pos < 0 means the file offset.
ssize_t ReadDesc(int fd, Desc& d, void* buf, size_t n, off_t pos);
ssize_t WriteDesc(int fd, Desc& d, const void* buf, size_t n, off_t pos);
off_t SeekDesc(int fd, Desc& d, off_t off, int whence);

}  // namespace alluxio::preload

#endif  // ALLUXIO_PRELOAD_DISPATCH_H_
