// Shim-only scenarios: where a served prefix answers differently from a
// local directory, by design (docs/SEMANTICS.md, "The LD_PRELOAD shim").
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "diff_harness.h"

namespace alluxio::preload_test {
namespace {

const char* C(const std::string& s) { return s.c_str(); }

bool Fails(long rc, int err) { return rc == -1 && errno == err; }

void WriteUfs(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << data;
}

}  // namespace

// ".." never leaves a prefix mapped to an Alluxio sub-path: it resolves
// lexically on the local side, where the parent of the prefix is not served.
SHIM_SCENARIO(NoEscape, ScenarioOptions{"=/sub", "/sub", true, [](const std::string& ufs) {
                                          WriteUfs(ufs + "/secret", "top secret");
                                          WriteUfs(ufs + "/sub/inside", "inside");
                                          std::filesystem::create_directories(ufs + "/sub/d");
                                        }}) {
  struct stat st;
  CHECK(stat(C(c.P("inside")), &st) == 0);
  CHECK(Fails(stat(C(c.P("../secret")), &st), ENOENT));
  CHECK(Fails(stat(C(c.P("d/../../secret")), &st), ENOENT));
  CHECK(Fails(open(C(c.P("d/../../../../secret")), O_RDONLY), ENOENT));
  CHECK(Fails(access(C(c.P("/../secret")), F_OK), ENOENT));
  int dfd = open(C(c.P("d")), O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  // Relative to a served directory fd, a path that climbs out of the
  // prefix is not resolved against the local parent (docs/SEMANTICS.md).
  int rc = openat(dfd, "../../secret", O_RDONLY);
  CHECK(Fails(rc, ENOENT) || Fails(rc, ENOTDIR));
  CHECK(fstatat(dfd, "../inside", &st, 0) == 0);
  close(dfd);
  CHECK(chdir(C(c.P("d"))) == 0);
  CHECK(Fails(stat("../../secret", &st), ENOENT));
  CHECK(stat("../inside", &st) == 0);
  CHECK(chdir("/") == 0);
  // What is written lands under the sub-path.
  Spit(c.P("new"), "n");
  CHECK(Slurp(c.P("new")) == "n");
}

// Calls a served prefix cannot honour fail with a clear errno.
SHIM_SCENARIO(Unsupported) {
  Spit(c.P("f"), "data");
  CHECK(Fails(symlink("f", C(c.P("link"))), EPERM));
  CHECK(Fails(symlink("x", C(c.P("f"))), EEXIST));
  CHECK(Fails(symlinkat("f", AT_FDCWD, C(c.P("link"))), EPERM));
  CHECK(Fails(link(C(c.P("f")), C(c.P("hard"))), EPERM));
  CHECK(Fails(linkat(AT_FDCWD, C(c.P("f")), AT_FDCWD, C(c.P("hard")), 0), EPERM));
  CHECK(Fails(link(C(c.P("missing")), C(c.P("hard"))), ENOENT));
  CHECK(Fails(link(C(c.P("f")), C(c.Scratch("hard"))), EXDEV));
  CHECK(Fails(mkfifo(C(c.P("fifo")), 0644), EPERM));
  CHECK(Fails(mkfifoat(AT_FDCWD, C(c.P("fifo")), 0644), EPERM));
  CHECK(Fails(mknod(C(c.P("fifo")), S_IFIFO | 0644, 0), EPERM));
  CHECK(Fails(mknod(C(c.P("chr")), S_IFCHR | 0644, 0), EPERM));
  CHECK(mknod(C(c.P("reg")), S_IFREG | 0644, 0) == 0);
  char v[16];
  CHECK(Fails(getxattr(C(c.P("f")), "user.x", v, sizeof(v)), ENOTSUP));
  CHECK(Fails(lgetxattr(C(c.P("f")), "user.x", v, sizeof(v)), ENOTSUP));
  CHECK(Fails(setxattr(C(c.P("f")), "user.x", "1", 1, 0), ENOTSUP));
  CHECK(Fails(listxattr(C(c.P("f")), v, sizeof(v)), ENOTSUP));
  CHECK(Fails(removexattr(C(c.P("f")), "user.x"), ENOTSUP));
  CHECK(Fails(getxattr(C(c.P("missing")), "user.x", v, sizeof(v)), ENOENT));
  int fd = open(C(c.P("f")), O_RDWR);
  CHECK(fd >= 0);
  CHECK(Fails(fgetxattr(fd, "user.x", v, sizeof(v)), ENOTSUP));
  CHECK(Fails(fsetxattr(fd, "user.x", "1", 1, 0), ENOTSUP));
  CHECK(Fails(flistxattr(fd, v, sizeof(v)), ENOTSUP));
  CHECK(Fails(fremovexattr(fd, "user.x"), ENOTSUP));
  close(fd);
  CHECK(Fails(open(C(c.P()), O_TMPFILE | O_RDWR, 0600), EOPNOTSUPP));
  // Renames across the boundary between served and local paths.
  Spit(c.Scratch("local"), "l");
  CHECK(Fails(rename(C(c.P("f")), C(c.Scratch("moved"))), EXDEV));
  CHECK(Fails(rename(C(c.Scratch("local")), C(c.P("moved"))), EXDEV));
  CHECK(Fails(renameat2(AT_FDCWD, C(c.P("f")), AT_FDCWD, C(c.P("reg")), RENAME_EXCHANGE), EINVAL));
  // Served files are never terminals.
  fd = open(C(c.P("f")), O_RDONLY);
  CHECK(isatty(fd) == 0 && errno == ENOTTY);
  close(fd);
}

// Without the random-access switch, only new or truncated files are
// written (sequentially); everything else is ENOTSUP and leaves the file as
// it was.
SHIM_SCENARIO(NoRandomAccess, ScenarioOptions{"", "", false, nullptr}) {
  Spit(c.P("f"), "original");
  int fd = open(C(c.P("f")), O_WRONLY | O_APPEND);
  CHECK(fd < 0 ? errno == ENOTSUP : (write(fd, "x", 1) == -1 && errno == ENOTSUP));
  if (fd >= 0) close(fd);
  fd = open(C(c.P("f")), O_RDWR);
  CHECK(fd >= 0);
  CHECK(Fails(pwrite(fd, "X", 1, 2), ENOTSUP));
  CHECK(Fails(ftruncate(fd, 3), ENOTSUP));
  close(fd);
  CHECK(Fails(truncate(C(c.P("f")), 3), ENOTSUP));
  CHECK(Slurp(c.P("f")) == "original");
  // Sequential writes of a new file work, and so does truncation to zero.
  fd = open(C(c.P("n")), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(write(fd, "abc", 3) == 3);
  CHECK(Fails(pwrite(fd, "Z", 1, 0), ENOTSUP));
  CHECK(write(fd, "def", 3) == 3);
  CHECK(close(fd) == 0);
  CHECK(Slurp(c.P("n")) == "abcdef");
  CHECK(truncate(C(c.P("n")), 0) == 0);
  CHECK(Slurp(c.P("n")).empty());
}

// Other opens see what a writer wrote once it is synced or closed. On a
// local UFS the first commit publishes the staging file itself, so writes
// after an fsync are seen at once, as on a local disk.
SHIM_SCENARIO(ReadWhileWriting) {
  int w = open(C(c.P("f")), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(write(w, "first", 5) == 5);
  CHECK(access(C(c.P("f")), F_OK) == 0);  // the writer's own view
  int r = open(C(c.P("f")), O_RDONLY);
  CHECK(r >= 0);
  if (r >= 0) close(r);
  CHECK(fsync(w) == 0);
  CHECK(Slurp(c.P("f")) == "first");
  CHECK(write(w, "second", 6) == 6);
  CHECK(Slurp(c.P("f")) == "firstsecond");
  CHECK(close(w) == 0);
  CHECK(Slurp(c.P("f")) == "firstsecond");
}

// A writable descriptor handed to a program without the shim: the file is
// backed by a real copy when the parent forks, the program writes into it,
// and the parent's close commits it.
SHIM_SCENARIO(ExecWriterWithoutShim) {
  int fd = open(C(c.P("out")), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(dup2(fd, 8) == 8);
  close(fd);
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                    const_cast<char*>("echo written >&8"), nullptr};
    char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
    execve("/bin/sh", argv, envp);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(close(8) == 0);
  CHECK(Slurp(c.P("out")) == "written\n");
}

// system() and popen() children: glibc starts them with internal calls the
// shim cannot see, so served descriptors they inherit are backed by real
// copies first; served paths given to a child with the shim loaded work.
SHIM_SCENARIO(SystemPopen) {
  Spit(c.P("f"), "via path\n");
  int fd = open(C(c.P("f")), O_RDONLY);
  CHECK(dup2(fd, 7) == 7);
  close(fd);
  FILE* p = popen(("cat " + c.P("f") + "; cat <&7").c_str(), "r");
  CHECK(p != nullptr);
  char buf[100] = {};
  size_t n = p ? fread(buf, 1, sizeof(buf) - 1, p) : 0;
  if (p) pclose(p);
  CHECK(std::string(buf, n) == "via path\nvia path\n");
  CHECK(system(("test -s " + c.P("f")).c_str()) == 0);
  close(7);
}

}  // namespace alluxio::preload_test
