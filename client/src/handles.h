// The FileHandle implementations behind FileSystem::OpenFile, and the
// node-wide registry that keeps a file to one writer at a time.
#ifndef ALLUXIO_CLIENT_HANDLES_H_
#define ALLUXIO_CLIENT_HANDLES_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "alluxio/file_system.h"
#include "alluxio/ufs.h"

namespace alluxio {

class PageCache;

// Grants the right to write one Alluxio path. The file-backed registry uses
// flock(2) on a lock file per path, so it holds across every process of the
// node; the in-memory one (for private test clients) only within a process.
class WriterRegistry {
 public:
  class Token {
   public:
    virtual ~Token() = default;
    // Closes this process's hold without releasing the path: another
    // process that shares the hold (after fork) still has it.
    virtual void Forget() {}
  };
  virtual ~WriterRegistry() = default;
  // Busy when someone on this node holds the path.
  virtual Result<std::unique_ptr<Token>> Acquire(const std::string& path) = 0;

  static std::unique_ptr<WriterRegistry> InDirectory(std::string dir);
  static std::unique_ptr<WriterRegistry> InMemory();
};

// What a write handle tells its FileSystem.
class WriteObserver {
 public:
  virtual ~WriteObserver() = default;
  // The content at `path` changed in the UFS (a commit).
  virtual void OnCommitted(const std::string& path) = 0;
  // The handle is closed and no longer answers for `path`.
  virtual void OnClosed(const std::string& path, FileHandle* handle) = 0;
};

// The part every read-only handle shares: writing calls fail with
// BadDescriptor, closing has nothing to commit.
class ReadOnlyFileHandle : public FileHandle {
 public:
  bool readable() const override { return true; }
  bool writable() const override { return false; }
  Result<size_t> Write(uint64_t, const char*, size_t) override {
    return Status(Code::kBadDescriptor, path() + " is not open for writing");
  }
  Status Truncate(uint64_t) override {
    return Status(Code::kBadDescriptor, path() + " is not open for writing");
  }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  void Abort() override {}
};

// A read-only handle over a UfsReader.
std::shared_ptr<FileHandle> NewReadHandle(std::string path, std::unique_ptr<UfsReader> reader,
                                          const FileAttr& attr);

// A read-only handle that serves `path` (`ufs_path` in `ufs`, as `attr`
// describes it) through the page cache, opening the UFS reader only on a
// miss, with read-ahead (cached_read_handle.cc, prefetcher.h). A read that
// fails looks at the file afresh, and reads the new version if it changed;
// `on_changed` runs when the file turns out to have changed since `attr`.
std::shared_ptr<FileHandle> NewCachedReadHandle(std::string path, std::shared_ptr<Ufs> ufs,
                                                std::string ufs_path, const FileAttr& attr,
                                                PageCache* cache, std::function<void()> on_changed);

struct WriteHandleParams {
  std::string path;      // Alluxio path
  std::string ufs_path;  // within `ufs`
  std::shared_ptr<Ufs> ufs;
  OpenOptions opts;
  std::optional<FileAttr> existing;  // the file as it is, when it exists
  bool random_access = false;        // the random-access switch
  std::string staging_dir;
  std::unique_ptr<WriterRegistry::Token> token;
  WriteObserver* observer = nullptr;
};

// The write handle; also used by FileSystem to apply chmod/chown/utimes to a
// file that exists only in this handle until its commit.
class WriteHandle : public FileHandle {
 public:
  static Result<std::shared_ptr<WriteHandle>> Open(WriteHandleParams params);
  // Attributes to apply at commit (chmod/chown/touch while open).
  virtual void SetPendingAttributes(const SetAttributeOptions& opts) = 0;
  // The path was deleted while open: Close discards instead of committing.
  virtual void MarkUnlinked() = 0;
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_HANDLES_H_
