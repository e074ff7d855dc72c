// Metadata of files and directories as the client reports it.
#ifndef ALLUXIO_FILE_INFO_H_
#define ALLUXIO_FILE_INFO_H_

#include <cstdint>
#include <string>

namespace alluxio {

// Trivially copyable on purpose: the metadata cache hands these out on the
// shim's stat path, which must not allocate.
struct FileAttr {
  bool is_dir = false;
  uint64_t size = 0;     // bytes; 0 for directories
  int64_t mtime_ns = 0;  // modification time, ns since the epoch
  uint32_t mode = 0;     // permission bits (07777), no file-type bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t ino = 0;      // stable number derived from the Alluxio path
  uint64_t version = 0;  // content version: differs whenever content differs
  // What only some UFSes keep (a local one does; an object store does not):
  // 0 means not known, and readers then use mtime_ns for both times, and 1
  // link for a file, 2 for a directory.
  int64_t atime_ns = 0;  // last access
  int64_t ctime_ns = 0;  // last change of content or attributes
  uint32_t nlink = 0;    // hard links; for a directory 2 + its subdirectories
};

struct FileInfo {
  std::string name;  // the entry's name within its directory
  FileAttr attr;
  // False when attr comes from a listing that carries only the type, size
  // and version (object stores; Ufs::ListingHasFullAttributes): mode, owner
  // and mtime are then placeholders, and only GetStatus of the entry tells
  // them.
  bool full_attributes = true;
};

// A content version from a UFS fingerprint (an ETag, or size and mtime).
uint64_t ContentVersion(uint64_t size, int64_t mtime_ns);
uint64_t ContentVersion(const std::string& etag);

// Stable 64-bit hash of bytes (FNV-1a then a mixer); never 0 or 1, which
// stat callers treat specially.
uint64_t PathHash(const char* data, size_t len);
inline uint64_t PathHash(const std::string& s) { return PathHash(s.data(), s.size()); }

}  // namespace alluxio

#endif  // ALLUXIO_FILE_INFO_H_
