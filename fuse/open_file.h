// OpenFile: one open(2) of a file through the mount (what fuse_file_info::fh
// refers to), with the commit-on-flush rule of alluxio-fuse.
//
// The kernel sends FLUSH on every close(2) of a descriptor of the open file
// (dup'd and inherited ones too) and RELEASE, asynchronously and without a
// way to report errors, after the last one. So a written file is committed
// by the flush of the first close(2) after the write, and close(2) returns
// the commit's errno. A descriptor used again after that (a dup that is
// still open) reopens the file for writing without truncating it: appending
// to the committed content, which, like any append, needs
// alluxio.user.fuse.random.access.file.stream.enabled unless the committed
// file is empty.
#ifndef ALLUXIO_FUSE_OPEN_FILE_H_
#define ALLUXIO_FUSE_OPEN_FILE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "alluxio/file_system.h"

namespace alluxio::fuse {

class OpenFile {
 public:
  // `handle` was opened with `opts`. `dirty` says whether the open itself
  // changed the file (created or truncated it), so a flush must commit even
  // if nothing is written.
  OpenFile(FileSystem* fs, std::shared_ptr<FileHandle> handle, uint64_t ino,
           const OpenOptions& opts, bool dirty);

  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  uint64_t ino() const { return ino_; }
  bool writable() const { return writable_; }
  const std::string& path() const { return path_; }

  // As FileHandle; safe to call concurrently. Write and Truncate mark the
  // file dirty.
  Result<size_t> Read(uint64_t offset, char* buf, size_t n);
  Result<size_t> Write(uint64_t offset, const char* buf, size_t n);
  Status Truncate(uint64_t size);
  // Current attributes, unflushed writes included.
  Result<FileAttr> Stat();

  // flush: commits a dirty file (closing its handle). *committed tells
  // whether a commit was attempted. Clean files: OK, nothing happens.
  Status Commit(bool* committed);
  // fsync: FileHandle::Sync of the current handle.
  Status Sync();
  // release: the final commit (if anything is still dirty; *committed says
  // so) and the end of the handle. Idempotent.
  Status Close(bool* committed);

 private:
  // The live handle, reopened when a commit closed it.
  Result<std::shared_ptr<FileHandle>> CurrentLocked();

  FileSystem* const fs_;
  const uint64_t ino_;
  const bool writable_;
  const std::string path_;
  OpenOptions reopen_opts_;  // how to open it again after a commit

  std::mutex mu_;                       // guards the members below; held across writes and commits
  std::shared_ptr<FileHandle> handle_;  // null after a commit or Close
  bool dirty_;
  bool closed_ = false;
};

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_OPEN_FILE_H_
