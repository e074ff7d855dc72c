// Deterministic test data: the same bytes for the same (size, seed).
#ifndef ALLUXIO_TESTS_TESTING_BYTES_H_
#define ALLUXIO_TESTS_TESTING_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace alluxio::testing {

// xorshift32 bytes: cheap, and every offset differs from its neighbours, so a
// misplaced range never compares equal by accident.
inline std::string PseudoRandomBytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

// Bytes of a linear congruential sequence (the FUSE tests' data).
inline std::string LcgBytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 16);
  }
  return s;
}

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_BYTES_H_
