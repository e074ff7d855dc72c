#include "alluxio/task_pool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#if defined(__SANITIZE_THREAD__)
// The fork test forks while the pool's threads run, and the child starts
// threads of its own: what the pool is for (host programs of the shim do
// this). ThreadSanitizer kills such a child unless told not to.
extern "C" const char* __tsan_default_options() { return "die_after_fork=0"; }
#endif

namespace alluxio {
namespace {

// Blocks the pool's only thread until released, so tasks queue behind it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool entered = false;
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void AwaitEntered() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(TaskPoolTest, RunsTasksInOrderOfSubmission) {
  TaskPool pool(1, TaskPool::AtStop::kRunPending);
  std::mutex mu;
  std::vector<int> seen;
  for (int i = 0; i < 100; ++i) {
    pool.Submit([&, i] {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(i);
    });
  }
  pool.Stop();
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
}

TEST(TaskPoolTest, StopRunsOrDropsPendingTasksAsAsked) {
  for (auto at_stop : {TaskPool::AtStop::kRunPending, TaskPool::AtStop::kDropPending}) {
    TaskPool pool(1, at_stop);
    Gate gate;
    std::atomic<int> ran{0};
    pool.Submit([&] { gate.Wait(); });
    gate.AwaitEntered();
    for (int i = 0; i < 10; ++i) pool.Submit([&] { ++ran; });
    std::thread stopper([&] { pool.Stop(); });
    // Stop must not return while the running task runs; let it go.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Open();
    stopper.join();
    EXPECT_EQ(ran.load(), at_stop == TaskPool::AtStop::kRunPending ? 10 : 0);
    pool.Submit([&] { ran += 100; });  // after Stop: dropped
    EXPECT_LT(ran.load(), 100);
  }
}

TEST(TaskPoolTest, AForkedChildRunsItsOwnTasksNotItsParents) {
  TaskPool pool(2, TaskPool::AtStop::kDropPending);
  Gate gate;
  std::atomic<int> ran{0};
  // Both threads busy and one task queued in the parent at the fork.
  pool.Submit([&] { gate.Wait(); });
  pool.Submit([&] { gate.Wait(); });
  gate.AwaitEntered();
  pool.Submit([&] { ran += 1000; });
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The parent's threads do not exist here: the pool starts its own, and
    // the task queued before the fork is not run.
    std::atomic<int> mine{0};
    pool.Submit([&] { ++mine; });
    for (int i = 0; i < 2000 && mine.load() == 0; ++i) usleep(1000);
    bool ok = mine.load() == 1 && ran.load() == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  gate.Open();
  pool.Stop();
}

}  // namespace
}  // namespace alluxio
