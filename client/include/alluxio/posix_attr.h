// FileAttr in the kernel's shapes: struct stat, struct statx and the
// permission check of access(2)/open(2). The one implementation the shim
// (preload/) and the FUSE daemon (fuse/) share, so both front ends report
// the same file the same way.
#ifndef ALLUXIO_POSIX_ATTR_H_
#define ALLUXIO_POSIX_ATTR_H_

#include <sys/types.h>

#include <cstdint>
#include <span>

#include "alluxio/file_info.h"

struct stat;
struct statx;
struct timespec;

namespace alluxio {

// What FileAttr does not say and each front end chooses: the device its
// files appear on (the shim reports a fixed one; under FUSE the kernel puts
// the mount's own) and the I/O size it advertises in st_blksize.
struct StatLayout {
  dev_t dev = 0;
  blksize_t blksize = 4096;
};

// A time in ns since the epoch as a timespec, tv_nsec always in [0, 1e9)
// (times before 1970 round down, as the kernel keeps them).
struct timespec TimespecFromNs(int64_t ns);

// Fills *st (every other field zero): the type from is_dir (a regular file
// or a directory), the permission bits, owner, size, ino, link count and
// times; st_blocks the 512-byte blocks the size needs. What the UFS does not
// keep (FileAttr's 0) is filled in: 2 links for a directory and 1 for a
// file, atime and ctime equal to the modification time.
void FillStat(const FileAttr& a, const StatLayout& layout, struct stat* st);

// The same attributes as statx(2) reports them: stx_mask STATX_BASIC_STATS
// (no birth time), the device split into major and minor.
void FillStatx(const FileAttr& a, const StatLayout& layout, struct statx* sx);

// Whether a caller with user `uid` and groups `gids` may access a file with
// these attributes in `mask` (R_OK, W_OK, X_OK or-ed; 0 always passes), as
// the kernel's permission check decides: the owner's bits when uid owns it,
// else the group's when a.gid is one of `gids`, else the others'. uid 0 may
// read and write anything, and execute a directory or a file that anyone
// may execute.
bool MayAccess(const FileAttr& a, uid_t uid, std::span<const gid_t> gids, int mask);

}  // namespace alluxio

#endif  // ALLUXIO_POSIX_ATTR_H_
