// Shared pieces of the S3 integration tests: one moto_server per test
// binary, fresh buckets per test, and small UFS helpers.
#ifndef ALLUXIO_TESTS_S3_S3_TEST_UTIL_H_
#define ALLUXIO_TESTS_S3_S3_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "alluxio/config.h"
#include "alluxio/ufs.h"
#include "moto_server.h"
#include "s3/s3_ufs.h"
#include "testing/bytes.h"
#include "testing/fs_read.h"
#include "testing/require.h"

namespace alluxio::testing {

// ctest runs each of these programs as one test: "Skipped" when moto_server
// is missing and every test skipped (tests/s3/CMakeLists.txt).
inline const auto* const kReportEveryTestSkipped =
    ::testing::AddGlobalTestEnvironment(new ReportEveryTestSkipped);

// Started by the environment; null when moto_server is missing.
inline MotoServer* g_moto = nullptr;
inline std::string g_moto_error;

class MotoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto* m = new MotoServer();
    // Small multipart parts keep the multipart tests cheap.
    if (m->Start({{"S3_UPLOAD_PART_MIN_SIZE", "65536"}}, &g_moto_error)) {
      g_moto = m;
    } else {
      delete m;
    }
  }
  void TearDown() override {
    delete g_moto;  // stops it
    g_moto = nullptr;
  }
};

// Skips the current test when there is no moto_server; fails it instead
// when ALLUXIO_TEST_REQUIRE lists s3 (testing/require.h).
#define REQUIRE_MOTO()                                                             \
  do {                                                                             \
    if (::alluxio::testing::g_moto == nullptr) {                                   \
      ALLUXIO_SKIP_UNLESS_REQUIRED("s3",                                           \
                                   "moto_server unavailable (ci/install-deps.sh "  \
                                   "installs moto[server]; looked on PATH and in " \
                                   "/root/.pyenv/shims): "                         \
                                       << ::alluxio::testing::g_moto_error);       \
    }                                                                              \
  } while (0)

inline std::string NewBucket() {
  static std::atomic<int> n{0};
  std::string name = "alluxio-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  std::string err;
  EXPECT_TRUE(g_moto->CreateBucket(name, &err)) << err;
  return name;
}

inline std::map<std::string, std::string> BaseOptions(const std::string& endpoint) {
  return {{"alluxio.underfs.s3.endpoint", endpoint},
          {"s3a.accessKeyId", "testing"},
          {"s3a.secretKey", "testing-secret"},
          {"alluxio.underfs.s3.retry.base.sleep", "5ms"}};
}

inline Result<std::shared_ptr<Ufs>> MountS3(const std::string& uri,
                                            std::map<std::string, std::string> options = {},
                                            const std::string& endpoint = "") {
  auto opts = BaseOptions(endpoint.empty() ? g_moto->endpoint() : endpoint);
  for (auto& [k, v] : options) opts[k] = v;
  auto conf = Configuration::FromMap({});
  if (!conf.ok()) return conf.status();
  return CreateUfs(uri, opts, *conf);
}

inline Status WriteFile(Ufs& ufs, const std::string& path, const std::string& data,
                        UfsCreateOptions opts = {}) {
  auto w = ufs.Create(path, opts);
  if (!w.ok()) return w.status();
  // Append in pieces so part boundaries fall mid-append.
  size_t off = 0;
  while (off < data.size()) {
    size_t n = std::min<size_t>(data.size() - off, 300000);
    RETURN_IF_ERROR((*w)->Append(data.data() + off, n));
    off += n;
  }
  return (*w)->Commit();
}

inline std::string Pattern(size_t n, unsigned seed) {
  return ::alluxio::testing::PseudoRandomBytes(n, seed);
}

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_S3_S3_TEST_UTIL_H_
