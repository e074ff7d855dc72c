// The client's metadata cache: path -> attributes (or a remembered error
// such as ENOENT), and directory -> listing.
//
// An entry is valid while (a) its TTL has not run out and (b) the node-wide
// counter it was stamped with (NodeState) has not moved. Stamps are taken
// before asking the UFS, so a change racing with a fill leaves the filled
// entry already stale, never wrongly fresh. Entries filled from a listing are
// stamped with the directory's slot: any change inside a directory bumps that
// slot as well as the changed path's own.
#ifndef ALLUXIO_CLIENT_METADATA_CACHE_H_
#define ALLUXIO_CLIENT_METADATA_CACHE_H_

#include <tsl/robin_map.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/file_info.h"
#include "node_state.h"

namespace alluxio {

class MetadataCache {
 public:
  struct Stamp {
    uint32_t slot;
    uint64_t gen;
    uint64_t global;
  };
  using Listing = std::shared_ptr<const std::vector<FileInfo>>;

  // max_entries == 0 disables caching. `node` must outlive the cache.
  MetadataCache(NodeState* node, size_t max_entries, int64_t ttl_ms);
  ~MetadataCache();
  MetadataCache(const MetadataCache&) = delete;
  MetadataCache& operator=(const MetadataCache&) = delete;

  bool enabled() const { return max_entries_ > 0; }
  Stamp StampFor(std::string_view path) const;

  // True when a valid entry exists: then either *err == 0 and *attr is set,
  // or *err is the remembered errno. Entries from listings that lack mode,
  // owner and mtime (object stores) count only when `partial_ok`.
  bool Lookup(std::string_view path, FileAttr* attr, int* err, bool partial_ok = false);
  void Put(std::string_view path, const FileAttr& attr, const Stamp& stamp);
  void PutError(std::string_view path, int err, const Stamp& stamp);

  Listing LookupListing(std::string_view dir);
  // Caches the listing and each child's attributes (child paths are
  // dir/name, marked partial unless FileInfo::full_attributes), all under
  // the directory's stamp.
  void PutListing(std::string_view dir, Listing listing, const Stamp& stamp);
  // Caches some children of `dir` (a slice of its listing, Ufs::ListFrom) as
  // partial entries under the directory's stamp, and no listing: the rest
  // of the directory is unknown. An entry replaces anything but a valid one
  // with full attributes.
  void PutPartialChildren(std::string_view dir, const std::vector<FileInfo>& children,
                          const Stamp& stamp);

  // The most entries the cache holds (0 when disabled).
  size_t capacity() const { return max_entries_; }

  void Clear();

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return PathHash(s.data(), s.size()); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  struct Entry {
    FileAttr attr;
    int err;
    int64_t expire_ns;
    Stamp stamp;
    bool partial = false;  // type, size and version only
  };
  struct ListingEntry {
    Listing listing;
    int64_t expire_ns;
    Stamp stamp;
  };
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;  // guards map; leaf lock, nothing is called under it
    tsl::robin_map<std::string, Entry, Hash, Eq, std::allocator<std::pair<std::string, Entry>>,
                   true>
        map;
  };

  bool Valid(const Stamp& s, int64_t expire_ns, int64_t now) const;
  void LockAll();  // for fork(2)
  void UnlockAll();
  Shard& ShardOf(std::string_view path) {
    return shards_[PathHash(path.data(), path.size()) % kShards];
  }
  enum class Replace { kAlways, kNever, kUnlessFull };
  void PutEntry(std::string_view path, const Entry& e, Replace replace = Replace::kAlways);

  NodeState* node_;
  const size_t max_entries_;
  const int64_t ttl_ns_;
  Shard shards_[kShards];

  std::mutex listings_mu_;  // guards listings_; leaf lock
  tsl::robin_map<std::string, ListingEntry, Hash, Eq> listings_;
};

int64_t MonotonicNowNs();

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_METADATA_CACHE_H_
