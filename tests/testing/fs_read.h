// Reading a whole file through a FileSystem, as read(2) callers do.
#ifndef ALLUXIO_TESTS_TESTING_FS_READ_H_
#define ALLUXIO_TESTS_TESTING_FS_READ_H_

#include <fcntl.h>

#include <string>

#include "alluxio/file_system.h"
#include "alluxio/ufs.h"

namespace alluxio::testing {

// The bytes of `path`, read in `chunk`-byte reads to the end, or the error
// of the open, a read or the close.
inline Result<std::string> ReadWhole(FileSystem& fs, const std::string& path, size_t chunk = 4096) {
  ASSIGN_OR_RETURN(auto h, fs.OpenFile(path, OpenOptions::FromFlags(O_RDONLY, 0)));
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, h->Read(out.size(), buf.data(), buf.size()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  RETURN_IF_ERROR(h->Close());
  return out;
}

// The bytes of `path` in `ufs`, in one ReadAt of the size its reader sees.
inline Result<std::string> ReadUfsFile(Ufs& ufs, const std::string& path) {
  ASSIGN_OR_RETURN(auto r, ufs.OpenRead(path));
  std::string out(r->Size(), '\0');
  ASSIGN_OR_RETURN(size_t n, r->ReadAt(0, out.data(), out.size()));
  out.resize(n);
  return out;
}

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_FS_READ_H_
