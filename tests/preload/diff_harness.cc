// The runner of the differential harness (see diff_harness.h): a gtest
// program that runs each scenario in child processes (re-executing itself
// with --child), natively and under the shim, and compares what they did.
#define ALLUXIO_DIFF_HARNESS_RUNNER
#include "diff_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "testing/temp_dir.h"

extern char** environ;

namespace alluxio::preload_test {

Ctx* g = nullptr;

std::map<std::string, Entry>& Scenarios() {
  static auto* m = new std::map<std::string, Entry>();
  return *m;
}

namespace {

uint64_t Fnv(const void* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<const unsigned char*>(p)[i];
    h *= 1099511628211ull;
  }
  return h;
}

std::string ErrName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "E" + std::to_string(e);
}

}  // namespace

std::string Ctx::Relative(const std::string& s) const {
  std::string out = s;
  for (size_t at = out.find(root_); at != std::string::npos; at = out.find(root_, at + 4)) {
    out.replace(at, root_.size(), "ROOT");
  }
  for (size_t at = out.find(scratch_); at != std::string::npos; at = out.find(scratch_, at + 7)) {
    out.replace(at, scratch_.size(), "SCRATCH");
  }
  return out;
}

void Ctx::Line(const std::string& s) {
  fputs(s.c_str(), out_);
  fputc('\n', out_);
  fflush(out_);
}

long Ctx::Rc(const char* label, long rc) {
  int e = errno;
  Line(std::string(label) + " = " + std::to_string(rc) + (rc < 0 ? " " + ErrName(e) : ""));
  errno = e;
  return rc;
}

const void* Ctx::Ptr(const char* label, const void* p) {
  int e = errno;
  Line(std::string(label) + (p ? " = ptr" : " = NULL " + ErrName(e)));
  errno = e;
  return p;
}

int Ctx::ErrNum(const char* label, int err) {
  Line(std::string(label) + " = " + (err == 0 ? "0" : ErrName(err)));
  return err;
}

void Ctx::Data(const char* label, const void* buf, long n) {
  if (n < 0) {
    Line(std::string(label) + ": no data");
    return;
  }
  std::string s;
  const auto* b = static_cast<const unsigned char*>(buf);
  for (long i = 0; i < n && i < 64; ++i) {
    if (b[i] >= 32 && b[i] < 127 && b[i] != '\\') {
      s += static_cast<char>(b[i]);
    } else {
      char hex[8];
      snprintf(hex, sizeof(hex), "\\x%02x", b[i]);
      s += hex;
    }
  }
  char h[40];
  snprintf(h, sizeof(h), "%016llx", static_cast<unsigned long long>(Fnv(buf, n)));
  Line(std::string(label) + ": " + std::to_string(n) + " bytes \"" + s + (n > 64 ? "...\"" : "\"") +
       " fnv=" + h);
}

void Ctx::Str(const char* label, const std::string& s) {
  Line(std::string(label) + ": \"" + Relative(s) + "\"");
}

void Ctx::Stat(const char* label, int rc, const struct stat& st) {
  if (rc != 0) {
    Line(std::string(label) + ": stat failed " + ErrName(errno));
    return;
  }
  char buf[200];
  if (S_ISDIR(st.st_mode)) {
    snprintf(buf, sizeof(buf), "dir mode=%04o uid=%u gid=%u", st.st_mode & 07777, st.st_uid,
             st.st_gid);
  } else {
    snprintf(buf, sizeof(buf), "%s mode=%04o uid=%u gid=%u size=%lld nlink=%lu",
             S_ISREG(st.st_mode) ? "file" : "other", st.st_mode & 07777, st.st_uid, st.st_gid,
             static_cast<long long>(st.st_size), static_cast<unsigned long>(st.st_nlink));
  }
  Line(std::string(label) + ": " + buf);
}

void Ctx::Log(const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  Line(Relative(buf));
}

void Ctx::Check(bool ok, const char* what, const char* file, int line) {
  int e = errno;
  const char* base = strrchr(file, '/');
  Line(std::string(ok ? "ok " : "FAIL ") + what + " (" + (base ? base + 1 : file) + ":" +
       std::to_string(line) + ", errno " + ErrName(e) + ")");
  errno = e;
}

std::string Slurp(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "<open failed: " + ErrName(errno) + ">";
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  if (n < 0) out += "<read failed: " + ErrName(errno) + ">";
  close(fd);
  return out;
}

void Spit(const std::string& path, const std::string& data) {
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) {
    g->Log("Spit %s: open failed %s", path.c_str(), ErrName(errno).c_str());
    return;
  }
  if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    g->Log("Spit %s: write failed %s", path.c_str(), ErrName(errno).c_str());
  }
  if (close(fd) != 0) g->Log("Spit %s: close failed %s", path.c_str(), ErrName(errno).c_str());
}

void StatOf(const char* label, const std::string& path) {
  struct stat st;
  int rc = stat(path.c_str(), &st);
  g->Stat(label, rc, st);
}

void Contents(const char* label, const std::string& path) {
  std::string s = Slurp(path);
  g->Data(label, s.data(), static_cast<long>(s.size()));
}

namespace {

// --- the parent side ---------------------------------------------------------

struct Run {
  int status = -1;
  std::vector<std::string> lines;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

// Spawns this program as a child running `scenario`.
Run RunChild(const std::string& scenario, const std::string& root, const std::string& scratch,
             const std::string& transcript, const std::vector<std::string>& extra_env,
             bool served) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) == 0 || strncmp(*e, "ALLUXIO_", 8) == 0 ||
        strncmp(*e, "HOME=", 5) == 0) {
      continue;
    }
    env.push_back(*e);
  }
  for (const auto& e : extra_env) env.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe";
  char exe[4096];
  ssize_t n = readlink(self.c_str(), exe, sizeof(exe) - 1);
  exe[n > 0 ? n : 0] = '\0';
  std::vector<std::string> args = {exe,     "--child",  scenario,          root,
                                   scratch, transcript, served ? "1" : "0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  Run r;
  if (posix_spawn(&pid, exe, &fa, nullptr, argv.data(), envp.data()) != 0) return r;
  posix_spawn_file_actions_destroy(&fa);
  waitpid(pid, &r.status, 0);
  r.lines = ReadLines(transcript);
  return r;
}

// One line per file or directory below `dir`: type, permission bits, size
// and content hash of files, owner; sorted by path.
void ListTree(const std::string& dir, const std::string& rel, std::vector<std::string>* out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    out->push_back(rel + ": cannot open");
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string full = dir + "/" + name;
    std::string r = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (lstat(full.c_str(), &st) != 0) continue;
    char buf[256];
    if (S_ISDIR(st.st_mode)) {
      snprintf(buf, sizeof(buf), "d %04o %u:%u", st.st_mode & 07777, st.st_uid, st.st_gid);
      out->push_back(r + " " + buf);
      ListTree(full, r, out);
    } else {
      std::ifstream in(full, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string data = ss.str();
      snprintf(buf, sizeof(buf), "%c %04o %u:%u size=%lld fnv=%016llx",
               S_ISREG(st.st_mode) ? 'f' : '?', st.st_mode & 07777, st.st_uid, st.st_gid,
               static_cast<long long>(st.st_size),
               static_cast<unsigned long long>(Fnv(data.data(), data.size())));
      out->push_back(r + " " + buf);
    }
  }
}

std::string Describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Prints where two transcripts part.
std::string FirstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string out = "first difference at line " + std::to_string(i + 1) + ":\n";
  for (size_t j = i >= 3 ? i - 3 : 0; j < i; ++j) out += "    " + a[j] + "\n";
  for (size_t j = i; j < i + 8; ++j) {
    if (j < a.size()) out += "  native: " + a[j] + "\n";
    if (j < b.size()) out += "  served: " + b[j] + "\n";
  }
  return out;
}

bool HasFailure(const std::vector<std::string>& lines, std::string* which) {
  for (const auto& l : lines) {
    if (l.rfind("FAIL ", 0) == 0) {
      *which += l + "\n";
    }
  }
  return !which->empty();
}

std::vector<std::string> ServedEnv(const testing::TempDir& t, const ScenarioOptions& o) {
  return {std::string("LD_PRELOAD=") + ALLUXIO_POSIX_SHIM,
          "ALLUXIO_POSIX_PREFIXES=" + t.path() + "/served" + o.mapping,
          "ALLUXIO_WORK_DIR=" + t.path() + "/work",
          "ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS=" + t.path() + "/ufs",
          "ALLUXIO_CONF_DIR=" + t.path() + "/conf",
          "HOME=" + t.path() + "/home",
          std::string("ALLUXIO_USER_FUSE_RANDOM_ACCESS_FILE_STREAM_ENABLED=") +
              (o.random_access ? "true" : "false")};
}

void RunScenarioTest(const std::string& name, const ScenarioOptions& opts) {
  testing::TempDir t;
  for (const char* d : {"local", "ufs", "work", "scratch-n", "scratch-s", "home", "conf"}) {
    t.Sub(d);
  }
  // Unprivileged children (Diff.NonRoot) must reach the roots.
  for (const char* d : {"", "/local", "/ufs", "/scratch-n", "/scratch-s"}) {
    chmod((t.path() + d).c_str(), 0755);
  }
  const std::string ufs_root = t.path() + "/ufs" + opts.ufs_sub;
  if (!opts.ufs_sub.empty()) t.Sub("ufs" + opts.ufs_sub);
  if (opts.setup) opts.setup(t.path() + "/ufs");
  const bool diff = name.rfind("Diff.", 0) == 0;
  Run native;
  if (diff) {
    native = RunChild(name, t.path() + "/local", t.path() + "/scratch-n", t.path() + "/native.txt",
                      {"HOME=" + t.path() + "/home"}, false);
    ASSERT_EQ(Describe(native.status), "exit 0") << "native run failed";
  }
  Run served = RunChild(name, t.path() + "/served", t.path() + "/scratch-s",
                        t.path() + "/served.txt", ServedEnv(t, opts), true);
  std::string failures;
  if (HasFailure(served.lines, &failures)) {
    ADD_FAILURE() << "checks failed:\n" << failures;
  }
  EXPECT_EQ(Describe(served.status), "exit 0") << "served run failed";
  if (!served.lines.empty()) {
    EXPECT_EQ(served.lines.back(), "END") << "served run stopped early";
  }
  if (!diff) return;
  failures.clear();
  if (HasFailure(native.lines, &failures)) {
    ADD_FAILURE() << "native checks failed:\n" << failures;
  }
  EXPECT_TRUE(native.lines == served.lines) << FirstDifference(native.lines, served.lines);
  std::vector<std::string> local_tree, ufs_tree;
  ListTree(t.path() + "/local", "", &local_tree);
  ListTree(ufs_root, "", &ufs_tree);
  EXPECT_TRUE(local_tree == ufs_tree) << "trees differ:\n" << FirstDifference(local_tree, ufs_tree);
  if (getenv("PRELOAD_DIFF_KEEP")) {
    std::string keep = getenv("PRELOAD_DIFF_KEEP");
    std::ofstream(keep + "/native.txt") << [&] {
      std::string s;
      for (auto& l : native.lines) s += l + "\n";
      return s;
    }();
    std::ofstream(keep + "/served.txt") << [&] {
      std::string s;
      for (auto& l : served.lines) s += l + "\n";
      return s;
    }();
  }
}

int ChildMain(int argc, char** argv) {
  if (argc < 7) return 2;
  const std::string name = argv[2];
  auto it = Scenarios().find(name);
  if (it == Scenarios().end()) return 3;
  // The transcript lives outside the served prefix, on a high descriptor
  // that scenarios closing ranges of descriptors leave alone.
  int fd = open(argv[5], O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 4;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
  close(fd);
  FILE* out = fdopen(high, "w");
  if (out == nullptr) return 5;
  umask(022);
  if (chdir("/") != 0) return 6;
  Ctx ctx(argv[3], argv[4], std::string(argv[6]) == "1", out);
  g = &ctx;
  it->second.fn(ctx);
  if (chdir("/") != 0) return 6;
  fputs("END\n", out);
  fclose(out);
  return 0;
}

}  // namespace

Register::Register(const char* name, ScenarioFn fn, ScenarioOptions opts) {
  Scenarios()[name] = Entry{fn, std::move(opts)};
}

}  // namespace alluxio::preload_test

int main(int argc, char** argv) {
  using namespace alluxio::preload_test;
  if (argc >= 2 && strcmp(argv[1], "--child") == 0) return ChildMain(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  for (const auto& [name, entry] : Scenarios()) {
    size_t dot = name.find('.');
    std::string suite = name.substr(0, dot), test = name.substr(dot + 1);
    ScenarioOptions opts = entry.opts;
    std::string full = name;
    testing::RegisterTest(suite.c_str(), test.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [full, opts]() -> testing::Test* {
                            struct T : testing::Test {
                              std::string n;
                              ScenarioOptions o;
                              void TestBody() override { RunScenarioTest(n, o); }
                            };
                            auto* t = new T();
                            t->n = full;
                            t->o = opts;
                            return t;
                          });
  }
  return RUN_ALL_TESTS();
}
