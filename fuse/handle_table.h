// HandleTable: the file handles (fuse_file_info::fh) the kernel holds for
// open files and directories, and what they stand for.
#ifndef ALLUXIO_FUSE_HANDLE_TABLE_H_
#define ALLUXIO_FUSE_HANDLE_TABLE_H_

#include <tsl/robin_map.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "inode_table.h"

namespace alluxio::fuse {

// Thread-safe. A handle is never 0 (the kernel's "no handle") and is never
// issued twice by the daemons of one mount: handles carry the daemon's
// generation (see kGenerationShift). So a handle of a daemon that died,
// which programs still hold in their open descriptors, is unknown here
// rather than taken for one of ours. Tables of different `kind` (0 or 1:
// files, directories) never issue the same handle either.
template <typename T>
class HandleTable {
 public:
  explicit HandleTable(int kind) : kind_(static_cast<uint64_t>(kind & 1)) { SetGeneration(0); }
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Before the first Add.
  void SetGeneration(uint64_t generation) {
    std::unique_lock lock(mu_);
    next_ = FirstIdOf(generation) + (kind_ << (kGenerationShift - 1)) + 1;
  }

  uint64_t Add(std::shared_ptr<T> value) {
    std::unique_lock lock(mu_);
    uint64_t fh = next_++;
    by_fh_.emplace(fh, std::move(value));
    return fh;
  }

  // Null for a handle this daemon did not issue or already released.
  std::shared_ptr<T> Get(uint64_t fh) const {
    std::shared_lock lock(mu_);
    auto it = by_fh_.find(fh);
    return it == by_fh_.end() ? nullptr : it->second;
  }

  // Takes the handle out of the table (null when unknown).
  // Some value for which pred(value) holds, or null. Walks the whole table:
  // for rare cases only.
  template <typename Pred>
  std::shared_ptr<T> FindIf(Pred pred) const {
    std::shared_lock lock(mu_);
    for (const auto& [fh, value] : by_fh_) {
      if (pred(*value)) return value;
    }
    return nullptr;
  }

  std::shared_ptr<T> Remove(uint64_t fh) {
    std::unique_lock lock(mu_);
    auto it = by_fh_.find(fh);
    if (it == by_fh_.end()) return nullptr;
    std::shared_ptr<T> value = std::move(it.value());
    by_fh_.erase(it);
    return value;
  }

  size_t size() const {
    std::shared_lock lock(mu_);
    return by_fh_.size();
  }

 private:
  const uint64_t kind_;
  mutable std::shared_mutex mu_;  // guards the members below; never held during I/O
  uint64_t next_ = 1;
  tsl::robin_map<uint64_t, std::shared_ptr<T>> by_fh_;
};

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_HANDLE_TABLE_H_
