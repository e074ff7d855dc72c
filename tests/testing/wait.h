// Waiting in tests for something another process or thread does (a
// restart, a mount, a cache entry expiring), by polling a condition until a
// deadline instead of sleeping a fixed time: as fast as the machine allows,
// and as patient as the deadline says on a loaded one.
#ifndef ALLUXIO_TESTS_TESTING_WAIT_H_
#define ALLUXIO_TESTS_TESTING_WAIT_H_

#include <time.h>

#include <functional>

namespace alluxio::testing {

// Seconds on the monotonic clock.
inline double MonotonicSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

inline void SleepMs(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

// Polls `cond` every `poll_ms` until it holds (true) or `seconds` have
// passed (false).
inline bool WaitFor(const std::function<bool()>& cond, double seconds, int poll_ms = 10) {
  const double deadline = MonotonicSeconds() + seconds;
  while (!cond()) {
    if (MonotonicSeconds() > deadline) return false;
    SleepMs(poll_ms);
  }
  return true;
}

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_WAIT_H_
