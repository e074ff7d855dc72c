#include "page_cache.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace alluxio {

namespace {

constexpr int kReadaheadThreads = 8;
// Readahead reads runs of pages of up to this many bytes at once.
constexpr uint64_t kPrefetchRunBytes = 8 << 20;

// Every PageCache of the process, for the fork handlers: a fork while a
// readahead task holds one of the cache's locks must not leave the child
// with a lock nobody will release, or waiting for a fetch no thread of its
// own will finish. (The task pool forks safely by itself.)
std::mutex g_caches_mu;
std::vector<PageCache*>* g_caches = nullptr;

}  // namespace

void PageCache::ForkPrepare() {
  g_caches_mu.lock();
  if (g_caches == nullptr) return;
  for (PageCache* c : *g_caches) {
    c->inflight_mu_.lock();
    c->store_->LockForFork();
    c->disk_->LockForFork();
  }
}

void PageCache::ForkParent() {
  if (g_caches != nullptr) {
    for (PageCache* c : *g_caches) {
      c->disk_->UnlockAfterFork();
      c->store_->UnlockAfterFork();
      c->inflight_mu_.unlock();
    }
  }
  g_caches_mu.unlock();
}

void PageCache::ForkChild() {
  if (g_caches != nullptr) {
    for (PageCache* c : *g_caches) {
      c->disk_->UnlockAfterFork();
      c->store_->UnlockAfterFork();
      c->inflight_.clear();  // their fetching threads are not in this process
      c->inflight_mu_.unlock();
    }
  }
  g_caches_mu.unlock();
}

Result<std::unique_ptr<PageCache>> PageCache::Open(const Configuration& conf) {
  auto dirs = conf.GetList("alluxio.user.client.cache.dirs");
  if (dirs.empty()) {
    return Status::InvalidArgument("alluxio.user.client.cache.dirs is empty");
  }
  uint64_t page_size = conf.GetBytes("alluxio.user.client.cache.page.size");
  if (page_size < 4096 || page_size > (1ull << 30)) {
    return Status::InvalidArgument("alluxio.user.client.cache.page.size must be 4KB..1GB, not " +
                                   conf.Get("alluxio.user.client.cache.page.size"));
  }
  ASSIGN_OR_RETURN(auto disk,
                   DiskPageStore::Open(dirs[0], conf.GetBytes("alluxio.user.client.cache.size")));
  DiskPageStore* raw = disk.get();
  auto memory = std::make_unique<MemoryPageStore>(
      std::move(disk), conf.GetBytes("alluxio.user.client.cache.memory.size"));
  uint64_t initial = std::max<uint64_t>(
      page_size, conf.GetBytes("alluxio.user.streaming.reader.chunk.size.bytes"));
  uint64_t max = std::max(initial, conf.GetBytes("alluxio.user.file.readahead.max"));
  // Pages read ahead must not evict one another before they are read: a
  // small cache gets a smaller window.
  max = std::max(page_size, std::min(max, conf.GetBytes("alluxio.user.client.cache.size") / 4));
  initial = std::min(initial, max);
  std::unique_ptr<PageCache> cache(
      new PageCache(std::move(memory), raw, page_size, initial, max, dirs[0] + "/pages"));
  std::lock_guard<std::mutex> lock(g_caches_mu);
  if (g_caches == nullptr) {
    g_caches = new std::vector<PageCache*>();
    pthread_atfork(ForkPrepare, ForkParent, ForkChild);
  }
  g_caches->push_back(cache.get());
  return cache;
}

PageCache::PageCache(std::unique_ptr<MemoryPageStore> store, DiskPageStore* disk,
                     uint64_t page_size, uint64_t initial_readahead, uint64_t max_readahead,
                     std::string lock_dir)
    : store_(std::move(store)),
      disk_(disk),
      page_size_(page_size),
      initial_readahead_(initial_readahead),
      max_readahead_(max_readahead),
      lock_dir_(std::move(lock_dir)),
      tasks_(kReadaheadThreads, TaskPool::AtStop::kDropPending) {}

PageCache::~PageCache() {
  {
    std::lock_guard<std::mutex> lock(g_caches_mu);
    if (g_caches != nullptr) {
      g_caches->erase(std::remove(g_caches->begin(), g_caches->end(), this), g_caches->end());
    }
  }
  tasks_.Stop();  // before the members its tasks use go
}

uint64_t PageCache::FileKey(const std::string& path, uint64_t version) {
  std::string k = path;
  k.push_back('\0');
  k.append(reinterpret_cast<const char*>(&version), sizeof(version));
  return PathHash(k);
}

std::string PageCache::LockPath(uint64_t file, uint64_t index) const {
  char name[64];
  snprintf(name, sizeof(name), "/%016llx.%llx.lock", static_cast<unsigned long long>(file),
           static_cast<unsigned long long>(index));
  return lock_dir_ + name;
}

Result<std::shared_ptr<const Page>> PageCache::GetPage(const PageKey& key, size_t length,
                                                       const ReaderSource& fetch) {
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) {
    disk_->CountHit(length);
    return page;
  }
  // One fetch per page in this process: later readers wait for the first.
  // A failed fetch is not someone else's answer (its reader may have been
  // closed, or have met another version): the waiter then fetches itself.
  while (true) {
    std::shared_ptr<Inflight> mine;
    std::shared_ptr<Inflight> theirs;
    {
      std::lock_guard<std::mutex> lock(inflight_mu_);
      auto [it, inserted] = inflight_.try_emplace({key.file, key.index});
      if (inserted) {
        it->second = std::make_shared<Inflight>();
        mine = it->second;
      } else {
        theirs = it->second;
      }
    }
    if (theirs != nullptr) {
      std::unique_lock<std::mutex> lock(inflight_mu_);
      inflight_cv_.wait(lock, [&] { return theirs->done; });
      if (theirs->status.ok()) return theirs->page;
      continue;
    }
    auto result = Fetch(key, length, fetch);
    Complete(key, mine, result);
    return result;
  }
}

Result<std::shared_ptr<const Page>> PageCache::Fetch(const PageKey& key, size_t length,
                                                     const ReaderSource& fetch) {
  // And one per page on the node: other processes fetching the same page
  // hold its lock file; when we get it, the page may be there already.
  std::string lock_path = LockPath(key.file, key.index);
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd >= 0) {
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  auto release = [&] {
    if (lock_fd >= 0) {
      ::unlink(lock_path.c_str());
      ::close(lock_fd);
    }
  };
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) {
    release();
    disk_->CountHit(length);
    return page;
  }
  auto reader = fetch();
  if (!reader.ok()) {
    release();
    return reader.status();
  }
  std::vector<char> buf(length);
  size_t got = 0;
  while (got < length) {
    auto n = (*reader)->ReadAt(key.index * page_size_ + got, buf.data() + got, length - got);
    if (!n.ok()) {
      release();
      return n.status();
    }
    if (*n == 0) break;
    got += *n;
  }
  if (got != length) {
    release();
    return Status::IoError("file changed while reading: page " + std::to_string(key.index) +
                           " is short (" + std::to_string(got) + " of " + std::to_string(length) +
                           " bytes)");
  }
  disk_->CountMiss(length);
  Status st = store_->Put(key, buf.data(), buf.size());
  release();
  (void)st;  // a page the cache could not keep is still good to return
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) return page;
  // Not kept by the disk tier (full of pages it could not evict): served
  // from memory for this read.
  return MakeHeapPage(std::move(buf));
}

void PageCache::Prefetch(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                         const ReaderSource& fetch) {
  // Runs of pages go as one read each (one request to an object store
  // instead of one per page; the UFS splits large reads into parallel parts).
  const uint64_t run = std::max<uint64_t>(1, kPrefetchRunBytes / page_size_);
  for (uint64_t a = first; a <= last && a * page_size_ < file_size; a += run) {
    uint64_t b = std::min(last, a + run - 1);
    tasks_.Submit(
        [this, file, file_size, a, b, fetch] { PrefetchRun(file, file_size, a, b, fetch); });
  }
}

bool PageCache::TryClaim(uint64_t file, uint64_t index, size_t length, Claim* claim) {
  PageKey key{file, index};
  if (Contains(key, length)) return false;
  std::shared_ptr<Inflight> mine;
  {
    std::lock_guard<std::mutex> lock(inflight_mu_);
    auto [it, inserted] = inflight_.try_emplace({file, index});
    if (!inserted) return false;  // someone in this process is on it
    it->second = std::make_shared<Inflight>();
    mine = it->second;
  }
  // Another process fetching it holds its lock file: leave it to them.
  std::string lock_path = LockPath(file, index);
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    Complete(key, mine, Status(Code::kBusy, "fetched by another process"));
    return false;
  }
  // The page may have landed between the first look and the claim: a
  // fetcher in this process stores it before it lets go of its claim, one in
  // another process before it drops the lock file we now hold.
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) {
    ::unlink(lock_path.c_str());
    ::close(fd);
    Complete(key, mine, page);
    return false;
  }
  *claim = Claim{index, length, std::move(mine), fd, std::move(lock_path)};
  return true;
}

void PageCache::Fulfil(uint64_t file, Claim& claim, const char* data, const Status& error) {
  PageKey key{file, claim.index};
  if (data != nullptr) {
    disk_->CountMiss(claim.length);
    (void)store_->Put(key, data, claim.length);
    std::shared_ptr<const Page> page = store_->Get(key);
    if (page == nullptr || page->size() != claim.length) {
      page = MakeHeapPage(std::vector<char>(data, data + claim.length));
    }
    Complete(key, claim.inflight, page);
  } else {
    Complete(key, claim.inflight, error);
  }
  ::unlink(claim.lock_path.c_str());
  ::close(claim.lock_fd);
}

void PageCache::Seed(uint64_t file, uint64_t file_size, const std::string& head) {
  size_t length = static_cast<size_t>(std::min(page_size_, file_size));
  if (length == 0 || head.size() < length) return;
  Claim c;
  if (TryClaim(file, 0, length, &c)) Fulfil(file, c, head.data(), Status::OK());
}

void PageCache::PrefetchRun(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                            const ReaderSource& fetch) {
  std::vector<Claim> claims;
  for (uint64_t i = first; i <= last && i * page_size_ < file_size; ++i) {
    size_t length = static_cast<size_t>(std::min(page_size_, file_size - i * page_size_));
    Claim c;
    if (TryClaim(file, i, length, &c)) claims.push_back(std::move(c));
  }
  if (claims.empty()) return;
  // One read covering every claimed page (the gaps are pages already here).
  uint64_t begin = claims.front().index * page_size_;
  uint64_t end = claims.back().index * page_size_ + claims.back().length;
  std::vector<char> buf(end - begin);
  Status st;
  auto reader = fetch();
  if (!reader.ok()) st = reader.status();
  size_t got = 0;
  while (st.ok() && got < buf.size()) {
    auto n = (*reader)->ReadAt(begin + got, buf.data() + got, buf.size() - got);
    if (!n.ok()) {
      st = n.status();
    } else if (*n == 0) {
      st = Status::IoError("file changed while reading ahead");
    } else {
      got += *n;
    }
  }
  for (Claim& c : claims) {
    Fulfil(file, c, st.ok() ? buf.data() + (c.index * page_size_ - begin) : nullptr, st);
  }
}

void PageCache::Complete(const PageKey& key, const std::shared_ptr<Inflight>& inflight,
                         Result<std::shared_ptr<const Page>> result) {
  {
    std::lock_guard<std::mutex> lock(inflight_mu_);
    inflight->done = true;
    inflight->status = result.status();
    if (result.ok()) inflight->page = *result;
    inflight_.erase({key.file, key.index});
  }
  inflight_cv_.notify_all();
}

}  // namespace alluxio
