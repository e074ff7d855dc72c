// The consistent-hash ring: balance, agreement between clients, and that a
// change of membership moves only the keys it must.
#include "hash_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace alluxio::worker {
namespace {

std::vector<std::string> Workers(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("10.0.0." + std::to_string(i + 1) + ":29999");
  return out;
}

std::string Key(int i) { return "/data/train/part-" + std::to_string(i) + ".parquet"; }

constexpr int kKeys = 30000;

std::vector<std::string> Owners(const HashRing& ring) {
  std::vector<std::string> out;
  for (int i = 0; i < kKeys; ++i) out.push_back(ring.addresses()[ring.Owner(Key(i))]);
  return out;
}

TEST(StableHashTest, IsFixedAcrossBuilds) {
  // Every client must place keys alike, whatever its build: these values
  // (FNV-1a 64 + splitmix64's finalizer) must never change.
  EXPECT_EQ(StableHash(""), 0xf52a15e9a9b5e89bull);
  EXPECT_EQ(StableHash("/a/b"), 0x8374da075f5bdf85ull);
  EXPECT_EQ(StableHash("127.0.0.1:29999#0"), 0xdc42ed7d8bbbc3deull);
}

TEST(HashRingTest, SpreadsKeysEvenly) {
  for (int n : {2, 3, 5}) {
    HashRing ring(Workers(n), 2000);
    std::map<std::string, int> count;
    for (const auto& o : Owners(ring)) ++count[o];
    ASSERT_EQ(count.size(), static_cast<size_t>(n));
    for (const auto& [w, c] : count) {
      double share = static_cast<double>(c) / kKeys;
      EXPECT_NEAR(share, 1.0 / n, 0.2 / n) << w << " with " << n << " workers";
    }
  }
}

TEST(HashRingTest, SameOwnersWhateverTheListOrder) {
  auto a = Workers(4);
  auto b = a;
  std::reverse(b.begin(), b.end());
  EXPECT_EQ(Owners(HashRing(a, 200)), Owners(HashRing(b, 200)));
}

TEST(HashRingTest, SameOwnersEveryTime) {
  EXPECT_EQ(Owners(HashRing(Workers(3), 500)), Owners(HashRing(Workers(3), 500)));
}

TEST(HashRingTest, AddingAWorkerMovesOnlyKeysToIt) {
  auto before = Owners(HashRing(Workers(3), 2000));
  auto four = Workers(4);
  auto after = Owners(HashRing(four, 2000));
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] == after[i]) continue;
    ++moved;
    EXPECT_EQ(after[i], four[3]) << Key(i) << " moved between old workers";
  }
  EXPECT_NEAR(static_cast<double>(moved) / kKeys, 0.25, 0.05);
}

TEST(HashRingTest, RemovingAWorkerMovesOnlyItsKeys) {
  auto three = Workers(3);
  auto before = Owners(HashRing(three, 2000));
  auto two = std::vector<std::string>{three[0], three[2]};
  auto after = Owners(HashRing(two, 2000));
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] != three[1]) {
      EXPECT_EQ(after[i], before[i]) << Key(i);
    }
  }
}

TEST(HashRingTest, OneWorkerOwnsEverything) {
  HashRing ring({"127.0.0.1:1"}, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ring.Owner(Key(i)), 0u);
}

}  // namespace
}  // namespace alluxio::worker
