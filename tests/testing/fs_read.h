// Reading a whole file through a FileSystem, as read(2) callers do.
#ifndef ALLUXIO_TESTS_TESTING_FS_READ_H_
#define ALLUXIO_TESTS_TESTING_FS_READ_H_

#include <fcntl.h>

#include <string>

#include "alluxio/file_system.h"

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

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_FS_READ_H_
