// The model test over S3: random operation sequences on a FileSystem whose
// root UFS is s3://bucket/prefix on a loopback moto_server, compared with a
// plain local directory (every result, errno and byte read, and the whole
// tree after each sequence), with and without the random-access switch.
// Fewer sequences than over a local UFS: every step is several HTTP requests.
#include <gtest/gtest.h>

#include "integration_util.h"
#include "testing/model.h"
#include "testing/temp_dir.h"

namespace alluxio::testing {
namespace {

// Two tests rather than one parameterized test, so that CTest can run them
// side by side.
void RunOverS3(bool random_access) {
  TempDir tmp;
  std::string native = tmp.Sub("native");
  S3Root root = NewS3Root("model/root");
  ASSERT_FALSE(root.uri.empty());
  auto conf = root.conf;
  conf["alluxio.user.fuse.random.access.file.stream.enabled"] = random_access ? "true" : "false";
  auto fs = NewFileSystem(conf, tmp.path() + "/work");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();

  ModelRunOptions opts;
  opts.sequences = 60;
  opts.steps = 20;
  opts.seed = 777 + random_access;
  opts.random_access = random_access;
  opts.tree_attrs_from_listing = false;  // S3 listings carry no mode
  // Every few sequences, the bucket must hold what the client reported: a
  // second client with a cold metadata cache sees the local tree.
  opts.after_sequence = [&](int seq, const std::string& log) {
    if (seq % 10 != 9) return;
    auto fresh = NewFileSystem(conf, tmp.path() + "/work-" + std::to_string(seq));
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    EXPECT_EQ(LocalTree(native), FsTree(**fresh))
        << "a fresh client sees another tree after sequence " << seq << ":\n"
        << log;
  };
  int compared = RunModelSequences(*fs, native, opts);
  EXPECT_EQ(compared, opts.sequences * opts.steps);
}

TEST(S3ModelTest, SequentialWritesMatchALocalDirectory) {
  REQUIRE_SHARED_MOTO();
  RunOverS3(false);
}

TEST(S3ModelTest, RandomAccessWritesMatchALocalDirectory) {
  REQUIRE_SHARED_MOTO();
  RunOverS3(true);
}

}  // namespace
}  // namespace alluxio::testing
