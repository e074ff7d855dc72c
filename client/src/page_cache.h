// The page cache: the pages of files, keyed by path and content version,
// in memory and in the node's cache directory (page_store.h), and the
// fetches that fill them. One fetch per page on the node at a time: a page
// being fetched is claimed (a lock file shared by the node's processes, and
// an entry readers of this process wait on). Which pages to fetch ahead,
// and how, is the Prefetcher's business (prefetcher.h); the read handle
// (cached_read_handle.h) asks it, then copies the pages.
#ifndef ALLUXIO_CLIENT_PAGE_CACHE_H_
#define ALLUXIO_CLIENT_PAGE_CACHE_H_

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
#include "alluxio/task_pool.h"
#include "page_store.h"

namespace alluxio {

class PageCache {
 public:
  // From alluxio.user.client.cache.{dirs,size,page.size} and
  // alluxio.user.client.cache.memory.size. The first cache dir is used.
  static Result<std::unique_ptr<PageCache>> Open(const Configuration& conf);
  ~PageCache();

  uint64_t page_size() const { return page_size_; }
  uint64_t max_readahead() const { return max_readahead_; }
  uint64_t initial_readahead() const { return initial_readahead_; }

  static uint64_t FileKey(const std::string& path, uint64_t version);

  // Opens the UFS reader of a file on demand (only cache misses need it).
  using ReaderSource = std::function<Result<std::shared_ptr<UfsReader>>()>;

  // One page of a file: from the cache, or fetched with `fetch` (and
  // cached). `length` is the page's length (short at the end of the file).
  Result<std::shared_ptr<const Page>> GetPage(const PageKey& key, size_t length,
                                              const ReaderSource& fetch);

  // Fetches pages [first, last] of a file in the background if missing.
  void Prefetch(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                const ReaderSource& fetch);

  // Caches the first bytes of a file, got along with its metadata, as its
  // first page, when they are the whole page (or the whole file).
  void Seed(uint64_t file, uint64_t file_size, const std::string& head);

  // True when the page is in the cache (memory or disk).
  bool Contains(const PageKey& key, size_t length) {
    auto page = store_->Get(key);
    return page != nullptr && page->size() == length;
  }

  // A fetch in flight in this process, that concurrent readers of the page
  // wait for.
  struct Inflight {
    bool done = false;
    Status status;
    std::shared_ptr<const Page> page;
  };
  // A page this process fetches, with its node-wide lock held. Every claim
  // taken must be fulfilled (Fulfil), with its bytes or an error.
  struct Claim {
    uint64_t index = 0;
    size_t length = 0;
    std::shared_ptr<Inflight> inflight;
    int lock_fd = -1;
    std::string lock_path;
  };
  // Claims page `index` of `file` unless it is cached, being fetched in
  // this process, or locked by another process.
  bool TryClaim(uint64_t file, uint64_t index, size_t length, Claim* claim);
  // Stores `data` (null: `error`) as the claimed page, wakes its readers and
  // releases it.
  void Fulfil(uint64_t file, Claim& claim, const char* data, const Status& error);

  // The threads that fetch ahead of readers.
  TaskPool& tasks() { return tasks_; }

  void FreeFile(uint64_t file) { store_->DeleteFile(file); }
  // A page found damaged while reading: dropped from every tier.
  void DropCorrupt(const PageKey& key) {
    disk_->CountCorrupt();
    store_->DeletePage(key);
  }
  CacheStats Stats() const { return disk_->Stats(); }

 private:
  PageCache(std::unique_ptr<MemoryPageStore> store, DiskPageStore* disk, uint64_t page_size,
            uint64_t initial_readahead, uint64_t max_readahead, std::string lock_dir);
  Result<std::shared_ptr<const Page>> Fetch(const PageKey& key, size_t length,
                                            const ReaderSource& fetch);
  // The node-wide lock file of a page.
  std::string LockPath(uint64_t file, uint64_t index) const;
  // Fetches the missing pages of [first, last] with one read.
  void PrefetchRun(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                   const ReaderSource& fetch);
  // Ends a fetch in flight and wakes its waiters.
  void Complete(const PageKey& key, const std::shared_ptr<Inflight>& inflight,
                Result<std::shared_ptr<const Page>> result);
  static void ForkPrepare();
  static void ForkParent();
  static void ForkChild();

  std::unique_ptr<MemoryPageStore> store_;
  DiskPageStore* disk_;  // owned by store_
  const uint64_t page_size_;
  const uint64_t initial_readahead_;
  const uint64_t max_readahead_;
  const std::string lock_dir_;

  // Fetches in flight in this process, so concurrent readers of one page
  // wait for one fetch.
  std::mutex inflight_mu_;  // guards inflight_; a leaf lock
  std::condition_variable inflight_cv_;
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<Inflight>> inflight_;

  // Declared last, so it stops (and its tasks end) before the members they use go.
  TaskPool tasks_;
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_PAGE_CACHE_H_
