// LocalUfs: the attributes it reports, and staging files of writers that
// died are removed, those of live writers (and of writers we cannot judge)
// are kept.
#include "local_ufs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace alluxio {
namespace {

using testing::TempDir;

// Staging files under `root`, relative paths.
std::vector<std::string> StagingFiles(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().filename().string().rfind(kLocalTempPrefix, 0) == 0) {
      out.push_back(std::filesystem::relative(e.path(), root).string());
    }
  }
  return out;
}

uint64_t Sweep(const std::shared_ptr<Ufs>& ufs) {
  auto n = ufs->RemoveAbandonedWrites(nullptr);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : 0;
}

TEST(LocalUfsAttrTest, LinksAndTimesAreTheDirectorys) {
  TempDir root;
  ASSERT_EQ(::mkdir((root.path() + "/d").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root.path() + "/d/sub1").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root.path() + "/d/sub2").c_str(), 0755), 0);
  std::ofstream(root.path() + "/d/f") << "x";
  ASSERT_EQ(::link((root.path() + "/d/f").c_str(), (root.path() + "/d/g").c_str()), 0);
  auto ufs = LocalUfs::Open(root.path());
  ASSERT_TRUE(ufs.ok());
  auto d = (*ufs)->GetStatus("/d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->nlink, 4u);  // 2 + two subdirectories
  auto f = (*ufs)->GetStatus("/d/f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->nlink, 2u);

  // Explicit times: atime and mtime as set, ctime moved by chmod.
  struct timespec times[2] = {{1000, 5}, {2000, 7}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (root.path() + "/d/f").c_str(), times, 0), 0);
  f = (*ufs)->GetStatus("/d/f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->atime_ns, 1000 * 1000000000ll + 5);
  EXPECT_EQ(f->mtime_ns, 2000 * 1000000000ll + 7);
  const int64_t ctime_before = f->ctime_ns;
  EXPECT_GT(ctime_before, f->mtime_ns);
  // ctime has the file system's clock granularity: wait until it ticks.
  struct stat probe;
  int64_t now = 0;
  do {
    std::ofstream(root.path() + "/tick") << "t";
    ASSERT_EQ(::stat((root.path() + "/tick").c_str(), &probe), 0);
    now = probe.st_ctim.tv_sec * 1000000000ll + probe.st_ctim.tv_nsec;
  } while (now <= ctime_before);
  ASSERT_TRUE((*ufs)->SetMode("/d/f", 0600).ok());
  f = (*ufs)->GetStatus("/d/f");
  ASSERT_TRUE(f.ok());
  EXPECT_GT(f->ctime_ns, ctime_before);
  EXPECT_EQ(f->mtime_ns, 2000 * 1000000000ll + 7);
}

// Runs `fn` in a child that then blocks until killed; returns its pid once
// `fn` has run.
template <typename Fn>
pid_t ChildThatWaits(Fn fn) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    fn();
    char c = 'x';
    if (::write(ready[1], &c, 1) != 1) ::_exit(1);
    while (true) ::pause();
  }
  ::close(ready[1]);
  char c;
  bool ok = ::read(ready[0], &c, 1) == 1;
  ::close(ready[0]);
  return ok ? pid : -1;
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(LocalUfsStagingTest, LiveWriterIsKeptAndCommits) {
  TempDir dir;
  auto ufs = LocalUfs::Open(dir.path());
  ASSERT_TRUE(ufs.ok());
  auto w = (*ufs)->Create("/f", {});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("abc", 3).ok());
  ASSERT_EQ(StagingFiles(dir.path()).size(), 1u);
  EXPECT_EQ(Sweep(*ufs), 0u);
  ASSERT_EQ(StagingFiles(dir.path()).size(), 1u);
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_TRUE(StagingFiles(dir.path()).empty());
  std::ifstream in(dir.path() + "/f");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "abc");
}

TEST(LocalUfsStagingTest, WriterKilledMidWriteIsRemoved) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/a/b");
  auto ufs = LocalUfs::Open(dir.path());
  ASSERT_TRUE(ufs.ok());
  std::unique_ptr<UfsWriter> leaked;  // the child's, never destroyed there
  pid_t child = ChildThatWaits([&] {
    auto w = (*ufs)->Create("/a/b/f", {});
    if (!w.ok() || !(*w)->Append("partial", 7).ok()) ::_exit(1);
    leaked = std::move(*w);
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(StagingFiles(dir.path()).size(), 1u);
  EXPECT_EQ(Sweep(*ufs), 0u) << "the writer still runs";
  KillAndReap(child);
  EXPECT_EQ(Sweep(*ufs), 1u);
  EXPECT_TRUE(StagingFiles(dir.path()).empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/a/b/f"));
}

TEST(LocalUfsStagingTest, ForkedChildStillHoldingTheFileKeepsIt) {
  TempDir dir;
  auto ufs = LocalUfs::Open(dir.path());
  ASSERT_TRUE(ufs.ok());
  // The creator forks a process that inherits the descriptor, then dies.
  int pid_pipe[2];
  ASSERT_EQ(::pipe(pid_pipe), 0);
  pid_t creator = ::fork();
  if (creator == 0) {
    ::close(pid_pipe[0]);
    auto w = (*ufs)->Create("/f", {});
    if (!w.ok()) ::_exit(1);
    pid_t heir = ChildThatWaits([] {});
    if (::write(pid_pipe[1], &heir, sizeof(heir)) != sizeof(heir)) ::_exit(1);
    ::_exit(0);  // without destroying the writer: a crash
  }
  ::close(pid_pipe[1]);
  pid_t heir = -1;
  ASSERT_EQ(::read(pid_pipe[0], &heir, sizeof(heir)), static_cast<ssize_t>(sizeof(heir)));
  ::close(pid_pipe[0]);
  ::waitpid(creator, nullptr, 0);
  ASSERT_GT(heir, 0);
  ASSERT_EQ(StagingFiles(dir.path()).size(), 1u);
  EXPECT_EQ(Sweep(*ufs), 0u) << "a live process still holds the file";
  ::kill(heir, SIGKILL);  // not our child: wait for the lock to go
  for (int i = 0; i < 500 && ::kill(heir, 0) == 0; ++i) ::usleep(10000);
  EXPECT_EQ(Sweep(*ufs), 1u);
  EXPECT_TRUE(StagingFiles(dir.path()).empty());
}

TEST(LocalUfsStagingTest, NamesItCannotJudgeAreKept) {
  TempDir dir;
  auto ufs = LocalUfs::Open(dir.path());
  ASSERT_TRUE(ufs.ok());
  const std::vector<std::string> names = {
      // An older version's name, with no writer in it.
      std::string(kLocalTempPrefix) + "0123456789abcdef",
      // A writer of another host or pid namespace (pid 1 runs anyway here).
      std::string(kLocalTempPrefix) + "ffffffffffffffff-999999-1.0123456789abcdef",
      std::string(kLocalTempPrefix) + "garbage-x-y.z",
  };
  for (const std::string& n : names) std::ofstream(dir.path() + "/" + n) << "old";
  EXPECT_EQ(Sweep(*ufs), 0u);
  EXPECT_EQ(StagingFiles(dir.path()).size(), names.size());
}

TEST(LocalUfsStagingTest, CancelStopsTheWalk) {
  TempDir dir;
  auto ufs = LocalUfs::Open(dir.path());
  ASSERT_TRUE(ufs.ok());
  pid_t child = ChildThatWaits([&] {
    auto w = (*ufs)->Create("/f", {});
    if (!w.ok()) ::_exit(1);
    (void)w->release();
  });
  ASSERT_GT(child, 0);
  KillAndReap(child);
  std::atomic<bool> cancel{true};
  auto n = (*ufs)->RemoveAbandonedWrites(&cancel);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(Sweep(*ufs), 1u);
}

}  // namespace
}  // namespace alluxio
