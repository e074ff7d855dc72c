// The model test: thousands of random operation sequences run on FileSystem
// (over a local-directory UFS) and, as the reference, on a plain local
// directory through libc. Every step's result (0 or errno) and data must
// match, and so must the whole tree at the end of each sequence. The
// machinery is in tests/testing/model.h (shared with the model test over S3
// in tests/integration/).
#include "testing/model.h"

#include <gtest/gtest.h>

#include "alluxio/file_system.h"
#include "testing/temp_dir.h"

namespace alluxio {
namespace {

using testing::TempDir;

class ModelTest : public ::testing::TestWithParam<bool> {};

TEST_P(ModelTest, RandomSequencesMatchALocalDirectory) {
  const bool random_access = GetParam();
  TempDir tmp;
  std::string ufs = tmp.Sub("ufs");
  std::string native = tmp.Sub("native");
  auto conf = Configuration::FromMap(
      {{"alluxio.work.dir", tmp.path() + "/work"},
       {"alluxio.master.mount.table.root.ufs", ufs},
       {"alluxio.user.fuse.random.access.file.stream.enabled", random_access ? "true" : "false"}});
  ASSERT_TRUE(conf.ok());
  auto fs = FileSystem::Create(*conf);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();

  testing::ModelRunOptions opts;
  opts.sequences = 1500;
  opts.steps = 25;
  opts.seed = 12345 + random_access;
  opts.random_access = random_access;
  int compared = testing::RunModelSequences(*fs, native, opts);
  EXPECT_EQ(compared, opts.sequences * opts.steps);
}

INSTANTIATE_TEST_SUITE_P(Switch, ModelTest, ::testing::Values(false, true), [](const auto& info) {
  return info.param ? "RandomAccess" : "Sequential";
});

}  // namespace
}  // namespace alluxio
