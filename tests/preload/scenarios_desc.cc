// Descriptors of files being written, as programs really use them: shared
// across fork and dup, closed in vfork and fork children, mapped, copied
// with raw syscalls. Each compared scenario must leave exactly what a local
// file system leaves; none may lose a byte while every call succeeds.
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "preload/diff_harness.h"

namespace {

using alluxio::preload_test::Slurp;
using alluxio::preload_test::Spit;

const char* C(const std::string& s) { return s.c_str(); }

std::string Block(char c, size_t n) { return std::string(n, c); }

bool WriteAll(int fd, const std::string& s) {
  return write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

int Wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits (up to 20 s) until `path` holds `want`: for commits that follow a
// process's exit rather than a call of this one.
bool Eventually(const std::string& path, const std::string& want) {
  for (int i = 0; i < 2000; ++i) {
    if (Slurp(path) == want) return true;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  return false;
}

}  // namespace

// A vfork child that closes the descriptor before exec (as Python's
// subprocess does with close_fds) must not take the parent's file away.
SCENARIO(VforkChildClosesWriter) {
  int fd = R(open(C(c.P("f")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  R(WriteAll(fd, Block('a', 1 << 20)));
  pid_t pid = vfork();
  if (pid == 0) {
    close(fd);
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  R(Wait(pid));
  R(WriteAll(fd, Block('b', 1 << 20)));
  R(close(fd));
  c.Data("f", Slurp(c.P("f")).data(), static_cast<long>(Slurp(c.P("f")).size()));
}

// The same with close_range in a forked child, and with an exec that
// inherits the descriptor.
SCENARIO(ForkChildCloseRangeAndExec) {
  int fd = R(open(C(c.P("f")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  R(WriteAll(fd, "one\n"));
  pid_t pid = fork();
  if (pid == 0) {
    syscall(SYS_close_range, 3u, ~0u, 0u);
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  R(Wait(pid));
  pid = fork();
  if (pid == 0) {
    close_range(3, ~0u, 0);
    _exit(0);
  }
  R(Wait(pid));
  pid = fork();
  if (pid == 0) {  // inherits the descriptor across exec
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  R(Wait(pid));
  R(WriteAll(fd, "two\n"));
  R(close(fd));
  c.Str("f", Slurp(c.P("f")));
}

// Parent and child share the offset of a descriptor they both inherited, as
// with any kernel file: their writes follow each other.
SCENARIO(ForkSharesWriteOffset) {
  int fd = R(open(C(c.P("f")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  R(WriteAll(fd, "parent 1\n"));
  pid_t pid = fork();
  if (pid == 0) {
    _exit(WriteAll(fd, "child\n") ? 0 : 1);
  }
  R(Wait(pid));
  R(WriteAll(fd, "parent 2\n"));
  R(lseek(fd, 0, SEEK_CUR));
  R(close(fd));
  c.Str("f", Slurp(c.P("f")));
}

// A child that writes after its parent closed, then _exits (as
// multiprocessing workers do, running no exit handlers): its bytes count.
SCENARIO(ChildWritesAfterParentCloses) {
  int go[2];
  R(pipe(go));
  int fd = R(open(C(c.P("f")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  R(WriteAll(fd, "parent\n"));
  pid_t pid = fork();
  if (pid == 0) {
    char ch;
    close(go[1]);
    if (read(go[0], &ch, 1) != 0) _exit(2);  // the parent has closed
    _exit(WriteAll(fd, "child\n") ? 0 : 1);
  }
  close(go[0]);
  R(close(fd));
  close(go[1]);
  R(Wait(pid));
  R(Eventually(c.P("f"), "parent\nchild\n"));
  c.Str("f", Slurp(c.P("f")));
}

// Shared writable maps write the file.
SCENARIO(SharedWritableMap) {
  int fd = R(open(C(c.P("m")), O_RDWR | O_CREAT | O_TRUNC, 0644));
  R(ftruncate(fd, 8192));
  void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  R(p != MAP_FAILED);
  if (p != MAP_FAILED) {
    memcpy(static_cast<char*>(p) + 4000, "mapped bytes", 12);
    R(msync(p, 8192, MS_SYNC));
    R(munmap(p, 8192));
  }
  R(close(fd));
  std::string got = Slurp(c.P("m"));
  c.Data("m", got.data(), static_cast<long>(got.size()));
}

// copy_file_range and sendfile through raw syscalls (Rust and Go programs
// make them so) into a file being written.
SCENARIO(RawSyscallCopies) {
  Spit(c.Scratch("src"), Block('s', 300000));
  int in = R(open(C(c.Scratch("src")), O_RDONLY));
  int out = R(open(C(c.P("copy")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  long n = R(syscall(SYS_copy_file_range, in, nullptr, out, nullptr, 200000, 0));
  R(n);
  R(syscall(SYS_sendfile, out, in, nullptr, 100000));
  int p[2];
  R(pipe(p));
  R(write(p[1], "spliced", 7));
  R(splice(p[0], nullptr, out, nullptr, 7, 0));
  close(p[0]);
  close(p[1]);
  R(close(out));
  R(close(in));
  std::string got = Slurp(c.P("copy"));
  c.Data("copy", got.data(), static_cast<long>(got.size()));
  // And out of a served file opened for reading.
  in = R(open(C(c.P("copy")), O_RDONLY));
  out = R(open(C(c.Scratch("back")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  R(syscall(SYS_copy_file_range, in, nullptr, out, nullptr, 1 << 20, 0));
  R(syscall(SYS_close, in));
  R(close(out));
  got = Slurp(c.Scratch("back"));
  c.Data("back", got.data(), static_cast<long>(got.size()));
}

// A file being written, stat'ed through its descriptor by a program that
// inherited it (cat, tar and others fstat their standard output).
SCENARIO(ExecedProgramWritesInheritedFd) {
  int fd = R(open(C(c.P("out")), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    close(fd);
    execl("/bin/sh", "sh", "-c",
          "cat /dev/null && printf 'from sh\\n' && stat -L -c %s /dev/stdout",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  R(close(fd));
  R(Wait(pid));
  c.Str("out", Slurp(c.P("out")));
}

// After fork, parent and child share the offset of a descriptor opened for
// reading too.
SCENARIO(ForkSharesReadOffset) {
  Spit(c.P("f"), "0123456789");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  char b[4];
  R(read(fd, b, 2));
  pid_t pid = fork();
  if (pid == 0) _exit(read(fd, b, 4) == 4 && memcmp(b, "2345", 4) == 0 ? 0 : 1);
  R(Wait(pid));
  R(lseek(fd, 0, SEEK_CUR));
  R(close(fd));
}

// Holes punched into a file being written stay holes, and read as zeros.
SCENARIO(PunchHole) {
  int fd = R(open(C(c.P("h")), O_RDWR | O_CREAT | O_TRUNC, 0644));
  R(WriteAll(fd, Block('x', 3 << 20)));
  R(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20));
  char b[4] = {1, 1, 1, 1};
  R(pread(fd, b, 4, (1 << 20) + 100));
  c.Data("hole", b, 4);
  R(close(fd));
  std::string got = Slurp(c.P("h"));
  c.Data("h", got.data(), static_cast<long>(got.size()));
}

// A map that outlives its descriptor (fsx's mapread never unmaps) neither
// keeps the file uncommitted nor keeps the next writer out; what a shared
// map writes after the close, and before the program exits, is kept too.
SCENARIO(MapOutlivesClose) {
  int fd = R(open(C(c.P("m")), O_RDWR | O_CREAT | O_TRUNC, 0644));
  R(pwrite(fd, "hello", 5, 0));
  void* m = mmap(nullptr, 5, PROT_READ, MAP_PRIVATE, fd, 0);
  R(m != MAP_FAILED);
  R(close(fd));
  c.Str("m", Slurp(c.P("m")));
  int w = R(open(C(c.P("m")), O_RDWR));
  R(pwrite(w, "J", 1, 0));
  R(close(w));
  if (m != MAP_FAILED) R(munmap(m, 5));
  c.Str("m", Slurp(c.P("m")));
  pid_t pid = fork();
  if (pid == 0) {
    int fd2 = open(C(c.P("m")), O_RDWR);
    void* m2 = mmap(nullptr, 5, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    close(fd2);
    if (m2 == MAP_FAILED) _exit(1);
    memcpy(m2, "W", 1);
    exit(0);  // with the map in place
  }
  R(Wait(pid));
  R(Eventually(c.P("m"), "Wello"));
  c.Str("m", Slurp(c.P("m")));
}
