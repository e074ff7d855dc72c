#include "inode_table.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "alluxio/path.h"

namespace alluxio::fuse {

InodeTable::InodeTable(std::string root_path) {
  Inode root;
  root.path = root_path;
  root.is_dir = true;
  root.nlookup = 1;
  by_path_.emplace(std::move(root_path), kRootId);
  by_id_.emplace(kRootId, std::move(root));
}

void InodeTable::SetGeneration(uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  next_id_ = std::max(kRootId + 1, FirstIdOf(generation));
}

bool InodeTable::Get(uint64_t id, InodeView* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  out->path = it->second.path;
  out->is_dir = it->second.is_dir;
  out->writer = it->second.writer;
  return true;
}

uint64_t InodeTable::Lookup(const std::string& path, bool is_dir,
                            std::shared_ptr<OpenFile>* writer) {
  std::lock_guard<std::mutex> lock(mu_);
  auto pit = by_path_.find(path);
  if (pit != by_path_.end()) {
    uint64_t id = pit->second;
    auto it = by_id_.find(id);
    if (it != by_id_.end() && (it->second.is_dir == is_dir || id == kRootId)) {
      ++it.value().nlookup;
      if (writer != nullptr) *writer = it->second.writer;
      return id;
    }
    DetachLocked(path);
  }
  uint64_t id = next_id_++;
  Inode inode;
  inode.path = path;
  inode.is_dir = is_dir;
  inode.nlookup = 1;
  by_id_.emplace(id, std::move(inode));
  by_path_[path] = id;
  if (writer != nullptr) writer->reset();
  return id;
}

std::shared_ptr<OpenFile> InodeTable::WriterAt(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto pit = by_path_.find(path);
  if (pit == by_path_.end()) return nullptr;
  auto it = by_id_.find(pit->second);
  return it == by_id_.end() ? nullptr : it->second.writer;
}

void InodeTable::Forget(uint64_t id, uint64_t n) {
  if (id == kRootId) return;
  std::shared_ptr<OpenFile> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  if (it->second.nlookup > n) {
    it.value().nlookup -= n;
    return;
  }
  if (!it->second.path.empty()) {
    auto pit = by_path_.find(it->second.path);
    if (pit != by_path_.end() && pit->second == id) by_path_.erase(pit);
  }
  dropped = std::move(it.value().writer);
  by_id_.erase(it);
}

void InodeTable::DetachLocked(const std::string& path) {
  auto pit = by_path_.find(path);
  if (pit == by_path_.end() || pit->second == kRootId) return;
  auto it = by_id_.find(pit->second);
  if (it != by_id_.end()) it.value().path.clear();
  by_path_.erase(pit);
}

void InodeTable::Detach(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  DetachLocked(path);
}

void InodeTable::Rename(const std::string& src, const std::string& dst) {
  std::lock_guard<std::mutex> lock(mu_);
  if (src == dst) return;
  DetachLocked(dst);
  auto pit = by_path_.find(src);
  if (pit == by_path_.end()) return;
  uint64_t id = pit->second;
  by_path_.erase(pit);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  it.value().path = dst;
  by_path_[dst] = id;
  if (!it->second.is_dir) return;

  // Every known node below a renamed directory moves with it. The kernel
  // keeps a directory referenced while anything below it is, so only nodes
  // of a known directory can be affected.
  std::vector<std::pair<std::string, uint64_t>> moved;
  for (auto e = by_path_.begin(); e != by_path_.end(); ++e) {
    if (e->first.size() > src.size() && PathHasPrefix(e->first, src)) {
      moved.emplace_back(e->first, e->second);
    }
  }
  for (auto& [old_path, child] : moved) {
    by_path_.erase(old_path);
    std::string new_path = dst + old_path.substr(src.size());
    auto cit = by_id_.find(child);
    if (cit != by_id_.end()) cit.value().path = new_path;
    by_path_[std::move(new_path)] = child;
  }
}

void InodeTable::SetWriter(uint64_t id, std::shared_ptr<OpenFile> file) {
  std::shared_ptr<OpenFile> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it != by_id_.end()) dropped = std::exchange(it.value().writer, std::move(file));
}

void InodeTable::ClearWriter(uint64_t id, const OpenFile* file) {
  std::shared_ptr<OpenFile> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it != by_id_.end() && it->second.writer.get() == file) {
    dropped = std::move(it.value().writer);
  }
}

uint64_t InodeTable::ExchangeCachedVersion(uint64_t id, uint64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return 0;
  return std::exchange(it.value().cached_version, version);
}

size_t InodeTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.size();
}

}  // namespace alluxio::fuse
