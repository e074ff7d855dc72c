#include "alluxio/posix_attr.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace alluxio {
namespace {

FileAttr File(uint64_t size, uint32_t mode) {
  FileAttr a;
  a.size = size;
  a.mode = mode;
  a.uid = 1000;
  a.gid = 100;
  a.ino = 4242;
  a.mtime_ns = 1700000000123456789;
  return a;
}

TEST(PosixAttrTest, FillStatOfAFile) {
  struct stat st;
  memset(&st, 0xff, sizeof(st));  // every field is written
  FillStat(File(1025, 0640), StatLayout{makedev(0xa1, 0x10), 128 * 1024}, &st);
  EXPECT_EQ(st.st_dev, makedev(0xa1, 0x10));
  EXPECT_EQ(st.st_ino, 4242u);
  EXPECT_EQ(st.st_mode, S_IFREG | 0640u);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 100u);
  EXPECT_EQ(st.st_rdev, 0u);
  EXPECT_EQ(st.st_size, 1025);
  EXPECT_EQ(st.st_blksize, 128 * 1024);
  EXPECT_EQ(st.st_blocks, 3);  // 512-byte blocks, rounded up
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
  EXPECT_EQ(st.st_atim.tv_sec, st.st_mtim.tv_sec);
  EXPECT_EQ(st.st_atim.tv_nsec, st.st_mtim.tv_nsec);
  EXPECT_EQ(st.st_ctim.tv_sec, st.st_mtim.tv_sec);
  EXPECT_EQ(st.st_ctim.tv_nsec, st.st_mtim.tv_nsec);
}

TEST(PosixAttrTest, FillStatOfADirectory) {
  FileAttr a = File(0, 02755);
  a.is_dir = true;
  struct stat st;
  FillStat(a, StatLayout{0, 1 << 20}, &st);
  EXPECT_EQ(st.st_mode, S_IFDIR | 02755u);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(st.st_dev, 0u);
  EXPECT_EQ(st.st_blksize, 1 << 20);
  EXPECT_EQ(st.st_blocks, 0);
}

TEST(PosixAttrTest, LinksAndTimesTheUfsKeepsAreReported) {
  FileAttr a = File(0, 0755);
  a.is_dir = true;
  a.nlink = 5;
  a.atime_ns = 1600000000000000001;
  a.ctime_ns = 1800000000000000002;
  struct stat st;
  FillStat(a, StatLayout{}, &st);
  EXPECT_EQ(st.st_nlink, 5u);
  EXPECT_EQ(st.st_atim.tv_sec, 1600000000);
  EXPECT_EQ(st.st_atim.tv_nsec, 1);
  EXPECT_EQ(st.st_ctim.tv_sec, 1800000000);
  EXPECT_EQ(st.st_ctim.tv_nsec, 2);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  struct statx sx;
  FillStatx(a, StatLayout{}, &sx);
  EXPECT_EQ(sx.stx_nlink, 5u);
  EXPECT_EQ(sx.stx_atime.tv_sec, 1600000000);
  EXPECT_EQ(sx.stx_ctime.tv_nsec, 2u);
  EXPECT_EQ(sx.stx_mtime.tv_sec, 1700000000);
}

TEST(PosixAttrTest, ModeKeepsOnlyPermissionBits) {
  struct stat st;
  FillStat(File(0, S_IFDIR | 0644), StatLayout{}, &st);  // stray type bits are dropped
  EXPECT_EQ(st.st_mode, S_IFREG | 0644u);
}

TEST(PosixAttrTest, TimesBeforeTheEpochRoundDown) {
  struct timespec ts = TimespecFromNs(-1);
  EXPECT_EQ(ts.tv_sec, -1);
  EXPECT_EQ(ts.tv_nsec, 999999999);
  ts = TimespecFromNs(-2000000000);
  EXPECT_EQ(ts.tv_sec, -2);
  EXPECT_EQ(ts.tv_nsec, 0);
  FileAttr a = File(0, 0644);
  a.mtime_ns = -1500000000;  // 1969-12-31T23:59:58.5
  struct stat st;
  FillStat(a, StatLayout{}, &st);
  EXPECT_EQ(st.st_mtim.tv_sec, -2);
  EXPECT_EQ(st.st_mtim.tv_nsec, 500000000);
}

TEST(PosixAttrTest, FillStatxAgreesWithFillStat) {
  const StatLayout layout{makedev(0xa1, 0x10), 128 * 1024};
  for (bool dir : {false, true}) {
    FileAttr a = File(dir ? 0 : 70000, 0751);
    a.is_dir = dir;
    struct stat st;
    struct statx sx;
    memset(&sx, 0xff, sizeof(sx));
    FillStat(a, layout, &st);
    FillStatx(a, layout, &sx);
    EXPECT_EQ(sx.stx_mask, static_cast<uint32_t>(STATX_BASIC_STATS));
    EXPECT_EQ(sx.stx_attributes, 0u);
    EXPECT_EQ(sx.stx_mode, st.st_mode);
    EXPECT_EQ(sx.stx_nlink, st.st_nlink);
    EXPECT_EQ(sx.stx_uid, st.st_uid);
    EXPECT_EQ(sx.stx_gid, st.st_gid);
    EXPECT_EQ(sx.stx_ino, st.st_ino);
    EXPECT_EQ(sx.stx_size, static_cast<uint64_t>(st.st_size));
    EXPECT_EQ(sx.stx_blocks, static_cast<uint64_t>(st.st_blocks));
    EXPECT_EQ(sx.stx_blksize, static_cast<uint32_t>(st.st_blksize));
    EXPECT_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    EXPECT_EQ(sx.stx_rdev_major, 0u);
    EXPECT_EQ(sx.stx_rdev_minor, 0u);
    for (const struct statx_timestamp* t : {&sx.stx_mtime, &sx.stx_atime, &sx.stx_ctime}) {
      EXPECT_EQ(t->tv_sec, st.st_mtim.tv_sec);
      EXPECT_EQ(t->tv_nsec, static_cast<uint32_t>(st.st_mtim.tv_nsec));
    }
    EXPECT_EQ(sx.stx_btime.tv_sec, 0);  // not in the mask
  }
}

TEST(PosixAttrTest, OwnerGroupOthersBits) {
  const gid_t groups[] = {100};
  const gid_t others[] = {7, 8};
  FileAttr a = File(0, 0640);  // rw- r-- ---
  EXPECT_TRUE(MayAccess(a, 1000, others, R_OK | W_OK));
  EXPECT_FALSE(MayAccess(a, 1000, others, X_OK));
  EXPECT_TRUE(MayAccess(a, 2000, groups, R_OK));
  EXPECT_FALSE(MayAccess(a, 2000, groups, W_OK));
  EXPECT_FALSE(MayAccess(a, 2000, others, R_OK));
  EXPECT_TRUE(MayAccess(a, 2000, others, 0));  // F_OK: existence only
  // The owner's bits decide for the owner, even when the group's would allow.
  a.mode = 0070;
  EXPECT_FALSE(MayAccess(a, 1000, groups, R_OK));
  EXPECT_TRUE(MayAccess(a, 2000, groups, R_OK | W_OK | X_OK));
  // Any of the caller's groups counts.
  const gid_t many[] = {5, 100, 9};
  EXPECT_TRUE(MayAccess(a, 2000, many, R_OK));
  EXPECT_FALSE(MayAccess(a, 2000, {}, R_OK));
}

TEST(PosixAttrTest, RootReadsAndWritesAllButExecutesOnlyWhatSomeoneMay) {
  FileAttr a = File(0, 0);
  EXPECT_TRUE(MayAccess(a, 0, {}, R_OK | W_OK));
  EXPECT_FALSE(MayAccess(a, 0, {}, X_OK));
  a.mode = 0001;
  EXPECT_TRUE(MayAccess(a, 0, {}, X_OK));
  a.mode = 0;
  a.is_dir = true;
  EXPECT_TRUE(MayAccess(a, 0, {}, R_OK | W_OK | X_OK));
}

TEST(PosixAttrTest, DirectoryExecuteIsSearch) {
  FileAttr a = File(0, 0600);
  a.is_dir = true;
  const gid_t groups[] = {100};
  EXPECT_FALSE(MayAccess(a, 1000, groups, X_OK));
  a.mode = 0700;
  EXPECT_TRUE(MayAccess(a, 1000, groups, X_OK));
}

}  // namespace
}  // namespace alluxio
