#include "alluxio/file_info.h"

namespace alluxio {

uint64_t PathHash(const char* data, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  // Final avalanche (splitmix64) so nearby paths spread over hash buckets.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h < 2 ? h + 2 : h;
}

uint64_t ContentVersion(uint64_t size, int64_t mtime_ns) {
  uint64_t v[2] = {size, static_cast<uint64_t>(mtime_ns)};
  return PathHash(reinterpret_cast<const char*>(v), sizeof(v));
}

uint64_t ContentVersion(const std::string& etag) { return PathHash(etag); }

uint64_t InodeNumber(uint64_t dev, uint64_t ino) {
  uint64_t v[2] = {dev, ino};
  return PathHash(reinterpret_cast<const char*>(v), sizeof(v));
}

}  // namespace alluxio
