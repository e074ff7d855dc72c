// Interposed file I/O: open, close, read, write and the calls that move
// bytes or descriptors.
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>

#include <algorithm>
#include <vector>

#include "dispatch.h"

namespace alluxio::preload {

ssize_t ReadDesc(int fd, Desc& d, void* buf, size_t n, off_t pos) {
  if (d.is_dir) return Fail(EISDIR);
  if ((d.flags & O_ACCMODE) == O_WRONLY) return Fail(EBADF);
  if (pos < -1) return Fail(EINVAL);
  if (d.backed) return pos < 0 ? real::read(fd, buf, n) : real::pread(fd, buf, n, pos);
  if (pos >= 0) {
    auto r = d.handle->Read(static_cast<uint64_t>(pos), static_cast<char*>(buf), n);
    return r.ok() ? static_cast<ssize_t>(*r) : Fail(r.status());
  }
  std::unique_lock<std::mutex> lock(d.mu);
  if (d.backed) {
    // MakeBacked switched the description between the check above and the
    // lock: its fds now carry the offset (the copy was positioned there).
    lock.unlock();
    return real::read(fd, buf, n);
  }
  auto r = d.handle->Read(d.offset, static_cast<char*>(buf), n);
  if (!r.ok()) return Fail(r.status());
  d.offset += *r;
  return static_cast<ssize_t>(*r);
}

namespace {

// Whether a write at `pos` (-1: the file offset) of a staged description
// continues the file, as writes without the random-access switch must.
bool SequentialAt(int fd, off_t pos) {
  struct stat st;
  if (real::fstat(fd, &st) != 0) return false;
  off_t at = pos >= 0 ? pos : real::lseek(fd, 0, SEEK_CUR);
  return at == st.st_size;
}

}  // namespace

ssize_t WriteDesc(int fd, Desc& d, const void* buf, size_t n, off_t pos) {
  const int flags = d.flags;
  if (d.is_dir || (flags & O_ACCMODE) == O_RDONLY) return Fail(EBADF);
  if (pos < -1) return Fail(EINVAL);
  if (d.staged) {
    if (d.sequential_only && !(flags & O_APPEND) && !SequentialAt(fd, pos)) return Fail(ENOTSUP);
    return pos < 0 ? real::write(fd, buf, n) : real::pwrite(fd, buf, n, pos);
  }
  // Served in-process: a kept file without the switch, whose handle
  // refuses writes with ENOTSUP.
  const char* p = static_cast<const char*>(buf);
  if (pos >= 0) {
    uint64_t at = static_cast<uint64_t>(pos);
    if (d.flags & O_APPEND) {  // Linux appends even for pwrite
      auto a = d.handle->Stat();
      if (!a.ok()) return Fail(a.status());
      at = a->size;
    }
    auto w = d.handle->Write(at, p, n);
    return w.ok() ? static_cast<ssize_t>(*w) : Fail(w.status());
  }
  std::unique_lock<std::mutex> lock(d.mu);
  if (d.staged) {
    // StageKept switched the description to the staging file between the
    // check above and the lock: the kernel has the offset now.
    lock.unlock();
    return WriteDesc(fd, d, buf, n, pos);
  }
  uint64_t off = d.offset;
  if (d.flags & O_APPEND) {
    auto a = d.handle->Stat();
    if (!a.ok()) return Fail(a.status());
    off = a->size;
  }
  auto w = d.handle->Write(off, p, n);
  if (!w.ok()) return Fail(w.status());
  d.offset = off + *w;
  return static_cast<ssize_t>(*w);
}

off_t SeekDesc(int fd, Desc& d, off_t off, int whence) {
  if (d.backed) return real::lseek(fd, off, whence);
  std::unique_lock<std::mutex> lock(d.mu);
  if (d.backed) {  // switched meanwhile, as in ReadDesc
    lock.unlock();
    return real::lseek(fd, off, whence);
  }
  if (d.is_dir) {
    // A directory's offset is its position in the listing.
    if (whence == SEEK_SET && off >= 0) {
      d.pos = static_cast<size_t>(off);
      if (off == 0) d.listed = false;
      return off;
    }
    if (whence == SEEK_CUR && off == 0) return static_cast<off_t>(d.pos);
    return Fail(EINVAL);
  }
  int64_t base;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = static_cast<int64_t>(d.offset);
      break;
    case SEEK_END:
    case SEEK_DATA:
    case SEEK_HOLE: {
      auto a = d.handle->Stat();
      if (!a.ok()) return Fail(a.status());
      int64_t size = static_cast<int64_t>(a->size);
      if (whence == SEEK_END) {
        base = size;
        break;
      }
      // No holes: all of the file is data, and the only hole is at its end.
      if (off < 0 || off >= size) return Fail(ENXIO);
      d.offset = static_cast<uint64_t>(whence == SEEK_DATA ? off : size);
      return static_cast<off_t>(d.offset);
    }
    default:
      return Fail(EINVAL);
  }
  int64_t target = base + off;
  if (target < 0) return Fail(EINVAL);
  d.offset = static_cast<uint64_t>(target);
  return static_cast<off_t>(target);
}

namespace {

// Releases what the fd held after an implicit close (dup2 onto a served
// fd); like close(2) in that case, a failure cannot be reported.
void Release(const std::shared_ptr<Desc>& d) { (void)ReleaseDesc(d); }

// Makes a kernel duplicate with `dup_call` and registers it as another fd
// of `d`, both under d->mu: MakeBacked and StageKept point every fd of a
// description at a new file under that lock, and a duplicate made from the
// old placeholder but registered after they looked would stay on
// /dev/null. `too_high`: the errno for an fd beyond the table. What the new
// fd replaced in the table is released after the lock.
template <typename DupFn>
int DupServed(const std::shared_ptr<Desc>& d, DupFn&& dup_call, int too_high) {
  if (d == nullptr) return Fail(EBADF);  // closed meanwhile
  std::shared_ptr<Desc> replaced;
  int nfd;
  {
    std::lock_guard<std::mutex> lock(d->mu);
    nfd = dup_call();
    if (nfd < 0) return -1;
    if (nfd >= FdTable::kMaxFds) {
      real::close(nfd);
      return Fail(too_high);
    }
    replaced = Fds().Install(nfd, d);
  }
  Release(replaced);
  return nfd;
}

mode_t ModeArg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

ssize_t VecIo(int fd, Desc& d, const struct iovec* iov, int cnt, off_t pos, bool write) {
  if (cnt < 0 || cnt > IOV_MAX) return Fail(EINVAL);
  ssize_t total = 0;
  for (int i = 0; i < cnt; ++i) {
    if (iov[i].iov_len == 0) continue;
    off_t at = pos < 0 ? -1 : pos + total;
    ssize_t n = write ? WriteDesc(fd, d, iov[i].iov_base, iov[i].iov_len, at)
                      : ReadDesc(fd, d, iov[i].iov_base, iov[i].iov_len, at);
    if (n < 0) return total > 0 ? total : -1;
    total += n;
    if (static_cast<size_t>(n) < iov[i].iov_len) break;
  }
  return total;
}

// Copies between two descriptors of which at least one is served, as
// sendfile/copy_file_range would. Offsets, when given, are used and advanced
// instead of the descriptors' own.
ssize_t CopyFds(int in_fd, off64_t* in_off, int out_fd, off64_t* out_off, size_t count) {
  auto in = Fds().Get(in_fd);
  auto out = Fds().Get(out_fd);
  std::vector<char> buf(std::min<size_t>(count, 1 << 20));
  ssize_t total = 0;
  while (static_cast<size_t>(total) < count) {
    size_t want = std::min(buf.size(), count - static_cast<size_t>(total));
    ssize_t r;
    if (in) {
      r = ReadDesc(in_fd, *in, buf.data(), want, in_off ? *in_off : -1);
    } else {
      r = in_off ? real::pread(in_fd, buf.data(), want, *in_off)
                 : real::read(in_fd, buf.data(), want);
    }
    if (r < 0) return total > 0 ? total : -1;
    if (r == 0) break;
    ssize_t done = 0;
    while (done < r) {
      ssize_t w;
      if (out) {
        w = WriteDesc(out_fd, *out, buf.data() + done, static_cast<size_t>(r - done),
                      out_off ? *out_off + done : -1);
      } else {
        w = out_off ? real::pwrite(out_fd, buf.data() + done, static_cast<size_t>(r - done),
                                   *out_off + done)
                    : real::write(out_fd, buf.data() + done, static_cast<size_t>(r - done));
      }
      if (w < 0) return total > 0 ? total : -1;
      done += w;
    }
    if (in_off) *in_off += r;
    if (out_off) *out_off += r;
    total += r;
  }
  return total;
}

// mkstemp and friends: glibc creates the file with internal calls the shim
// cannot see, so templates in served directories are filled in here. Tries
// names until one is new, as glibc does. Returns the fd (or 0 for a
// directory) or -1 with errno.
int MakeTemp(char* tmpl, int suffix_len, int flags, bool dir) {
  size_t len = strlen(tmpl);
  if (suffix_len < 0 || len < 6 + static_cast<size_t>(suffix_len)) return Fail(EINVAL);
  char* x = tmpl + len - suffix_len - 6;
  if (memcmp(x, "XXXXXX", 6) != 0) return Fail(EINVAL);
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 62 * 62 * 62; ++attempt) {
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
      r = (static_cast<uint64_t>(getpid()) << 32) ^ reinterpret_cast<uintptr_t>(&r) ^
          static_cast<uint64_t>(attempt) * 7919u;
    }
    for (int i = 0; i < 6; ++i, r /= 62) x[i] = kChars[r % 62];
    Served cand;
    int err = 0;
    if (RoutePath(AT_FDCWD, tmpl, &cand, &err) != Route::kServed) return Fail(err ? err : EINVAL);
    int rc;
    if (dir) {
      SHIM_FS_OR_FAIL(fs, -1);
      CreateDirectoryOptions o;
      o.mode = 0700;
      Status st = fs->CreateDirectory(cand.apath, o);
      rc = st.ok() ? 0 : Fail(st);
    } else {
      rc = OpenServed(cand, O_RDWR | O_CREAT | O_EXCL | (flags & ~O_ACCMODE), 0600);
    }
    if (rc >= 0 || errno != EEXIST) return rc;
  }
  return Fail(EEXIST);
}

}  // namespace

}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below
using alluxio::Status;

// --- open -----------------------------------------------------------------

SHIM_EXPORT int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  return OpenByPath(
      AT_FDCWD, path, [&] { return real::open(path, flags, mode); },
      [&](const Served& w) { return OpenServed(w, flags, mode); });
}
SHIM_TWIN(open64, open);

SHIM_EXPORT int __open_2(const char* path, int flags) {
  return OpenByPath(
      AT_FDCWD, path, [&] { return real::__open_2(path, flags); },
      [&](const Served& w) { return OpenServed(w, flags, 0); });
}

SHIM_EXPORT int __open64_2(const char* path, int flags) {
  return OpenByPath(
      AT_FDCWD, path, [&] { return real::__open64_2(path, flags); },
      [&](const Served& w) { return OpenServed(w, flags, 0); });
}

SHIM_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  return OpenByPath(
      dirfd, path, [&] { return real::openat(dirfd, path, flags, mode); },
      [&](const Served& w) { return OpenServed(w, flags, mode); });
}
SHIM_TWIN(openat64, openat);

SHIM_EXPORT int __openat_2(int dirfd, const char* path, int flags) {
  return OpenByPath(
      dirfd, path, [&] { return real::__openat_2(dirfd, path, flags); },
      [&](const Served& w) { return OpenServed(w, flags, 0); });
}

SHIM_EXPORT int __openat64_2(int dirfd, const char* path, int flags) {
  return OpenByPath(
      dirfd, path, [&] { return real::__openat64_2(dirfd, path, flags); },
      [&](const Served& w) { return OpenServed(w, flags, 0); });
}

SHIM_EXPORT int creat(const char* path, mode_t mode) {
  return OpenByPath(
      AT_FDCWD, path, [&] { return real::creat(path, mode); },
      [&](const Served& w) { return OpenServed(w, O_CREAT | O_WRONLY | O_TRUNC, mode); });
}
SHIM_TWIN(creat64, creat);

// --- close ----------------------------------------------------------------

SHIM_EXPORT int close(int fd) {
  if (Bypass()) return real::close(fd);
  if (!Fds().IsServed(fd)) {
    ForgetRealFd(fd);
    return real::close(fd);
  }
  return Protect(-1, [&] { return CloseServedFd(fd); });
}

SHIM_EXPORT int close_range(unsigned int first, unsigned int last, int flags) noexcept {
  if (Bypass() || (flags & CLOSE_RANGE_CLOEXEC)) {
    return SHIM_REAL(close_range, -1, first, last, flags);
  }
  return Protect(-1, [&] {
    std::vector<std::shared_ptr<Desc>> released;
    unsigned int top = std::min<unsigned int>(last, FdTable::kMaxFds - 1);
    for (unsigned int fd = first; fd <= top && first <= last; ++fd) {
      if (Fds().IsServed(static_cast<int>(fd)))
        released.push_back(Fds().Remove(static_cast<int>(fd)));
    }
    int rc = SHIM_REAL(close_range, -1, first, last, flags);
    int saved = errno;
    for (auto& d : released) Release(d);
    errno = saved;
    return rc;
  });
}

// --- read -----------------------------------------------------------------

SHIM_EXPORT ssize_t read(int fd, void* buf, size_t n) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::read(fd, buf, n); },
      [&](Desc& d) { return ReadDesc(fd, d, buf, n, -1); });
}

SHIM_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::__read_chk(fd, buf, n, buflen); },
      [&](Desc& d) {
        if (n > buflen) abort();  // what the fortified check does
        return ReadDesc(fd, d, buf, n, -1);
      });
}

SHIM_EXPORT ssize_t pread(int fd, void* buf, size_t n, off_t off) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::pread(fd, buf, n, off); },
      [&](Desc& d) { return off < 0 ? Fail(EINVAL) : ReadDesc(fd, d, buf, n, off); });
}
SHIM_TWIN(pread64, pread);

SHIM_EXPORT ssize_t __pread_chk(int fd, void* buf, size_t n, off_t off, size_t buflen) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::__pread_chk(fd, buf, n, off, buflen); },
      [&](Desc& d) {
        if (n > buflen) abort();
        return off < 0 ? Fail(EINVAL) : ReadDesc(fd, d, buf, n, off);
      });
}

SHIM_EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t off, size_t buflen) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::__pread64_chk(fd, buf, n, off, buflen); },
      [&](Desc& d) {
        if (n > buflen) abort();
        return off < 0 ? Fail(EINVAL) : ReadDesc(fd, d, buf, n, off);
      });
}

SHIM_EXPORT ssize_t readv(int fd, const struct iovec* iov, int cnt) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::readv(fd, iov, cnt); },
      [&](Desc& d) { return VecIo(fd, d, iov, cnt, -1, false); });
}

SHIM_EXPORT ssize_t preadv(int fd, const struct iovec* iov, int cnt, off_t off) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::preadv(fd, iov, cnt, off); },
      [&](Desc& d) { return off < 0 ? Fail(EINVAL) : VecIo(fd, d, iov, cnt, off, false); });
}
SHIM_TWIN(preadv64, preadv);

SHIM_EXPORT ssize_t preadv2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::preadv2(fd, iov, cnt, off, flags); },
      [&](Desc& d) { return VecIo(fd, d, iov, cnt, off, false); });
}
SHIM_TWIN(preadv64v2, preadv2);

// --- write ----------------------------------------------------------------

SHIM_EXPORT ssize_t write(int fd, const void* buf, size_t n) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::write(fd, buf, n); },
      [&](Desc& d) { return WriteDesc(fd, d, buf, n, -1); });
}

SHIM_EXPORT ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::pwrite(fd, buf, n, off); },
      [&](Desc& d) { return off < 0 ? Fail(EINVAL) : WriteDesc(fd, d, buf, n, off); });
}
SHIM_TWIN(pwrite64, pwrite);

SHIM_EXPORT ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::writev(fd, iov, cnt); },
      [&](Desc& d) { return VecIo(fd, d, iov, cnt, -1, true); });
}

SHIM_EXPORT ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::pwritev(fd, iov, cnt, off); },
      [&](Desc& d) { return off < 0 ? Fail(EINVAL) : VecIo(fd, d, iov, cnt, off, true); });
}
SHIM_TWIN(pwritev64, pwritev);

SHIM_EXPORT ssize_t pwritev2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
  return ByFd<ssize_t>(
      -1, fd, [&] { return real::pwritev2(fd, iov, cnt, off, flags); },
      [&](Desc& d) { return VecIo(fd, d, iov, cnt, off, true); });
}
SHIM_TWIN(pwritev64v2, pwritev2);

// --- position, sync, size ---------------------------------------------------

SHIM_EXPORT off_t lseek(int fd, off_t off, int whence) {
  return ByFd<off_t>(
      -1, fd, [&] { return real::lseek(fd, off, whence); },
      [&](Desc& d) { return SeekDesc(fd, d, off, whence); });
}
SHIM_TWIN(lseek64, lseek);

static int SyncDesc(Desc& d) {
  if (!d.staged && !d.handle) return 0;
  Status st = d.staged ? SyncStaged(d) : d.handle->Sync();
  return st.ok() ? 0 : Fail(st);
}

SHIM_EXPORT int fsync(int fd) {
  return ByFd(
      -1, fd, [&] { return real::fsync(fd); }, SyncDesc);
}

SHIM_EXPORT int fdatasync(int fd) {
  return ByFd(
      -1, fd, [&] { return real::fdatasync(fd); }, SyncDesc);
}

SHIM_EXPORT int syncfs(int fd) {
  return ByFd(
      -1, fd, [&] { return real::syncfs(fd); }, SyncDesc);
}

static int TruncateDesc(int fd, Desc& d, off64_t len) {
  if (len < 0 || d.is_dir || (d.flags & O_ACCMODE) == O_RDONLY) return Fail(EINVAL);
  if (d.staged) {
    struct stat st;
    if (d.sequential_only && len != 0 &&
        (real::fstat(fd, &st) != 0 || st.st_size != static_cast<off_t>(len))) {
      return Fail(ENOTSUP);
    }
    return real::ftruncate64(fd, len);
  }
  if (!d.handle->writable()) return Fail(EINVAL);
  Status st = d.handle->Truncate(static_cast<uint64_t>(len));
  // A kept file emptied: from now on the kernel carries its bytes.
  if (st.ok() && len == 0) st = StageKept(d);
  return st.ok() ? 0 : Fail(st);
}

SHIM_EXPORT int ftruncate(int fd, off_t len) {
  return ByFd(
      -1, fd, [&] { return real::ftruncate(fd, len); },
      [&](Desc& d) { return TruncateDesc(fd, d, len); });
}
SHIM_TWIN(ftruncate64, ftruncate);

static int TruncatePath(const Served& w, off64_t len) {
  if (len < 0) return Fail(EINVAL);
  SHIM_FS_OR_FAIL(fs, -1);
  auto attr = fs->GetStatus(w.apath);
  if (!attr.ok()) return Fail(attr.status());
  if (attr->is_dir) return Fail(EISDIR);
  Status st = fs->Truncate(w.apath, static_cast<uint64_t>(len));
  return st.ok() ? 0 : Fail(st);
}

SHIM_EXPORT int truncate(const char* path, off_t len) {
  return ByPath(
      -1, AT_FDCWD, path, [&] { return real::truncate(path, len); },
      [&](const Served& w) { return TruncatePath(w, len); });
}
SHIM_TWIN(truncate64, truncate);

// posix_fadvise returns an error number instead of setting errno.
static int AdviseDesc(Desc& d, off64_t len, int advice) {
  if (d.is_dir) return 0;
  if (len < 0 || advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE) return EINVAL;
  return 0;
}

SHIM_EXPORT int posix_fadvise(int fd, off_t off, off_t len, int advice) {
  int saved = errno;
  int rc = ByFd(
      EBADF, fd, [&] { return real::posix_fadvise(fd, off, len, advice); },
      [&](Desc& d) { return AdviseDesc(d, len, advice); });
  errno = saved;
  return rc;
}
SHIM_TWIN(posix_fadvise64, posix_fadvise);

// --- copies between descriptors ---------------------------------------------

SHIM_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
  if (Bypass() || (!Fds().IsServed(in_fd) && !Fds().IsServed(out_fd))) {
    return real::sendfile(out_fd, in_fd, offset, count);
  }
  return Protect<ssize_t>(-1, [&] {
    Guard guard;
    off64_t off = offset ? *offset : 0;
    ssize_t n = CopyFds(in_fd, offset ? &off : nullptr, out_fd, nullptr, count);
    if (offset && n > 0) *offset = static_cast<off_t>(off);
    return n;
  });
}
SHIM_TWIN(sendfile64, sendfile);

SHIM_EXPORT ssize_t copy_file_range(int in_fd, off64_t* in_off, int out_fd, off64_t* out_off,
                                    size_t len, unsigned int flags) {
  if (Bypass() || (!Fds().IsServed(in_fd) && !Fds().IsServed(out_fd))) {
    return real::copy_file_range(in_fd, in_off, out_fd, out_off, len, flags);
  }
  return Protect<ssize_t>(-1, [&]() -> ssize_t {
    if (flags != 0) return Fail(EINVAL);
    Guard guard;
    return CopyFds(in_fd, in_off, out_fd, out_off, len);
  });
}

// Raw system calls made through syscall(3) (Rust and Go code, some C
// libraries) that name served descriptors: the copies and close go where
// the interposed functions would take them.
SHIM_EXPORT long syscall(long number, ...) {
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (long& x : a) x = va_arg(ap, long);
  va_end(ap);
  if (!Bypass()) {
    switch (number) {
      case SYS_copy_file_range:
        if (Fds().IsServed(static_cast<int>(a[0])) || Fds().IsServed(static_cast<int>(a[2]))) {
          return copy_file_range(static_cast<int>(a[0]), reinterpret_cast<off64_t*>(a[1]),
                                 static_cast<int>(a[2]), reinterpret_cast<off64_t*>(a[3]),
                                 static_cast<size_t>(a[4]), static_cast<unsigned>(a[5]));
        }
        break;
      case SYS_sendfile:
        if (Fds().IsServed(static_cast<int>(a[0])) || Fds().IsServed(static_cast<int>(a[1]))) {
          return sendfile64(static_cast<int>(a[0]), static_cast<int>(a[1]),
                            reinterpret_cast<off64_t*>(a[2]), static_cast<size_t>(a[3]));
        }
        break;
      case SYS_close:
        if (Fds().IsServed(static_cast<int>(a[0]))) return close(static_cast<int>(a[0]));
        break;
      default:
        break;
    }
  }
  return real::syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// --- descriptors ------------------------------------------------------------

SHIM_EXPORT int dup(int fd) {
  return ByFd(
      -1, fd, [&] { return real::dup(fd); },
      [&](Desc&) {
        return DupServed(
            Fds().Get(fd), [&] { return real::dup(fd); }, EMFILE);
      });
}

static int Dup3(int oldfd, int newfd, int flags, bool is_dup2) {
  if (Bypass() || (!Fds().IsServed(oldfd) && !Fds().IsServed(newfd))) {
    return is_dup2 ? real::dup2(oldfd, newfd) : real::dup3(oldfd, newfd, flags);
  }
  return Protect(-1, [&] {
    std::shared_ptr<Desc> d = Fds().Get(oldfd);
    auto dup_call = [&] {
      return is_dup2 ? real::dup2(oldfd, newfd) : real::dup3(oldfd, newfd, flags);
    };
    if (d == nullptr || oldfd == newfd) {
      int rc = dup_call();
      if (rc >= 0 && oldfd != newfd) Release(Fds().Remove(newfd));
      return rc;
    }
    int rc = DupServed(d, dup_call, EBADF);
    // stdio's internal calls on 0-2 bypass the shim: give them real bytes.
    if (rc >= 0 && newfd <= 2) (void)MakeBacked(*d);
    return rc;
  });
}

SHIM_EXPORT int dup2(int oldfd, int newfd) { return Dup3(oldfd, newfd, 0, true); }
SHIM_EXPORT int dup3(int oldfd, int newfd, int flags) { return Dup3(oldfd, newfd, flags, false); }

// The lock file that carries record and flock locks for a served path, so
// locks behave as on a local file among the processes of this node.
static int LockFdOf(Desc& d) {
  std::lock_guard<std::mutex> lock(d.mu);
  if (d.lock_fd >= 0) return d.lock_fd;
  SHIM_FS_OR_FAIL(fs, -1);
  auto lfd = fs->OpenLockFile(d.where.apath);
  if (!lfd.ok()) return Fail(lfd.status());
  d.lock_fd = MoveInternalFd(*lfd);
  return d.lock_fd;
}

// Record locks name ranges relative to the file offset or size; the lock
// file has neither, so ranges are made absolute first.
static int AbsoluteRange(int fd, Desc& d, struct flock* l) {
  if (l->l_whence == SEEK_SET) return 0;
  off_t base;
  if (l->l_whence == SEEK_CUR) {
    base = SeekDesc(fd, d, 0, SEEK_CUR);
  } else if (l->l_whence == SEEK_END) {
    base = SeekDesc(fd, d, 0, SEEK_CUR);
    if (base < 0) return -1;
    off_t end = SeekDesc(fd, d, 0, SEEK_END);
    if (end < 0 || SeekDesc(fd, d, base, SEEK_SET) < 0) return -1;
    base = end;
  } else {
    return Fail(EINVAL);
  }
  if (base < 0) return -1;
  l->l_start += base;
  l->l_whence = SEEK_SET;
  return 0;
}

static int RecordLock(int fd, Desc& d, int cmd, struct flock* l) {
  if (l == nullptr) return Fail(EFAULT);
  if (d.is_dir &&
      (cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) &&
      l->l_type != F_UNLCK) {
    return Fail(EBADF);  // a directory is never open for writing or reading data
  }
  const int acc = d.flags & O_ACCMODE;
  if (cmd != F_GETLK && cmd != F_OFD_GETLK) {
    if ((l->l_type == F_WRLCK && acc == O_RDONLY) || (l->l_type == F_RDLCK && acc == O_WRONLY)) {
      return Fail(EBADF);
    }
  }
  struct flock abs = *l;
  if (AbsoluteRange(fd, d, &abs) != 0) return -1;
  int lfd = LockFdOf(d);
  if (lfd < 0) return -1;
  int rc = real::fcntl(lfd, cmd, &abs);
  if (rc == 0 && (cmd == F_GETLK || cmd == F_OFD_GETLK)) *l = abs;
  return rc;
}

static int FcntlServed(int fd, Desc& d, int cmd, long arg) {
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      return DupServed(
          Fds().Get(fd), [&] { return real::fcntl(fd, cmd, arg); }, EMFILE);
    }
    case F_GETFL:  // a staged description is the kernel's
      if (d.staged) return real::fcntl(fd, cmd, arg);
      break;
    case F_SETFL:
      if (d.staged && real::fcntl(fd, cmd, arg) != 0) return -1;
      break;
    default:
      break;
  }
  switch (cmd) {
    case F_GETFL: {
      // The kernel reports O_LARGEFILE (which x86_64's headers define as 0).
      constexpr int kKernelLargeFile = 0100000;
      std::lock_guard<std::mutex> lock(d.mu);
      return d.flags | kKernelLargeFile;
    }
    case F_SETFL: {
      const int settable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
      std::lock_guard<std::mutex> lock(d.mu);
      d.flags = (d.flags & ~settable) | (static_cast<int>(arg) & settable);
      return 0;
    }
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
      return RecordLock(fd, d, cmd, reinterpret_cast<struct flock*>(arg));
    default:  // F_GETFD, F_SETFD and the rest act on the placeholder
      return real::fcntl(fd, cmd, arg);
  }
}

SHIM_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return ByFd(
      -1, fd, [&] { return real::fcntl(fd, cmd, arg); },
      [&](Desc& d) { return FcntlServed(fd, d, cmd, arg); });
}
SHIM_TWIN(fcntl64, fcntl);

SHIM_EXPORT int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return ByFd(
      -1, fd, [&] { return real::ioctl(fd, request, arg); },
      [&](Desc& d) {
        // Close-on-exec lives on the placeholder; nothing else applies to a
        // served file (so isatty() answers no and FICLONE falls back).
        if (request == FIOCLEX || request == FIONCLEX) return real::ioctl(fd, request, arg);
        if (request == FIONREAD && !d.is_dir) {  // bytes left to read, as for a local file
          if (d.backed) return real::ioctl(fd, request, arg);
          auto a = d.handle->Stat();
          if (!a.ok()) return Fail(a.status());
          std::unique_lock<std::mutex> lock(d.mu);
          if (d.backed) {  // switched meanwhile: the kernel has the offset
            lock.unlock();
            return real::ioctl(fd, request, arg);
          }
          *static_cast<int*>(arg) = a->size > d.offset ? static_cast<int>(a->size - d.offset) : 0;
          return 0;
        }
        return Fail(ENOTTY);
      });
}

// --- flock, lockf -------------------------------------------------------------

// flock locks belong to the open file description: each Desc has its own
// lock file descriptor, so they conflict exactly as on a local file.
SHIM_EXPORT int flock(int fd, int op) {
  return ByFd(
      -1, fd, [&] { return real::flock(fd, op); },
      [&](Desc& d) {
        int lfd = LockFdOf(d);
        if (lfd < 0) return -1;
        return real::flock(lfd, op);
      });
}

static int LockfDesc(int fd, Desc& d, int cmd, off64_t len) {
  struct flock l = {};
  l.l_whence = SEEK_CUR;
  l.l_len = len;
  switch (cmd) {
    case F_TEST: {
      l.l_type = F_WRLCK;
      if (RecordLock(fd, d, F_GETLK, &l) != 0) return -1;
      if (l.l_type == F_UNLCK || l.l_pid == getpid()) return 0;
      return Fail(EACCES);
    }
    case F_ULOCK:
      l.l_type = F_UNLCK;
      return RecordLock(fd, d, F_SETLK, &l);
    case F_LOCK:
      l.l_type = F_WRLCK;
      return RecordLock(fd, d, F_SETLKW, &l);
    case F_TLOCK:
      l.l_type = F_WRLCK;
      return RecordLock(fd, d, F_SETLK, &l);
    default:
      return Fail(EINVAL);
  }
}

SHIM_EXPORT int lockf(int fd, int cmd, off_t len) {
  return ByFd(
      -1, fd, [&] { return real::lockf(fd, cmd, len); },
      [&](Desc& d) { return LockfDesc(fd, d, cmd, len); });
}
SHIM_TWIN(lockf64, lockf);

// --- preallocation ------------------------------------------------------------

// Grows the file to off+len (there are no holes to fill). Returns an errno
// value, as posix_fallocate does.
static int AllocateDesc(int fd, Desc& d, off64_t off, off64_t len, int mode) {
  if (off < 0 || len <= 0) return EINVAL;
  if ((d.flags & O_ACCMODE) == O_RDONLY || d.is_dir) return EBADF;
  // A staged file is a local file, holes and all; without the switch only
  // preallocation, which leaves the content as it is.
  if (d.staged && (!d.sequential_only || mode == FALLOC_FL_KEEP_SIZE)) {
    return real::fallocate64(fd, mode, off, len) == 0 ? 0 : errno;
  }
  if (mode & ~FALLOC_FL_KEEP_SIZE) return EOPNOTSUPP;  // punching holes, zeroing ranges
  if (mode & FALLOC_FL_KEEP_SIZE) return 0;
  auto a = d.handle->Stat();
  if (!a.ok()) return a.status().ToErrno();
  if (static_cast<uint64_t>(off + len) <= a->size) return 0;
  Status st = d.handle->Truncate(static_cast<uint64_t>(off + len));
  return st.ok() ? 0 : st.ToErrno();
}

SHIM_EXPORT int posix_fallocate(int fd, off_t off, off_t len) {
  int saved = errno;
  int rc = ByFd(
      EBADF, fd, [&] { return real::posix_fallocate(fd, off, len); },
      [&](Desc& d) { return AllocateDesc(fd, d, off, len, 0); });
  errno = saved;
  return rc;
}

SHIM_EXPORT int posix_fallocate64(int fd, off64_t off, off64_t len) {
  int saved = errno;
  int rc = ByFd(
      EBADF, fd, [&] { return real::posix_fallocate64(fd, off, len); },
      [&](Desc& d) { return AllocateDesc(fd, d, off, len, 0); });
  errno = saved;
  return rc;
}

SHIM_EXPORT int fallocate(int fd, int mode, off_t off, off_t len) {
  return ByFd(
      -1, fd, [&] { return real::fallocate(fd, mode, off, len); },
      [&](Desc& d) {
        int e = AllocateDesc(fd, d, off, len, mode);
        return e == 0 ? 0 : Fail(e);
      });
}
SHIM_TWIN(fallocate64, fallocate);

// --- temporary files ----------------------------------------------------------

SHIM_EXPORT int mkstemp(char* tmpl) {
  return ByPath(
      -1, AT_FDCWD, tmpl, [&] { return real::mkstemp(tmpl); },
      [&](const Served&) { return MakeTemp(tmpl, 0, 0, false); });
}
SHIM_TWIN(mkstemp64, mkstemp);
SHIM_EXPORT int mkostemp(char* tmpl, int flags) {
  return ByPath(
      -1, AT_FDCWD, tmpl, [&] { return real::mkostemp(tmpl, flags); },
      [&](const Served&) { return MakeTemp(tmpl, 0, flags, false); });
}
SHIM_TWIN(mkostemp64, mkostemp);
SHIM_EXPORT int mkstemps(char* tmpl, int suffix_len) {
  return ByPath(
      -1, AT_FDCWD, tmpl, [&] { return real::mkstemps(tmpl, suffix_len); },
      [&](const Served&) { return MakeTemp(tmpl, suffix_len, 0, false); });
}
SHIM_TWIN(mkstemps64, mkstemps);
SHIM_EXPORT int mkostemps(char* tmpl, int suffix_len, int flags) {
  return ByPath(
      -1, AT_FDCWD, tmpl, [&] { return real::mkostemps(tmpl, suffix_len, flags); },
      [&](const Served&) { return MakeTemp(tmpl, suffix_len, flags, false); });
}
SHIM_TWIN(mkostemps64, mkostemps);
SHIM_EXPORT char* mkdtemp(char* tmpl) {
  return ByPath<char*>(
      nullptr, AT_FDCWD, tmpl, [&] { return real::mkdtemp(tmpl); },
      [&](const Served&) -> char* { return MakeTemp(tmpl, 0, 0, true) == 0 ? tmpl : nullptr; });
}
