// Unit tests of alluxio-fuse's pieces that need no mount: the mount option
// parser, the inode table, the handle table, and the holder scan (on a local
// file).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "handle_table.h"
#include "holders.h"
#include "inode_table.h"
#include "mount_options.h"

namespace alluxio::fuse {
namespace {

TEST(MountOptionsTest, Defaults) {
  MountOptions o;
  EXPECT_EQ(o.cache, CacheMode::kAuto);
  EXPECT_FALSE(o.direct_io);
  EXPECT_FALSE(o.read_only);
  EXPECT_GT(o.attr_timeout, 0);
  EXPECT_GT(o.entry_timeout, 0);
  EXPECT_EQ(o.KernelOptionString(), "fsname=alluxio,subtype=alluxio");
}

TEST(MountOptionsTest, EveryDocumentedOption) {
  MountOptions o;
  ASSERT_TRUE(ParseMountOptions("allow_other,default_permissions,kernel_cache,"
                                "attr_timeout=7.5,entry_timeout=3,negative_timeout=1,"
                                "max_idle_threads=4,max_background=64,ro,direct_io",
                                &o)
                  .ok());
  EXPECT_EQ(o.cache, CacheMode::kKernel);
  EXPECT_DOUBLE_EQ(o.attr_timeout, 7.5);
  EXPECT_DOUBLE_EQ(o.entry_timeout, 3);
  EXPECT_DOUBLE_EQ(o.negative_timeout, 1);
  EXPECT_EQ(o.max_idle_threads, 4u);
  EXPECT_EQ(o.max_background, 64u);
  EXPECT_TRUE(o.read_only);
  EXPECT_TRUE(o.direct_io);
  EXPECT_EQ(o.KernelOptionString(),
            "allow_other,default_permissions,ro,fsname=alluxio,subtype=alluxio");
}

TEST(MountOptionsTest, LaterOptionsWin) {
  MountOptions o;
  ASSERT_TRUE(ParseMountOptions("kernel_cache,ro", &o).ok());
  ASSERT_TRUE(ParseMountOptions("auto_cache,rw,fsname=data", &o).ok());
  EXPECT_EQ(o.cache, CacheMode::kAuto);
  EXPECT_FALSE(o.read_only);
  EXPECT_EQ(o.KernelOptionString(), "rw,fsname=data,subtype=alluxio");
  ASSERT_TRUE(ParseMountOptions("noauto_cache,,", &o).ok());
  EXPECT_EQ(o.cache, CacheMode::kNone);
}

TEST(MountOptionsTest, BadOptionsNameThemselves) {
  for (const char* bad :
       {"bogus", "attr_timeout=", "attr_timeout=-1", "attr_timeout=abc", "max_idle_threads=x",
        "max_background=99999999", "kernel_cache=1", "fsname="}) {
    MountOptions o;
    Status st = ParseMountOptions(bad, &o);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find(bad), std::string::npos) << st.ToString();
  }
}

TEST(InodeTableTest, RootIsPinned) {
  InodeTable t("/data");
  InodeView v;
  ASSERT_TRUE(t.Get(kRootId, &v));
  EXPECT_EQ(v.path, "/data");
  EXPECT_TRUE(v.is_dir);
  t.Forget(kRootId, 100);
  EXPECT_TRUE(t.Get(kRootId, &v));
  EXPECT_EQ(t.Lookup("/data", true), kRootId);
}

TEST(InodeTableTest, LookupCountsAndForget) {
  InodeTable t("/");
  uint64_t a = t.Lookup("/a", false);
  EXPECT_NE(a, kRootId);
  EXPECT_EQ(t.Lookup("/a", false), a);
  EXPECT_EQ(t.Lookup("/a", false), a);
  t.Forget(a, 2);
  InodeView v;
  ASSERT_TRUE(t.Get(a, &v));
  t.Forget(a, 1);
  EXPECT_FALSE(t.Get(a, &v));
  EXPECT_EQ(t.size(), 1u);
  // Ids are never reused.
  EXPECT_NE(t.Lookup("/a", false), a);
}

TEST(InodeTableTest, TypeChangeGetsNewId) {
  InodeTable t("/");
  uint64_t f = t.Lookup("/x", false);
  uint64_t d = t.Lookup("/x", true);
  EXPECT_NE(f, d);
  InodeView v;
  ASSERT_TRUE(t.Get(f, &v));
  EXPECT_TRUE(v.path.empty());  // the old node is detached
  ASSERT_TRUE(t.Get(d, &v));
  EXPECT_EQ(v.path, "/x");
}

TEST(InodeTableTest, DetachKeepsNodeUntilForgotten) {
  InodeTable t("/");
  uint64_t a = t.Lookup("/a", false);
  t.Detach("/a");
  InodeView v;
  ASSERT_TRUE(t.Get(a, &v));
  EXPECT_TRUE(v.path.empty());
  uint64_t again = t.Lookup("/a", false);
  EXPECT_NE(again, a);
  t.Forget(a, 1);
  ASSERT_TRUE(t.Get(again, &v));
  EXPECT_EQ(v.path, "/a");
}

TEST(InodeTableTest, RenameMovesDescendants) {
  InodeTable t("/");
  uint64_t d = t.Lookup("/d", true);
  uint64_t f = t.Lookup("/d/f", false);
  uint64_t g = t.Lookup("/d/sub/g", false);
  uint64_t other = t.Lookup("/dx", false);  // shares a prefix, not a parent
  uint64_t target = t.Lookup("/e", true);
  t.Rename("/d", "/e");
  InodeView v;
  ASSERT_TRUE(t.Get(d, &v));
  EXPECT_EQ(v.path, "/e");
  ASSERT_TRUE(t.Get(f, &v));
  EXPECT_EQ(v.path, "/e/f");
  ASSERT_TRUE(t.Get(g, &v));
  EXPECT_EQ(v.path, "/e/sub/g");
  ASSERT_TRUE(t.Get(other, &v));
  EXPECT_EQ(v.path, "/dx");
  ASSERT_TRUE(t.Get(target, &v));
  EXPECT_TRUE(v.path.empty());  // replaced
  EXPECT_EQ(t.Lookup("/e/f", false), f);
}

TEST(InodeTableTest, CachedVersion) {
  InodeTable t("/");
  uint64_t a = t.Lookup("/a", false);
  EXPECT_EQ(t.ExchangeCachedVersion(a, 7), 0u);
  EXPECT_EQ(t.ExchangeCachedVersion(a, 8), 7u);
  EXPECT_EQ(t.ExchangeCachedVersion(12345, 1), 0u);  // unknown id
}

// A local file the holder scan looks for, and a child process that can be
// told to close its copy of a descriptor or to exit.
class HoldersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/holders-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/f";
    int fd = ::open(file_.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
    struct stat st;
    ASSERT_EQ(::stat(file_.c_str(), &st), 0);
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Forks a child that keeps every descriptor until told (one byte on the
  // returned pipe end) to exit.
  pid_t HoldingChild(int* tell) {
    int p[2];
    if (::pipe(p) != 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(p[1]);
      char c;
      (void)!::read(p[0], &c, 1);
      ::_exit(0);
    }
    ::close(p[0]);
    *tell = p[1];
    return pid;
  }
  static void Release(pid_t child, int tell) {
    (void)!::write(tell, "x", 1);
    ::close(tell);
    ::waitpid(child, nullptr, 0);
  }

  std::string dir_;
  std::string file_;
  dev_t dev_ = 0;
  uint64_t ino_ = 0;
};

TEST_F(HoldersTest, FindsWritersAmongKnownAndNewProcesses) {
  Holders h(dev_);
  ASSERT_TRUE(h.usable());
  const pid_t self = ::getpid();
  EXPECT_EQ(Holders::ProcessOf(self), self);
  ForkMark mark = h.Mark();
  ASSERT_TRUE(mark.valid());
  EXPECT_EQ(h.Check(ino_, {self}, mark), Holders::Verdict::kNone);

  int fd = ::open(file_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(h.Check(ino_, {self}, mark), Holders::Verdict::kHeld);
  EXPECT_EQ(Holders::ProcessHolds(self, dev_, ino_), Holders::Verdict::kHeld);
  // Another inode, or another device, is not this file.
  EXPECT_EQ(h.Check(ino_ + 1, {self}, mark), Holders::Verdict::kNone);

  // A child started since the mark inherits it: still held after this
  // process closes its own descriptor, although nobody named the child.
  int tell = -1;
  pid_t child = HoldingChild(&tell);
  ASSERT_GT(child, 0);
  ::close(fd);
  EXPECT_EQ(Holders::ProcessHolds(self, dev_, ino_), Holders::Verdict::kNone);
  EXPECT_EQ(h.Check(ino_, {self}, mark), Holders::Verdict::kHeld);
  Release(child, tell);
  EXPECT_EQ(h.Check(ino_, {self}, mark), Holders::Verdict::kNone);
}

TEST_F(HoldersTest, ReadersDoNotCount) {
  Holders h(dev_);
  ForkMark mark = h.Mark();
  int fd = ::open(file_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  int tell = -1;
  pid_t child = HoldingChild(&tell);
  ASSERT_GT(child, 0);
  EXPECT_EQ(h.Check(ino_, {::getpid()}, mark), Holders::Verdict::kNone);
  Release(child, tell);
  ::close(fd);
}

TEST_F(HoldersTest, CannotTellWithoutADeviceOrForAnUnseenProcess) {
  Holders none(0);
  EXPECT_FALSE(none.usable());
  EXPECT_EQ(none.Check(ino_, {::getpid()}, none.Mark()), Holders::Verdict::kUnknown);
  Holders h(dev_);
  // pid 0: a process FUSE could not name in this PID namespace.
  EXPECT_EQ(h.Check(ino_, {::getpid(), 0}, h.Mark()), Holders::Verdict::kUnknown);
  EXPECT_EQ(Holders::ProcessOf(0), 0);
}

TEST_F(HoldersTest, WithoutAValidMarkEveryProcessIsLookedAt) {
  Holders h(dev_);
  // A process started before the mark and not named is missed (it can only
  // have the file by receiving it); without a mark it is found.
  int tell = -1;
  int fd = ::open(file_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  pid_t child = HoldingChild(&tell);
  ASSERT_GT(child, 0);
  ::close(fd);
  ForkMark after = h.Mark();
  EXPECT_EQ(h.Check(ino_, {::getpid()}, after), Holders::Verdict::kNone);
  EXPECT_EQ(h.Check(ino_, {::getpid()}, ForkMark()), Holders::Verdict::kHeld);
  EXPECT_EQ(h.Check(ino_, {::getpid(), child}, after), Holders::Verdict::kHeld);
  Release(child, tell);
}

TEST(InodeTableTest, LaterGenerationsNeverIssueAnEarlierId) {
  InodeTable first("/");
  uint64_t a = first.Lookup("/a", false);
  InodeTable second("/");  // the next daemon of the same mount
  second.SetGeneration(1);
  uint64_t b = second.Lookup("/a", false);
  EXPECT_GE(b, FirstIdOf(1));
  EXPECT_NE(b, a);
  InodeView v;
  EXPECT_FALSE(second.Get(a, &v));  // the first daemon's id means nothing here
  EXPECT_TRUE(second.Get(kRootId, &v));
  EXPECT_EQ(second.Lookup("/", true), kRootId);
}

TEST(HandleTableTest, HandlesAreNeverZeroNorSharedAcrossKindsOrGenerations) {
  HandleTable<std::string> files(0);
  HandleTable<std::string> dirs(1);
  uint64_t f = files.Add(std::make_shared<std::string>("f"));
  uint64_t d = dirs.Add(std::make_shared<std::string>("d"));
  EXPECT_NE(f, 0u);
  EXPECT_NE(f, d);
  EXPECT_EQ(*files.Get(f), "f");
  EXPECT_EQ(files.Get(d), nullptr);
  EXPECT_EQ(dirs.Get(f), nullptr);

  HandleTable<std::string> next(0);  // the next daemon's
  next.SetGeneration(1);
  uint64_t g = next.Add(std::make_shared<std::string>("g"));
  EXPECT_NE(g, f);
  EXPECT_EQ(next.Get(f), nullptr);  // a dead daemon's handle is unknown

  EXPECT_EQ(*files.Remove(f), "f");
  EXPECT_EQ(files.Remove(f), nullptr);
  EXPECT_EQ(files.Get(f), nullptr);
  EXPECT_EQ(files.size(), 0u);
}

}  // namespace
}  // namespace alluxio::fuse
