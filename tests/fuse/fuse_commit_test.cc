// When alluxio-fuse commits a written file (issue #12, "no silent data
// loss"), on real mounts: a descriptor shared with child processes (a shell's
// `exec 3>file`, a writer that spawns programs between chunks) is committed
// once, complete, when its last holder closes it; a close followed at once by
// a new open for writing never meets the previous writer (EBUSY).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fuse_mount.h"
#include "testing/bytes.h"
#include "testing/local_files.h"

extern char** environ;

namespace alluxio::testing {
namespace {

constexpr char kRandomAccess[] = "alluxio.user.fuse.random.access.file.stream.enabled";

struct Ran {
  int status = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
};

// Runs argv (argv[0] an absolute path) with stdout and stderr captured in
// files under `scratch`, and waits for it.
Ran Spawn(const std::vector<std::string>& argv, const std::string& scratch) {
  Ran r;
  const std::string out = scratch + "/run.out";
  const std::string err = scratch + "/run.err";
  pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || n < 0) ::_exit(126);
    ::dup2(n, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadLocalFile(out);
  r.err = ReadLocalFile(err);
  return r;
}

// Closes a descriptor when a test returns early.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Starts /bin/true and waits for it; `use_fork` picks fork+exec over
// posix_spawn (glibc's is a CLONE_VFORK clone). True when it exited 0.
bool RunTrue(bool use_fork) {
  pid_t pid = -1;
  if (use_fork) {
    pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/true", "true", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  } else {
    char arg0[] = "true";
    char* args[] = {arg0, nullptr};
    if (::posix_spawn(&pid, "/bin/true", nullptr, nullptr, args, environ) != 0) return false;
  }
  if (pid < 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Mounts for a test, or skips it (MOUNT_OR_SKIP, fuse_mount.h); the daemon in
// a PID namespace of its own when `own_pid_namespace` (root only).
class MountingTest : public FuseMountTest {
 protected:
  std::unique_ptr<FuseMount> Mount(FuseMountOptions opts, bool own_pid_namespace) {
    opts.own_pid_namespace = own_pid_namespace;
    return FuseMountTest::Mount(opts);
  }
};

// Every scenario twice: with a daemon that sees the processes using the
// mount (it commits at the last holder's close), and with one in a PID
// namespace of its own that cannot (it commits at release, and opens wait
// for a release that is due). Reads go through the mount first, then to the
// UFS: the mount's open is what waits.
class CommitTest : public MountingTest, public ::testing::WithParamInterface<bool> {
 protected:
  std::unique_ptr<FuseMount> Mount(const FuseMountOptions& opts = {}) {
    return MountingTest::Mount(opts, /*own_pid_namespace=*/!GetParam());
  }
};

INSTANTIATE_TEST_SUITE_P(Daemon, CommitTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "SeesProcesses" : "OwnPidNamespace";
                         });

// Only with a daemon that sees the processes.
class LastCloseTest : public MountingTest {
 protected:
  std::unique_ptr<FuseMount> Mount(const FuseMountOptions& opts = {}) {
    return MountingTest::Mount(opts, /*own_pid_namespace=*/false);
  }
};

// bash's `exec 3>file` keeps one open file for the whole script; a builtin
// writing to >&3 closes a dup of it, and every program the shell starts
// closes its copy at exec (close-on-exec) or exit. None of these is the end
// of the writer.
TEST_P(CommitTest, ShellExecDescriptorSurvivesChildrenAndBuiltins) {
  MOUNT_OR_SKIP(m, {});
  const std::string f = m->mount_point() + "/f";
  Ran r = Spawn({"/bin/bash", "-c", "exec 3>\"$0\"; echo one >&3; /bin/true; echo two >&3", f},
                m->base_dir());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(ReadLocalFile(f), "one\ntwo\n");
  EXPECT_EQ(ReadLocalFile(m->ufs_dir() + "/f"), "one\ntwo\n");

  // Many rounds, an explicit close at the end, and `set -e` so that a
  // failing builtin write ends the script with an error.
  const std::string g = m->mount_point() + "/g";
  r = Spawn({"/bin/bash", "-c",
             "set -e; exec 3>\"$0\"; for i in $(seq 1 40); do echo line $i >&3; /bin/true; "
             "done; exec 3>&-; echo done",
             g},
            m->base_dir());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "done\n");
  std::string expect;
  for (int i = 1; i <= 40; ++i) expect += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(ReadLocalFile(g), expect);
  EXPECT_EQ(ReadLocalFile(m->ufs_dir() + "/g"), expect);
}

// A writer of 8 MiB files that starts a program between chunks: the children
// inherit the descriptor (with or without close-on-exec) and close it.
TEST_P(CommitTest, WriterSpawningChildrenBetweenChunksKeepsEveryFileWhole) {
  MOUNT_OR_SKIP(m, {});
  constexpr size_t kFileSize = 8u << 20;
  constexpr size_t kChunk = 512u << 10;
  constexpr int kFiles = 8;
  for (int i = 0; i < kFiles; ++i) {
    SCOPED_TRACE("file " + std::to_string(i));
    const std::string data = LcgBytes(kFileSize, 100 + i);
    const std::string path = m->mount_point() + "/w" + std::to_string(i);
    // Odd files are inherited across exec: the child closes them at exit.
    int flags = O_CREAT | O_WRONLY | O_TRUNC | (i % 2 == 0 ? O_CLOEXEC : 0);
    int fd = ::open(path.c_str(), flags, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    FdCloser guard{fd};
    for (size_t off = 0; off < kFileSize; off += kChunk) {
      ASSERT_EQ(::write(fd, data.data() + off, kChunk), static_cast<ssize_t>(kChunk))
          << "at " << off << ": " << std::strerror(errno);
      ASSERT_TRUE(RunTrue(/*use_fork=*/(off / kChunk) % 2 == 1));
    }
    guard.fd = -1;
    ASSERT_EQ(::close(fd), 0) << std::strerror(errno);
    EXPECT_TRUE(ReadLocalFile(path) == data) << "size " << ReadLocalFile(path).size();
    EXPECT_TRUE(ReadLocalFile(m->ufs_dir() + "/w" + std::to_string(i)) == data);
  }
}

// The same in Python, the way the writer did it (subprocess.run
// between chunks); every write and close raises on an error.
TEST_P(CommitTest, PythonWriterRunningSubprocessesKeepsEveryFileWhole) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  MOUNT_OR_SKIP(m, {});
  const char* kWriter =
      "import hashlib, os, subprocess, sys\n"
      "d = sys.argv[1]\n"
      "for i in range(6):\n"
      "    h = hashlib.sha256()\n"
      "    with open(os.path.join(d, 'p%d' % i), 'wb') as f:\n"
      "        for k in range(8):\n"
      "            chunk = bytes([(i * 31 + k) % 256]) * (1 << 20)\n"
      "            f.write(chunk)\n"
      "            f.flush()\n"
      "            h.update(chunk)\n"
      "            subprocess.run(['true'], check=True, close_fds=(k % 2 == 0))\n"
      "    print(h.hexdigest())\n";
  Ran w = Spawn({"/usr/bin/python3", "-c", kWriter, m->mount_point()}, m->base_dir());
  ASSERT_EQ(w.status, 0) << w.err;
  const char* kHasher =
      "import hashlib, os, sys\n"
      "for i in range(6):\n"
      "    data = open(os.path.join(sys.argv[1], 'p%d' % i), 'rb').read()\n"
      "    print(hashlib.sha256(data).hexdigest())\n";
  Ran on_mount = Spawn({"/usr/bin/python3", "-c", kHasher, m->mount_point()}, m->base_dir());
  Ran in_ufs = Spawn({"/usr/bin/python3", "-c", kHasher, m->ufs_dir()}, m->base_dir());
  EXPECT_EQ(on_mount.out, w.out) << on_mount.err;
  EXPECT_EQ(in_ufs.out, w.out) << in_ufs.err;
}

// close(2), then at once a new open for writing of the same file: the
// previous writer is gone, so the open must succeed, every time.
TEST_P(CommitTest, ReopenForWritingRightAfterCloseNeverMeetsThePreviousWriter) {
  MOUNT_OR_SKIP(m, {});
  const std::string f = m->mount_point() + "/cycle";
  int busy = 0;
  std::string first_error;
  for (int i = 0; i < 500; ++i) {
    // Even rounds rewrite the file; odd ones open it for writing and write
    // nothing (the file stays as it is).
    int flags = i % 2 == 0 ? O_CREAT | O_WRONLY | O_TRUNC : O_WRONLY;
    int fd = ::open(f.c_str(), flags, 0644);
    if (fd < 0) {
      if (errno == EBUSY) ++busy;
      if (first_error.empty()) {
        first_error = "open in round " + std::to_string(i) + ": " + std::strerror(errno);
      }
      continue;
    }
    std::string line = "round " + std::to_string(i) + "\n";
    if (i % 2 == 0 && ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) &&
        first_error.empty()) {
      first_error = "write in round " + std::to_string(i) + ": " + std::strerror(errno);
    }
    if (::close(fd) != 0 && first_error.empty()) {
      first_error = "close in round " + std::to_string(i) + ": " + std::strerror(errno);
    }
  }
  EXPECT_EQ(busy, 0);
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(ReadLocalFile(f), "round 498\n");
  EXPECT_EQ(ReadLocalFile(m->ufs_dir() + "/cycle"), "round 498\n");
}

// fsx-style: with the random-access switch, open O_RDWR, a few writes at
// random offsets (or, every other round, only reads), close, and open again
// at once.
TEST_P(CommitTest, RandomAccessReopenCyclesNeverMeetThePreviousWriter) {
  FuseMountOptions opts;
  opts.conf[kRandomAccess] = "true";
  MOUNT_OR_SKIP(m, opts);
  const std::string f = m->mount_point() + "/fsx";
  std::string model(64 * 1024, '\0');
  {
    int fd = ::open(f.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ASSERT_EQ(::write(fd, model.data(), model.size()), static_cast<ssize_t>(model.size()));
    ASSERT_EQ(::close(fd), 0);
  }
  int busy = 0;
  std::string first_error;
  uint32_t x = 7;
  for (int i = 0; i < 500; ++i) {
    int fd = ::open(f.c_str(), O_RDWR);
    if (fd < 0) {
      if (errno == EBUSY) ++busy;
      if (first_error.empty()) {
        first_error = "open in round " + std::to_string(i) + ": " + std::strerror(errno);
      }
      continue;
    }
    if (i % 2 == 1) {
      std::string buf(model.size(), '\0');
      if (::pread(fd, buf.data(), buf.size(), 0) != static_cast<ssize_t>(buf.size()) ||
          buf != model) {
        if (first_error.empty()) first_error = "read in round " + std::to_string(i);
      }
    }
    for (int k = 0; k < 3 && i % 2 == 0; ++k) {
      x = x * 1103515245u + 12345u;
      size_t off = x % (model.size() - 100);
      std::string bytes = LcgBytes(1 + x % 99, x);
      if (::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(off)) !=
          static_cast<ssize_t>(bytes.size())) {
        if (first_error.empty()) {
          first_error = "pwrite in round " + std::to_string(i) + ": " + std::strerror(errno);
        }
        continue;
      }
      model.replace(off, bytes.size(), bytes);
    }
    if (::close(fd) != 0 && first_error.empty()) {
      first_error = "close in round " + std::to_string(i) + ": " + std::strerror(errno);
    }
  }
  EXPECT_EQ(busy, 0);
  EXPECT_EQ(first_error, "");
  EXPECT_TRUE(ReadLocalFile(f) == model);
  EXPECT_TRUE(ReadLocalFile(m->ufs_dir() + "/fsx") == model);
}

// A child still holds the descriptor when the parent closes it: nothing is
// committed then (no partial file), and the child's writes are kept.
TEST_P(CommitTest, AnotherHolderDefersTheCommitUntilItCloses) {
  MOUNT_OR_SKIP(m, {});
  const std::string f = m->mount_point() + "/held";
  int fd = ::open(f.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::write(fd, "first,", 6), 6);
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char c;
    bool ok = ::read(go[0], &c, 1) == 1 && ::write(fd, "second", 6) == 6;
    ::_exit(ok ? 0 : 1);  // its exit closes the last descriptor
  }
  ::close(go[0]);
  EXPECT_EQ(::close(fd), 0) << std::strerror(errno);
  EXPECT_FALSE(::access((m->ufs_dir() + "/held").c_str(), F_OK) == 0)
      << "committed while a child still had it";
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  ::close(go[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(ReadLocalFile(f), "first,second");
  EXPECT_EQ(ReadLocalFile(m->ufs_dir() + "/held"), "first,second");
}

// The single-writer rule still holds: while a holder keeps the file (here
// after closing a dup of it), a second open for writing is EBUSY.
TEST_P(CommitTest, SecondWriterIsBusyWhileAHolderKeepsTheFile) {
  MOUNT_OR_SKIP(m, {});
  const std::string f = m->mount_point() + "/one";
  int fd = ::open(f.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  FdCloser guard{fd};
  ASSERT_EQ(::write(fd, "kept", 4), 4);
  int dup_fd = ::dup(fd);
  ASSERT_GE(dup_fd, 0);
  ASSERT_EQ(::close(dup_fd), 0);
  errno = 0;
  int second = ::open(f.c_str(), O_WRONLY | O_TRUNC);
  EXPECT_EQ(second, -1);
  EXPECT_EQ(errno, EBUSY);
  if (second >= 0) ::close(second);
  ASSERT_EQ(::write(fd, "!", 1), 1);
  guard.fd = -1;
  ASSERT_EQ(::close(fd), 0);
  EXPECT_EQ(ReadLocalFile(f), "kept!");
  second = ::open(f.c_str(), O_WRONLY | O_TRUNC);
  EXPECT_GE(second, 0) << std::strerror(errno);
  if (second >= 0) {
    EXPECT_EQ(::close(second), 0);
  }
  EXPECT_EQ(ReadLocalFile(f), "");
}

// After children came and went, the writer's close is the last one again:
// it commits, and returns the commit's error.
TEST_F(LastCloseTest, CloseAfterChildrenReportsTheCommitError) {
  FuseMountOptions opts;
  opts.ufs_dirs = {"gone"};
  MOUNT_OR_SKIP(m, opts);
  int fd = ::open((m->mount_point() + "/gone/file").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  FdCloser guard{fd};
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(::write(fd, "chunk", 5), 5);
    ASSERT_TRUE(RunTrue(/*use_fork=*/i % 2 == 0));
  }
  // The directory disappears from the UFS behind the client's back.
  std::error_code ec;
  std::filesystem::remove_all(m->ufs_dir() + "/gone", ec);
  guard.fd = -1;
  errno = 0;
  EXPECT_EQ(::close(fd), -1);
  EXPECT_NE(errno, 0);
  EXPECT_FALSE(std::filesystem::exists(m->ufs_dir() + "/gone/file"));
}

// The last close commits before it returns: the UFS itself has the file at
// once (another client on the node, the shim, reads it there).
TEST_F(LastCloseTest, UfsHasTheFileWhenTheLastCloseReturns) {
  MOUNT_OR_SKIP(m, {});
  for (int i = 0; i < 50; ++i) {
    const std::string name = "/now" + std::to_string(i);
    const std::string data = LcgBytes(1000 + i, i);
    int fd = ::open((m->mount_point() + name).c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    if (i % 2 == 1) {
      ASSERT_TRUE(RunTrue(/*use_fork=*/i % 4 == 1));
    }
    ASSERT_EQ(::close(fd), 0);
    EXPECT_TRUE(ReadLocalFile(m->ufs_dir() + name) == data) << name;
  }
}

// A mapping keeps the open file alive after its last descriptor is closed
// (no RELEASE until it is unmapped); reading through it must not keep the
// node's writer slot, so a new writer can open the file at once.
TEST_F(LastCloseTest, MappingThatOutlivesItsDescriptorDoesNotHoldTheFile) {
  FuseMountOptions opts;
  const std::string data = LcgBytes(4u << 20, 5);
  opts.ufs_files["mapped"] = data;  // not in the kernel's cache yet
  MOUNT_OR_SKIP(m, opts);
  const std::string f = m->mount_point() + "/mapped";
  int fd = ::open(f.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  void* map = ::mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED) << std::strerror(errno);
  EXPECT_EQ(::close(fd), 0);
  // Page faults now read through the closed descriptor's open file.
  EXPECT_EQ(std::memcmp(map, data.data(), data.size()), 0);
  int w = ::open(f.c_str(), O_WRONLY | O_TRUNC);
  EXPECT_GE(w, 0) << std::strerror(errno);
  if (w >= 0) {
    EXPECT_EQ(::write(w, "new", 3), 3);
    EXPECT_EQ(::close(w), 0);
  }
  ::munmap(map, data.size());
  EXPECT_TRUE(ReadLocalFile(f) == "new");  // not EXPECT_EQ: no 4 MiB in the log
  EXPECT_TRUE(ReadLocalFile(m->ufs_dir() + "/mapped") == "new");
}

}  // namespace
}  // namespace alluxio::testing
