#include "hash_ring.h"

#include <algorithm>
#include <cstring>

namespace alluxio::worker {

namespace {

uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

uint32_t LoadLe32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void StoreLe32(int32_t v, unsigned char* p) {
  auto u = static_cast<uint32_t>(v);
  p[0] = static_cast<unsigned char>(u);
  p[1] = static_cast<unsigned char>(u >> 8);
  p[2] = static_cast<unsigned char>(u >> 16);
  p[3] = static_cast<unsigned char>(u >> 24);
}

}  // namespace

int32_t Murmur3_32(const void* data, size_t len, uint32_t seed) {
  constexpr uint32_t c1 = 0xcc9e2d51;
  constexpr uint32_t c2 = 0x1b873593;
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t h = seed;
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint32_t k = LoadLe32(p + i);
    k *= c1;
    k = Rotl(k, 15);
    k *= c2;
    h ^= k;
    h = Rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  uint32_t k = 0;
  switch (len - i) {
    case 3:
      k ^= static_cast<uint32_t>(p[i + 2]) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(p[i + 1]) << 8;
      [[fallthrough]];
    case 1:
      k ^= p[i];
      k *= c1;
      k = Rotl(k, 15);
      k *= c2;
      h ^= k;
      break;
    default:
      break;
  }
  // Guava mixes in the length as an int: only its low 32 bits count.
  h ^= static_cast<uint32_t>(len);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return static_cast<int32_t>(h);
}

std::string UfsFileUri(std::string_view ufs_uri, std::string_view ufs_path) {
  // Split "scheme://authority/path" the way java.net.URI (under AlluxioURI)
  // does for the forms a UFS URI takes; a scheme-less URI is all path.
  std::string prefix;
  std::string_view path = ufs_uri;
  size_t colon = ufs_uri.find(':');
  if (colon != std::string_view::npos && colon > 0 && ufs_uri.find('/') > colon) {
    std::string_view rest = ufs_uri.substr(colon + 1);
    std::string_view authority;
    if (rest.substr(0, 2) == "//") {
      rest.remove_prefix(2);
      size_t slash = rest.find('/');
      authority = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    // AlluxioURI prints "scheme://authority" even for "file:/dir".
    prefix = std::string(ufs_uri.substr(0, colon)) + "://" + std::string(authority);
    path = rest;
  }
  std::string joined(path);
  if (ufs_path != "/") joined += ufs_path;
  // Normalized as AlluxioURI normalizes its path: no empty components, no
  // trailing '/', and "/" when nothing is left.
  std::string out;
  out.reserve(joined.size() + 1);
  for (char c : joined) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.empty() || out[0] != '/') out.insert(out.begin(), '/');
  return prefix + out;
}

int32_t ConsistentHashRing::PointHash(const WorkerIdentity& worker, int32_t i) {
  unsigned char buf[24];
  std::memcpy(buf, worker.id.data(), 16);
  StoreLe32(worker.version, buf + 16);
  StoreLe32(i, buf + 20);
  return Murmur3_32(buf, sizeof(buf), 0);
}

int32_t ConsistentHashRing::KeyHash(std::string_view key, int32_t attempt) {
  std::string buf(key);
  buf.resize(key.size() + 4);
  StoreLe32(attempt, reinterpret_cast<unsigned char*>(buf.data() + key.size()));
  return Murmur3_32(buf.data(), buf.size(), 0);
}

ConsistentHashRing::ConsistentHashRing(std::vector<WorkerIdentity> workers, int virtual_nodes)
    : workers_(std::move(workers)) {
  if (virtual_nodes < 1) virtual_nodes = 1;
  // (hash, insertion sequence, worker): a stable order of insertion lets the
  // last put of a hash win, as in Alluxio's TreeMap.
  struct Point {
    int32_t hash;
    uint64_t seq;
    uint32_t worker;
  };
  std::vector<Point> all;
  all.reserve(workers_.size() * static_cast<size_t>(virtual_nodes));
  uint64_t seq = 0;
  for (uint32_t w = 0; w < workers_.size(); ++w) {
    // A repeated identity (ImmutableSet.copyOf keeps the first) adds nothing.
    bool repeated = false;
    for (uint32_t v = 0; v < w && !repeated; ++v) repeated = workers_[v] == workers_[w];
    if (repeated) continue;
    for (int32_t i = 0; i < virtual_nodes; ++i)
      all.push_back({PointHash(workers_[w], i), seq++, w});
  }
  std::sort(all.begin(), all.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.seq < b.seq;
  });
  points_.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    if (i + 1 < all.size() && all[i + 1].hash == all[i].hash) continue;  // a later put wins
    points_.emplace_back(all[i].hash, all[i].worker);
  }
}

uint32_t ConsistentHashRing::At(int32_t hash) const {
  auto it = std::lower_bound(points_.begin(), points_.end(), hash,
                             [](const auto& p, int32_t h) { return p.first < h; });
  if (it == points_.end()) it = points_.begin();
  return it->second;
}

std::vector<size_t> ConsistentHashRing::Owners(std::string_view key, size_t count) const {
  std::vector<size_t> out;
  if (points_.empty()) return out;
  // One buffer for all attempts: the key, then the attempt's four bytes.
  std::string buf(key);
  buf.resize(key.size() + 4);
  auto* tail = reinterpret_cast<unsigned char*>(buf.data() + key.size());
  for (int32_t attempt = 1; out.size() < count && attempt <= kMaxAttempts; ++attempt) {
    StoreLe32(attempt, tail);
    size_t w = At(Murmur3_32(buf.data(), buf.size(), 0));
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

size_t ConsistentHashRing::Owner(std::string_view key) const {
  auto owners = Owners(key, 1);
  return owners.empty() ? 0 : owners[0];
}

}  // namespace alluxio::worker
