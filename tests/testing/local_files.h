// Whole local files, for tests that prepare inputs and check results on
// plain directories (a UFS directory, a mount point, a reference tree).
#ifndef ALLUXIO_TESTS_TESTING_LOCAL_FILES_H_
#define ALLUXIO_TESTS_TESTING_LOCAL_FILES_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace alluxio::testing {

// The bytes of the file at `path`; "" when it cannot be read.
inline std::string ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Replaces the file at `path` with `data`, creating its parent directories.
inline bool WriteLocalFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out);
}

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_LOCAL_FILES_H_
