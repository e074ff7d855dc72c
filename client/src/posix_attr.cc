#include "alluxio/posix_attr.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace alluxio {

struct timespec TimespecFromNs(int64_t ns) {
  int64_t sec = ns / 1000000000;
  int64_t rem = ns % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --sec;
  }
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(rem);
  return ts;
}

namespace {

mode_t TypeAndMode(const FileAttr& a) { return (a.is_dir ? S_IFDIR : S_IFREG) | (a.mode & 07777); }

uint64_t Blocks(const FileAttr& a) { return (a.size + 511) / 512; }

// What FileAttr leaves unknown (0), as FillStat's contract says.
uint32_t Links(const FileAttr& a) { return a.nlink != 0 ? a.nlink : (a.is_dir ? 2 : 1); }
int64_t AtimeNs(const FileAttr& a) { return a.atime_ns != 0 ? a.atime_ns : a.mtime_ns; }
int64_t CtimeNs(const FileAttr& a) { return a.ctime_ns != 0 ? a.ctime_ns : a.mtime_ns; }

struct statx_timestamp StatxTime(int64_t ns) {
  struct timespec ts = TimespecFromNs(ns);
  struct statx_timestamp t;
  t.tv_sec = ts.tv_sec;
  t.tv_nsec = static_cast<uint32_t>(ts.tv_nsec);
  t.__reserved = 0;
  return t;
}

}  // namespace

void FillStat(const FileAttr& a, const StatLayout& layout, struct stat* st) {
  memset(st, 0, sizeof(*st));
  st->st_dev = layout.dev;
  st->st_ino = a.ino;
  st->st_mode = TypeAndMode(a);
  st->st_nlink = Links(a);
  st->st_uid = a.uid;
  st->st_gid = a.gid;
  st->st_size = static_cast<off_t>(a.size);
  st->st_blksize = layout.blksize;
  st->st_blocks = static_cast<blkcnt_t>(Blocks(a));
  st->st_mtim = TimespecFromNs(a.mtime_ns);
  // Converted only when they differ (the stat hot path).
  st->st_atim = AtimeNs(a) == a.mtime_ns ? st->st_mtim : TimespecFromNs(AtimeNs(a));
  st->st_ctim = CtimeNs(a) == a.mtime_ns ? st->st_mtim : TimespecFromNs(CtimeNs(a));
}

void FillStatx(const FileAttr& a, const StatLayout& layout, struct statx* sx) {
  memset(sx, 0, sizeof(*sx));
  sx->stx_mask = STATX_BASIC_STATS;
  sx->stx_blksize = static_cast<uint32_t>(layout.blksize);
  sx->stx_nlink = Links(a);
  sx->stx_uid = a.uid;
  sx->stx_gid = a.gid;
  sx->stx_mode = static_cast<uint16_t>(TypeAndMode(a));
  sx->stx_ino = a.ino;
  sx->stx_size = a.size;
  sx->stx_blocks = Blocks(a);
  sx->stx_mtime = StatxTime(a.mtime_ns);
  sx->stx_atime = StatxTime(AtimeNs(a));
  sx->stx_ctime = StatxTime(CtimeNs(a));
  sx->stx_dev_major = major(layout.dev);
  sx->stx_dev_minor = minor(layout.dev);
}

bool MayAccess(const FileAttr& a, uid_t uid, std::span<const gid_t> gids, int mask) {
  if (uid == 0) return !(mask & X_OK) || a.is_dir || (a.mode & 0111);
  uint32_t bits;
  if (a.uid == uid) {
    bits = (a.mode >> 6) & 7;
  } else if (std::find(gids.begin(), gids.end(), a.gid) != gids.end()) {
    bits = (a.mode >> 3) & 7;
  } else {
    bits = a.mode & 7;
  }
  return !((mask & R_OK) && !(bits & 4)) && !((mask & W_OK) && !(bits & 2)) &&
         !((mask & X_OK) && !(bits & 1));
}

}  // namespace alluxio
