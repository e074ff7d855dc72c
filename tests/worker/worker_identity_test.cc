#include "worker_identity.h"

#include <gtest/gtest.h>

namespace alluxio::worker {
namespace {

// Java's UUID.nameUUIDFromBytes of the same UTF-8 names (the JDK, not
// Alluxio): MD5 with the version-3 and variant bits set.
TEST(WorkerIdentityTest, NameBasedUuidIsJavas) {
  EXPECT_EQ(WorkerIdentity::FromName("localhost").Uuid(), "421aa90e-079f-3326-b649-4f812ad13e79");
  EXPECT_EQ(WorkerIdentity::FromName("worker-1.example.com").Uuid(),
            "ec160a8b-eb5e-3795-84dd-45151ea775a4");
  // MD5("") = d41d8cd98f00b204e9800998ecf8427e, then the two bit fixes.
  EXPECT_EQ(WorkerIdentity::FromName("").Uuid(), "d41d8cd9-8f00-3204-a980-0998ecf8427e");
  EXPECT_EQ(WorkerIdentity::FromName("localhost").ToString(),
            "worker-421aa90e-079f-3326-b649-4f812ad13e79");
  EXPECT_EQ(WorkerIdentity::FromName("localhost").version, 1);
}

TEST(WorkerIdentityTest, UuidTextRoundTrips) {
  auto w = WorkerIdentity::FromUuid("421AA90E-079f-3326-b649-4f812ad13e79");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(*w, WorkerIdentity::FromName("localhost"));
  EXPECT_EQ(w->id[0], 0x42);
  EXPECT_EQ(w->id[15], 0x79);
}

TEST(WorkerIdentityTest, MalformedUuidsAreRefused) {
  for (const char* bad :
       {"", "421aa90e079f3326b6494f812ad13e79", "421aa90e-079f-3326-b649-4f812ad13e7",
        "421aa90e-079f-3326-b649-4f812ad13e7g", "421aa90e+079f-3326-b649-4f812ad13e79"}) {
    auto w = WorkerIdentity::FromUuid(bad);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace alluxio::worker
