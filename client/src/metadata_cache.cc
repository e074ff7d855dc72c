#include "metadata_cache.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>

#include "alluxio/path.h"

namespace alluxio {

int64_t MonotonicNowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {

// Every cache of the process, for the fork handlers (a fork while another
// thread holds a shard lock must not leave the child a lock nobody frees).
std::mutex g_caches_mu;
std::vector<MetadataCache*>* g_caches = nullptr;

}  // namespace

void MetadataCache::LockAll() {
  for (Shard& sh : shards_) sh.mu.lock();
  listings_mu_.lock();
}

void MetadataCache::UnlockAll() {
  listings_mu_.unlock();
  for (Shard& sh : shards_) sh.mu.unlock();
}

MetadataCache::MetadataCache(NodeState* node, size_t max_entries, int64_t ttl_ms)
    : node_(node), max_entries_(max_entries), ttl_ns_(ttl_ms * 1000000) {
  std::lock_guard<std::mutex> lock(g_caches_mu);
  if (g_caches == nullptr) {
    g_caches = new std::vector<MetadataCache*>();
    pthread_atfork(
        [] {
          g_caches_mu.lock();
          for (MetadataCache* c : *g_caches) c->LockAll();
        },
        [] {
          for (MetadataCache* c : *g_caches) c->UnlockAll();
          g_caches_mu.unlock();
        },
        [] {
          for (MetadataCache* c : *g_caches) c->UnlockAll();
          g_caches_mu.unlock();
        });
  }
  g_caches->push_back(this);
}

MetadataCache::~MetadataCache() {
  std::lock_guard<std::mutex> lock(g_caches_mu);
  g_caches->erase(std::remove(g_caches->begin(), g_caches->end(), this), g_caches->end());
}

MetadataCache::Stamp MetadataCache::StampFor(std::string_view path) const {
  Stamp s;
  s.slot = NodeState::SlotOf(path);
  s.gen = node_->Get(s.slot);
  s.global = node_->Get(NodeState::kGlobalSlot);
  return s;
}

bool MetadataCache::Valid(const Stamp& s, int64_t expire_ns, int64_t now) const {
  return now < expire_ns && node_->Get(s.slot) == s.gen &&
         node_->Get(NodeState::kGlobalSlot) == s.global;
}

bool MetadataCache::Lookup(std::string_view path, FileAttr* attr, int* err, bool partial_ok) {
  if (!enabled()) return false;
  Shard& sh = ShardOf(path);
  std::lock_guard<std::mutex> lock(sh.mu);
  auto it = sh.map.find(path);
  if (it == sh.map.end()) return false;
  if (!Valid(it->second.stamp, it->second.expire_ns, MonotonicNowNs())) {
    sh.map.erase(it);
    return false;
  }
  if (it->second.partial && !partial_ok) return false;
  *attr = it->second.attr;
  *err = it->second.err;
  return true;
}

void MetadataCache::PutEntry(std::string_view path, const Entry& e, Replace replace) {
  Shard& sh = ShardOf(path);
  std::lock_guard<std::mutex> lock(sh.mu);
  if (replace == Replace::kUnlessFull) {
    auto it = sh.map.find(path);
    if (it != sh.map.end() && !it->second.partial && it->second.err == 0 &&
        Valid(it->second.stamp, it->second.expire_ns, MonotonicNowNs())) {
      return;
    }
  }
  const size_t cap = max_entries_ / kShards + 1;
  if (sh.map.size() >= cap) {
    // Evict about a quarter of the shard: cheaper than LRU bookkeeping on
    // every hit, and the hot set refills at once.
    size_t drop = cap / 4 + 1;
    for (auto it = sh.map.begin(); it != sh.map.end() && drop > 0; --drop) {
      it = sh.map.erase(it);
    }
  }
  if (replace == Replace::kNever) {
    sh.map.try_emplace(std::string(path), e);
  } else {
    sh.map.insert_or_assign(std::string(path), e);
  }
}

void MetadataCache::Put(std::string_view path, const FileAttr& attr, const Stamp& stamp) {
  if (!enabled()) return;
  PutEntry(path, Entry{attr, 0, MonotonicNowNs() + ttl_ns_, stamp});
}

void MetadataCache::PutError(std::string_view path, int err, const Stamp& stamp) {
  if (!enabled()) return;
  PutEntry(path, Entry{FileAttr{}, err, MonotonicNowNs() + ttl_ns_, stamp});
}

MetadataCache::Listing MetadataCache::LookupListing(std::string_view dir) {
  if (!enabled()) return nullptr;
  std::lock_guard<std::mutex> lock(listings_mu_);
  auto it = listings_.find(dir);
  if (it == listings_.end()) return nullptr;
  if (!Valid(it->second.stamp, it->second.expire_ns, MonotonicNowNs())) {
    listings_.erase(it);
    return nullptr;
  }
  return it->second.listing;
}

void MetadataCache::PutListing(std::string_view dir, Listing listing, const Stamp& stamp) {
  if (!enabled()) return;
  const int64_t expire = MonotonicNowNs() + ttl_ns_;
  if (listing->size() < max_entries_) {
    std::string child;
    for (const FileInfo& fi : *listing) {
      child = JoinPath(dir, fi.name);
      // A partial entry never replaces what a stat found.
      PutEntry(child, Entry{fi.attr, 0, expire, stamp, !fi.full_attributes},
               fi.full_attributes ? Replace::kAlways : Replace::kNever);
    }
  }
  std::lock_guard<std::mutex> lock(listings_mu_);
  const size_t cap = max_entries_ / 64 + 16;
  if (listings_.size() >= cap) listings_.clear();
  listings_.insert_or_assign(std::string(dir), ListingEntry{std::move(listing), expire, stamp});
}

void MetadataCache::PutPartialChildren(std::string_view dir, const std::vector<FileInfo>& children,
                                       const Stamp& stamp) {
  if (!enabled()) return;
  const int64_t expire = MonotonicNowNs() + ttl_ns_;
  std::string child;
  for (const FileInfo& fi : children) {
    child = JoinPath(dir, fi.name);
    // Newer than a remembered error or partial entry; a full entry keeps
    // the attributes a slice lacks.
    PutEntry(child, Entry{fi.attr, 0, expire, stamp, true}, Replace::kUnlessFull);
  }
}

void MetadataCache::Clear() {
  for (Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mu);
    sh.map.clear();
  }
  std::lock_guard<std::mutex> lock(listings_mu_);
  listings_.clear();
}

}  // namespace alluxio
