// The data page cache: fixed-size pages of file content, keyed by the file's
// Alluxio path and content version and the page's index.
//
// Tiers compose: a MemoryPageStore (per process, bounded, LRU) keeps pages
// it got from the tier below, a DiskPageStore (a local directory shared by
// every process of the node, bounded by size across them). A page on disk is
// written to a temporary name and renamed into place, so a page half-written
// when a process dies is never found; each carries a CRC32C that is checked
// when a process first maps it, so a corrupted page is dropped and refetched,
// never returned.
#ifndef ALLUXIO_CLIENT_PAGE_STORE_H_
#define ALLUXIO_CLIENT_PAGE_STORE_H_

#include <sys/stat.h>
#include <tsl/robin_map.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "alluxio/status.h"

namespace alluxio {

struct PageKey {
  uint64_t file;   // hash of (Alluxio path, content version)
  uint64_t index;  // page number within the file
  bool operator==(const PageKey& o) const { return file == o.file && index == o.index; }
};

struct PageKeyHash {
  size_t operator()(const PageKey& k) const {
    return static_cast<size_t>(k.file * 0x9e3779b97f4a7c15ull ^ (k.index + 0x632be59bd9b4e019ull));
  }
};

// Bytes of one page, valid while the object lives.
class Page {
 public:
  virtual ~Page() = default;
  virtual size_t size() const = 0;
  // Copies [off, off + n) into dst, checking those bytes against the page's
  // checksums first (once per page object); false when they are damaged.
  virtual bool CopyTo(size_t off, size_t n, char* dst) const = 0;
};

// A page held in memory (read whole, or just fetched).
std::shared_ptr<const Page> MakeHeapPage(std::vector<char> data);

class PageStore {
 public:
  virtual ~PageStore() = default;
  // The page, or nullptr when this store does not have it.
  virtual std::shared_ptr<const Page> Get(const PageKey& key) = 0;
  // Stores a copy of the bytes; may decline (returns OK) when full.
  virtual Status Put(const PageKey& key, const char* data, size_t n) = 0;
  // Drops every page of a file.
  virtual void DeleteFile(uint64_t file) = 0;
  // Drops one page (found damaged).
  virtual void DeletePage(const PageKey& key) = 0;
};

// A local directory of page files, bounded by `capacity` bytes for all the
// processes of the node together.
class DiskPageStore : public PageStore {
 public:
  static Result<std::unique_ptr<DiskPageStore>> Open(const std::string& dir, uint64_t capacity);
  ~DiskPageStore() override;

  std::shared_ptr<const Page> Get(const PageKey& key) override;
  Status Put(const PageKey& key, const char* data, size_t n) override;
  void DeleteFile(uint64_t file) override;
  void DeletePage(const PageKey& key) override;

  CacheStats Stats() const;
  // Held across fork(2) so no thread is evicting when it happens.
  void LockForFork() { evict_mu_.lock(); }
  void UnlockAfterFork() { evict_mu_.unlock(); }
  void CountHit(uint64_t bytes);
  void CountCorrupt();
  void CountMiss(uint64_t bytes);

 private:
  struct Shared;  // the mapped counters file
  DiskPageStore(std::string dir, uint64_t capacity, Shared* shared);
  std::string PagePath(const PageKey& key) const;
  std::string FileDir(uint64_t file) const;
  // Frees at least `need` bytes (oldest page files first); false when it
  // could not.
  bool Evict(uint64_t need);
  uint64_t Rescan();  // recounts the bytes on disk
  // Calls fn for every page file (and, with temp, every temporary one).
  void ForEachPageFile(
      const std::function<void(const std::string& path, const struct stat& st, bool temp)>& fn);

  const std::string dir_;
  const uint64_t capacity_;
  Shared* shared_;
  std::mutex evict_mu_;  // one evicting thread per process
};

// A per-process LRU of pages from the store below, bounded in bytes and in
// count (each large page is a memory mapping; the kernel limits how many a
// process may have).
class MemoryPageStore : public PageStore {
 public:
  MemoryPageStore(std::unique_ptr<PageStore> below, uint64_t capacity)
      : below_(std::move(below)), capacity_(capacity) {}
  std::shared_ptr<const Page> Get(const PageKey& key) override;
  Status Put(const PageKey& key, const char* data, size_t n) override;
  void DeleteFile(uint64_t file) override;
  void DeletePage(const PageKey& key) override;
  PageStore* below() { return below_.get(); }
  // Held across fork(2) so no thread is inside the LRU when it happens.
  void LockForFork() { mu_.lock(); }
  void UnlockAfterFork() { mu_.unlock(); }

 private:
  static constexpr size_t kMaxPages = 32768;
  void Insert(const PageKey& key, std::shared_ptr<const Page> page);  // requires mu_
  void Erase(const PageKey& key);                                     // requires mu_

  std::unique_ptr<PageStore> below_;
  const uint64_t capacity_;
  std::mutex mu_;  // guards lru_, map_, used_; leaf lock (below_ is called outside it)
  std::list<std::pair<PageKey, std::shared_ptr<const Page>>> lru_;  // front = newest
  tsl::robin_map<PageKey, decltype(lru_)::iterator, PageKeyHash> map_;
  uint64_t used_ = 0;
};

// CRC32C (Castagnoli), hardware-accelerated where the CPU has SSE4.2.
uint32_t Crc32c(const char* data, size_t n);

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_PAGE_STORE_H_
