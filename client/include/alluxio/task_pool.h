// TaskPool: a fixed number of threads running submitted tasks, first in
// first out. The one thread pool of the project: the page cache's readahead
// and streams, the worker service's request handlers and the FUSE daemon's
// kernel notifications all run on one of these.
//
// Fork-aware, for the LD_PRELOAD shim whose host programs fork: threads are
// started on the first Submit in a process, so a pool inherited through
// fork starts its own in the child; tasks queued in the parent at the fork
// are not run in the child (the state they would act on belongs to the
// parent). The pool's mutex is held across fork, so a child never inherits
// it locked.
#ifndef ALLUXIO_TASK_POOL_H_
#define ALLUXIO_TASK_POOL_H_

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace alluxio {

class TaskPool {
 public:
  // What Stop (and the destructor) does with tasks not started yet.
  enum class AtStop {
    kDropPending,  // forget them
    kRunPending,   // run them first (tasks that must answer someone)
  };

  TaskPool(int threads, AtStop at_stop);
  // Stops (see Stop).
  ~TaskPool();

  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Queues `task`; some thread of the pool runs it. After Stop, drops it.
  // Any thread; never blocks on a running task. A task must not throw.
  void Submit(std::function<void()> task);

  // Stops taking tasks, deals with the pending ones as `at_stop` says,
  // and joins the threads (the running tasks finish first). Idempotent;
  // not from a task of this pool.
  void Stop();

 private:
  void Loop();
  static void ForkPrepare();
  static void ForkParent();
  static void ForkChild();

  const int threads_wanted_;
  const AtStop at_stop_;

  std::mutex mu_;  // guards the members below; a leaf lock
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  pid_t threads_pid_ = 0;  // the process threads_ run in
  bool stopping_ = false;
};

}  // namespace alluxio

#endif  // ALLUXIO_TASK_POOL_H_
