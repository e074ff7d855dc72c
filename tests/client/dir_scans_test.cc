// DirScans: when opens in a directory of an object store count as a scan,
// and that a fork never leaves the child with its lock held.
#include "dir_scans.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace alluxio {
namespace {

TEST(DirScansTest, SlicesStartAtTheSecondMissAndGrow) {
  DirScans scans;
  EXPECT_EQ(scans.SliceSize("/d"), 0u);  // a one-off open: a stat is cheaper
  EXPECT_EQ(scans.SliceSize("/d"), 100u);
  EXPECT_EQ(scans.SliceSize("/d"), 400u);
  EXPECT_EQ(scans.SliceSize("/d"), 1000u);
  EXPECT_EQ(scans.SliceSize("/d"), 1000u);
  EXPECT_EQ(scans.SliceSize("/e"), 0u);  // per directory
  // A name missing from its slice: the directory starts over.
  scans.SliceMissed("/d");
  EXPECT_EQ(scans.SliceSize("/d"), 0u);
  EXPECT_EQ(scans.SliceSize("/d"), 100u);
}

TEST(DirScansTest, ReadingIsPerDirectory) {
  DirScans scans;
  EXPECT_FALSE(scans.ReadingIn("/d"));
  scans.NoteRead("/d");
  EXPECT_TRUE(scans.ReadingIn("/d"));
  EXPECT_FALSE(scans.ReadingIn("/"));
  EXPECT_FALSE(scans.ReadingIn("/d/e"));
}

TEST(DirScansTest, ForkWhileOtherThreadsUseItLeavesTheChildAUsableOne) {
  DirScans scans;
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    for (int i = 0; !stop; ++i) {
      scans.NoteRead("/d" + std::to_string(i % 50));
      (void)scans.SliceSize("/d" + std::to_string(i % 50));
    }
  });
  for (int i = 0; i < 20; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The busy thread is not here; its lock must not be held.
      scans.NoteRead("/child");
      _exit(scans.ReadingIn("/child") ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  stop = true;
  busy.join();
}

}  // namespace
}  // namespace alluxio
