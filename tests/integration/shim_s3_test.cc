// The LD_PRELOAD shim with its root UFS on S3 (a loopback moto_server):
// coreutils, a Python workload and a sequence of POSIX calls under the shim
// on a served prefix (which does not exist locally) give the same results as
// natively on a plain local directory, and the bucket ends up holding the
// same tree.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration_util.h"
#include "testing/temp_dir.h"

namespace alluxio::testing {
namespace {

class ShimOverS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_SHARED_MOTO();
    root_ = NewS3Root("shim/root");
    ASSERT_FALSE(root_.uri.empty());
    local_ = tmp_.Sub("local");
    served_ = tmp_.path() + "/served";  // never created: only the shim knows it
    auto conf = root_.conf;
    conf["alluxio.user.fuse.random.access.file.stream.enabled"] = "true";
    env_ = ShimEnvironment(served_, tmp_.path() + "/work", conf);
    env_["ALLUXIO_CONF_DIR"] = tmp_.Sub("conf");  // no stray alluxio-site.properties
  }

  void ExpectBucketHolds() {
    auto fs = NewFileSystem(root_.conf, tmp_.path() + "/check-work");
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    EXPECT_EQ(LocalTree(local_), FsTree(**fs));
  }

  TempDir tmp_;
  S3Root root_;
  std::string local_, served_;
  std::map<std::string, std::string> env_;
};

TEST_F(ShimOverS3Test, CoreutilsMatchALocalDirectory) {
  std::string src = tmp_.Sub("src");
  MakeCoreutilsInputs(src);
  std::string native = CoreutilsTranscript(local_, src, {});
  std::string shim = CoreutilsTranscript(served_, src, env_);
  EXPECT_TRUE(SameTranscript(native, shim));
  ExpectBucketHolds();
}

// GNU `mkdir -p /t/served/x` runs chdir("/t") then mkdir("served"): a
// relative path from a real directory above a prefix that names the prefix
// itself must be served, not reach the local disk.
TEST_F(ShimOverS3Test, RelativeMkdirOfThePrefixIsServed) {
  RunResult r = RunProgram({"mkdir", "-p", served_ + "/x/y"}, env_);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(served_)) << "the shim let mkdir(2) reach the local disk";
  r = RunProgram({"/usr/bin/python3", "-c",
                  "import os, sys\nos.chdir(os.path.dirname(sys.argv[1]))\n"
                  "try:\n  os.mkdir(os.path.basename(sys.argv[1]))\nexcept FileExistsError:\n  "
                  "print('EEXIST')",
                  served_},
                 env_);
  EXPECT_EQ(r.out, "EEXIST\n") << r.err;
  EXPECT_FALSE(std::filesystem::exists(served_)) << "the shim let mkdir(2) reach the local disk";
}

TEST_F(ShimOverS3Test, PythonMatchesALocalDirectory) {
  std::string native = PythonTranscript(local_, {});
  std::string shim = PythonTranscript(served_, env_);
  EXPECT_TRUE(SameTranscript(native, shim));
  ExpectBucketHolds();
  EXPECT_FALSE(std::filesystem::exists(served_)) << "the shim wrote to the local disk";
}

TEST_F(ShimOverS3Test, PosixCallsMatchALocalDirectory) {
  std::string native = ProbeTranscript("calls", local_, {});
  std::string shim = ProbeTranscript("calls", served_, env_);
  EXPECT_TRUE(SameTranscript(native, shim));
  ExpectBucketHolds();
}

}  // namespace
}  // namespace alluxio::testing
