// Alluxio's consistent-hash placement, checked from first principles: the
// published murmur3_32 test vectors, a tiny ring whose owners are worked out
// here by brute force from the definition, and the properties a consistent
// hash must have. (No expected value comes from Alluxio's own tests.)
#include "hash_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace alluxio::worker {
namespace {

int32_t Mm(std::string_view bytes, uint32_t seed = 0) {
  return Murmur3_32(bytes.data(), bytes.size(), seed);
}

int32_t S(uint32_t v) { return static_cast<int32_t>(v); }

// The widely published MurmurHash3_x86_32 verification vectors (SMHasher's
// algorithm; the same set is quoted on Wikipedia and Stack Overflow).
TEST(Murmur3Test, PublishedVectors) {
  using std::string_literals::operator""s;
  EXPECT_EQ(Mm(""), 0);
  EXPECT_EQ(Mm("", 1), S(0x514E28B7));
  EXPECT_EQ(Mm("", 0xffffffff), S(0x81F16F39));
  EXPECT_EQ(Mm("\0\0\0\0"s), S(0x2362F9DE));
  EXPECT_EQ(Mm("\0\0\0"s), S(0x85F0B427));
  EXPECT_EQ(Mm("\0\0"s), S(0x30F4C306));
  EXPECT_EQ(Mm("\0"s), S(0x514E28B7));
  EXPECT_EQ(Mm("\xff\xff\xff\xff"), S(0x76293B50));
  EXPECT_EQ(Mm("\x21\x43\x65\x87"), S(0xF55B516B));
  EXPECT_EQ(Mm("\x21\x43\x65\x87", 0x5082EDEE), S(0x2362F9DE));
  EXPECT_EQ(Mm("\x21\x43\x65"), S(0x7E4A8634));
  EXPECT_EQ(Mm("\x21\x43"), S(0xA0F7B07A));
  EXPECT_EQ(Mm("\x21"), S(0x72661CF4));
  EXPECT_EQ(Mm("aaaa", 0x9747b28c), S(0x5A97808A));
  EXPECT_EQ(Mm("aaa", 0x9747b28c), S(0x283E0130));
  EXPECT_EQ(Mm("aa", 0x9747b28c), S(0x5D211726));
  EXPECT_EQ(Mm("a", 0x9747b28c), S(0x7FA09EA6));
  EXPECT_EQ(Mm("abcd", 0x9747b28c), S(0xF0478627));
  EXPECT_EQ(Mm("abc", 0x9747b28c), S(0xC84A62DD));
  EXPECT_EQ(Mm("ab", 0x9747b28c), S(0x74875592));
  EXPECT_EQ(Mm("Hello, world!", 0x9747b28c), S(0x24884CBA));
  EXPECT_EQ(Mm("The quick brown fox jumps over the lazy dog", 0x9747b28c), S(0x2FA826CD));
  // UTF-8 bytes of "ππππππππ".
  EXPECT_EQ(Mm("\xcf\x80\xcf\x80\xcf\x80\xcf\x80\xcf\x80\xcf\x80\xcf\x80\xcf\x80", 0x9747b28c),
            S(0xD58063C1));
  EXPECT_EQ(Mm(std::string(256, 'a'), 0x9747b28c), S(0x37405BDC));
}

std::string Le32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  return {static_cast<char>(u), static_cast<char>(u >> 8), static_cast<char>(u >> 16),
          static_cast<char>(u >> 24)};
}

// Point i of a worker, spelled out: 16 identity bytes, version LE, i LE.
int32_t PointByHand(const WorkerIdentity& w, int32_t i) {
  std::string b(reinterpret_cast<const char*>(w.id.data()), w.id.size());
  return Mm(b + Le32(w.version) + Le32(i));
}

// A key at an attempt: its bytes, then the attempt LE.
int32_t KeyByHand(const std::string& key, int32_t attempt) { return Mm(key + Le32(attempt)); }

TEST(ConsistentHashRingTest, HashesAreTheDefinedByteStrings) {
  auto a = WorkerIdentity::FromName("worker-a");
  a.version = 7;  // the version is part of the hashed bytes
  for (int32_t i : {0, 1, 2, 1000})
    EXPECT_EQ(ConsistentHashRing::PointHash(a, i), PointByHand(a, i));
  for (int32_t t : {1, 2, 100}) {
    EXPECT_EQ(ConsistentHashRing::KeyHash("s3://bucket/dir/file", t),
              KeyByHand("s3://bucket/dir/file", t));
  }
  EXPECT_NE(ConsistentHashRing::PointHash(a, 0), ConsistentHashRing::PointHash(a, 1));
}

// The owner of a hash worked out from the definition: the smallest point at
// or above it (signed order), else the smallest point of all.
size_t OwnerByHand(const std::vector<std::pair<int32_t, size_t>>& points, int32_t h) {
  const std::pair<int32_t, size_t>* best = nullptr;
  const std::pair<int32_t, size_t>* lowest = nullptr;
  for (const auto& p : points) {
    if (p.first >= h && (best == nullptr || p.first < best->first)) best = &p;
    if (lowest == nullptr || p.first < lowest->first) lowest = &p;
  }
  return (best != nullptr ? best : lowest)->second;
}

TEST(ConsistentHashRingTest, TinyRingsOwnWhatTheDefinitionSays) {
  std::vector<WorkerIdentity> two = {WorkerIdentity::FromName("host-a"),
                                     WorkerIdentity::FromName("host-b")};
  for (int vnodes = 1; vnodes <= 3; ++vnodes) {
    std::vector<std::pair<int32_t, size_t>> points;
    for (size_t w = 0; w < two.size(); ++w) {
      for (int32_t i = 0; i < vnodes; ++i) points.emplace_back(PointByHand(two[w], i), w);
    }
    ConsistentHashRing ring(two, vnodes);
    for (int k = 0; k < 300; ++k) {
      std::string key = "s3://bucket/dir/file-" + std::to_string(k);
      // The owner and the replica: walk attempts 1.. until both are met.
      std::vector<size_t> want;
      for (int32_t t = 1; t <= 100 && want.size() < 2; ++t) {
        size_t w = OwnerByHand(points, KeyByHand(key, t));
        if (std::find(want.begin(), want.end(), w) == want.end()) want.push_back(w);
      }
      EXPECT_EQ(ring.Owners(key, 2), want) << key << " with " << vnodes << " points each";
      EXPECT_EQ(ring.Owner(key), want[0]);
    }
  }
}

TEST(ConsistentHashRingTest, WrapsPastTheHighestPoint) {
  // One point per worker: a key hashing above both belongs to the lower one.
  std::vector<WorkerIdentity> two = {WorkerIdentity::FromName("host-a"),
                                     WorkerIdentity::FromName("host-b")};
  int32_t pa = PointByHand(two[0], 0);
  int32_t pb = PointByHand(two[1], 0);
  size_t lower = pa < pb ? 0 : 1;
  int32_t high = std::max(pa, pb);
  ConsistentHashRing ring(two, 1);
  int found = 0;
  for (int k = 0; k < 20000 && found < 5; ++k) {
    std::string key = "/ufs/f" + std::to_string(k);
    if (KeyByHand(key, 1) <= high) continue;
    ++found;
    EXPECT_EQ(ring.Owner(key), lower) << key;
  }
  EXPECT_EQ(found, 5);
}

TEST(ConsistentHashRingTest, FewerWorkersThanAskedGiveWhatThereIs) {
  std::vector<WorkerIdentity> two = {WorkerIdentity::FromName("host-a"),
                                     WorkerIdentity::FromName("host-b")};
  ConsistentHashRing ring(two, 5);
  auto owners = ring.Owners("s3://bucket/x", 3);
  ASSERT_EQ(owners.size(), 2u);
  EXPECT_NE(owners[0], owners[1]);
  EXPECT_TRUE(ring.Owners("s3://bucket/x", 0).empty());
  EXPECT_TRUE(ConsistentHashRing({}, 5).Owners("s3://bucket/x", 1).empty());
}

TEST(ConsistentHashRingTest, ARepeatedIdentityCountsOnce) {
  auto a = WorkerIdentity::FromName("host-a");
  auto b = WorkerIdentity::FromName("host-b");
  ConsistentHashRing ring({a, b, a}, 5);
  ConsistentHashRing plain({a, b}, 5);
  for (int k = 0; k < 200; ++k) {
    std::string key = "/k" + std::to_string(k);
    EXPECT_EQ(ring.Owners(key, 3), plain.Owners(key, 3)) << key;
  }
}

// Two identities whose single points collide: found by search (about 2^16
// names by the birthday bound).
std::pair<WorkerIdentity, WorkerIdentity> CollidingPair() {
  std::unordered_map<int32_t, int> seen;
  for (int n = 0;; ++n) {
    auto w = WorkerIdentity::FromName("w" + std::to_string(n));
    auto [it, fresh] = seen.emplace(PointByHand(w, 0), n);
    if (!fresh) return {WorkerIdentity::FromName("w" + std::to_string(it->second)), w};
  }
}

TEST(ConsistentHashRingTest, ATiedPointGoesToTheWorkerListedLast) {
  auto [a, b] = CollidingPair();
  ASSERT_EQ(PointByHand(a, 0), PointByHand(b, 0));
  // One point on the ring, as in Alluxio's TreeMap after both puts: the last
  // worker owns every key and there is no second replica to find.
  ConsistentHashRing ab({a, b}, 1);
  ConsistentHashRing ba({b, a}, 1);
  for (int k = 0; k < 50; ++k) {
    std::string key = "/k" + std::to_string(k);
    EXPECT_EQ(ab.Owners(key, 2), std::vector<size_t>{1}) << key;
    EXPECT_EQ(ba.Owners(key, 2), std::vector<size_t>{1}) << key;
    EXPECT_EQ(ab.workers()[1], b);
    EXPECT_EQ(ba.workers()[1], a);
  }
}

// ---- Properties -------------------------------------------------------------

std::vector<WorkerIdentity> Workers(int n) {
  std::vector<WorkerIdentity> out;
  for (int i = 0; i < n; ++i)
    out.push_back(WorkerIdentity::FromName("worker-" + std::to_string(i)));
  return out;
}

std::string Key(int i) { return "s3://bucket/train/part-" + std::to_string(i) + ".parquet"; }

constexpr int kKeys = 20000;

std::vector<WorkerIdentity> OwnersOf(const ConsistentHashRing& ring) {
  std::vector<WorkerIdentity> out;
  for (int i = 0; i < kKeys; ++i) out.push_back(ring.workers()[ring.Owner(Key(i))]);
  return out;
}

TEST(ConsistentHashRingTest, SpreadsKeysWithManyPoints) {
  for (int n : {2, 3, 5}) {
    ConsistentHashRing ring(Workers(n), 1000);
    std::map<WorkerIdentity, int> count;
    for (const auto& o : OwnersOf(ring)) ++count[o];
    ASSERT_EQ(count.size(), static_cast<size_t>(n));
    for (const auto& [w, c] : count) {
      EXPECT_NEAR(static_cast<double>(c) / kKeys, 1.0 / n, 0.25 / n) << w.ToString();
    }
  }
}

TEST(ConsistentHashRingTest, SameOwnersWhateverTheListOrder) {
  // No two of these workers' points tie, so the order cannot matter.
  auto a = Workers(4);
  auto b = a;
  std::reverse(b.begin(), b.end());
  EXPECT_EQ(OwnersOf(ConsistentHashRing(a, 5)), OwnersOf(ConsistentHashRing(b, 5)));
}

TEST(ConsistentHashRingTest, OwnerComesFirstAmongReplicas) {
  ConsistentHashRing ring(Workers(5), 5);
  for (int i = 0; i < 500; ++i) {
    auto three = ring.Owners(Key(i), 3);
    ASSERT_EQ(three.size(), 3u);
    EXPECT_EQ(three[0], ring.Owner(Key(i)));
    auto two = ring.Owners(Key(i), 2);
    EXPECT_EQ(two, std::vector<size_t>(three.begin(), three.begin() + 2));
  }
}

TEST(ConsistentHashRingTest, AddingAWorkerMovesOnlyKeysToIt) {
  auto three = Workers(3);
  auto before = OwnersOf(ConsistentHashRing(three, 200));
  auto four = Workers(4);
  auto after = OwnersOf(ConsistentHashRing(four, 200));
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] == after[i]) continue;
    ++moved;
    EXPECT_EQ(after[i], four[3]) << Key(i) << " moved between old workers";
  }
  EXPECT_NEAR(static_cast<double>(moved) / kKeys, 0.25, 0.08);
}

TEST(ConsistentHashRingTest, RemovingAWorkerMovesOnlyItsKeys) {
  auto three = Workers(3);
  auto before = OwnersOf(ConsistentHashRing(three, 5));
  auto after = OwnersOf(ConsistentHashRing({three[0], three[2]}, 5));
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] != three[1]) {
      EXPECT_EQ(after[i], before[i]) << Key(i);
    }
  }
}

TEST(ConsistentHashRingTest, OneWorkerOwnsEverything) {
  ConsistentHashRing ring({WorkerIdentity::FromName("only")}, 5);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ring.Owners(Key(i), 3), std::vector<size_t>{0});
}

// ---- The hashed key ----------------------------------------------------------

TEST(UfsFileUriTest, FormsAlluxiosFullUfsUri) {
  EXPECT_EQ(UfsFileUri("s3://bucket", "/dir/file"), "s3://bucket/dir/file");
  EXPECT_EQ(UfsFileUri("s3://bucket/", "/dir/file"), "s3://bucket/dir/file");
  EXPECT_EQ(UfsFileUri("s3://bucket/pre/", "/dir/file"), "s3://bucket/pre/dir/file");
  EXPECT_EQ(UfsFileUri("s3a://b/p", "/x/y"), "s3a://b/p/x/y");
  EXPECT_EQ(UfsFileUri("s3://bucket", "/"), "s3://bucket/");
  EXPECT_EQ(UfsFileUri("s3://bucket/pre", "/"), "s3://bucket/pre");
  EXPECT_EQ(UfsFileUri("file:///tmp/ufs", "/dir/file"), "file:///tmp/ufs/dir/file");
  EXPECT_EQ(UfsFileUri("file:///tmp/ufs/", "/"), "file:///tmp/ufs");
  EXPECT_EQ(UfsFileUri("file:///", "/x"), "file:///x");
  EXPECT_EQ(UfsFileUri("file:///", "/"), "file:///");
  EXPECT_EQ(UfsFileUri("file:/tmp/u", "/x"), "file:///tmp/u/x");
  EXPECT_EQ(UfsFileUri("/tmp/ufs", "/dir/file"), "/tmp/ufs/dir/file");
  EXPECT_EQ(UfsFileUri("/tmp/ufs", "/"), "/tmp/ufs");
  EXPECT_EQ(UfsFileUri("/", "/x"), "/x");
  EXPECT_EQ(UfsFileUri("/", "/"), "/");
  EXPECT_EQ(UfsFileUri("", "/x"), "/x");
  // Names are kept byte for byte.
  EXPECT_EQ(UfsFileUri("s3://b", "/a b/c?d%20\xc3\xbc"), "s3://b/a b/c?d%20\xc3\xbc");
}

}  // namespace
}  // namespace alluxio::worker
