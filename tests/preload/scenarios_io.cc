// Differential scenarios: open, read, write, seek, truncate, sync, vectors,
// copies between descriptors, descriptors themselves and locks.
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "diff_harness.h"

namespace alluxio::preload_test {
namespace {

const char* C(const std::string& s) { return s.c_str(); }

template <typename Fn>
Fn Sym(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

long ReadData(const char* label, int fd, size_t n) {
  std::vector<char> buf(n + 1);
  long r = g->Rc(label, read(fd, buf.data(), n));
  g->Data("  data", buf.data(), r);
  return r;
}

long PreadData(const char* label, int fd, size_t n, off_t off) {
  std::vector<char> buf(n + 1);
  long r = g->Rc(label, pread(fd, buf.data(), n, off));
  g->Data("  data", buf.data(), r);
  return r;
}

}  // namespace

SCENARIO(OpenCreate) {
  R(open(C(c.P("missing")), O_RDONLY));
  int fd = R(open(C(c.P("f")), O_CREAT | O_EXCL | O_WRONLY, 0644));
  R(write(fd, "hello", 5));
  R(close(fd));
  R(close(fd));
  R(open(C(c.P("f")), O_CREAT | O_EXCL | O_WRONLY, 0644));
  R(open(C(c.P("f/x")), O_RDONLY));
  R(open(C(c.P("f/")), O_RDONLY));
  R(open(C(c.P("f")), O_RDONLY | O_DIRECTORY));
  R(mkdir(C(c.P("d")), 0755));
  R(open(C(c.P("d")), O_WRONLY));
  R(open(C(c.P("d")), O_RDWR));
  R(open(C(c.P("d")), O_CREAT | O_WRONLY, 0644));
  R(open(C(c.P("d")), O_CREAT | O_EXCL | O_WRONLY, 0644));
  R(open(C(c.P("nodir/x")), O_CREAT | O_WRONLY, 0644));
  fd = R(open(C(c.P("d")), O_RDONLY));
  R(close(fd));
  fd = R(open(C(c.P("d/")), O_RDONLY | O_DIRECTORY));
  R(close(fd));
  fd = R(open(C(c.P()), O_RDONLY | O_DIRECTORY));
  R(close(fd));
  fd = R(creat(C(c.P("c")), 0600));
  R(write(fd, "creat", 5));
  R(close(fd));
  StatOf("c", c.P("c"));
  fd = R(open64(C(c.P("f")), O_RDONLY));
  ReadData("read(open64)", fd, 100);
  R(close(fd));
  fd = R(openat(AT_FDCWD, C(c.P("f")), O_RDONLY));
  R(close(fd));
  fd = R(openat64(AT_FDCWD, C(c.P("f")), O_RDONLY | O_CLOEXEC));
  R(fcntl(fd, F_GETFD));
  R(close(fd));
  fd = R(creat64(C(c.P("c64")), 0644));
  R(close(fd));
  // O_TRUNC of an existing file, then new content.
  fd = R(open(C(c.P("f")), O_WRONLY | O_TRUNC));
  R(write(fd, "xy", 2));
  R(close(fd));
  Contents("f after O_TRUNC", c.P("f"));
  // The umask applies to created files and directories.
  R(umask(077));
  fd = R(open(C(c.P("u")), O_CREAT | O_WRONLY, 0666));
  R(close(fd));
  R(mkdir(C(c.P("ud")), 0777));
  R(umask(022));
  StatOf("u", c.P("u"));
  StatOf("ud", c.P("ud"));
  fd = R(open(C(c.P("zero")), O_CREAT | O_EXCL | O_RDWR, 0));
  R(close(fd));
  StatOf("zero", c.P("zero"));
  R(unlink(C(c.P("zero"))));
  // The fortified entry points, as _FORTIFY_SOURCE programs call them.
  using Open2 = int (*)(const char*, int);
  using OpenAt2 = int (*)(int, const char*, int);
  fd = R(Sym<Open2>("__open_2")(C(c.P("f")), O_RDONLY));
  R(close(fd));
  fd = R(Sym<Open2>("__open64_2")(C(c.P("f")), O_RDONLY));
  R(close(fd));
  fd = R(Sym<OpenAt2>("__openat_2")(AT_FDCWD, C(c.P("f")), O_RDONLY));
  R(close(fd));
  fd = R(Sym<OpenAt2>("__openat64_2")(AT_FDCWD, C(c.P("missing")), O_RDONLY));
  R(close(-1));
}

SCENARIO(ReadWrite) {
  int fd = R(open(C(c.P("f")), O_CREAT | O_RDWR | O_TRUNC, 0644));
  R(write(fd, "0123456789", 10));
  R(lseek(fd, 0, SEEK_CUR));
  R(lseek(fd, 0, SEEK_SET));
  ReadData("read 4", fd, 4);
  ReadData("read 100", fd, 100);
  ReadData("read at eof", fd, 100);
  R(read(fd, nullptr, 0));
  PreadData("pread 3@2", fd, 3, 2);
  PreadData("pread 5@100", fd, 5, 100);
  char buf[64];
  R(pread(fd, buf, 3, -1));
  R(pwrite(fd, "AB", 2, 3));
  PreadData("pread all", fd, 64, 0);
  R(pwrite(fd, "Z", 1, 20));
  PreadData("pread with hole", fd, 64, 0);
  R(pwrite(fd, "Z", 1, -5));
  R(pread64(fd, buf, 4, 1));
  R(pwrite64(fd, "q", 1, 0));
  R(close(fd));
  Contents("f", c.P("f"));
  // Access modes.
  fd = R(open(C(c.P("f")), O_RDONLY));
  R(write(fd, "x", 1));
  R(close(fd));
  fd = R(open(C(c.P("f")), O_WRONLY));
  R(read(fd, buf, 1));
  R(write(fd, "W", 1));
  R(close(fd));
  Contents("f after overwrite", c.P("f"));
  R(mkdir(C(c.P("d")), 0755));
  fd = R(open(C(c.P("d")), O_RDONLY));
  R(read(fd, buf, 1));
  R(write(fd, "x", 1));
  R(pread(fd, buf, 1, 0));
  R(close(fd));
  R(read(-1, buf, 1));
  R(write(-1, buf, 1));
  R(read(fd, buf, 1));
  // O_APPEND: writes go to the end, pwrite too (Linux).
  fd = R(open(C(c.P("f")), O_WRONLY | O_APPEND));
  R(write(fd, "END", 3));
  R(lseek(fd, 0, SEEK_CUR));
  R(pwrite(fd, "P", 1, 0));
  R(close(fd));
  Contents("f after append", c.P("f"));
  fd = R(open(C(c.P("g")), O_CREAT | O_RDWR | O_APPEND, 0644));
  R(write(fd, "one", 3));
  R(lseek(fd, 0, SEEK_SET));
  R(write(fd, "two", 3));
  R(lseek(fd, 0, SEEK_SET));
  ReadData("read g", fd, 100);
  R(close(fd));
  // The fortified reads.
  using ReadChk = ssize_t (*)(int, void*, size_t, size_t);
  using PreadChk = ssize_t (*)(int, void*, size_t, off_t, size_t);
  fd = R(open(C(c.P("g")), O_RDONLY));
  R(Sym<ReadChk>("__read_chk")(fd, buf, 2, sizeof(buf)));
  c.Data("  data", buf, 2);
  R(Sym<PreadChk>("__pread_chk")(fd, buf, 2, 3, sizeof(buf)));
  c.Data("  data", buf, 2);
  R(Sym<PreadChk>("__pread64_chk")(fd, buf, 2, 4, sizeof(buf)));
  c.Data("  data", buf, 2);
  R(close(fd));
}

// Megabytes written in odd-sized chunks, read back in other sizes and at
// scattered offsets.
SCENARIO(LargeFile) {
  const size_t size = 5 * 1024 * 1024 + 12345;
  std::vector<char> data(size);
  uint64_t x = 88172645463325252ull;
  for (auto& b : data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<char>(x);
  }
  int fd = R(open(C(c.P("big")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  size_t off = 0;
  bool ok = true;
  while (off < size) {
    size_t n = std::min<size_t>(77777, size - off);
    if (write(fd, data.data() + off, n) != static_cast<ssize_t>(n)) ok = false;
    off += n;
  }
  c.Log("writes ok: %d", ok);
  R(close(fd));
  StatOf("big", c.P("big"));
  fd = R(open(C(c.P("big")), O_RDONLY));
  std::vector<char> back(size);
  off = 0;
  ssize_t n;
  while ((n = read(fd, back.data() + off, std::min<size_t>(4096 * 3 + 7, size - off))) > 0)
    off += n;
  c.Log("sequential read: %zu bytes, equal %d", off, back == data);
  int mismatches = 0;
  for (int i = 0; i < 200; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    size_t at = x % size;
    size_t len = (x >> 32) % 300000;
    std::vector<char> b(len);
    ssize_t r = pread(fd, b.data(), len, static_cast<off_t>(at));
    size_t want = std::min(len, size - at);
    if (r != static_cast<ssize_t>(want) || memcmp(b.data(), data.data() + at, want) != 0) {
      ++mismatches;
    }
  }
  c.Log("random preads mismatching: %d", mismatches);
  R(close(fd));
}

SCENARIO(VectorIo) {
  int fd = R(open(C(c.P("v")), O_CREAT | O_RDWR | O_TRUNC, 0644));
  char a[] = "alpha", b[] = "", d[] = "gamma!";
  struct iovec w[3] = {{a, 5}, {b, 0}, {d, 6}};
  R(writev(fd, w, 3));
  R(lseek(fd, 0, SEEK_SET));
  char r1[3], r2[4], r3[10];
  struct iovec r[3] = {{r1, 3}, {r2, 4}, {r3, 10}};
  long n = R(readv(fd, r, 3));
  c.Data("r1", r1, 3);
  c.Data("r2", r2, 4);
  c.Data("r3", r3, n > 7 ? n - 7 : 0);
  R(preadv(fd, r, 3, 2));
  c.Data("r1", r1, 3);
  R(pwritev(fd, w, 3, 4));
  R(preadv64(fd, r, 2, 0));
  c.Data("r1", r1, 3);
  c.Data("r2", r2, 4);
  R(lseek(fd, 1, SEEK_SET));
  R(preadv2(fd, r, 1, -1, 0));
  c.Data("r1", r1, 3);
  R(lseek(fd, 0, SEEK_CUR));
  R(pwritev2(fd, w, 1, -1, 0));
  R(lseek(fd, 0, SEEK_CUR));
  R(pwritev2(fd, w, 1, 30, 0));
  R(pwritev64(fd, w, 1, 40));
  R(preadv64v2(fd, r, 3, 28, 0));
  c.Data("r1", r1, 3);
  volatile int negative = -1, too_many = IOV_MAX + 1;  // hidden from the compiler's checks
  R(readv(fd, r, negative));
  R(readv(fd, r, too_many));
  R(pwritev(fd, w, 3, -2));
  R(readv(-1, r, 1));
  R(close(fd));
  Contents("v", c.P("v"));
}

SCENARIO(Seek) {
  Spit(c.P("s"), "0123456789");
  int fd = R(open(C(c.P("s")), O_RDONLY));
  R(lseek(fd, 5, SEEK_SET));
  R(lseek(fd, 2, SEEK_CUR));
  R(lseek(fd, -3, SEEK_END));
  R(lseek(fd, 5, SEEK_END));
  ReadData("read past end", fd, 4);
  R(lseek(fd, -1, SEEK_SET));
  R(lseek(fd, -100, SEEK_CUR));
  R(lseek(fd, 0, 99));
  R(lseek(fd, 0, SEEK_DATA));
  R(lseek(fd, 3, SEEK_DATA));
  R(lseek(fd, 0, SEEK_HOLE));
  R(lseek(fd, 4, SEEK_HOLE));
  R(lseek(fd, 10, SEEK_DATA));
  R(lseek(fd, 10, SEEK_HOLE));
  R(lseek(fd, 11, SEEK_DATA));
  R(lseek64(fd, 2, SEEK_SET));
  ReadData("read after lseek64", fd, 3);
  R(close(fd));
  R(lseek(fd, 0, SEEK_SET));
  R(mkdir(C(c.P("d")), 0755));
  fd = R(open(C(c.P("d")), O_RDONLY | O_DIRECTORY));
  R(lseek(fd, 0, SEEK_SET));
  R(lseek(fd, 0, SEEK_CUR));
  R(close(fd));
}

SCENARIO(Truncate) {
  Spit(c.P("t"), "0123456789");
  R(truncate(C(c.P("t")), 4));
  Contents("t", c.P("t"));
  R(truncate(C(c.P("t")), 8));
  Contents("t", c.P("t"));
  R(truncate64(C(c.P("t")), 6));
  StatOf("t", c.P("t"));
  int fd = R(open(C(c.P("t")), O_RDWR));
  R(ftruncate(fd, 2));
  ReadData("read after ftruncate", fd, 10);
  R(ftruncate(fd, 5));
  R(lseek(fd, 0, SEEK_END));
  R(write(fd, "X", 1));
  R(ftruncate64(fd, 7));
  R(ftruncate(fd, -1));
  R(close(fd));
  Contents("t", c.P("t"));
  fd = R(open(C(c.P("t")), O_RDONLY));
  R(ftruncate(fd, 1));
  R(close(fd));
  R(ftruncate(-1, 0));
  R(mkdir(C(c.P("d")), 0755));
  R(truncate(C(c.P("d")), 0));
  fd = R(open(C(c.P("d")), O_RDONLY));
  R(ftruncate(fd, 0));
  R(close(fd));
  R(truncate(C(c.P("missing")), 0));
  R(truncate(C(c.P("t")), -1));
  R(truncate(C(c.P("t/x")), 0));
  // A reader sees the truncation of another description.
  Spit(c.P("r"), "abcdef");
  int rd = R(open(C(c.P("r")), O_RDONLY));
  R(truncate(C(c.P("r")), 3));
  PreadData("reader after truncate", rd, 10, 0);
  R(close(rd));
  // Truncating an open new file and writing on.
  fd = R(open(C(c.P("n")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(write(fd, "12345", 5));
  R(ftruncate(fd, 2));
  R(write(fd, "67", 2));
  R(close(fd));
  Contents("n", c.P("n"));
}

SCENARIO(Sync) {
  int fd = R(open(C(c.P("s")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(write(fd, "synced", 6));
  R(fsync(fd));
  Contents("after fsync", c.P("s"));
  StatOf("s after fsync", c.P("s"));
  R(write(fd, "+more", 5));
  R(fdatasync(fd));
  R(syncfs(fd));
  Contents("after fdatasync", c.P("s"));
  R(close(fd));
  Contents("after close", c.P("s"));
  R(fsync(-1));
  R(fsync(fd));
  fd = R(open(C(c.P()), O_RDONLY | O_DIRECTORY));
  R(fsync(fd));
  R(close(fd));
  fd = R(open(C(c.P("s")), O_RDONLY));
  R(fsync(fd));
  R(fdatasync(fd));
  R(close(fd));
}

SCENARIO(Dup) {
  int fd = R(open(C(c.P("f")), O_CREAT | O_RDWR | O_TRUNC, 0644));
  R(write(fd, "abc", 3));
  int d = R(dup(fd));
  R(lseek(d, 0, SEEK_CUR));
  R(write(d, "de", 2));
  R(lseek(fd, 0, SEEK_CUR));
  R(dup2(fd, 50));
  R(lseek(50, 0, SEEK_SET));
  ReadData("read 50", 50, 2);
  R(lseek(fd, 0, SEEK_CUR));
  R(dup2(fd, fd));
  R(dup2(fd, -1));
  R(dup2(-1, 50));
  ReadData("50 still open", 50, 1);
  R(dup3(fd, 51, O_CLOEXEC));
  R(fcntl(51, F_GETFD));
  R(dup3(fd, fd, 0));
  R(dup3(fd, 52, 0x1234));
  R(dup(-1));
  R(fcntl(fd, F_DUPFD, 100));
  R(fcntl(fd, F_DUPFD_CLOEXEC, 200));
  R(fcntl(200, F_GETFD));
  R(fcntl(100, F_GETFD));
  // A served description onto a real descriptor, and a real one onto a
  // served descriptor.
  int real = R(open("/dev/zero", O_RDONLY));
  R(dup2(fd, real));
  R(lseek(real, 0, SEEK_SET));
  ReadData("served via real number", real, 10);
  Spit(c.Scratch("local"), "local file");
  int local = R(open(C(c.Scratch("local")), O_RDONLY));
  R(dup2(local, 50));
  ReadData("local via 50", 50, 20);
  // Closing one fd leaves the description open for the others.
  R(close(fd));
  R(lseek(d, 0, SEEK_SET));
  ReadData("read after close of original", d, 10);
  R(write(51, "!", 1));
  for (int x : {d, 50, 51, 100, 200, real, local}) R(close(x));
  Contents("f", c.P("f"));
}

SCENARIO(FcntlFlags) {
  Spit(c.P("f"), "data");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  R(fcntl(fd, F_GETFL));
  R(fcntl(fd, F_GETFD));
  R(fcntl(fd, F_SETFD, FD_CLOEXEC));
  R(fcntl(fd, F_GETFD));
  R(fcntl(fd, F_SETFL, O_NONBLOCK));
  R(fcntl(fd, F_GETFL));
  R(close(fd));
  fd = R(open(C(c.P("f")), O_WRONLY | O_APPEND | O_CLOEXEC));
  R(fcntl(fd, F_GETFL));
  R(fcntl(fd, F_GETFD));
  R(close(fd));
  fd = R(open(C(c.P("f")), O_RDWR));
  R(fcntl(fd, F_GETFL));
  R(fcntl(fd, F_SETFL, O_APPEND));
  R(fcntl(fd, F_GETFL));
  R(write(fd, "+", 1));
  R(fcntl(fd, F_SETFL, 0));
  R(lseek(fd, 0, SEEK_SET));
  R(write(fd, "D", 1));
  R(fcntl(fd, 9999));
  R(fcntl64(fd, F_GETFL));
  R(close(fd));
  R(fcntl(fd, F_GETFL));
  R(mkdir(C(c.P("d")), 0755));
  fd = R(open(C(c.P("d")), O_RDONLY | O_DIRECTORY));
  R(fcntl(fd, F_GETFL));
  R(close(fd));
  Contents("f", c.P("f"));
}

SCENARIO(Locks) {
  Spit(c.P("f"), "0123456789");
  Spit(c.P("g"), "other");
  int fd = R(open(C(c.P("f")), O_RDWR));
  struct flock l = {};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 5;
  R(fcntl(fd, F_SETLK, &l));
  struct flock q = l;
  R(fcntl(fd, F_GETLK, &q));
  c.Log("same process F_GETLK type %d", q.l_type);
  // Another process sees the lock (through the descriptor it inherited:
  // a second writer of one file is refused on a served prefix).
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    struct flock x = l;
    int a = fcntl(fd, F_SETLK, &x) == -1 && (errno == EAGAIN || errno == EACCES);
    struct flock y = l;
    int b = fcntl(fd, F_GETLK, &y) == 0 && y.l_type == F_WRLCK && y.l_pid == getppid();
    struct flock z = l;
    z.l_start = 6;
    z.l_len = 2;
    int cc = fcntl(fd, F_SETLK, &z) == 0;
    int mine = open(C(c.P("f")), O_RDONLY);
    int d = lockf(mine, F_TEST, 3) == -1 && (errno == EACCES || errno == EAGAIN);
    _exit(a | b << 1 | cc << 2 | d << 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  c.Log("child: conflict %d, getlk %d, other range %d, lockf test %d", WEXITSTATUS(status) & 1,
        (WEXITSTATUS(status) >> 1) & 1, (WEXITSTATUS(status) >> 2) & 1,
        (WEXITSTATUS(status) >> 3) & 1);
  l.l_type = F_UNLCK;
  R(fcntl(fd, F_SETLK, &l));
  pid = fork();
  if (pid == 0) {
    struct flock x = l;
    x.l_type = F_WRLCK;
    _exit(fcntl(fd, F_SETLK, &x) == 0 ? 0 : 1);
  }
  waitpid(pid, &status, 0);
  c.Log("child after unlock: %d", WEXITSTATUS(status));
  // Open-file-description locks conflict between two opens of one process.
  int fd2 = R(open(C(c.P("f")), O_RDONLY));
  struct flock o = {};
  o.l_type = F_WRLCK;
  o.l_len = 1;
  R(fcntl(fd, F_OFD_SETLK, &o));
  o.l_type = F_RDLCK;
  R(fcntl(fd2, F_OFD_SETLK, &o));
  R(fcntl(fd2, F_OFD_GETLK, &o));
  c.Log("F_OFD_GETLK type %d", o.l_type);
  o.l_type = F_UNLCK;
  o.l_pid = 0;
  R(fcntl(fd, F_OFD_SETLK, &o));
  // flock: per open file description; different files never conflict.
  int g1 = R(open(C(c.P("g")), O_RDONLY));
  R(flock(fd, LOCK_EX | LOCK_NB));
  R(flock(g1, LOCK_EX | LOCK_NB));
  R(flock(fd2, LOCK_EX | LOCK_NB));
  R(flock(fd2, LOCK_SH | LOCK_NB));
  int dupped = R(dup(fd));
  R(flock(dupped, LOCK_UN));
  R(flock(fd2, LOCK_SH | LOCK_NB));
  R(flock(fd, LOCK_SH | LOCK_NB));
  R(flock(-1, LOCK_SH));
  R(flock(g1, LOCK_UN));
  // lockf: a process never conflicts with itself.
  R(lockf(fd, F_TLOCK, 0));
  R(lockf(fd, F_TEST, 0));
  R(lockf(fd, F_ULOCK, 0));
  R(lockf64(fd, F_TLOCK, 10));
  R(lockf(fd, 99, 0));
  R(lockf(g1, F_TLOCK, 0));
  for (int x : {fd, fd2, g1, dupped}) R(close(x));
}

SCENARIO(CloseRange) {
  Spit(c.P("f"), "range");
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) fds.push_back(R(open(C(c.P("f")), O_RDONLY)));
  R(close_range(fds[0], fds[1], 0));
  char b[8];
  R(read(fds[0], b, 1));
  R(fcntl(fds[1], F_GETFD));
  R(close_range(fds[2], fds[2], CLOSE_RANGE_CLOEXEC));
  R(fcntl(fds[2], F_GETFD));
  ReadData("still readable", fds[2], 5);
  R(close_range(fds[3], fds[2], 0));
  R(close_range(fds[2], 800, 0));
  R(read(fds[2], b, 1));
  R(read(fds[3], b, 1));
  int again = R(open(C(c.P("f")), O_RDONLY));
  ReadData("reopened", again, 5);
  R(close(again));
}

SCENARIO(Copies) {
  Spit(c.P("src"), "0123456789abcdefghij");
  Spit(c.Scratch("local"), "LOCALDATA");
  int in = R(open(C(c.P("src")), O_RDONLY));
  int out = R(open(C(c.P("dst")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(sendfile(out, in, nullptr, 5));
  R(lseek(in, 0, SEEK_CUR));
  off_t off = 10;
  R(sendfile(out, in, &off, 3));
  c.Log("offset now %lld", static_cast<long long>(off));
  R(lseek(in, 0, SEEK_CUR));
  int local_in = R(open(C(c.Scratch("local")), O_RDONLY));
  R(sendfile(out, local_in, nullptr, 100));
  R(sendfile(out, in, nullptr, 1000));
  R(sendfile(out, in, nullptr, 10));
  off64_t off64 = 1;
  R(sendfile64(out, in, &off64, 2));
  R(close(out));
  Contents("dst", c.P("dst"));
  int local_out = R(open(C(c.Scratch("out")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(lseek(in, 0, SEEK_SET));
  R(sendfile(local_out, in, nullptr, 7));
  R(close(local_out));
  Contents("scratch out", c.Scratch("out"));
  // copy_file_range, both directions and within the prefix.
  out = R(open(C(c.P("cfr")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  off64_t in_off = 2;
  R(copy_file_range(in, &in_off, out, nullptr, 4, 0));
  c.Log("in_off %lld", static_cast<long long>(in_off));
  R(lseek(local_in, 0, SEEK_SET));
  R(copy_file_range(local_in, nullptr, out, nullptr, 5, 0));
  R(copy_file_range(in, nullptr, out, nullptr, 4, 1));
  R(close(out));
  Contents("cfr", c.P("cfr"));
  local_out = R(open(C(c.Scratch("out2")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  in_off = 0;
  off64_t out_off = 0;
  R(copy_file_range(in, &in_off, local_out, &out_off, 6, 0));
  R(close(local_out));
  Contents("scratch out2", c.Scratch("out2"));
  R(mkdir(C(c.P("d")), 0755));
  int dir = R(open(C(c.P("d")), O_RDONLY));
  out = R(open(C(c.P("cfr")), O_WRONLY));
  R(copy_file_range(dir, nullptr, out, nullptr, 4, 0));
  R(close(out));
  R(close(dir));
  R(close(in));
  R(close(local_in));
}

SCENARIO(IoctlTty) {
  Spit(c.P("f"), "0123456789");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  R(isatty(fd));
  struct termios t;
  R(tcgetattr(fd, &t));
  R(ioctl(fd, TCGETS, &t));
  int avail = -1;
  R(lseek(fd, 4, SEEK_SET));
  R(ioctl(fd, FIONREAD, &avail));
  c.Log("FIONREAD %d", avail);
  R(ioctl(fd, FIOCLEX));
  R(fcntl(fd, F_GETFD));
  R(ioctl(fd, FIONCLEX));
  R(fcntl(fd, F_GETFD));
  R(close(fd));
  R(isatty(fd));
}

SCENARIO(Fadvise) {
  Spit(c.P("f"), "0123456789");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  RE(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
  RE(posix_fadvise(fd, 0, 4, POSIX_FADV_WILLNEED));
  RE(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  RE(posix_fadvise64(fd, 0, 0, POSIX_FADV_RANDOM));
  RE(posix_fadvise(fd, 0, 0, 99));
  RE(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL));
  R(close(fd));
  RE(posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL));
  RE(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL));
}

SCENARIO(Fallocate) {
  int fd = R(open(C(c.P("a")), O_CREAT | O_RDWR | O_TRUNC, 0644));
  R(write(fd, "abc", 3));
  RE(posix_fallocate(fd, 0, 100));
  StatOf("a", c.P("a"));
  RE(posix_fallocate(fd, 50, 200));
  StatOf("a", c.P("a"));
  RE(posix_fallocate(fd, 0, 10));
  StatOf("a", c.P("a"));
  RE(posix_fallocate(fd, 0, 0));
  RE(posix_fallocate(fd, -1, 10));
  RE(posix_fallocate64(fd, 0, 260));
  R(fallocate(fd, 0, 0, 300));
  StatOf("a", c.P("a"));
  R(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 400));
  StatOf("a", c.P("a"));
  R(fallocate(fd, 0, 0, 0));
  R(fallocate64(fd, 0, 10, 310));
  R(close(fd));
  Contents("a", c.P("a"));
  fd = R(open(C(c.P("a")), O_RDONLY));
  RE(posix_fallocate(fd, 0, 1000));
  R(fallocate(fd, 0, 0, 1000));
  R(close(fd));
  RE(posix_fallocate(fd, 0, 1));
  StatOf("a", c.P("a"));
}

}  // namespace alluxio::preload_test
