// Unit tests of alluxio-fuse's pieces that need no mount: the mount option
// parser and the inode table.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace alluxio::fuse
