// alluxio-fuse with its root UFS on S3 (a loopback moto_server): POSIX calls,
// coreutils and a Python workload on the mount give the same results as on a
// plain local directory, and the bucket ends up holding the same tree.
#include <gtest/gtest.h>

#include <memory>

#include "fuse_mount.h"
#include "integration_util.h"
#include "testing/require.h"
#include "testing/temp_dir.h"

namespace alluxio::testing {
namespace {

class FuseOverS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_SHARED_MOTO();
    root_ = NewS3Root("fuse/root");
    ASSERT_FALSE(root_.uri.empty());
    FuseMountOptions o;
    o.conf = root_.conf;
    o.conf["alluxio.user.fuse.random.access.file.stream.enabled"] = "true";
    std::string skip, error;
    mount_ = FuseMount::Start(o, &skip, &error);
    if (mount_ == nullptr && !skip.empty()) ALLUXIO_SKIP_UNLESS_REQUIRED("fuse", skip);
    ASSERT_NE(mount_, nullptr) << error;
  }

  // Unmounts, then reads the bucket with a fresh client: it must hold the
  // local directory's tree.
  void ExpectBucketHolds(const std::string& local) {
    ASSERT_EQ(mount_->Stop(), 0) << mount_->Log();
    auto fs = NewFileSystem(root_.conf, tmp_.path() + "/check-work");
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    EXPECT_EQ(LocalTree(local), FsTree(**fs));
  }

  TempDir tmp_;
  S3Root root_;
  std::unique_ptr<FuseMount> mount_;
};

TEST_F(FuseOverS3Test, PosixCallsMatchALocalDirectory) {
  std::string local = ProbeTranscript("calls", mount_->local_dir(), {});
  std::string fuse = ProbeTranscript("calls", mount_->mount_point(), {});
  EXPECT_TRUE(SameTranscript(local, fuse));
  ExpectBucketHolds(mount_->local_dir());
}

TEST_F(FuseOverS3Test, CoreutilsMatchALocalDirectory) {
  std::string src = tmp_.Sub("src");
  MakeCoreutilsInputs(src);
  std::string local = CoreutilsTranscript(mount_->local_dir(), src, {});
  std::string fuse = CoreutilsTranscript(mount_->mount_point(), src, {});
  EXPECT_TRUE(SameTranscript(local, fuse));
  ExpectBucketHolds(mount_->local_dir());
}

TEST_F(FuseOverS3Test, PythonMatchesALocalDirectory) {
  std::string local = PythonTranscript(mount_->local_dir(), {});
  std::string fuse = PythonTranscript(mount_->mount_point(), {});
  EXPECT_TRUE(SameTranscript(local, fuse));
  ExpectBucketHolds(mount_->local_dir());
}

}  // namespace
}  // namespace alluxio::testing
