// The codec between POSIX attributes and S3 objects.
//
// Mode, owner, group and mtime live in user metadata with the names and
// formats s3fs writes (rclone reads the mtime too): x-amz-meta-mode (decimal
// st_mode with the file-type bits), -uid, -gid (decimal) and -mtime (seconds
// since the epoch, optionally with ".nnnnnnnnn"). What an object lacks comes
// from its headers (size, LastModified, ETag) and from defaults.
#ifndef ALLUXIO_CLIENT_S3_S3_METADATA_H_
#define ALLUXIO_CLIENT_S3_S3_METADATA_H_

#include <cstdint>
#include <optional>
#include <string>

#include "alluxio/file_info.h"
#include "s3/object_client.h"

namespace alluxio::s3 {

// User metadata names (without "x-amz-meta-").
inline constexpr char kMetaMode[] = "mode";
inline constexpr char kMetaUid[] = "uid";
inline constexpr char kMetaGid[] = "gid";
inline constexpr char kMetaMtime[] = "mtime";

// Wall-clock time, ns since the epoch.
int64_t NowNs();

// "1700000000.000000123"; negative times as seconds below with a positive
// fraction.
std::string FormatMtime(int64_t ns);
// Seconds with an optional fraction of up to nine digits (more are ignored);
// nullopt when it does not start with a number.
std::optional<int64_t> ParseMtime(const std::string& s);
// A whole decimal number; nullopt when empty or not all digits.
std::optional<uint32_t> ParseU32(const std::string& s);
// The mode value stored: the permission bits with the file-type bits.
std::string EncodeMode(bool is_dir, uint32_t mode);

// What stat shows of an object. A file (is_dir false) takes size and a
// content version from the ETag (from size and mtime without one); a
// directory (its marker, or an empty ObjectMeta for an implied one) has size
// 0 and no version. Without metadata: mode 0644 (0755 for a directory),
// owner default_uid/default_gid, mtime the LastModified in whole seconds (so
// HEAD and listings, which differ in precision, agree).
FileAttr AttrFromObject(const ObjectMeta& m, bool is_dir, uint32_t default_uid,
                        uint32_t default_gid);

// All four fields for a new object.
UserMeta MetaFor(bool is_dir, uint32_t mode, uint32_t uid, uint32_t gid, int64_t mtime_ns);

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_S3_METADATA_H_
