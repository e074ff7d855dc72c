// OpenFile: one open(2) of a file through the mount (what fuse_file_info::fh
// refers to), and when alluxio-fuse commits what was written through it.
//
// The kernel sends FLUSH on every close(2) of a descriptor of the open file
// (dup'd and inherited ones too: a shell builtin's redirection, a child's
// close-on-exec or exit) and RELEASE, asynchronously and without a way to
// report errors, once the last reference is gone. A flush is therefore not
// the end of the writer, and the file is committed once:
//  - at the flush of the last holder, when the daemon can see that nobody
//    else holds the open file (see holders.h): Finish() commits and ends the
//    handle there, so that close(2) returns the commit's error and, once it
//    returns, every reader sees the new content;
//  - otherwise at release (Close()), the first moment the daemon knows the
//    writer is done.
// fsync commits what is written so far (Sync()); the end commits again if
// more was written. A write that failed poisons the open file: every flush
// returns the error, and the end discards the new content (the previous
// file stays) instead of committing part of it.
#ifndef ALLUXIO_FUSE_OPEN_FILE_H_
#define ALLUXIO_FUSE_OPEN_FILE_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "alluxio/file_system.h"
#include "holders.h"

namespace alluxio::fuse {

// Who opened a file, and when, for the holder check at flush.
struct Opener {
  pid_t thread = 0;   // as FUSE reported it; 0 when unknown
  pid_t process = 0;  // its thread group; 0 when unknown
  ForkMark mark;      // taken before the open
};

class OpenFile {
 public:
  // `handle` was opened with `opts`. `dirty` says whether the open itself
  // changed the file (created or truncated it), so the end must commit even
  // if nothing is written.
  OpenFile(FileSystem* fs, std::shared_ptr<FileHandle> handle, uint64_t ino,
           const OpenOptions& opts, bool dirty, Opener opener = {});

  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  uint64_t ino() const { return ino_; }
  bool writable() const { return writable_; }
  const std::string& path() const { return path_; }
  const Opener& opener() const { return opener_; }

  // As FileHandle; safe to call concurrently. Write and Truncate mark the
  // file dirty; their failures (other than a refusal, NotSupported, while
  // the writer is still going) poison it.
  Result<size_t> Read(uint64_t offset, char* buf, size_t n);
  Result<size_t> Write(uint64_t offset, const char* buf, size_t n);
  Status Truncate(uint64_t size);
  // Current attributes, unflushed writes included.
  Result<FileAttr> Stat();

  // The first failure that poisoned the file, or OK.
  Status WriteError();
  // Whether an end (Finish or Close) still has anything to do.
  bool Pending();
  // Ended by the flush of its last holder, and not reopened since. The
  // kernel may still use it (a mapping outlives its descriptors); reads then
  // see the committed file.
  bool Finished();

  // fsync: FileHandle::Sync of the current handle.
  Status Sync();

  // The flush of the last holder: commits a dirty file, or discards it when
  // poisoned (*committed says whether either happened: the kernel's view of
  // the file is then stale), and ends the handle. Returns the commit's error
  // (or the poison). Idempotent.
  Status Finish(bool* committed);
  // A flush that was not the last one, or may not have been: `unverified`
  // when nobody could tell (then a RELEASE may be on its way).
  void NoteFlush(bool unverified);

  // release: as Finish, if nothing finished the file yet; always the end of
  // the handle. Idempotent.
  Status Close(bool* committed);

  // For an open that meets this file as the node's writer: when the last
  // flush came from a holder that could not be checked and nothing was done
  // through the file since, its release is probably on the way; waits for
  // the end (up to `wait` for the release to arrive, then for as long as
  // the release's commit takes). True when the file has ended.
  bool AwaitEndAfterUnverifiedFlush(std::chrono::milliseconds wait);

 private:
  // The live handle, reopened when a commit closed it.
  Result<std::shared_ptr<FileHandle>> CurrentLocked();
  // Commits (or discards) and drops the handle; mu_ held.
  Status EndLocked(bool* committed);
  // Something was done through the file: it is not idle after a flush.
  void NoteUse();
  // The end began (ending) or is done (ended).
  void SetEnd(bool done);

  FileSystem* const fs_;
  const uint64_t ino_;
  const bool writable_;
  const std::string path_;
  const Opener opener_;
  OpenOptions reopen_opts_;  // how to open it again after the end

  // Lock order: mu_ before state_mu_.
  std::mutex mu_;                       // guards the members below; held across writes and commits
  std::shared_ptr<FileHandle> handle_;  // null after the end
  // After Finish: a read-only handle of the committed file (reopened when
  // its version changes), so that reads never take the node's writer slot.
  std::shared_ptr<FileHandle> committed_reader_;
  bool dirty_;
  bool finished_ = false;  // ended at a flush: later use is a holder nobody saw
  bool closed_ = false;    // released
  Status poison_;

  std::mutex state_mu_;  // guards the members below; never held during I/O
  std::condition_variable state_cv_;
  bool idle_after_unverified_flush_ = false;
  bool ending_ = false;
  bool ended_ = false;
};

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_OPEN_FILE_H_
