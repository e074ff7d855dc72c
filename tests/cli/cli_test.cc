// Integration tests of the `alluxio` command: each runs the real binary in a
// child process with a private ALLUXIO_CONF_DIR, ALLUXIO_WORK_DIR, root UFS
// and HOME, all inside a temporary directory removed afterwards.
#include <fcntl.h>
#include <grp.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

#ifdef ALLUXIO_CLI_LOCATION
#include <set>

#include "hash_ring.h"
#include "static_membership.h"
#endif

#ifndef ALLUXIO_CLI_BINARY
#error "ALLUXIO_CLI_BINARY must name the alluxio binary"
#endif

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.code << "\n--- stdout:\n" << r.out << "--- stderr:\n" << r.err;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data, mode_t mode = 0644) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
  }
  ::chmod(path.c_str(), mode);
}

std::string Md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = tmp_.Sub("conf");
    work_ = tmp_.Sub("work");
    root_ = tmp_.Sub("root");
    local_ = tmp_.Sub("local");
    home_ = tmp_.Sub("home");
  }

  // Runs `alluxio args...` with the private environment plus `env`.
  RunResult Run(const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) {
    std::map<std::string, std::string> vars = {
        {"PATH", "/usr/bin:/bin"},
        {"HOME", home_},
        {"TZ", "UTC"},
        {"ALLUXIO_CONF_DIR", conf_},
        {"ALLUXIO_WORK_DIR", work_},
        {"ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS", root_},
    };
    for (const auto& [k, v] : env) vars[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string binary = ALLUXIO_CLI_BINARY;
    std::vector<std::string> argv_strings = {binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::string out_file = tmp_.path() + "/stdout";
    std::string err_file = tmp_.path() + "/stderr";

    pid_t pid = ::fork();
    if (pid == 0) {
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || err < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::umask(022);
      ::execve(binary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    RunResult r;
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadFile(out_file);
    r.err = ReadFile(err_file);
    return r;
  }

  // A local file under the test directory with `data`.
  std::string Local(const std::string& name, const std::string& data) {
    std::string p = local_ + "/" + name;
    WriteFile(p, data);
    return p;
  }

  // Everything stored in the root UFS: path, type, mode, size and content.
  std::string Snapshot() {
    std::vector<std::string> lines;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      struct stat st;
      ::lstat(e.path().c_str(), &st);
      std::string line = e.path().string().substr(root_.size()) + " " + std::to_string(st.st_mode) +
                         " " + std::to_string(st.st_size) + " " + std::to_string(st.st_uid) + ":" +
                         std::to_string(st.st_gid);
      if (S_ISREG(st.st_mode)) line += " " + Md5Hex(ReadFile(e.path()));
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }

  void MakeTree() {
    ASSERT_EQ(Run({"fs", "mkdir", "-p", "/a/b"}).code, 0);
    WriteFile(root_ + "/a/f", "hello alluxio!");
    WriteFile(root_ + "/a/b/g", "gg");
  }

  alluxio::testing::TempDir tmp_;
  std::string conf_, work_, root_, local_, home_;
};

std::string NameOfUser(uid_t uid) {
  struct passwd* pw = ::getpwuid(uid);
  return pw ? pw->pw_name : std::to_string(uid);
}
std::string NameOfGroup(gid_t gid) {
  struct group* gr = ::getgrgid(gid);
  return gr ? gr->gr_name : std::to_string(gid);
}

// ---- The issue's done-when -------------------------------------------------

TEST_F(CliTest, MkdirCopyFromLocalLsPrintsAlluxioLine) {
  std::string src = Local("some-file", "hello alluxio!");
  ASSERT_EQ(Run({"fs", "mkdir", "/a"}).code, 0);
  RunResult put = Run({"fs", "copyFromLocal", src, "/a/f"});
  ASSERT_EQ(put.code, 0) << put;
  RunResult ls = Run({"fs", "ls", "/a"});
  ASSERT_EQ(ls.code, 0) << ls;

  struct stat st;
  ASSERT_EQ(::stat((root_ + "/a/f").c_str(), &st), 0);
  EXPECT_EQ(ReadFile(root_ + "/a/f"), "hello alluxio!");
  time_t secs = st.st_mtim.tv_sec;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char date[64];
  std::snprintf(date, sizeof(date), "%02d-%02d-%04d %02d:%02d:%02d:%03ld", tm.tm_mon + 1,
                tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                st.st_mtim.tv_nsec / 1000000);
  // The seed's layout: size, date, FILE, path.
  char expected[512];
  std::snprintf(expected, sizeof(expected), "%15s%16s%24s%5s %-5s\n", "14", "", date, "FILE",
                "/a/f");
  EXPECT_EQ(ls.out, expected);
  EXPECT_TRUE(std::regex_search(
      ls.out, std::regex(R"(^ +14 +\d\d-\d\d-\d{4} \d\d:\d\d:\d\d:\d{3} FILE /a/f *\n$)")))
      << ls.out;
  RunResult root = Run({"fs", "ls", "/"});
  EXPECT_TRUE(std::regex_search(root.out, std::regex(R"(^ +1 +\S+ \S+  DIR /a *\n$)"))) << root.out;

  // -l: Alluxio 2.x's layout, with permission, owner, group.
  RunResult long_ls = Run({"fs", "ls", "-l", "/a"});
  ASSERT_EQ(long_ls.code, 0) << long_ls;
  std::snprintf(expected, sizeof(expected), "%-12s%-15s%-15s%15s%16s%24s%5s %-5s\n", "-rw-r--r--",
                NameOfUser(st.st_uid).c_str(), NameOfGroup(st.st_gid).c_str(), "14", "PERSISTED",
                date, "100%", "/a/f");
  EXPECT_EQ(long_ls.out, expected);
  EXPECT_TRUE(std::regex_search(long_ls.out,
                                std::regex(R"(^-rw-r--r-- +\S+ +\S+ +14 +PERSISTED )"
                                           R"(\d\d-\d\d-\d{4} \d\d:\d\d:\d\d:\d{3} 100% /a/f)")));
  EXPECT_EQ(ls.err, "");
}

// ---- Help and usage ----------------------------------------------------------

TEST_F(CliTest, HelpEverywhere) {
  RunResult top = Run({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_THAT(top.out, HasSubstr("Usage: alluxio"));
  EXPECT_EQ(Run({"-h"}).code, 0);
  RunResult fs_help = Run({"fs", "--help"});
  EXPECT_EQ(fs_help.code, 0);
  const std::vector<std::string> commands = {
      "ls",    "stat", "cat",           "head", "tail",        "touch", "mkdir",  "rm",
      "mv",    "cp",   "copyFromLocal", "put",  "copyToLocal", "get",   "chmod",  "chown",
      "chgrp", "du",   "count",         "test", "checksum",    "mount", "unmount"};
  for (const std::string& c : commands) {
    EXPECT_THAT(fs_help.out, HasSubstr("\n  " + c + " ")) << c;
    RunResult r = Run({"fs", c, "--help"});
    EXPECT_EQ(r.code, 0) << c << r;
    EXPECT_THAT(r.out, HasSubstr("Usage: alluxio fs " + c)) << c;
  }
  EXPECT_EQ(Run({"fs", "cat", "-h"}).code, 0);  // -h is help where not a flag
  EXPECT_EQ(Run({"-h", "fs", "ls"}).code, 0);
  EXPECT_EQ(Run({"getConf", "--help"}).code, 0);
  EXPECT_EQ(Run({"version", "--help"}).code, 0);
  RunResult version = Run({"version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_THAT(version.out, HasSubstr("alluxio-posix version"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"fs"},
      {"bogus"},
      {"fs", "bogus"},
      {"fs", "ls"},
      {"fs", "ls", "-Z", "/"},
      {"fs", "ls", "-h"},  // -h means human-readable for ls: still no path
      {"fs", "mv", "/a"},
      {"fs", "count"},
      {"fs", "count", "/", "/"},
      {"fs", "chmod", "zz", "/"},
      {"fs", "head", "-c", "lots", "/"},
      {"fs", "test", "/"},
      {"fs", "test", "-e", "-d", "/"},
      {"fs", "mount", "/x"},
      {"fs", "mount", "--option", "novalue", "/x", "/tmp"},
      {"-Dnovalue", "fs", "ls", "/"},
      {"--bogus"},
      {"getConf", "a", "b"},
  };
  for (const auto& args : cases) {
    RunResult r = Run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, 2) << joined << r;
    EXPECT_THAT(r.err, HasSubstr("sage")) << joined << r;
  }
}

// ---- Errors name the path and the reason, and change nothing ------------------

TEST_F(CliTest, MissingPathFailsWithMessage) {
  MakeTree();
  std::string before = Snapshot();
  const std::vector<std::vector<std::string>> cases = {
      {"fs", "ls", "/missing"},         {"fs", "stat", "/missing"},
      {"fs", "cat", "/missing"},        {"fs", "head", "/missing"},
      {"fs", "tail", "/missing"},       {"fs", "rm", "/missing"},
      {"fs", "rm", "-R", "/missing"},   {"fs", "mv", "/missing", "/a/x"},
      {"fs", "cp", "/missing", "/a/x"}, {"fs", "chmod", "755", "/missing"},
      {"fs", "chown", "0", "/missing"}, {"fs", "chgrp", "0", "/missing"},
      {"fs", "du", "/missing"},         {"fs", "count", "/missing"},
      {"fs", "checksum", "/missing"},   {"fs", "copyToLocal", "/missing", local_ + "/x"},
      {"fs", "unmount", "/missing"},
  };
  for (const auto& args : cases) {
    RunResult r = Run(args);
    EXPECT_EQ(r.code, 1) << args[1] << r;
    EXPECT_THAT(r.err, HasSubstr("/missing")) << args[1] << r;
    EXPECT_THAT(r.err, HasSubstr("alluxio: ")) << args[1] << r;
  }
  RunResult r = Run({"fs", "cat", "/a/missing"});
  EXPECT_THAT(r.err, HasSubstr("alluxio: /a/missing: No such file or directory (NotFound"));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_FALSE(fs::exists(local_ + "/x"));
}

TEST_F(CliTest, BadPropertyValueFailsAndChangesNothing) {
  MakeTree();
  std::string before = Snapshot();
  RunResult d = Run({"-Dalluxio.user.metadata.cache.max.size=abc", "fs", "rm", "-R", "/a"});
  EXPECT_EQ(d.code, 1) << d;
  EXPECT_THAT(d.err, HasSubstr("alluxio.user.metadata.cache.max.size"));
  EXPECT_THAT(d.err, HasSubstr("abc"));

  RunResult env = Run({"fs", "rm", "-R", "/a"}, {{"ALLUXIO_USER_METADATA_CACHE_MAX_SIZE", "abc"}});
  EXPECT_EQ(env.code, 1) << env;
  EXPECT_THAT(env.err, HasSubstr("alluxio.user.metadata.cache.max.size"));

  WriteFile(conf_ + "/alluxio-site.properties",
            "alluxio.user.fuse.random.access.file.stream.enabled=maybe\n");
  RunResult site = Run({"fs", "rm", "-R", "/a"});
  EXPECT_EQ(site.code, 1) << site;
  EXPECT_THAT(site.err, HasSubstr("alluxio.user.fuse.random.access.file.stream.enabled"));
  RunResult conf = Run({"getConf"});
  EXPECT_EQ(conf.code, 1) << conf;
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CliTest, UnknownPropertyWarns) {
  RunResult r = Run({"-Dalluxio.no.such.key=1", "fs", "ls", "/"});
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("warning"));
  EXPECT_THAT(r.err, HasSubstr("alluxio.no.such.key"));
}

TEST_F(CliTest, RmNonEmptyDirectoryNeedsRecursive) {
  MakeTree();
  std::string before = Snapshot();
  RunResult r = Run({"fs", "rm", "/a"});
  EXPECT_EQ(r.code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("/a"));
  EXPECT_THAT(r.err, HasSubstr("-R"));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Run({"fs", "rm", "/a/f"}).code, 0);
  EXPECT_FALSE(fs::exists(root_ + "/a/f"));
  EXPECT_EQ(Run({"fs", "rm", "-R", "/a"}).code, 0);
  EXPECT_FALSE(fs::exists(root_ + "/a"));
  EXPECT_EQ(Run({"fs", "rm", "-f", "/a"}).code, 0);
  EXPECT_EQ(Run({"fs", "rm", "/a"}).code, 1);
}

TEST_F(CliTest, MvOntoItselfOrExistingFails) {
  MakeTree();
  WriteFile(root_ + "/a/other", "other");
  std::string before = Snapshot();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"fs", "mv", "/a/f", "/a/f"},
           {"fs", "mv", "/a/f", "/a"},
           {"fs", "mv", "/a", "/a"},
           {"fs", "mv", "/a", "/a/b"},
           {"fs", "mv", "/a/f", "/a/other"},
       }) {
    RunResult r = Run(args);
    EXPECT_EQ(r.code, 1) << args[2] << " " << args[3] << r;
    EXPECT_THAT(r.err, HasSubstr("alluxio: "));
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Run({"fs", "mv", "/a/f", "/a/b"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/a/b/f"), "hello alluxio!");
  EXPECT_EQ(Run({"fs", "mv", "/a/b/f", "/a/renamed"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/a/renamed"), "hello alluxio!");
}

TEST_F(CliTest, CatOfDirectoryFails) {
  MakeTree();
  RunResult r = Run({"fs", "cat", "/a"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("/a: Is a directory"));
  EXPECT_EQ(Run({"fs", "checksum", "/a"}).code, 1);
  EXPECT_EQ(Run({"fs", "head", "/a"}).code, 1);
}

// ---- Happy paths ---------------------------------------------------------------

TEST_F(CliTest, ReadCommands) {
  MakeTree();
  RunResult cat = Run({"fs", "cat", "/a/f", "/a/b/g"});
  EXPECT_EQ(cat.code, 0);
  EXPECT_EQ(cat.out, "hello alluxio!gg");
  EXPECT_EQ(Run({"fs", "head", "-c", "5", "/a/f"}).out, "hello");
  EXPECT_EQ(Run({"fs", "tail", "-c", "3", "/a/f"}).out, "io!");
  EXPECT_EQ(Run({"fs", "head", "/a/f"}).out, "hello alluxio!");
  EXPECT_EQ(Run({"fs", "tail", "-c", "1KB", "/a/f"}).out, "hello alluxio!");
  RunResult sum = Run({"fs", "checksum", "/a/f"});
  EXPECT_EQ(sum.code, 0);
  EXPECT_EQ(sum.out, "md5sum: " + Md5Hex("hello alluxio!") + "\n");

  RunResult stat = Run({"fs", "stat", "/a/f"});
  EXPECT_EQ(stat.code, 0);
  EXPECT_THAT(stat.out, HasSubstr("/a/f is a file path."));
  EXPECT_THAT(stat.out, HasSubstr("size: 14\n"));
  EXPECT_THAT(stat.out, HasSubstr("mode: -rw-r--r-- (0644)\n"));
  EXPECT_THAT(Run({"fs", "stat", "/a"}).out, HasSubstr("/a is a directory path."));
  EXPECT_EQ(Run({"fs", "stat", "-f", "%N %z %a", "/a/f"}).out, "f 14 0644\n");

  RunResult ls_r = Run({"fs", "ls", "-l", "-R", "/"});
  EXPECT_EQ(ls_r.code, 0);
  EXPECT_TRUE(std::regex_search(ls_r.out, std::regex(R"(^drwxr-xr-x .* +2 +PERSISTED .* DIR /a)")))
      << ls_r.out;  // a directory shows its number of children
  EXPECT_THAT(ls_r.out, HasSubstr(" DIR /a/b"));
  EXPECT_THAT(ls_r.out, HasSubstr(" 100% /a/b/g"));
  RunResult ls_d = Run({"fs", "ls", "-d", "/a"});
  EXPECT_THAT(ls_d.out, HasSubstr(" DIR /a"));
  EXPECT_THAT(ls_d.out, Not(HasSubstr("/a/f")));
  EXPECT_THAT(Run({"fs", "ls", "/a/f"}).out, HasSubstr(" /a/f"));
  EXPECT_THAT(Run({"fs", "ls", "alluxio:///a"}).out, HasSubstr(" /a/f"));
}

TEST_F(CliTest, HumanReadableSizes) {
  ASSERT_EQ(Run({"fs", "mkdir", "/h"}).code, 0);
  WriteFile(root_ + "/h/small", std::string(5120, 'x'));
  WriteFile(root_ + "/h/big", std::string(10000, 'x'));
  RunResult ls = Run({"fs", "ls", "-h", "/h"});
  EXPECT_EQ(ls.code, 0) << ls;
  EXPECT_THAT(ls.out, HasSubstr("9.77KB"));
  EXPECT_THAT(ls.out, HasSubstr("5120B"));
  RunResult du = Run({"fs", "du", "-s", "-h", "/h"});
  EXPECT_EQ(du.code, 0);
  EXPECT_THAT(du.out, HasSubstr("File Size"));
  EXPECT_THAT(du.out, HasSubstr("14.77KB"));
  RunResult du_all = Run({"fs", "du", "/h"});
  EXPECT_THAT(du_all.out, HasSubstr("10000"));
  EXPECT_THAT(du_all.out, HasSubstr("/h/small"));
  RunResult count = Run({"fs", "count", "/h"});
  EXPECT_EQ(count.code, 0);
  EXPECT_TRUE(std::regex_search(count.out, std::regex(R"(\n2 +1 +15120 +\n)"))) << count.out;
}

TEST_F(CliTest, MetadataCommands) {
  EXPECT_EQ(Run({"fs", "mkdir", "/x/y"}).code, 1);  // no parent without -p
  EXPECT_EQ(Run({"fs", "mkdir", "-p", "/x/y"}).code, 0);
  EXPECT_TRUE(fs::is_directory(root_ + "/x/y"));
  EXPECT_EQ(Run({"fs", "mkdir", "/x/y"}).code, 1);  // exists
  EXPECT_EQ(Run({"fs", "mkdir", "-p", "/x/y"}).code, 0);

  EXPECT_EQ(Run({"fs", "touch", "/x/t"}).code, 0);
  EXPECT_TRUE(fs::is_regular_file(root_ + "/x/t"));
  struct stat st;
  ::utimensat(AT_FDCWD, (root_ + "/x/t").c_str(), nullptr, 0);
  struct timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ::utimensat(AT_FDCWD, (root_ + "/x/t").c_str(), old_times, 0);
  EXPECT_EQ(Run({"fs", "touch", "/x/t"}).code, 0);
  ::stat((root_ + "/x/t").c_str(), &st);
  EXPECT_GT(st.st_mtim.tv_sec, 1000);

  EXPECT_EQ(Run({"fs", "chmod", "600", "/x/t"}).code, 0);
  ::stat((root_ + "/x/t").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Run({"fs", "chmod", "u+x,g+r", "/x/t"}).code, 0);
  ::stat((root_ + "/x/t").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0740u);
  EXPECT_EQ(Run({"fs", "chmod", "-R", "go-rx", "/x"}).code, 0);
  ::stat((root_ + "/x/y").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(Run({"fs", "chmod", "-R", "a+rX", "/x"}).code, 0);
  ::stat((root_ + "/x/y").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ::stat((root_ + "/x/t").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // X: the owner could execute it
  EXPECT_EQ(Run({"fs", "chmod", "a-x,o=", "/x/t"}).code, 0);
  ::stat((root_ + "/x/t").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0640u);

  // Owners: to ourselves by number and by name always works.
  std::string uid = std::to_string(::getuid()), gid = std::to_string(::getgid());
  EXPECT_EQ(Run({"fs", "chown", uid + ":" + gid, "/x/t"}).code, 0);
  EXPECT_EQ(Run({"fs", "chown", "-R", NameOfUser(::getuid()), "/x"}).code, 0);
  EXPECT_EQ(Run({"fs", "chgrp", NameOfGroup(::getgid()), "/x/t"}).code, 0);
  EXPECT_EQ(Run({"fs", "chown", "no-such-user-xyz", "/x/t"}).code, 1);
  EXPECT_EQ(Run({"fs", "chgrp", "no-such-group-xyz", "/x/t"}).code, 1);
  if (::getuid() == 0) {
    EXPECT_EQ(Run({"fs", "chown", "-R", "1234:5678", "/x"}).code, 0);
    ::stat((root_ + "/x/y").c_str(), &st);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
    EXPECT_THAT(Run({"fs", "ls", "-l", "/x/t"}).out, HasSubstr("1234"));
  }

  EXPECT_EQ(Run({"fs", "test", "-e", "/x"}).code, 0);
  EXPECT_EQ(Run({"fs", "test", "-d", "/x"}).code, 0);
  EXPECT_EQ(Run({"fs", "test", "-f", "/x"}).code, 1);
  EXPECT_EQ(Run({"fs", "test", "-f", "/x/t"}).code, 0);
  EXPECT_EQ(Run({"fs", "test", "-z", "/x/t"}).code, 0);
  EXPECT_EQ(Run({"fs", "test", "-s", "/x/t"}).code, 1);
  EXPECT_EQ(Run({"fs", "test", "-s", "/x"}).code, 0);
  EXPECT_EQ(Run({"fs", "test", "-e", "/nope"}).code, 1);
  EXPECT_EQ(Run({"fs", "test", "-e", "/nope"}).err, "");
}

TEST_F(CliTest, CopyCommands) {
  std::string big;
  for (int i = 0; big.size() < (3u << 20) + 7; ++i) big += std::to_string(i) + ",";
  std::string src = Local("big.bin", big);
  ASSERT_EQ(Run({"fs", "put", src, "/big"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/big"), big);
  EXPECT_EQ(Run({"fs", "checksum", "/big"}).out, "md5sum: " + Md5Hex(big) + "\n");
  EXPECT_EQ(Run({"fs", "cat", "/big"}).out, big);

  // put onto an existing file fails without -f and changes nothing.
  std::string other = Local("other", "other content");
  std::string before = Snapshot();
  RunResult again = Run({"fs", "put", other, "/big"});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.err, HasSubstr("/big: File exists"));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Run({"fs", "copyFromLocal", "-f", other, "/big"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/big"), "other content");
  EXPECT_EQ(fs::directory_iterator(root_) != fs::directory_iterator(), true);
  for (const auto& e : fs::directory_iterator(root_)) {
    EXPECT_EQ(e.path().filename().string().find("alluxio-tmp"), std::string::npos);
  }

  // A directory, recursively, into an existing directory.
  fs::create_directories(local_ + "/tree/sub");
  WriteFile(local_ + "/tree/one", "1");
  WriteFile(local_ + "/tree/sub/two", "22");
  ASSERT_EQ(Run({"fs", "mkdir", "/dst"}).code, 0);
  ASSERT_EQ(Run({"fs", "copyFromLocal", local_ + "/tree", "/dst"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/dst/tree/sub/two"), "22");

  // copyToLocal of a file and of a directory.
  std::string out = local_ + "/out";
  ASSERT_EQ(Run({"fs", "copyToLocal", "/dst/tree/one", out}).code, 0);
  EXPECT_EQ(ReadFile(out), "1");
  EXPECT_EQ(Run({"fs", "get", "/dst/tree/sub/two", out}).code, 1);  // exists
  EXPECT_EQ(ReadFile(out), "1");
  EXPECT_EQ(Run({"fs", "get", "-f", "/dst/tree/sub/two", out}).code, 0);
  EXPECT_EQ(ReadFile(out), "22");
  fs::create_directories(local_ + "/back");
  ASSERT_EQ(Run({"fs", "get", "/dst/tree", local_ + "/back"}).code, 0);
  EXPECT_EQ(ReadFile(local_ + "/back/tree/sub/two"), "22");
  EXPECT_EQ(Run({"fs", "get", "/big", local_ + "/big.copy"}).code, 0);
  EXPECT_EQ(ReadFile(local_ + "/big.copy"), "other content");

  // cp within Alluxio.
  EXPECT_EQ(Run({"fs", "cp", "/dst/tree", "/copy"}).code, 1);  // needs -R
  EXPECT_EQ(Run({"fs", "cp", "-R", "/dst/tree", "/copy"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/copy/sub/two"), "22");
  EXPECT_EQ(Run({"fs", "cp", "/copy/one", "/copy/sub"}).code, 0);
  EXPECT_EQ(ReadFile(root_ + "/copy/sub/one"), "1");
  EXPECT_EQ(Run({"fs", "cp", "/copy/one", "/copy/sub/two"}).code, 1);
  EXPECT_EQ(ReadFile(root_ + "/copy/sub/two"), "22");
  EXPECT_EQ(Run({"fs", "cp", "-R", "/copy", "/copy/sub"}).code, 1);  // into itself
}

TEST_F(CliTest, OddNames) {
  const std::vector<std::string> names = {"with space",   "q?mark", "back\\slash",
                                          "ünïcødé-文件", " lead",  "star*"};
  ASSERT_EQ(Run({"fs", "mkdir", "/odd dir"}).code, 0);
  for (const std::string& name : names) {
    std::string src = Local("src", "content of " + name);
    std::string path = "/odd dir/" + name;
    RunResult put = Run({"fs", "put", src, path});
    ASSERT_EQ(put.code, 0) << name << put;
    EXPECT_EQ(ReadFile(root_ + path), "content of " + name) << name;
    EXPECT_EQ(Run({"fs", "cat", path}).out, "content of " + name) << name;
    EXPECT_THAT(Run({"fs", "ls", "/odd dir"}).out, HasSubstr(" " + path + "\n")) << name;
    EXPECT_EQ(Run({"fs", "test", "-f", path}).code, 0) << name;
    std::string back = local_ + "/back-" + name;
    EXPECT_EQ(Run({"fs", "get", path, back}).code, 0) << name;
    EXPECT_EQ(ReadFile(back), "content of " + name) << name;
    EXPECT_EQ(Run({"fs", "mv", path, path + ".moved"}).code, 0) << name;
    EXPECT_EQ(Run({"fs", "rm", path + ".moved"}).code, 0) << name;
    EXPECT_FALSE(fs::exists(root_ + path + ".moved")) << name;
  }
}

TEST_F(CliTest, FailedCopyLeavesNothingBehind) {
  // Reading /proc/self/mem at offset 0 fails with EIO: the copy fails after
  // its destination was opened for writing.
  WriteFile(root_ + "/keep", "keep");
  std::string before = Snapshot();
  RunResult fresh = Run({"fs", "put", "/proc/self/mem", "/new"});
  EXPECT_EQ(fresh.code, 1) << fresh;
  EXPECT_THAT(fresh.err, HasSubstr("alluxio: /new: Input/output error"));
  RunResult replace = Run({"fs", "put", "-f", "/proc/self/mem", "/keep"});
  EXPECT_EQ(replace.code, 1) << replace;
  EXPECT_EQ(Snapshot(), before);  // no new file, no temporary, old content kept
  EXPECT_EQ(Run({"fs", "cat", "/keep"}).out, "keep");
}

// ---- Mounts ------------------------------------------------------------------------

TEST_F(CliTest, MountSecondLocalDirectory) {
  std::string second = tmp_.Sub("second");
  WriteFile(second + "/inside.txt", "from the second UFS");
  RunResult m = Run({"fs", "mount", "/mnt", second});
  ASSERT_EQ(m.code, 0) << m;
  RunResult table = Run({"fs", "mount"});
  EXPECT_EQ(table.code, 0);
  EXPECT_THAT(table.out, HasSubstr(second));
  EXPECT_THAT(table.out, HasSubstr(" /mnt "));
  EXPECT_THAT(Run({"fs", "ls", "/"}).out, HasSubstr(" DIR /mnt"));
  RunResult ls = Run({"fs", "ls", "/mnt"});
  EXPECT_THAT(ls.out, HasSubstr("             19                 "));
  EXPECT_THAT(ls.out, HasSubstr("/mnt/inside.txt"));
  EXPECT_EQ(Run({"fs", "cat", "/mnt/inside.txt"}).out, "from the second UFS");
  ASSERT_EQ(Run({"fs", "put", Local("n", "new"), "/mnt/new"}).code, 0);
  EXPECT_EQ(ReadFile(second + "/new"), "new");
  EXPECT_FALSE(fs::exists(root_ + "/mnt/new"));

  // Failures leave the table as it was.
  std::string before = Run({"fs", "mount"}).out;
  RunResult scheme = Run({"fs", "mount", "/other", "nosuch://bucket/x"});
  EXPECT_EQ(scheme.code, 1);
  EXPECT_THAT(scheme.err, HasSubstr("nosuch"));
  EXPECT_EQ(Run({"fs", "mount", "/mnt", second}).code, 1);        // already mounted
  EXPECT_EQ(Run({"fs", "mount", "/no/parent", second}).code, 1);  // parent missing
  EXPECT_EQ(Run({"fs", "mount", "/gone", tmp_.path() + "/does-not-exist"}).code, 1);
  EXPECT_EQ(Run({"fs", "unmount", "/nomount"}).code, 1);
  EXPECT_EQ(Run({"fs", "rm", "-R", "/mnt"}).code, 1);  // a mount point
  EXPECT_EQ(Run({"fs", "mount"}).out, before);

  ASSERT_EQ(Run({"fs", "unmount", "/mnt"}).code, 0);
  EXPECT_EQ(Run({"fs", "test", "-e", "/mnt"}).code, 1);
  EXPECT_EQ(ReadFile(second + "/inside.txt"), "from the second UFS");  // data stays
  EXPECT_THAT(Run({"fs", "mount"}).out, Not(HasSubstr(second)));
}

// ---- fs location ----------------------------------------------------------------------

#ifdef ALLUXIO_CLI_LOCATION
// The hostnames the ring puts first for `key`, as every client computes it.
std::vector<std::string> RingOwners(const std::vector<std::string>& file_hosts,
                                    const std::string& key, size_t n) {
  using alluxio::worker::StaticMembership;
  using alluxio::worker::WorkerIdentity;
  auto hosts = StaticMembership::JavaHashSetOrder(file_hosts);
  std::vector<WorkerIdentity> ids;
  for (const auto& h : hosts) ids.push_back(WorkerIdentity::FromName(h));
  alluxio::worker::ConsistentHashRing ring(ids, 5);
  std::vector<std::string> out;
  for (size_t w : ring.Owners(key, n)) out.push_back(hosts[w]);
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

TEST_F(CliTest, LocationPrintsTheHashedUriAndTheOwners) {
  std::vector<std::string> hosts = {"worker-a.example.com", "worker-b.example.com",
                                    "worker-c.example.com"};
  WriteFile(conf_ + "/workers",
            "# the cluster\n" + hosts[0] + "\n" + hosts[1] + "\n\n" + hosts[2] + "\n");
  // The path need not exist: only the configuration is read.
  RunResult one = Run({"fs", "location", "/data/train/part-0"});
  ASSERT_EQ(one.code, 0) << one;
  std::string key = root_ + "/data/train/part-0";
  std::vector<std::string> want = {key};
  for (const auto& h : RingOwners(hosts, key, 1)) want.push_back(h);
  EXPECT_EQ(Lines(one.out), want) << one;

  RunResult three = Run({"fs", "location", "--replicas", "3", "alluxio:///data/train/part-0"});
  ASSERT_EQ(three.code, 0) << three;
  auto lines = Lines(three.out);
  ASSERT_EQ(lines.size(), 4u) << three;
  EXPECT_EQ(lines[0], key);
  EXPECT_EQ(lines[1], want[1]);  // the owner first, then the replicas
  want = {key};
  for (const auto& h : RingOwners(hosts, key, 3)) want.push_back(h);
  EXPECT_EQ(lines, want);
  std::vector<std::string> sorted(lines.begin() + 1, lines.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, hosts);

  // Different files spread over the workers.
  std::set<std::string> owners;
  for (int i = 0; i < 40; ++i) {
    RunResult r = Run({"fs", "location", "/f" + std::to_string(i)});
    ASSERT_EQ(r.code, 0) << r;
    owners.insert(Lines(r.out).at(1));
  }
  EXPECT_EQ(owners.size(), 3u);
}

TEST_F(CliTest, LocationUsesTheMountsUfsUri) {
  WriteFile(conf_ + "/workers", "w1\nw2\n");
  std::string second = tmp_.Sub("second");
  ASSERT_EQ(Run({"fs", "mount", "/mnt", second}).code, 0);
  EXPECT_EQ(Lines(Run({"fs", "location", "/mnt/x/y"}).out).at(0), second + "/x/y");
  EXPECT_EQ(Lines(Run({"fs", "location", "/mnt"}).out).at(0), second);
  EXPECT_EQ(Lines(Run({"fs", "location", "/"}).out).at(0), root_);
  // No UFS is contacted: a bucket on no server, and a directory that does
  // not exist, still answer.
  RunResult s3 = Run({"-Dalluxio.master.mount.table.root.ufs=s3://no-such-bucket/pre/", "fs",
                      "location", "/a b/c"});
  ASSERT_EQ(s3.code, 0) << s3;
  EXPECT_EQ(Lines(s3.out).at(0), "s3://no-such-bucket/pre/a b/c");
  RunResult gone =
      Run({"-Dalluxio.master.mount.table.root.ufs=file:///no/such/dir", "fs", "location", "/x"});
  ASSERT_EQ(gone.code, 0) << gone;
  EXPECT_EQ(Lines(gone.out).at(0), "file:///no/such/dir/x");
}

TEST_F(CliTest, LocationWithTheAddressShorthand) {
  RunResult r = Run({"-Dalluxio.user.worker.addresses=127.0.0.1:30001,127.0.0.1:30002", "fs",
                     "location", "--replicas=2", "/x"});
  ASSERT_EQ(r.code, 0) << r;
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r;
  EXPECT_EQ(lines[1], "127.0.0.1");
  EXPECT_EQ(lines[2], "127.0.0.1");
}

TEST_F(CliTest, LocationErrors) {
  // No workers file in the conf dir.
  RunResult none = Run({"fs", "location", "/x"});
  EXPECT_EQ(none.code, 1) << none;
  EXPECT_THAT(none.err, HasSubstr(conf_ + "/workers"));
  EXPECT_THAT(none.err, HasSubstr("alluxio.worker.static.membership.manager.config.file"));
  WriteFile(conf_ + "/workers", "# nobody\n");
  RunResult empty = Run({"fs", "location", "/x"});
  EXPECT_EQ(empty.code, 1) << empty;
  EXPECT_THAT(empty.err, HasSubstr("no worker"));

  WriteFile(conf_ + "/workers", "w1\nw2\n");
  for (const char* bad : {"0", "-1", "x", "", "1.5"}) {
    RunResult r = Run({"fs", "location", "--replicas", bad, "/x"});
    EXPECT_EQ(r.code, 2) << bad << "\n" << r;
    EXPECT_THAT(r.err, HasSubstr("--replicas")) << r;
  }
  RunResult many = Run({"fs", "location", "--replicas", "3", "/x"});
  EXPECT_EQ(many.code, 1) << many;
  EXPECT_THAT(many.err, HasSubstr("the cluster has 2"));
  EXPECT_EQ(Run({"fs", "location"}).code, 2);

  RunResult nomount = Run({"-Dalluxio.master.mount.table.root.ufs=", "fs", "location", "/x"});
  EXPECT_EQ(nomount.code, 1) << nomount;
  EXPECT_THAT(nomount.err, HasSubstr("under no mount"));

  RunResult etcd = Run({"-Dalluxio.worker.membership.manager.type=ETCD", "fs", "location", "/x"});
  EXPECT_EQ(etcd.code, 1) << etcd;
  EXPECT_THAT(etcd.err, HasSubstr("alluxio.etcd.endpoints"));
  RunResult master =
      Run({"-Dalluxio.worker.membership.manager.type=MASTER", "fs", "location", "/x"});
  EXPECT_EQ(master.code, 1) << master;
  EXPECT_THAT(master.err, HasSubstr("alluxio.worker.membership.manager.type"));
}
#endif  // ALLUXIO_CLI_LOCATION

// ---- getConf ------------------------------------------------------------------------

TEST_F(CliTest, GetConf) {
  RunResult all = Run({"getConf"});
  EXPECT_EQ(all.code, 0);
  EXPECT_THAT(all.out, HasSubstr("alluxio.master.mount.table.root.ufs=" + root_ + "\n"));
  RunResult one = Run({"-Dalluxio.user.metadata.cache.max.size=7", "getConf",
                       "alluxio.user.metadata.cache.max.size"});
  EXPECT_EQ(one.code, 0);
  EXPECT_EQ(one.out, "7\n");
  EXPECT_EQ(Run({"-Dalluxio.user.metadata.cache.max.size=7", "getConf", "--source",
                 "alluxio.user.metadata.cache.max.size"})
                .out,
            "override\n");
  EXPECT_EQ(Run({"getConf", "--source", "alluxio.master.mount.table.root.ufs"}).out, "env\n");
  WriteFile(conf_ + "/alluxio-site.properties", "alluxio.user.file.readahead.max=8MB\n");
  EXPECT_THAT(Run({"getConf", "--source"}).out,
              HasSubstr("alluxio.user.file.readahead.max=8MB (site)\n"));
  EXPECT_EQ(Run({"getConf", "no.such.key"}).code, 1);
  RunResult secret = Run({"-Ds3a.secretKey=hunter2", "getConf"});
  EXPECT_THAT(secret.out, Not(HasSubstr("hunter2")));
  EXPECT_THAT(secret.out, HasSubstr("s3a.secretKey=******"));
  // -D after `fs` works too.
  EXPECT_EQ(Run({"fs", "-Dalluxio.user.metadata.cache.max.size=x", "ls", "/"}).code, 1);
}

TEST_F(CliTest, LoadFreeAndCacheStats) {
  ASSERT_EQ(Run({"fs", "mkdir", "/ds"}).code, 0);
  for (int i = 0; i < 3; ++i) {
    WriteFile(root_ + "/ds/f" + std::to_string(i), std::string(100000, static_cast<char>('a' + i)));
  }
  RunResult load = Run({"fs", "load", "/ds"});
  ASSERT_EQ(load.code, 0) << load.err;
  EXPECT_NE(load.out.find("Loaded 3 files"), std::string::npos) << load.out;
  EXPECT_NE(load.err.find("3/3 files"), std::string::npos) << load.err;  // the progress line
  RunResult stats = Run({"cache", "stats"});
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_NE(stats.out.find("Page misses:     3 "), std::string::npos) << stats.out;
  // Reading again is served from the cache.
  ASSERT_EQ(Run({"fs", "cat", "/ds/f1"}).out, std::string(100000, 'b'));
  EXPECT_NE(Run({"cache", "stats"}).out.find("Page hits:       1 "), std::string::npos);
  RunResult freed = Run({"fs", "free", "/ds"});
  ASSERT_EQ(freed.code, 0) << freed.err;
  EXPECT_NE(Run({"cache", "stats"}).out.find("Cache used:      0B"), std::string::npos);
  EXPECT_EQ(Run({"fs", "load", "/missing"}).code, 1);
  EXPECT_EQ(Run({"cache", "bogus"}).code, 2);
}

}  // namespace
