// ALLUXIO_TEST_REQUIRE turns a skip into a failure (testing/require.h).
#include "testing/require.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace alluxio::testing {
namespace {

// Sets ALLUXIO_TEST_REQUIRE (or unsets it, for nullopt) for one scope.
class ScopedRequire {
 public:
  explicit ScopedRequire(std::optional<std::string> value) {
    if (const char* old = std::getenv("ALLUXIO_TEST_REQUIRE")) old_ = old;
    if (value) {
      ::setenv("ALLUXIO_TEST_REQUIRE", value->c_str(), 1);
    } else {
      ::unsetenv("ALLUXIO_TEST_REQUIRE");
    }
  }
  ~ScopedRequire() {
    if (old_) {
      ::setenv("ALLUXIO_TEST_REQUIRE", old_->c_str(), 1);
    } else {
      ::unsetenv("ALLUXIO_TEST_REQUIRE");
    }
  }

 private:
  std::optional<std::string> old_;
};

void LackFuse() { ALLUXIO_SKIP_UNLESS_REQUIRED("fuse", "no /dev/fuse here, " << 42); }

// What LackFuse() reports under `value`: its one result.
::testing::TestPartResult Outcome(std::optional<std::string> value) {
  ScopedRequire r(std::move(value));
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    LackFuse();
  }
  EXPECT_EQ(results.size(), 1);
  if (results.size() == 0) {
    return ::testing::TestPartResult(::testing::TestPartResult::kSuccess, "", 0, "(nothing)");
  }
  return results.GetTestPartResult(0);
}

TEST(RequireTest, EntriesAreTrimmedAndEmptyOnesDropped) {
  EXPECT_EQ(RequireEntries(""), std::vector<std::string>{});
  EXPECT_EQ(RequireEntries(",, ,"), std::vector<std::string>{});
  EXPECT_EQ(RequireEntries("s3"), std::vector<std::string>{"s3"});
  EXPECT_EQ(RequireEntries(" s3 ,\tfuse,,programs "),
            (std::vector<std::string>{"s3", "fuse", "programs"}));
}

TEST(RequireTest, RequiredMatchesWholeEntriesOnly) {
  ScopedRequire r("s3, programs");
  EXPECT_TRUE(Required("s3"));
  EXPECT_TRUE(Required("programs"));
  EXPECT_FALSE(Required("fuse"));
  EXPECT_FALSE(Required("s"));
  EXPECT_EQ(UnknownRequirements(), "");
}

TEST(RequireTest, EveryKindIsKnown) {
  ScopedRequire r("s3,fuse,programs,etcd,alluxio,alluxiofs");
  EXPECT_EQ(UnknownRequirements(), "");
  EXPECT_TRUE(Required("alluxio"));
  EXPECT_TRUE(Required("etcd"));
  EXPECT_TRUE(Required("alluxiofs"));
}

void LackAlluxio() { ALLUXIO_SKIP_UNLESS_REQUIRED("alluxio", "no javac"); }

TEST(RequireTest, AlluxioFailsOnlyWhenListed) {
  for (const char* v : {"", "etcd", "alluxio"}) {
    ScopedRequire r(v);
    ::testing::TestPartResultArray results;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
      LackAlluxio();
    }
    ASSERT_EQ(results.size(), 1) << v;
    const bool listed = std::string(v) == "alluxio";
    EXPECT_EQ(results.GetTestPartResult(0).fatally_failed(), listed) << v;
    EXPECT_EQ(results.GetTestPartResult(0).skipped(), !listed) << v;
  }
}

TEST(RequireTest, UnknownEntriesAreListed) {
  ScopedRequire r("s3,S3,fues");
  EXPECT_EQ(UnknownRequirements(), "S3,fues");
}

TEST(RequireTest, SkipsWhenUnsetOrNotListed) {
  for (std::optional<std::string> v : {std::optional<std::string>(), std::optional<std::string>(""),
                                       std::optional<std::string>("s3,programs")}) {
    auto res = Outcome(v);
    EXPECT_TRUE(res.skipped()) << v.value_or("(unset)");
    EXPECT_STREQ(res.message(), "no /dev/fuse here, 42");
  }
}

TEST(RequireTest, FailsWithTheReasonWhenListed) {
  auto res = Outcome("s3, fuse");
  EXPECT_TRUE(res.fatally_failed());
  EXPECT_NE(std::string(res.message()).find("requires fuse"), std::string::npos) << res.message();
  EXPECT_NE(std::string(res.message()).find("no /dev/fuse here, 42"), std::string::npos)
      << res.message();
}

TEST(RequireTest, FailsOnAnUnknownEntry) {
  auto res = Outcome("s3,fsue");
  EXPECT_TRUE(res.fatally_failed());
  EXPECT_NE(std::string(res.message()).find("names fsue"), std::string::npos) << res.message();
}

}  // namespace
}  // namespace alluxio::testing
