#include "alluxio/task_pool.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>

namespace alluxio {

namespace {

// Every pool of the process, for the fork handlers. Lock order:
// g_pools_mu, then each pool's mu_.
std::mutex g_pools_mu;
std::vector<TaskPool*>* g_pools = nullptr;

}  // namespace

TaskPool::TaskPool(int threads, AtStop at_stop)
    : threads_wanted_(std::max(threads, 1)), at_stop_(at_stop) {
  std::lock_guard<std::mutex> lock(g_pools_mu);
  if (g_pools == nullptr) {
    g_pools = new std::vector<TaskPool*>();
    pthread_atfork(ForkPrepare, ForkParent, ForkChild);
  }
  g_pools->push_back(this);
}

TaskPool::~TaskPool() {
  Stop();
  std::lock_guard<std::mutex> lock(g_pools_mu);
  g_pools->erase(std::remove(g_pools->begin(), g_pools->end(), this), g_pools->end());
}

void TaskPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    pid_t pid = getpid();
    if (threads_pid_ != pid) {
      // First use in this process (threads do not survive fork).
      for (auto& t : threads_) t.detach();
      threads_.clear();
      threads_pid_ = pid;
      for (int i = 0; i < threads_wanted_; ++i) threads_.emplace_back([this] { Loop(); });
    }
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void TaskPool::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (at_stop_ == AtStop::kDropPending) queue_.clear();
    threads.swap(threads_);
    if (threads_pid_ != getpid()) {
      for (auto& t : threads) t.detach();  // inherited through fork: not ours
      threads.clear();
    }
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

void TaskPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void TaskPool::ForkPrepare() {
  g_pools_mu.lock();
  for (TaskPool* p : *g_pools) p->mu_.lock();
}

void TaskPool::ForkParent() {
  for (TaskPool* p : *g_pools) p->mu_.unlock();
  g_pools_mu.unlock();
}

void TaskPool::ForkChild() {
  for (TaskPool* p : *g_pools) {
    p->queue_.clear();  // the parent's work
    p->mu_.unlock();
  }
  g_pools_mu.unlock();
}

}  // namespace alluxio
