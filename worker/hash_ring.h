// A consistent-hash ring of workers.
//
// Each worker owns `virtual_nodes` points on a 64-bit ring, placed by hashing
// "<address>#<i>"; a key belongs to the worker owning the first point at or
// after the key's hash (wrapping). Placement depends only on the addresses,
// not their order, so every client with the same worker list picks the same
// owner, and adding or removing a worker moves only the keys that worker
// gains or loses. Immutable after construction; safe to share across threads.
#ifndef ALLUXIO_WORKER_HASH_RING_H_
#define ALLUXIO_WORKER_HASH_RING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alluxio::worker {

// Stable 64-bit hash (FNV-1a, then a 64-bit finalizer): the same on every
// machine and build, which the ring's agreement between clients relies on.
uint64_t StableHash(std::string_view bytes);

class HashRing {
 public:
  // `addresses` must be non-empty and distinct; virtual_nodes >= 1.
  HashRing(std::vector<std::string> addresses, int virtual_nodes);

  // Index into addresses() of the worker owning `key`.
  size_t Owner(std::string_view key) const;
  // The owner, then the other workers in ring order after it; at most count.
  std::vector<size_t> Owners(std::string_view key, size_t count) const;

  const std::vector<std::string>& addresses() const { return addresses_; }

 private:
  std::vector<std::string> addresses_;
  std::vector<std::pair<uint64_t, uint32_t>> points_;  // (hash, worker), sorted
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_HASH_RING_H_
