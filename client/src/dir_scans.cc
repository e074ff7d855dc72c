#include "dir_scans.h"

#include <pthread.h>

#include <algorithm>
#include <cstdint>

#include "metadata_cache.h"

namespace alluxio {

namespace {

// Listing slices: the first asks for this many entries, each next one for 4
// times more, up to the most one S3 listing page holds.
constexpr size_t kFirstSlice = 100;
constexpr size_t kMaxSlice = 1000;
// A directory without an event for this long starts over.
constexpr int64_t kIdleNs = 60'000'000'000;
// Directories followed at once; all are forgotten when more come.
constexpr size_t kMaxDirs = 1024;

// Every DirScans of the process, for the fork handlers: a fork while
// another thread holds a lock must not leave the child with it held.
std::mutex g_all_mu;
std::vector<DirScans*>* g_all = nullptr;

}  // namespace

DirScans::DirScans() {
  std::lock_guard<std::mutex> lock(g_all_mu);
  if (g_all == nullptr) {
    g_all = new std::vector<DirScans*>();
    pthread_atfork(LockAll, UnlockAll, UnlockAll);
  }
  g_all->push_back(this);
}

DirScans::~DirScans() {
  std::lock_guard<std::mutex> lock(g_all_mu);
  g_all->erase(std::remove(g_all->begin(), g_all->end(), this), g_all->end());
}

void DirScans::LockAll() {
  g_all_mu.lock();
  for (DirScans* s : *g_all) s->mu_.lock();
}

void DirScans::UnlockAll() {
  for (DirScans* s : *g_all) s->mu_.unlock();
  g_all_mu.unlock();
}

DirScans::Dir& DirScans::Get(const std::string& dir, int64_t now) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) {
    if (dirs_.size() >= kMaxDirs) dirs_.clear();
    it = dirs_.emplace(dir, Dir{}).first;
  }
  if (now - it->second.last_ns > kIdleNs) it->second = Dir{};
  it->second.last_ns = now;
  return it->second;
}

size_t DirScans::SliceSize(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  Dir& d = Get(dir, MonotonicNowNs());
  if (++d.misses < 2) return 0;
  size_t n = d.window == 0 ? kFirstSlice : d.window;
  d.window = std::min(n * 4, kMaxSlice);
  return n;
}

void DirScans::SliceMissed(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dirs_.find(dir);
  if (it != dirs_.end()) {
    it->second.misses = 0;
    it->second.window = 0;
  }
}

void DirScans::NoteRead(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  ++Get(dir, MonotonicNowNs()).reads;
}

bool DirScans::ReadingIn(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dirs_.find(dir);
  return it != dirs_.end() && it->second.reads > 0 &&
         MonotonicNowNs() - it->second.last_ns <= kIdleNs;
}

}  // namespace alluxio
