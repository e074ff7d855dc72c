// The differential harness for the LD_PRELOAD shim.
//
// A scenario is a sequence of libc calls written once against a root
// directory. The test runs it twice, each time in a fresh child process:
// natively on a local temporary directory, and under liballuxio_posix.so on
// a served prefix (which does not exist locally) whose root UFS is another
// temporary directory. Each run writes a transcript: every call's return
// value and errno, the data it read, and the stat fields that must match
// (type, size, permission bits, owner, link count of files). The test
// passes when both transcripts are identical and the UFS holds the same
// tree as the local directory.
//
// Shim-only scenarios (SHIM_SCENARIO) run only under the shim and check the
// documented differences from a local filesystem with CHECK lines.
#ifndef ALLUXIO_TESTS_PRELOAD_DIFF_HARNESS_H_
#define ALLUXIO_TESTS_PRELOAD_DIFF_HARNESS_H_

#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace alluxio::preload_test {

// The state of one run, inside the child process.
class Ctx {
 public:
  Ctx(std::string root, std::string scratch, bool served, FILE* out)
      : root_(std::move(root)), scratch_(std::move(scratch)), served_(served), out_(out) {}

  // A path under the root (the local directory, or the served prefix).
  std::string P(const std::string& rel = "") const {
    return rel.empty() ? root_ : root_ + "/" + rel;
  }
  // A path in a real (never served) scratch directory.
  std::string Scratch(const std::string& rel) const { return scratch_ + "/" + rel; }
  const std::string& root() const { return root_; }
  bool served() const { return served_; }

  // Records a call's result: "label = rc" or "label = -1 ENAME".
  long Rc(const char* label, long rc);
  // Same, for calls returning a pointer (NULL is the failure).
  const void* Ptr(const char* label, const void* p);
  // Same, for calls returning an error number (posix_fadvise, ...).
  int ErrNum(const char* label, int err);
  // Records bytes (escaped, with length and hash).
  void Data(const char* label, const void* buf, long n);
  // Records a string with the root replaced by "ROOT".
  void Str(const char* label, const std::string& s);
  // Records the stat fields that must match.
  void Stat(const char* label, int rc, const struct stat& st);
  // A free-form line.
  void Log(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // A shim-only assertion; a failure fails the test.
  void Check(bool ok, const char* what, const char* file, int line);

  std::string Relative(const std::string& s) const;

 private:
  void Line(const std::string& s);

  std::string root_;
  std::string scratch_;
  bool served_;
  FILE* out_;
};

extern Ctx* g;

using ScenarioFn = void (*)(Ctx&);

// How the served run is configured.
struct ScenarioOptions {
  std::string mapping;        // appended to the prefix, e.g. "=/sub"
  std::string ufs_sub;        // the UFS directory compared with the local one
  bool random_access = true;  // alluxio.user.fuse.random.access.file.stream.enabled
  std::function<void(const std::string& ufs)> setup;  // prepares the root UFS
};

struct Entry {
  ScenarioFn fn;
  ScenarioOptions opts;
};
std::map<std::string, Entry>& Scenarios();
struct Register {
  Register(const char* name, ScenarioFn fn, ScenarioOptions opts = {});
};

// Helpers scenarios share.
std::string Slurp(const std::string& path);                   // via open/read
void Spit(const std::string& path, const std::string& data);  // O_CREAT|O_TRUNC
void StatOf(const char* label, const std::string& path);      // stat and record
void Contents(const char* label, const std::string& path);    // Slurp and record

}  // namespace alluxio::preload_test

// The runner (which includes gtest) does without the short macros.
#ifndef ALLUXIO_DIFF_HARNESS_RUNNER
// Record a call: R(open(...)), RP(opendir(...)), RE(posix_fadvise(...)).
#define R(e) ::alluxio::preload_test::g->Rc(#e, static_cast<long>(e))
#define RP(e) ::alluxio::preload_test::g->Ptr(#e, (e))
#define RE(e) ::alluxio::preload_test::g->ErrNum(#e, (e))
// Defines a compared scenario (Diff.name) or a shim-only one (Shim.name);
// the body sees the context as `c`.
#define SCENARIO_WITH(suite, name, ...)                                                       \
  static void Scenario_##name(::alluxio::preload_test::Ctx& c);                               \
  static ::alluxio::preload_test::Register register_##name(#suite "." #name, Scenario_##name, \
                                                           ##__VA_ARGS__);                    \
  static void Scenario_##name([[maybe_unused]] ::alluxio::preload_test::Ctx& c)
#define SCENARIO(name) SCENARIO_WITH(Diff, name)
#define SHIM_SCENARIO(name, ...) SCENARIO_WITH(Shim, name, ##__VA_ARGS__)
#define CHECK(cond) ::alluxio::preload_test::g->Check((cond), #cond, __FILE__, __LINE__)

#endif  // ALLUXIO_DIFF_HARNESS_RUNNER

#endif  // ALLUXIO_TESTS_PRELOAD_DIFF_HARNESS_H_
