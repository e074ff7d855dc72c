// The client's read path through the page cache: pages come from memory,
// then the node's cache directory, then the UFS (one fetch per page on the
// node at a time), with readahead ahead of sequential readers.
#ifndef ALLUXIO_CLIENT_PAGE_CACHE_H_
#define ALLUXIO_CLIENT_PAGE_CACHE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
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

  // Fills pages of one file in order from one UFS stream, for a sequential
  // reader of a UFS that prefers streams: the reader claims pages ahead of
  // itself (Extend) and the stream fills them, never running further ahead
  // than the claims. Readers of a claimed page wait for the stream.
  class Streamer;
  std::shared_ptr<Streamer> NewStreamer(uint64_t file, uint64_t file_size,
                                        std::shared_ptr<UfsReader> reader);

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
  struct Inflight;
  // A page this process fetches, with its node-wide lock held.
  struct Claim {
    uint64_t index;
    size_t length;
    std::shared_ptr<Inflight> inflight;
    int lock_fd;
    std::string lock_path;
  };
  // Claims page `index` unless it is cached, being fetched in this process,
  // or locked by another process.
  bool TryClaim(uint64_t file, uint64_t index, size_t length, Claim* claim);
  // Stores `data` (null: `error`) as the claimed page and releases it.
  void Fulfil(uint64_t file, Claim& claim, const char* data, const Status& error);
  void Submit(std::function<void()> task);
  // Fetches the missing pages of [first, last] with one read.
  void PrefetchRun(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                   const ReaderSource& fetch);
  // Ends a fetch in flight and wakes its waiters.
  void Complete(const PageKey& key, const std::shared_ptr<Inflight>& inflight,
                Result<std::shared_ptr<const Page>> result);
  void Worker();
  void EnsureWorkers();
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
  struct Inflight {
    bool done = false;
    Status status;
    std::shared_ptr<const Page> page;
  };
  std::mutex inflight_mu_;  // guards inflight_; leaf lock
  std::condition_variable inflight_cv_;
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<Inflight>> inflight_;

  // Readahead workers, started on first use and again after a fork.
  std::mutex queue_mu_;  // guards queue_, workers_, workers_pid_, stop_
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  pid_t workers_pid_ = 0;
  bool stop_ = false;
};

// Opens the UFS reader of a file: with fresh == false it may trust the
// attributes the handle was opened with; with true it must look again.
using ReaderOpener = std::function<Result<std::shared_ptr<UfsReader>>(bool fresh)>;

// A read handle that serves pages through the cache, opening the UFS reader
// only on a miss, with readahead for sequential access. A read that fails
// looks at the file afresh, and reads the new version if it changed.
// `on_changed` runs when the file turns out to have changed since `attr`.
std::shared_ptr<FileHandle> NewCachedReadHandle(std::string path, const FileAttr& attr,
                                                PageCache* cache, ReaderOpener open_reader,
                                                std::function<void()> on_changed);

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_PAGE_CACHE_H_
