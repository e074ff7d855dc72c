// The real libc entry points, found with dlsym(RTLD_NEXT) for every symbol
// in symbols.inc. Call them as real::open(...). Resolved all at once, either
// by the constructor or by the first interposed call that runs before it.
#ifndef ALLUXIO_PRELOAD_REAL_H_
#define ALLUXIO_PRELOAD_REAL_H_

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

// Symbols glibc exports but no longer (or only when fortifying) declares.
extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __pread_chk(int fd, void* buf, size_t nbytes, off_t offset, size_t buflen);
ssize_t __pread64_chk(int fd, void* buf, size_t nbytes, off64_t offset, size_t buflen);
int __xstat(int ver, const char* path, struct stat* buf);
int __xstat64(int ver, const char* path, struct stat64* buf);
int __lxstat(int ver, const char* path, struct stat* buf);
int __lxstat64(int ver, const char* path, struct stat64* buf);
int __fxstat(int ver, int fd, struct stat* buf);
int __fxstat64(int ver, int fd, struct stat64* buf);
int __fxstatat(int ver, int dirfd, const char* path, struct stat* buf, int flags);
int __fxstatat64(int ver, int dirfd, const char* path, struct stat64* buf, int flags);
int close_range(unsigned int first, unsigned int last, int flags) noexcept;
int fcntl64(int fd, int cmd, ...);
}

// readdir_r is deprecated but still exported, and programs still call it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// glibc declares these with nonnull/unused-result attributes that a function
// pointer type cannot carry.
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace alluxio::preload::real {

void* Lookup(const char* name);  // dlsym(RTLD_NEXT, name)

// A real entry point, resolved on first call: other libraries' constructors
// may call interposed functions before the shim's own constructor runs.
template <typename Fn>
struct Lazy;

template <typename R, typename... A>
struct Lazy<R (*)(A...)> {
  const char* name;
  R (*ptr)(A...);
  R operator()(A... a) { return Get()(a...); }
  explicit operator bool() { return Get() != nullptr; }
  R (*Get())(A...) {
    if (ptr == nullptr) ptr = reinterpret_cast<R (*)(A...)>(Lookup(name));
    return ptr;
  }
};

template <typename R, typename... A>
struct Lazy<R (*)(A..., ...)> {
  const char* name;
  R (*ptr)(A..., ...);
  template <typename... V>
  R operator()(A... a, V... v) {
    return Get()(a..., v...);
  }
  explicit operator bool() { return Get() != nullptr; }
  R (*Get())(A..., ...) {
    if (ptr == nullptr) ptr = reinterpret_cast<R (*)(A..., ...)>(Lookup(name));
    return ptr;
  }
};

template <typename R, typename... A>
struct Lazy<R (*)(A...) noexcept> : Lazy<R (*)(A...)> {};

template <typename R, typename... A>
struct Lazy<R (*)(A..., ...) noexcept> : Lazy<R (*)(A..., ...)> {};

#define ALLUXIO_SYM(sym) extern Lazy<decltype(&::sym)> sym;
#define ALLUXIO_EXPORT(sym)
#define ALLUXIO_TWIN(twin, plain) ALLUXIO_SYM(twin)
#include "symbols.inc"
#undef ALLUXIO_TWIN
#undef ALLUXIO_EXPORT
#undef ALLUXIO_SYM

// Resolves every entry point now (the constructor calls it).
void ResolveAll();

}  // namespace alluxio::preload::real

#endif  // ALLUXIO_PRELOAD_REAL_H_
