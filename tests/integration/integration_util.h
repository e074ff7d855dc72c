// Helpers shared by the cross-component integration tests: one moto_server
// per test binary with a fresh bucket per test, child processes run with a
// chosen environment (natively, under the LD_PRELOAD shim), and tree
// snapshots of a local directory and of an alluxio::FileSystem in one
// comparable format.
#ifndef ALLUXIO_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
#define ALLUXIO_TESTS_INTEGRATION_INTEGRATION_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "moto_server.h"
#include "testing/require.h"

namespace alluxio::testing {

// The process's moto_server, started on first use and stopped at exit (a
// gtest environment owns it). Null with *why set when moto_server is missing
// or does not start.
MotoServer* SharedMoto(std::string* why);

// Skips the current test (from the test body or SetUp) when there is no
// moto_server; fails it instead when ALLUXIO_TEST_REQUIRE lists s3
// (testing/require.h).
#define REQUIRE_SHARED_MOTO()                                                                    \
  do {                                                                                           \
    std::string why_;                                                                            \
    if (::alluxio::testing::SharedMoto(&why_) == nullptr) {                                      \
      ALLUXIO_SKIP_UNLESS_REQUIRED(                                                              \
          "s3", "moto_server unavailable (ci/install-deps.sh installs moto[server]): " << why_); \
    }                                                                                            \
  } while (0)

// An S3 root on the shared moto_server: a new bucket, and the properties
// that make alluxio.master.mount.table.root.ufs point at s3://bucket/prefix.
struct S3Root {
  std::string bucket;
  std::string uri;                          // s3://bucket/prefix
  std::map<std::string, std::string> conf;  // root UFS, endpoint, credentials
};
// Creates the bucket; an empty uri (and a gtest failure) when it cannot.
S3Root NewS3Root(const std::string& prefix);

// The properties as ALLUXIO_* environment variables (Configuration::EnvName).
std::map<std::string, std::string> AsEnvironment(const std::map<std::string, std::string>& conf);

// The environment that loads the shim serving `prefixes`
// (ALLUXIO_POSIX_PREFIXES) with the given properties and work directory.
std::map<std::string, std::string> ShimEnvironment(const std::string& prefixes,
                                                   const std::string& work_dir,
                                                   std::map<std::string, std::string> conf);

struct RunResult {
  int status = -1;  // exit code, or 128 + signal
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs argv[0] (searched on PATH) with this process's environment minus
// every LD_PRELOAD and ALLUXIO_* variable, plus `env`; stdin is /dev/null
// unless `input` is given. Waits for it.
RunResult RunProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env, const std::string& input = "");

// Workloads run the same way on a local directory and on the path under test,
// each returning a transcript (exit status and output of every step, with
// `root` written as ROOT) to compare.
//
// Inputs the coreutils workload copies in: a 3 MB file, small files, a name
// with spaces.
void MakeCoreutilsInputs(const std::string& src);
// mkdir -p, cp, cp -r, cat, ls, ls -ln, md5sum, mv, rm -r on `root`.
std::string CoreutilsTranscript(const std::string& root, const std::string& src,
                                const std::map<std::string, std::string>& env);
// tests/integration/workload.py on `root` under python3.
std::string PythonTranscript(const std::string& root,
                             const std::map<std::string, std::string>& env);
// integration_posix_probe calls|tree on `root`.
std::string ProbeTranscript(const std::string& mode, const std::string& root,
                            const std::map<std::string, std::string>& env);

// Success when the two transcripts are equal; else the lines around the
// first difference, for EXPECT_TRUE(SameTranscript(expected, actual)).
::testing::AssertionResult SameTranscript(const std::string& expected, const std::string& actual);

// Replaces every occurrence of `from` in s by `to`.
std::string ReplaceAll(std::string s, const std::string& from, const std::string& to);

// Tree snapshots: relative path -> "d:<mode>" or "f:<mode>:<size>:<md5>".
std::map<std::string, std::string> LocalTree(const std::string& dir);
std::map<std::string, std::string> FsTree(FileSystem& fs, const std::string& dir = "/");

// A FileSystem over the given properties with a private work directory.
Result<std::shared_ptr<FileSystem>> NewFileSystem(std::map<std::string, std::string> conf,
                                                  const std::string& work_dir);

std::string Md5Hex(const std::string& data);
std::string ReadLocal(const std::string& path);
void WriteLocal(const std::string& path, const std::string& data);
// Deterministic pseudo-random bytes.
std::string Bytes(size_t n, unsigned seed);

// The binaries under test.
std::string ShimLibrary();
std::string ProbeBinary();

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
