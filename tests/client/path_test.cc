#include "alluxio/path.h"

#include <gtest/gtest.h>

namespace alluxio {
namespace {

TEST(PathTest, Normalizes) {
  EXPECT_EQ(*NormalizePath("/"), "/");
  EXPECT_EQ(*NormalizePath("//a///b/"), "/a/b");
  EXPECT_EQ(*NormalizePath("/a/./b/../c"), "/a/c");
  EXPECT_EQ(*NormalizePath("/a/b/.."), "/a");
}

TEST(PathTest, DotDotNeverClimbsAboveRoot) {
  EXPECT_EQ(*NormalizePath("/.."), "/");
  EXPECT_EQ(*NormalizePath("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(*NormalizePath("/a/../../b"), "/b");
}

TEST(PathTest, AnyByteButSlashAndNulIsAName) {
  for (const char* p : {"/a?b", "/back\\slash", "/with space", "/\xc3\xa9t\xc3\xa9", "/%41+"}) {
    auto r = NormalizePath(p);
    ASSERT_TRUE(r.ok()) << p;
    EXPECT_EQ(*r, p);
    EXPECT_TRUE(IsNormalized(p));
  }
}

TEST(PathTest, RejectsBadPaths) {
  EXPECT_EQ(NormalizePath("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(NormalizePath("relative/x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(NormalizePath(std::string_view("/a\0b", 4)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(NormalizePath("/" + std::string(256, 'x')).status().code(), Code::kNameTooLong);
  EXPECT_TRUE(NormalizePath("/" + std::string(255, 'x')).ok());
}

TEST(PathTest, IsNormalizedAgreesWithNormalize) {
  for (const char* p : {"/", "/a", "/a/b", "/a/", "//a", "/a/./b", "/a/..", "/.", "a", ""}) {
    auto r = NormalizePath(p);
    EXPECT_EQ(IsNormalized(p), r.ok() && *r == p) << p;
  }
}

TEST(PathTest, Components) {
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(ParentPath("/"), "/");
  EXPECT_EQ(BaseName("/a/b"), "b");
  EXPECT_EQ(BaseName("/"), "");
  EXPECT_EQ(JoinPath("/", "x"), "/x");
  EXPECT_EQ(JoinPath("/a", "x"), "/a/x");
  EXPECT_TRUE(PathHasPrefix("/a/b", "/a"));
  EXPECT_TRUE(PathHasPrefix("/a", "/a"));
  EXPECT_FALSE(PathHasPrefix("/ab", "/a"));
  EXPECT_TRUE(PathHasPrefix("/x", "/"));
}

}  // namespace
}  // namespace alluxio
