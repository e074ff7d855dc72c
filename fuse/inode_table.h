// The FUSE inode table: kernel node ids <-> Alluxio paths, with the lookup
// counts the kernel's forget requests refer to.
#ifndef ALLUXIO_FUSE_INODE_TABLE_H_
#define ALLUXIO_FUSE_INODE_TABLE_H_

#include <tsl/robin_map.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "alluxio/file_system.h"
#include "open_file.h"

namespace alluxio::fuse {

// The node id of the mount's root (FUSE_ROOT_ID).
inline constexpr uint64_t kRootId = 1;

// Node ids and file handles carry the generation of the daemon that issued
// them (0 for the first daemon of a mount, counting up with each restart
// under --supervise) above this bit. The kernel keeps the ids and handles of
// a daemon that died (in its dentry cache, in open descriptors) and sends
// them to the next daemon, which must never take them for its own: a fresh
// daemon knows none of them and answers ESTALE (ids) or EIO (handles).
inline constexpr int kGenerationShift = 40;
inline constexpr uint64_t FirstIdOf(uint64_t generation) { return generation << kGenerationShift; }

// What an operation needs to know about a node id, copied out of the table.
struct InodeView {
  std::string path;  // Alluxio path; empty once unlinked or replaced
  bool is_dir = false;
  // The open writable file of this node on this daemon, if any: its Stat()
  // is the truth about size while writes are staged.
  std::shared_ptr<OpenFile> writer;
};

// Thread-safe. Node ids are never reused while the daemon runs, nor by a
// later daemon of the same mount (SetGeneration), so the generation of every
// entry can be 0. The root id is pinned: forgetting it does nothing.
//
// A path has at most one live node id. unlink/rmdir/rename detach the old
// node from its path; the node lives on (for open files) until the kernel
// forgets it, and a new lookup of the path gets a fresh id.
class InodeTable {
 public:
  explicit InodeTable(std::string root_path);

  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  // Ids handed out from now on are those of daemon `generation` (see
  // kGenerationShift). Before the first Lookup.
  void SetGeneration(uint64_t generation);

  // False when the kernel names an id it was never given or already forgot.
  bool Get(uint64_t id, InodeView* out) const;

  // Records one kernel reference to `path` (a lookup, create, mkdir or
  // readdirplus entry) and returns its id. A path whose file type changed
  // since it was last seen gets a new id: the kernel refuses type changes.
  // `writer`, when given, receives the node's open writable file.
  uint64_t Lookup(const std::string& path, bool is_dir,
                  std::shared_ptr<OpenFile>* writer = nullptr);

  // The open writable file at `path` (a created file may not be committed
  // yet, so the UFS does not know it), or null.
  std::shared_ptr<OpenFile> WriterAt(const std::string& path) const;

  // Drops `n` kernel references; the node is erased when none remain.
  void Forget(uint64_t id, uint64_t n);

  // `path` no longer exists (unlink, rmdir).
  void Detach(const std::string& path);

  // `src` was renamed to `dst`: the node at dst (if any) is detached, and
  // src's node and every node below it now live under dst.
  void Rename(const std::string& src, const std::string& dst);

  // The writer of a file, set on a writable open and cleared on its release
  // (only if `handle` is still the registered one).
  void SetWriter(uint64_t id, std::shared_ptr<OpenFile> file);
  void ClearWriter(uint64_t id, const OpenFile* file);

  // The content version the kernel's page cache of this file holds, 0 when
  // unknown. Exchange returns the previous value.
  uint64_t ExchangeCachedVersion(uint64_t id, uint64_t version);

  // Live nodes, the root included (for tests and the memory bound).
  size_t size() const;

 private:
  struct Inode {
    std::string path;
    bool is_dir = false;
    uint64_t nlookup = 0;
    uint64_t cached_version = 0;
    std::shared_ptr<OpenFile> writer;
  };

  void DetachLocked(const std::string& path);

  mutable std::mutex mu_;  // guards everything below; never held during I/O
  uint64_t next_id_ = kRootId + 1;
  tsl::robin_map<uint64_t, Inode> by_id_;
  tsl::robin_map<std::string, uint64_t> by_path_;
};

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_INODE_TABLE_H_
