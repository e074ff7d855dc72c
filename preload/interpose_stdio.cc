// Interposed stdio openers. glibc's fopen opens files with internal calls
// the shim cannot see, so served paths get a real FILE* built with
// fopencookie over a served descriptor; fileno() on it answers that fd.
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include <map>

#include "dispatch.h"

namespace alluxio::preload {
namespace {

// The cookie of a served stream: its descriptor, which freopen may change.
struct Cookie {
  int fd;
};

// The streams built here, so freopen can tell them from glibc's own.
std::mutex g_cookies_mu;  // guards g_cookies
std::map<FILE*, Cookie*>* g_cookies = nullptr;

ssize_t CookieRead(void* cookie, char* buf, size_t n) {
  int fd = static_cast<Cookie*>(cookie)->fd;
  auto d = Fds().Get(fd);
  if (d == nullptr) return Fail(EBADF);
  Guard guard;
  return Protect<ssize_t>(-1, [&] { return ReadDesc(fd, *d, buf, n, -1); });
}

ssize_t CookieWrite(void* cookie, const char* buf, size_t n) {
  int fd = static_cast<Cookie*>(cookie)->fd;
  auto d = Fds().Get(fd);
  if (d == nullptr) return Fail(EBADF);
  Guard guard;
  // stdio treats a short count as an error; a served write is all or error.
  ssize_t w = Protect<ssize_t>(-1, [&] { return WriteDesc(fd, *d, buf, n, -1); });
  return w < 0 ? 0 : w;
}

int CookieSeek(void* cookie, off64_t* pos, int whence) {
  int fd = static_cast<Cookie*>(cookie)->fd;
  auto d = Fds().Get(fd);
  if (d == nullptr) return Fail(EBADF);
  Guard guard;
  off_t r = Protect<off_t>(-1, [&] { return SeekDesc(fd, *d, *pos, whence); });
  if (r < 0) return -1;
  *pos = r;
  return 0;
}

int CookieClose(void* cookie) {
  auto* c = static_cast<Cookie*>(cookie);
  {
    std::lock_guard<std::mutex> lock(g_cookies_mu);
    for (auto it = g_cookies->begin(); it != g_cookies->end(); ++it) {
      if (it->second == c) {
        g_cookies->erase(it);
        break;
      }
    }
  }
  int fd = c->fd;
  delete c;
  return Protect(-1, [&] { return CloseServedFd(fd); });
}

Cookie* CookieOf(FILE* fp) {
  std::lock_guard<std::mutex> lock(g_cookies_mu);
  if (g_cookies == nullptr) return nullptr;
  auto it = g_cookies->find(fp);
  return it == g_cookies->end() ? nullptr : it->second;
}

// fopen mode -> open flags; false for a malformed mode.
bool ModeToFlags(const char* mode, int* flags) {
  int f;
  switch (mode[0]) {
    case 'r':
      f = O_RDONLY;
      break;
    case 'w':
      f = O_WRONLY | O_CREAT | O_TRUNC;
      break;
    case 'a':
      f = O_WRONLY | O_CREAT | O_APPEND;
      break;
    default:
      return false;
  }
  for (const char* c = mode + 1; *c && *c != ','; ++c) {
    if (*c == '+')
      f = (f & ~O_ACCMODE) | O_RDWR;
    else if (*c == 'x')
      f |= O_EXCL;
    else if (*c == 'e')
      f |= O_CLOEXEC;
  }
  *flags = f;
  return true;
}

FILE* WrapFd(int fd, const char* mode) {
  cookie_io_functions_t io = {CookieRead, CookieWrite, CookieSeek, CookieClose};
  auto* cookie = new Cookie{fd};
  FILE* fp = fopencookie(cookie, mode, io);
  if (fp == nullptr) {
    delete cookie;
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(g_cookies_mu);
    if (g_cookies == nullptr) g_cookies = new std::map<FILE*, Cookie*>();
    (*g_cookies)[fp] = cookie;
  }
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

// Streams freopen'ed onto served files: glibc keeps the FILE (and for
// stdin/stdout/stderr its descriptor number) but reopens it with internal
// calls, so it is reopened onto a real copy of the file (/proc/self/fd of a
// backed served fd), and the served fd behind it is closed (committed) by
// fclose or at exit.
std::mutex g_reopened_mu;  // guards g_reopened
std::map<FILE*, int>* g_reopened = nullptr;
std::atomic<int> g_reopened_count{0};

int TakeReopened(FILE* fp) {
  std::lock_guard<std::mutex> lock(g_reopened_mu);
  if (g_reopened == nullptr) return -1;
  auto it = g_reopened->find(fp);
  if (it == g_reopened->end()) return -1;
  int fd = it->second;
  g_reopened->erase(it);
  g_reopened_count.fetch_sub(1);
  return fd;
}

// glibc's stream flags (libio.h) that say what a stream may do.
constexpr int kNoReads = 0x0004, kNoWrites = 0x0008, kAppending = 0x1000;

// A stream built here is pointed at the new file in place: glibc's freopen
// would reopen it as a plain file and lose the cookie.
FILE* ReopenCookie(Cookie* cookie, const Served& w, int flags, FILE* fp) {
  fflush(fp);
  __fpurge(fp);
  clearerr(fp);
  int old = cookie->fd;
  int fd = OpenServed(w, flags, 0666);
  if (fd < 0) {
    int err = errno;
    fclose(fp);  // freopen closes the stream when it fails
    return (errno = err, nullptr);
  }
  cookie->fd = fd;
  fp->_fileno = fd;
  fp->_flags &= ~(kNoReads | kNoWrites | kAppending);
  if ((flags & O_ACCMODE) == O_RDONLY) fp->_flags |= kNoWrites;
  if ((flags & O_ACCMODE) == O_WRONLY) fp->_flags |= kNoReads;
  if (flags & O_APPEND) fp->_flags |= kAppending;
  (void)CloseServedFd(old);
  return fp;
}

FILE* FreopenServed(const Served& w, const char* mode, FILE* fp) {
  int flags;
  if (mode == nullptr || !ModeToFlags(mode, &flags)) return (errno = EINVAL, nullptr);
  if (Cookie* cookie = CookieOf(fp)) return ReopenCookie(cookie, w, flags, fp);
  fflush(fp);
  int fd = OpenServed(w, flags, 0666);
  std::shared_ptr<Desc> d = fd < 0 ? nullptr : Fds().Get(fd);
  Status st = d ? MakeBacked(*d) : Status::FromErrno(errno, "open " + w.lpath);
  if (!st.ok()) {
    if (fd >= 0) CloseServedFd(fd);
    real::fclose(fp);  // freopen closes the stream when it fails
    return (errno = st.ToErrno(), nullptr);
  }
  // Created (and truncated) already: reopen the copy without O_EXCL.
  std::string m;
  for (const char* c = mode; *c && *c != ','; ++c) {
    if (*c != 'x') m += *c;
  }
  int old = TakeReopened(fp);
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  FILE* r = real::freopen(proc.c_str(), m.c_str(), fp);
  int err = errno;
  if (old >= 0) CloseServedFd(old);
  if (r == nullptr) {
    CloseServedFd(fd);
    return (errno = err, nullptr);
  }
  // glibc keeps the stream's descriptor number by replacing it behind our
  // back; a served description registered there is gone.
  int nfd = fileno(r);
  if (nfd != fd && Fds().IsServed(nfd)) (void)ReleaseDesc(Fds().Remove(nfd));
  std::lock_guard<std::mutex> lock(g_reopened_mu);
  if (g_reopened == nullptr) g_reopened = new std::map<FILE*, int>();
  (*g_reopened)[r] = fd;
  g_reopened_count.fetch_add(1);
  return r;
}

// fdopen refuses a mode the descriptor's access mode cannot serve.
bool ModeFits(int desc_flags, int mode_flags) {
  int have = desc_flags & O_ACCMODE, want = mode_flags & O_ACCMODE;
  if (have == O_RDWR) return true;
  return have == want;
}

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below

SHIM_EXPORT FILE* fopen(const char* path, const char* mode) {
  return ByPath<FILE*>(
      nullptr, AT_FDCWD, path, [&] { return real::fopen(path, mode); },
      [&](const Served& w) { return FopenServed(w, mode); });
}
SHIM_TWIN(fopen64, fopen);

SHIM_EXPORT FILE* fdopen(int fd, const char* mode) {
  return ByFd<FILE*>(
      nullptr, fd, [&] { return real::fdopen(fd, mode); },
      [&](Desc& d) -> FILE* {
        int flags;
        if (mode == nullptr || !ModeToFlags(mode, &flags)) {
          return (errno = EINVAL, nullptr);
        }
        if (!ModeFits(d.flags, flags)) return (errno = EINVAL, nullptr);
        return WrapFd(fd, mode);
      });
}

SHIM_EXPORT FILE* freopen(const char* path, const char* mode, FILE* fp) {
  return ByPath<FILE*>(
      nullptr, AT_FDCWD, path, [&] { return real::freopen(path, mode, fp); },
      [&](const Served& w) { return FreopenServed(w, mode, fp); });
}

SHIM_EXPORT FILE* freopen64(const char* path, const char* mode, FILE* fp) {
  return ByPath<FILE*>(
      nullptr, AT_FDCWD, path, [&] { return real::freopen64(path, mode, fp); },
      [&](const Served& w) { return FreopenServed(w, mode, fp); });
}

SHIM_EXPORT int fclose(FILE* fp) {
  if (g_reopened_count.load(std::memory_order_relaxed) == 0 || Bypass()) return real::fclose(fp);
  int fd = Protect(-1, [&] { return TakeReopened(fp); });
  int rc = real::fclose(fp);
  if (fd < 0) return rc;
  int saved = errno;
  Guard guard;
  if (Protect(-1, [&] { return CloseServedFd(fd); }) != 0 && rc == 0) return EOF;
  errno = saved;
  return rc;
}
