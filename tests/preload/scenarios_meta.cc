// Differential scenarios: the stat family, access, mkdir/rmdir/unlink,
// rename, *at calls with served directory fds, the working directory,
// attributes and times, paths (realpath, readlink, statfs).
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <string>

#include "diff_harness.h"

namespace alluxio::preload_test {
namespace {

const char* C(const std::string& s) { return s.c_str(); }

void StatAt(const char* label, int dirfd, const char* path, int flags) {
  struct stat st;
  int rc = static_cast<int>(g->Rc(label, fstatat(dirfd, path, &st, flags)));
  if (rc == 0) g->Stat("  ", rc, st);
}

void Mtime(const char* label, const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    g->Log("%s: stat failed %d", label, errno);
    return;
  }
  g->Log("%s: mtime %lld.%09ld", label, static_cast<long long>(st.st_mtim.tv_sec),
         st.st_mtim.tv_nsec);
}

}  // namespace

extern "C" {
int old_xstat(int, const char*, struct stat*);
int old_lxstat(int, const char*, struct stat*);
int old_xstat64(int, const char*, struct stat*);
int old_fxstat(int, int, struct stat*);
int old_fxstatat(int, int, const char*, struct stat*, int);
}
__asm__(".symver old_xstat,__xstat@GLIBC_2.2.5");
__asm__(".symver old_lxstat,__lxstat@GLIBC_2.2.5");
__asm__(".symver old_xstat64,__xstat64@GLIBC_2.2.5");
__asm__(".symver old_fxstat,__fxstat@GLIBC_2.2.5");
__asm__(".symver old_fxstatat,__fxstatat@GLIBC_2.4");

SCENARIO(StatFamily) {
  Spit(c.P("f"), "12345");
  R(mkdir(C(c.P("d")), 0750));
  struct stat st;
  R(stat(C(c.P("f")), &st));
  c.Stat("stat f", 0, st);
  R(stat(C(c.P("d")), &st));
  c.Stat("stat d", 0, st);
  R(stat(C(c.P()), &st));
  c.Stat("stat root", 0, st);
  R(lstat(C(c.P("f")), &st));
  c.Stat("lstat f", 0, st);
  struct stat64 st64;
  R(stat64(C(c.P("f")), &st64));
  R(lstat64(C(c.P("d")), &st64));
  R(stat(C(c.P("missing")), &st));
  R(stat(C(c.P("f/x")), &st));
  R(stat(C(c.P("f/")), &st));
  R(stat(C(c.P("d/")), &st));
  R(stat(C(c.P("d/.")), &st));
  R(stat(C(c.P("d/../f")), &st));
  R(lstat(C(c.P("missing/x")), &st));
  int fd = R(open(C(c.P("f")), O_RDONLY));
  R(fstat(fd, &st));
  c.Stat("fstat f", 0, st);
  R(fstat64(fd, &st64));
  int dfd = R(open(C(c.P("d")), O_RDONLY | O_DIRECTORY));
  R(fstat(dfd, &st));
  c.Stat("fstat d", 0, st);
  StatAt("fstatat AT_FDCWD", AT_FDCWD, C(c.P("f")), 0);
  StatAt("fstatat nofollow", AT_FDCWD, C(c.P("f")), AT_SYMLINK_NOFOLLOW);
  Spit(c.P("d/in"), "inside");
  StatAt("fstatat dirfd", dfd, "in", 0);
  StatAt("fstatat dirfd ..", dfd, "../f", 0);
  StatAt("fstatat dirfd missing", dfd, "nope", 0);
  StatAt("fstatat empty path", fd, "", AT_EMPTY_PATH);
  StatAt("fstatat empty path dir", dfd, "", AT_EMPTY_PATH);
  StatAt("fstatat empty without flag", fd, "", 0);
  StatAt("fstatat file as dirfd", fd, "x", 0);
  StatAt("fstatat dirfd absolute", dfd, C(c.P("f")), 0);
  R(fstatat64(dfd, "in", &st64, 0));
  struct statx sx;
  R(statx(AT_FDCWD, C(c.P("f")), 0, STATX_BASIC_STATS, &sx));
  c.Log("statx f: mode %o size %llu nlink %u uid %u mask-basic %d", sx.stx_mode,
        static_cast<unsigned long long>(sx.stx_size), sx.stx_nlink, sx.stx_uid,
        (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
  R(statx(dfd, "in", 0, STATX_SIZE, &sx));
  c.Log("statx in: size %llu", static_cast<unsigned long long>(sx.stx_size));
  R(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
  c.Log("statx fd: size %llu", static_cast<unsigned long long>(sx.stx_size));
  R(statx(AT_FDCWD, C(c.P("missing")), 0, STATX_BASIC_STATS, &sx));
  R(statx(AT_FDCWD, C(c.P("d")), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE, &sx));
  c.Log("statx d: mode %o", sx.stx_mode);
  // The pre-2.33 entry points, referenced with their version as binaries
  // linked against older glibc do (see the .symver aliases above).
  auto xstat = &old_xstat;
  auto lxstat = &old_lxstat;
  auto xstat64 = &old_xstat64;
  auto fxstat = &old_fxstat;
  auto fxstatat = &old_fxstatat;
  if (xstat) {
    R(xstat(1, C(c.P("f")), &st));
    c.Stat("__xstat f", 0, st);
    R(xstat(1, C(c.P("missing")), &st));
  }
  if (lxstat) {
    R(lxstat(1, C(c.P("d")), &st));
    c.Stat("__lxstat d", 0, st);
  }
  if (xstat64) R(xstat64(1, C(c.P("f")), &st));
  if (fxstat) {
    R(fxstat(1, fd, &st));
    c.Stat("__fxstat f", 0, st);
  }
  if (fxstatat) {
    R(fxstatat(1, dfd, "in", &st, 0));
    c.Stat("__fxstatat in", 0, st);
  }
  R(close(fd));
  R(close(dfd));
  R(fstat(fd, &st));
  R(fstat(-1, &st));
}

SCENARIO(Access) {
  Spit(c.P("f"), "x");
  R(mkdir(C(c.P("d")), 0755));
  R(access(C(c.P("f")), F_OK));
  R(access(C(c.P("f")), R_OK));
  R(access(C(c.P("f")), W_OK));
  R(access(C(c.P("f")), X_OK));
  R(access(C(c.P("f")), R_OK | W_OK));
  R(access(C(c.P("d")), X_OK));
  R(chmod(C(c.P("f")), 0755));
  R(access(C(c.P("f")), X_OK));
  R(chmod(C(c.P("f")), 0));
  R(access(C(c.P("f")), R_OK | W_OK));
  R(access(C(c.P("missing")), F_OK));
  R(access(C(c.P("f/x")), F_OK));
  R(access(C(c.P("f")), 0x10));
  R(faccessat(AT_FDCWD, C(c.P("f")), R_OK, 0));
  R(faccessat(AT_FDCWD, C(c.P("f")), X_OK, AT_EACCESS));
  int dfd = R(open(C(c.P("d")), O_RDONLY | O_DIRECTORY));
  R(faccessat(dfd, "../f", F_OK, 0));
  R(faccessat(dfd, "nope", F_OK, 0));
  R(euidaccess(C(c.P("f")), R_OK));
  R(eaccess(C(c.P("d")), W_OK));
  R(close(dfd));
  R(chmod(C(c.P("f")), 0644));
}

// Permission checks as an unprivileged user (a child that drops root).
SCENARIO(NonRoot) {
  Spit(c.P("private"), "secret");
  R(chmod(C(c.P("private")), 0600));
  Spit(c.P("public"), "hello");
  R(mkdir(C(c.P("closed")), 0700));
  R(mkdir(C(c.P("open")), 0777));
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(99);
    R(access(C(c.P("private")), R_OK));
    R(access(C(c.P("public")), R_OK));
    R(access(C(c.P("public")), W_OK));
    int fd = R(open(C(c.P("private")), O_RDONLY));
    fd = R(open(C(c.P("public")), O_RDONLY));
    R(close(fd));
    R(open(C(c.P("public")), O_WRONLY));
    R(mkdir(C(c.P("mine")), 0755));
    R(open(C(c.P("new")), O_CREAT | O_WRONLY, 0644));
    R(unlink(C(c.P("public"))));
    R(chmod(C(c.P("public")), 0777));
    R(opendir(C(c.P("closed"))) != nullptr);
    fd = R(open(C(c.P("open/mine")), O_CREAT | O_WRONLY, 0644));
    R(write(fd, "nobody", 6));
    R(close(fd));
    StatOf("open/mine", c.P("open/mine"));
    fflush(nullptr);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  c.Log("child exit %d", WEXITSTATUS(status));
}

SCENARIO(MkdirRmdirUnlink) {
  Spit(c.P("f"), "x");
  R(mkdir(C(c.P("d")), 0755));
  R(mkdir(C(c.P("d")), 0755));
  R(mkdir(C(c.P("f")), 0755));
  R(mkdir(C(c.P("missing/x")), 0755));
  R(mkdir(C(c.P("f/x")), 0755));
  R(mkdir(C(c.P("m700")), 0700));
  StatOf("m700", c.P("m700"));
  R(mkdir(C(c.P("slash/")), 0755));
  R(mkdir(C(c.P("d/.")), 0755));
  Spit(c.P("d/file"), "y");
  R(rmdir(C(c.P("d"))));
  R(rmdir(C(c.P("f"))));
  R(rmdir(C(c.P("missing"))));
  R(rmdir(C(c.P("slash/."))));
  R(rmdir(C(c.P("d/file/"))));
  R(unlink(C(c.P("d"))));
  R(unlink(C(c.P("missing"))));
  R(unlink(C(c.P("f/x"))));
  R(unlink(C(c.P("d/file/"))));
  R(unlink(C(c.P("d/file"))));
  R(rmdir(C(c.P("d"))));
  R(rmdir(C(c.P("slash/"))));
  int dfd = R(open(C(c.P("m700")), O_RDONLY | O_DIRECTORY));
  R(mkdirat(dfd, "sub", 0755));
  R(mkdirat(dfd, "sub", 0755));
  Spit(c.P("m700/file"), "z");
  R(unlinkat(dfd, "sub", 0));
  R(unlinkat(dfd, "file", AT_REMOVEDIR));
  R(unlinkat(dfd, "file", 0x1));
  R(unlinkat(dfd, "sub", AT_REMOVEDIR));
  R(unlinkat(dfd, "file", 0));
  R(unlinkat(dfd, "file", 0));
  R(mkdirat(AT_FDCWD, C(c.P("m700/abs")), 0711));
  StatOf("m700/abs", c.P("m700/abs"));
  R(close(dfd));
}

SCENARIO(Rename) {
  Spit(c.P("a"), "AAA");
  Spit(c.P("b"), "BB");
  R(rename(C(c.P("a")), C(c.P("a2"))));
  R(rename(C(c.P("a2")), C(c.P("b"))));
  Contents("b", c.P("b"));
  R(access(C(c.P("a2")), F_OK));
  R(mkdir(C(c.P("d")), 0755));
  R(mkdir(C(c.P("e")), 0755));
  R(mkdir(C(c.P("full")), 0755));
  Spit(c.P("full/x"), "x");
  Spit(c.P("d/inner"), "in");
  R(rename(C(c.P("d")), C(c.P("e"))));
  StatOf("e/inner", c.P("e/inner"));
  R(rename(C(c.P("e")), C(c.P("full"))));
  R(rename(C(c.P("b")), C(c.P("full"))));
  R(rename(C(c.P("full")), C(c.P("b"))));
  R(rename(C(c.P("missing")), C(c.P("z"))));
  R(rename(C(c.P("e")), C(c.P("e/sub"))));
  R(rename(C(c.P("b")), C(c.P("b"))));
  R(rename(C(c.P("b")), C(c.P("nodir/b"))));
  R(rename(C(c.P("b/")), C(c.P("c"))));
  int dfd = R(open(C(c.P("e")), O_RDONLY | O_DIRECTORY));
  R(renameat(dfd, "inner", dfd, "inner2"));
  R(renameat(dfd, "inner2", AT_FDCWD, C(c.P("moved"))));
  R(renameat2(AT_FDCWD, C(c.P("moved")), AT_FDCWD, C(c.P("b")), RENAME_NOREPLACE));
  R(renameat2(AT_FDCWD, C(c.P("moved")), dfd, "back", RENAME_NOREPLACE));
  R(close(dfd));
  // An open file keeps its content across a rename.
  Spit(c.P("open"), "still readable");
  int fd = R(open(C(c.P("open")), O_RDONLY));
  char buf[32];
  long n = R(read(fd, buf, 4));
  c.Data("  data", buf, n);
  R(rename(C(c.P("open")), C(c.P("renamed"))));
  n = R(pread(fd, buf, 4, 0));
  c.Data("  data", buf, n);
  R(close(fd));
  Contents("e/back", c.P("e/back"));
  Contents("full/x", c.P("full/x"));
}

SCENARIO(AtCalls) {
  R(mkdir(C(c.P("d")), 0755));
  Spit(c.P("top"), "top");
  int dfd = R(open(C(c.P("d")), O_RDONLY | O_DIRECTORY));
  int fd = R(openat(dfd, "x", O_CREAT | O_WRONLY, 0644));
  R(write(fd, "xdata", 5));
  R(close(fd));
  StatAt("fstatat x", dfd, "x", 0);
  R(mkdirat(dfd, "sub", 0755));
  fd = R(openat(dfd, "sub/../x", O_RDONLY));
  R(close(fd));
  fd = R(openat(dfd, "../top", O_RDONLY));
  R(close(fd));
  fd = R(openat(dfd, "..", O_RDONLY | O_DIRECTORY));
  StatAt("fstatat via parent fd", fd, "d/x", 0);
  R(close(fd));
  R(faccessat(dfd, "x", R_OK, 0));
  R(fchmodat(dfd, "x", 0600, 0));
  R(fchownat(dfd, "x", 12, 34, 0));
  struct timespec ts[2] = {{100, 0}, {200, 5}};
  R(utimensat(dfd, "x", ts, 0));
  StatAt("x after attributes", dfd, "x", 0);
  R(renameat(dfd, "x", dfd, "y"));
  char buf[64];
  R(readlinkat(dfd, "y", buf, sizeof(buf)));
  int ffd = R(openat(dfd, "y", O_RDONLY));
  R(openat(ffd, "z", O_RDONLY));
  R(mkdirat(ffd, "z", 0755));
  R(unlinkat(ffd, "z", 0));
  R(close(ffd));
  fd = R(openat(dfd, C(c.P("top")), O_RDONLY));
  R(close(fd));
  R(openat(dfd, "", O_RDONLY));
  R(openat(-5, "rel", O_RDONLY));
  R(openat(12345, "rel", O_RDONLY));
  R(unlinkat(dfd, "y", 0));
  R(unlinkat(dfd, "sub", AT_REMOVEDIR));
  R(close(dfd));
  R(openat(dfd, "x", O_RDONLY));
}

SCENARIO(WorkingDirectory) {
  R(mkdir(C(c.P("d")), 0755));
  Spit(c.P("top"), "top");
  R(chdir(C(c.P("d"))));
  char buf[PATH_MAX];
  if (RP(getcwd(buf, sizeof(buf)))) c.Str("cwd", buf);
  int fd = R(open("f", O_CREAT | O_WRONLY, 0644));
  R(write(fd, "rel", 3));
  R(close(fd));
  StatOf("f", "f");
  R(mkdir("sub", 0755));
  R(access("../top", R_OK));
  Contents("../top", "../top");
  StatOf("./sub/..", "./sub/..");
  R(chdir("sub"));
  if (RP(getcwd(buf, sizeof(buf)))) c.Str("cwd", buf);
  R(chdir(".."));
  if (RP(getcwd(buf, sizeof(buf)))) c.Str("cwd", buf);
  RP(getcwd(buf, 1));
  char* m = static_cast<char*>(const_cast<void*>(RP(getcwd(nullptr, 0))));
  if (m) c.Str("malloc'd cwd", m);
  free(m);
  RP(getcwd(buf, 0));
  if (RP(get_current_dir_name())) c.Log("get_current_dir_name ok");
  R(chdir("missing"));
  R(chdir("f"));
  R(rename("f", "g"));
  R(unlink("g"));
  R(rmdir("sub"));
  char* rp = realpath("../top", nullptr);
  if (RP(rp)) c.Str("realpath ../top", rp);
  free(rp);
  int dfd = R(open(C(c.P()), O_RDONLY | O_DIRECTORY));
  R(fchdir(dfd));
  if (RP(getcwd(buf, sizeof(buf)))) c.Str("cwd after fchdir", buf);
  Contents("top via fchdir", "top");
  int ffd = R(open("top", O_RDONLY));
  R(fchdir(ffd));
  R(close(ffd));
  R(close(dfd));
  // Leaving for a real directory and back.
  R(chdir(C(c.Scratch(""))));
  if (RP(getcwd(buf, sizeof(buf)))) c.Str("cwd", buf);
  Spit("scratchfile", "s");
  R(access("scratchfile", F_OK));
  R(chdir(C(c.P())));
  R(access("top", F_OK));
  R(access("scratchfile", F_OK));
  StatOf("..", "..");
  R(chdir("/"));
  if (RP(getcwd(buf, sizeof(buf)))) c.Str("cwd", buf);
  R(access("top", F_OK));
}

SCENARIO(Attributes) {
  Spit(c.P("f"), "attr");
  R(mkdir(C(c.P("d")), 0755));
  R(chmod(C(c.P("f")), 0600));
  StatOf("f", c.P("f"));
  R(chmod(C(c.P("d")), 0700));
  StatOf("d", c.P("d"));
  R(chmod(C(c.P("missing")), 0600));
  R(chmod(C(c.P("f/x")), 0600));
  int fd = R(open(C(c.P("f")), O_RDONLY));
  R(fchmod(fd, 0640));
  StatOf("f", c.P("f"));
  R(fchmodat(AT_FDCWD, C(c.P("f")), 0644, 0));
  R(fchmodat(AT_FDCWD, C(c.P("f")), 0604, AT_SYMLINK_NOFOLLOW));
  StatOf("f", c.P("f"));
  R(chown(C(c.P("f")), 1234, 5678));
  StatOf("f", c.P("f"));
  R(chown(C(c.P("f")), -1, 42));
  R(lchown(C(c.P("f")), 43, -1));
  StatOf("f", c.P("f"));
  R(fchown(fd, 7, 8));
  StatOf("f", c.P("f"));
  R(fchownat(AT_FDCWD, C(c.P("f")), 9, 9, 0));
  R(fchownat(fd, "", 10, 10, AT_EMPTY_PATH));
  StatOf("f", c.P("f"));
  R(chown(C(c.P("missing")), 0, 0));
  R(fchmod(-1, 0644));
  R(fchown(-1, 0, 0));
  // Times: only modification times are compared (access times are not kept).
  struct timespec ts[2] = {{1000, 1}, {1000000000, 123456789}};
  R(utimensat(AT_FDCWD, C(c.P("f")), ts, 0));
  Mtime("utimensat", c.P("f"));
  struct timespec omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  R(utimensat(AT_FDCWD, C(c.P("f")), omit, 0));
  Mtime("UTIME_OMIT", c.P("f"));
  struct timespec bad[2] = {{0, 0}, {0, 2000000000}};
  R(utimensat(AT_FDCWD, C(c.P("f")), bad, 0));
  ts[1].tv_sec = 1100000000;
  R(futimens(fd, ts));
  Mtime("futimens", c.P("f"));
  struct utimbuf ub = {5, 6};
  R(utime(C(c.P("f")), &ub));
  Mtime("utime", c.P("f"));
  struct timeval tv[2] = {{7, 0}, {8, 500000}};
  R(utimes(C(c.P("f")), tv));
  Mtime("utimes", c.P("f"));
  tv[1].tv_sec = 9;
  R(lutimes(C(c.P("f")), tv));
  Mtime("lutimes", c.P("f"));
  tv[1].tv_sec = 10;
  R(futimes(fd, tv));
  Mtime("futimes", c.P("f"));
  ts[1].tv_sec = 11;
  const char* volatile no_path = nullptr;  // Linux: the descriptor itself
  R(utimensat(fd, no_path, ts, 0));
  Mtime("utimensat(fd, NULL)", c.P("f"));
  R(utimensat(AT_FDCWD, C(c.P("missing")), ts, 0));
  R(utimensat(AT_FDCWD, C(c.P("d")), ts, 0));
  Mtime("d", c.P("d"));
  R(close(fd));
  // Attributes set while a file is being written survive its close.
  fd = R(open(C(c.P("w")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(write(fd, "written", 7));
  R(fchmod(fd, 0600));
  ts[1].tv_sec = 1200000000;
  R(futimens(fd, ts));
  R(close(fd));
  StatOf("w", c.P("w"));
  Mtime("w", c.P("w"));
  R(chmod(C(c.P("d")), 0755));
}

SCENARIO(Paths) {
  R(mkdir(C(c.P("d")), 0755));
  Spit(c.P("d/f"), "f");
  char buf[PATH_MAX];
  if (RP(realpath(C(c.P("d/../d/./f")), buf))) c.Str("realpath", buf);
  if (RP(realpath(C(c.P("d/")), buf))) c.Str("realpath d/", buf);
  if (RP(realpath(C(c.P()), buf))) c.Str("realpath root", buf);
  RP(realpath(C(c.P("missing")), buf));
  RP(realpath(C(c.P("d/f/x")), buf));
  char* m = canonicalize_file_name(C(c.P("d//f")));
  if (RP(m)) c.Str("canonicalize_file_name", m);
  free(m);
  RP(canonicalize_file_name(C(c.P("nope"))));
  R(readlink(C(c.P("d/f")), buf, sizeof(buf)));
  R(readlink(C(c.P("missing")), buf, sizeof(buf)));
  R(readlink(C(c.P("d")), buf, sizeof(buf)));
  struct statfs sf;
  R(statfs(C(c.P("d")), &sf));
  R(statfs(C(c.P("missing")), &sf));
  R(statfs(C(c.P("d/f/x")), &sf));
  struct statfs64 sf64;
  R(statfs64(C(c.P("d")), &sf64));
  struct statvfs sv;
  R(statvfs(C(c.P("d/f")), &sv));
  c.Log("namemax %lu", sv.f_namemax);
  R(statvfs(C(c.P("missing")), &sv));
  struct statvfs64 sv64;
  R(statvfs64(C(c.P("d")), &sv64));
  int fd = R(open(C(c.P("d/f")), O_RDONLY));
  R(fstatfs(fd, &sf));
  R(fstatfs64(fd, &sf64));
  R(fstatvfs(fd, &sv));
  R(fstatvfs64(fd, &sv64));
  R(close(fd));
  R(fstatfs(fd, &sf));
}

}  // namespace alluxio::preload_test
