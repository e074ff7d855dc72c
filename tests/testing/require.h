// ALLUXIO_TEST_REQUIRE: what a test run must have, so that a test cannot
// pass by being skipped. A comma-separated list of
//   s3        a moto_server the S3 tests can start
//   fuse      a usable /dev/fuse and the right to mount
//   programs  the programs the integration tests run (busybox-static, ...)
//   etcd      an etcd server the ETCD membership tests can start
//   alluxio   Alluxio's own 313 Java client (java, javac and the jars
//             ci/alluxio-java.sh caches), for tests/cluster
//   alluxiofs Alluxio's Python client (pip), for tests/worker/alluxiofs_test.sh
// Where a test would skip for want of a required thing, it fails instead,
// with the same reason. .ci/run sets it; unset (a developer's machine), tests
// skip as before. tests/testing/require.sh is the same for the shell tests.
#ifndef ALLUXIO_TESTS_TESTING_REQUIRE_H_
#define ALLUXIO_TESTS_TESTING_REQUIRE_H_

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace alluxio::testing {

// The entries of `list` (comma-separated), each trimmed of spaces and tabs;
// empty entries dropped.
inline std::vector<std::string> RequireEntries(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view e = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    size_t b = e.find_first_not_of(" \t");
    if (b == std::string_view::npos) continue;
    e = e.substr(b, e.find_last_not_of(" \t") - b + 1);
    out.emplace_back(e);
  }
  return out;
}

inline std::string RequireVariable() {
  const char* v = std::getenv("ALLUXIO_TEST_REQUIRE");
  return v ? v : "";
}

// The entries of ALLUXIO_TEST_REQUIRE that are none of s3, fuse, programs, etcd,
// alluxio, alluxiofs, comma-separated; "" when there are none. A misspelt entry must not quietly
// let a test skip.
inline std::string UnknownRequirements() {
  std::string unknown;
  for (const auto& e : RequireEntries(RequireVariable())) {
    if (e == "s3" || e == "fuse" || e == "programs" || e == "etcd" || e == "alluxio" ||
        e == "alluxiofs") {
      continue;
    }
    unknown += (unknown.empty() ? "" : ",") + e;
  }
  return unknown;
}

// True when ALLUXIO_TEST_REQUIRE lists `what`.
inline bool Required(std::string_view what) {
  for (const auto& e : RequireEntries(RequireVariable())) {
    if (e == what) return true;
  }
  return false;
}

// For a test program that ctest runs as one test (with its own SetUp shared
// by many tests): at the end, prints kEveryTestSkipped when every test
// skipped and none failed, which the ctest property SKIP_REGULAR_EXPRESSION
// turns into "Skipped" rather than "Passed". Never printed after a failure
// (ctest's skip expression outranks the exit status).
inline constexpr char kEveryTestSkipped[] = "ALLUXIO_TEST: every test of this program skipped";

class ReportEveryTestSkipped : public ::testing::Environment {
 public:
  void TearDown() override {
    const ::testing::UnitTest& u = *::testing::UnitTest::GetInstance();
    if (u.skipped_test_count() > 0 && u.successful_test_count() == 0 &&
        u.failed_test_count() == 0 && !u.ad_hoc_test_result().Failed()) {
      std::printf("%s\n", kEveryTestSkipped);
      std::fflush(stdout);
    }
  }
};

}  // namespace alluxio::testing

// Ends the current test (a void function: the body, SetUp) for want of
// `what` ("s3", "fuse", "programs", "etcd", "alluxio" or "alluxiofs"): skipped with `reason`
// (anything streamable), or failed with it when ALLUXIO_TEST_REQUIRE lists `what` or names
// something unknown.
#define ALLUXIO_SKIP_UNLESS_REQUIRED(what, reason)                                            \
  do {                                                                                        \
    const std::string alluxio_unknown_ = ::alluxio::testing::UnknownRequirements();           \
    if (!alluxio_unknown_.empty()) {                                                          \
      GTEST_FAIL()                                                                            \
          << "ALLUXIO_TEST_REQUIRE names " << alluxio_unknown_                                \
          << " (known: s3, fuse, programs, etcd, alluxio, alluxiofs); this test would skip: " \
          << reason;                                                                          \
    } else if (::alluxio::testing::Required(what)) {                                          \
      GTEST_FAIL() << "ALLUXIO_TEST_REQUIRE=" << ::alluxio::testing::RequireVariable()        \
                   << " requires " << (what)                                                  \
                   << ", so this test fails instead of skipping: " << reason;                 \
    } else {                                                                                  \
      GTEST_SKIP() << reason;                                                                 \
    }                                                                                         \
  } while (0)

#endif  // ALLUXIO_TESTS_TESTING_REQUIRE_H_
