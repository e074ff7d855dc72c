// Placement: Alluxio 3.x's consistent-hash ring of workers, bit for bit.
//
// What Alluxio's ConsistentHashProvider (client/file/dora, release 313) does,
// and so what this does, so that our clients, Alluxio's Java client and
// every worker agree on which worker owns which file:
//  - The hash is murmur3_32 with seed 0 (Guava's Hashing.murmur3_32_fixed),
//    its 32-bit result read as a signed int32.
//  - Each worker puts `virtual_nodes` points on the ring (Alluxio's
//    alluxio.user.consistent.hash.virtual.node.count.per.worker, default 5):
//    point i, i = 0 .. virtual_nodes-1, is the hash of the identity's 16
//    bytes, then its version as int32 little-endian, then i as int32
//    little-endian (WorkerIdentity.HashFunnel, then putInt(i)).
//  - The ring is ordered by signed int32 (a Java TreeMap<Integer, ...>).
//    When two points have the same hash, the worker later in the list given
//    to the constructor takes it (TreeMap.put replaces), so the order of the
//    workers matters only for such ties; Membership implementations list the
//    workers in the order Alluxio's own membership managers do.
//  - A key (the full UFS URI of a file, see UfsFileUri) is hashed as its
//    bytes (UTF-8), then attempt as int32 little-endian, for attempt = 1, 2,
//    ... up to kMaxAttempts; each attempt takes the worker of the first point
//    at or after the hash, wrapping to the first point. The distinct workers
//    in the order found are the owner and then its replicas. Fewer than asked
//    come back when the ring has fewer workers, or when 100 attempts did not
//    meet enough distinct ones (Alluxio's ConsistentHashPolicy then fails
//    with ResourceExhausted; callers decide).
// Immutable after construction; safe to share across threads. No gRPC here:
// the CLI and tests link it alone.
#ifndef ALLUXIO_WORKER_HASH_RING_H_
#define ALLUXIO_WORKER_HASH_RING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker_identity.h"

namespace alluxio::worker {

// MurmurHash3_x86_32 of `len` bytes at `data`, as Guava returns it
// (HashCode.asInt()): the 32 bits as a signed int32.
int32_t Murmur3_32(const void* data, size_t len, uint32_t seed);

// The string Alluxio hashes for the file at `ufs_path` (absolute, normalized,
// "/" for the UFS root) inside the UFS at `ufs_uri` ("s3://bucket/prefix",
// "file:///dir", "/dir"): PathUtils.convertAlluxioPathToUfsPath, then
// AlluxioURI.toString(). The root URI's trailing '/'s go, the path is
// appended, and a URI left without a path gets "/":
//   ("s3://bucket", "/dir/file")    -> "s3://bucket/dir/file"
//   ("s3://bucket/", "/")           -> "s3://bucket/"
//   ("file:///ufs/", "/")           -> "file:///ufs"
//   ("/ufs", "/dir/file")           -> "/ufs/dir/file"
// The UFS URI's text matters: Alluxio hashes "file:///ufs/f" and "/ufs/f"
// differently, so clients must be configured with the same form. This is
// also how a worker request names the file (WorkerUfs, from the UFS's
// Uri(); an S3 UFS reports "s3://" also when configured as "s3a://").
std::string UfsFileUri(std::string_view ufs_uri, std::string_view ufs_path);

class ConsistentHashRing {
 public:
  // Alluxio's ConsistentHashPolicy passes 100.
  static constexpr int kMaxAttempts = 100;

  // `workers` in membership order; a repeated identity counts once (at its
  // first place). virtual_nodes >= 1 (smaller is taken as 1). An empty list
  // makes an empty ring, whose Owners() are empty.
  ConsistentHashRing(std::vector<WorkerIdentity> workers, int virtual_nodes);

  // Up to `count` distinct workers for `key`, owner first, as indexes into
  // workers().
  std::vector<size_t> Owners(std::string_view key, size_t count) const;
  // Owners(key, 1)[0]; 0 on an empty ring.
  size_t Owner(std::string_view key) const;

  const std::vector<WorkerIdentity>& workers() const { return workers_; }
  size_t size() const { return workers_.size(); }

  // The hash of worker point i, and of a key at an attempt (both as above).
  static int32_t PointHash(const WorkerIdentity& worker, int32_t i);
  static int32_t KeyHash(std::string_view key, int32_t attempt);

 private:
  // The worker of the first point at or after `hash`, wrapping.
  uint32_t At(int32_t hash) const;

  std::vector<WorkerIdentity> workers_;
  std::vector<std::pair<int32_t, uint32_t>> points_;  // (hash, worker), sorted, unique hashes
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_HASH_RING_H_
