// FuseMount: a real alluxio-fuse mount for a test, over a fresh local UFS
// directory and a private work directory (never the user's ~/.alluxio).
//
// The mount is always taken down: the destructor unmounts (lazily if
// something is still open), stops the daemon and only then removes the
// test's directories. When the machine cannot mount (no /dev/fuse, no
// permission), Start() says so through skip_reason and the test skips.
#ifndef ALLUXIO_TESTS_FUSE_FUSE_MOUNT_H_
#define ALLUXIO_TESTS_FUSE_FUSE_MOUNT_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "testing/require.h"

namespace alluxio::testing {

struct FuseMountOptions {
  std::string alluxio_path = "/";
  std::vector<std::string> mount_options;   // each passed as "-o <opt>"
  std::map<std::string, std::string> conf;  // --conf key=value
  bool supervise = false;
  // Runs the daemon in a PID namespace of its own (needs root): it then
  // cannot see the processes that use the mount (FUSE reports their pid as
  // 0), as in a container. pid() is a process outside that forwards
  // SIGTERM/SIGINT/SIGHUP to the daemon and exits with its status.
  bool own_pid_namespace = false;
  // Files to create in the UFS before mounting: path (relative) -> content.
  std::map<std::string, std::string> ufs_files;
  std::vector<std::string> ufs_dirs;  // relative directories to create first
};

class FuseMount {
 public:
  // Mounts in a new directory under $ALLUXIO_FUSE_TEST_ROOT (or $TMPDIR, or
  // /tmp). On failure returns null with either *skip_reason (the machine
  // cannot mount) or *error set.
  static std::unique_ptr<FuseMount> Start(const FuseMountOptions& opts, std::string* skip_reason,
                                          std::string* error);
  ~FuseMount();

  FuseMount(const FuseMount&) = delete;
  FuseMount& operator=(const FuseMount&) = delete;

  const std::string& mount_point() const { return mount_point_; }
  const std::string& ufs_dir() const { return ufs_dir_; }
  // A scratch directory beside the mount (a plain local directory).
  const std::string& local_dir() const { return local_dir_; }
  const std::string& base_dir() const { return base_; }
  // The process started (the daemon, or the supervisor with supervise).
  pid_t pid() const { return pid_; }
  // The daemon serving the mount now (the supervisor's child, if any).
  pid_t DaemonPid() const;
  // The daemon's log so far.
  std::string Log() const;

  // Unmounts (cleanly; lazily when busy) and waits for the process to end.
  // Returns the process's exit status as waitpid reports it, or -1.
  int Stop();

 private:
  FuseMount() = default;

  std::string base_;
  std::string mount_point_;
  std::string ufs_dir_;
  std::string local_dir_;
  std::string log_file_;
  pid_t pid_ = -1;
  bool supervise_ = false;
};

// The alluxio-fuse binary under test.
std::string FuseBinary();

// True while `path` is a mount point.
bool IsMountPoint(const std::string& path);

// Waits up to `seconds` for IsMountPoint(path) to become `mounted` (and, when
// mounted, for the mount to answer stat()).
bool WaitForMount(const std::string& path, bool mounted, double seconds);

// A test that mounts: Mount() starts a FuseMount, or records why it cannot
// (the machine cannot mount, or the options need root). Use it through
// MOUNT_OR_SKIP.
class FuseMountTest : public ::testing::Test {
 protected:
  std::unique_ptr<FuseMount> Mount(FuseMountOptions opts = {});

  bool skipped_ = false;
  // Whether ALLUXIO_TEST_REQUIRE=fuse makes the skip a failure: yes when
  // the machine cannot mount; no when only root may run the test.
  bool skip_is_required_ = true;
  std::string skip_reason_;
};

// Mounts `opts` into `var`, or skips the test; a skip for want of FUSE
// fails instead when ALLUXIO_TEST_REQUIRE lists fuse (testing/require.h).
#define MOUNT_OR_SKIP(var, opts)                                    \
  auto var = Mount(opts);                                           \
  if (skipped_ && !skip_is_required_) GTEST_SKIP() << skip_reason_; \
  if (skipped_) ALLUXIO_SKIP_UNLESS_REQUIRED("fuse", skip_reason_); \
  ASSERT_NE(var, nullptr)

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_FUSE_FUSE_MOUNT_H_
