// Interposed stdio openers. glibc's fopen opens files with internal calls
// the shim cannot see, so served paths get a real FILE* built with
// fopencookie over a served descriptor; fileno() on it answers that fd.
#include <stdio.h>
#include <string.h>

#include "dispatch.h"

namespace alluxio::preload {
namespace {

// The cookie is the served fd itself.
ssize_t CookieRead(void* cookie, char* buf, size_t n) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(cookie));
  auto d = Fds().Get(fd);
  if (d == nullptr) return Fail(EBADF);
  Guard guard;
  return Protect<ssize_t>(-1, [&] { return ReadDesc(fd, *d, buf, n, -1); });
}

ssize_t CookieWrite(void* cookie, const char* buf, size_t n) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(cookie));
  auto d = Fds().Get(fd);
  if (d == nullptr) return Fail(EBADF);
  Guard guard;
  // stdio treats a short count as an error; a served write is all or error.
  ssize_t w = Protect<ssize_t>(-1, [&] { return WriteDesc(fd, *d, buf, n, -1); });
  return w < 0 ? 0 : w;
}

int CookieSeek(void* cookie, off64_t* pos, int whence) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(cookie));
  auto d = Fds().Get(fd);
  if (d == nullptr) return Fail(EBADF);
  Guard guard;
  off_t r = Protect<off_t>(-1, [&] { return SeekDesc(fd, *d, *pos, whence); });
  if (r < 0) return -1;
  *pos = r;
  return 0;
}

int CookieClose(void* cookie) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(cookie));
  return Protect(-1, [&] { return CloseServedFd(fd); });
}

// fopen mode -> open flags; false for a malformed mode.
bool ModeToFlags(const char* mode, int* flags) {
  int f;
  switch (mode[0]) {
    case 'r': f = O_RDONLY; break;
    case 'w': f = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': f = O_WRONLY | O_CREAT | O_APPEND; break;
    default: return false;
  }
  for (const char* c = mode + 1; *c && *c != ','; ++c) {
    if (*c == '+') f = (f & ~O_ACCMODE) | O_RDWR;
    else if (*c == 'x') f |= O_EXCL;
    else if (*c == 'e') f |= O_CLOEXEC;
  }
  *flags = f;
  return true;
}

FILE* WrapFd(int fd, const char* mode) {
  cookie_io_functions_t io = {CookieRead, CookieWrite, CookieSeek, CookieClose};
  FILE* fp = fopencookie(reinterpret_cast<void*>(static_cast<intptr_t>(fd)), mode, io);
  if (fp == nullptr) return nullptr;
  // glibc keeps a cookie stream's descriptor at -2 and never uses it for
  // I/O; storing the served fd makes fileno() answer it.
  fp->_fileno = fd;
  return fp;
}

FILE* FopenServed(const Served& w, const char* mode) {
  int flags;
  if (mode == nullptr || !ModeToFlags(mode, &flags)) return (errno = EINVAL, nullptr);
  int fd = OpenServed(w, flags, 0666);
  if (fd < 0) return nullptr;
  FILE* fp = WrapFd(fd, mode);
  if (fp == nullptr) {
    int err = errno;
    CloseServedFd(fd);
    errno = err;
  }
  return fp;
}

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below
using alluxio::FileSystem;
using alluxio::Status;

SHIM_EXPORT FILE* fopen(const char* path, const char* mode) {
  return ByPath<FILE*>(nullptr, AT_FDCWD, path, [&] { return real::fopen(path, mode); },
                       [&](const Served& w) { return FopenServed(w, mode); });
}

SHIM_EXPORT FILE* fopen64(const char* path, const char* mode) {
  return ByPath<FILE*>(nullptr, AT_FDCWD, path, [&] { return real::fopen64(path, mode); },
                       [&](const Served& w) { return FopenServed(w, mode); });
}

SHIM_EXPORT FILE* fdopen(int fd, const char* mode) {
  return ByFd<FILE*>(nullptr, fd, [&] { return real::fdopen(fd, mode); },
                     [&](Desc& d) -> FILE* {
                       int flags;
                       if (mode == nullptr || !ModeToFlags(mode, &flags)) {
                         return (errno = EINVAL, nullptr);
                       }
                       if (d.is_dir && (flags & O_ACCMODE) != O_RDONLY) {
                         return (errno = EISDIR, nullptr);
                       }
                       return WrapFd(fd, mode);
                     });
}
