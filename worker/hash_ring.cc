#include "hash_ring.h"

#include <algorithm>

namespace alluxio::worker {

uint64_t StableHash(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  // FNV-1a alone spreads similar short keys ("w#1", "w#2") poorly over the
  // high bits; the splitmix64 finalizer fixes that.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

HashRing::HashRing(std::vector<std::string> addresses, int virtual_nodes)
    : addresses_(std::move(addresses)) {
  if (virtual_nodes < 1) virtual_nodes = 1;
  points_.reserve(addresses_.size() * static_cast<size_t>(virtual_nodes));
  for (uint32_t w = 0; w < addresses_.size(); ++w) {
    for (int i = 0; i < virtual_nodes; ++i) {
      points_.emplace_back(StableHash(addresses_[w] + "#" + std::to_string(i)), w);
    }
  }
  // Ties (astronomically rare) are broken by address, not by list order, so
  // every client agrees.
  std::sort(points_.begin(), points_.end(), [this](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return addresses_[a.second] < addresses_[b.second];
  });
}

size_t HashRing::Owner(std::string_view key) const {
  if (points_.empty()) return 0;
  uint64_t h = StableHash(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), h,
                             [](const auto& p, uint64_t v) { return p.first < v; });
  if (it == points_.end()) it = points_.begin();
  return it->second;
}

std::vector<size_t> HashRing::Owners(std::string_view key, size_t count) const {
  std::vector<size_t> out;
  uint64_t h = StableHash(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(h, uint32_t{0}));
  for (size_t seen = 0; seen < points_.size() && out.size() < count; ++seen, ++it) {
    if (it == points_.end()) it = points_.begin();
    size_t w = it->second;
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

}  // namespace alluxio::worker
