// FuseFs: the libfuse3 low-level operations of alluxio-fuse over an
// alluxio::FileSystem.
//
// Every kernel request is served in two steps: a FuseFs method does the work
// and returns 0 or an errno (filling the reply's data), then the callback in
// fuse_fs.cc replies. No exception leaves a callback: bad_alloc becomes
// ENOMEM, anything else EIO.
//
// Writes and errors: a file written through the mount is committed by the
// flush of its last holder's close(2), which then returns the commit's
// errno, when the daemon can see that nobody else holds it; otherwise at
// release (see open_file.h, holders.h and docs/FUSE.md).
#ifndef ALLUXIO_FUSE_FUSE_FS_H_
#define ALLUXIO_FUSE_FUSE_FS_H_

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 35
#endif

#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <tsl/robin_map.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "alluxio/task_pool.h"
#include "handle_table.h"
#include "holders.h"
#include "inode_table.h"
#include "mount_options.h"

namespace alluxio::fuse {

// Sends cache invalidations to the kernel from its own thread: a
// notification must never be sent from inside a request of the same inode
// (the kernel may hold locks that request waits on).
class Invalidator {
 public:
  Invalidator() = default;
  ~Invalidator();

  // Starts the thread (sending in order of queueing). `se` must outlive
  // Stop().
  void Start(fuse_session* se);
  // Drops pending notifications and joins the thread. Idempotent.
  void Stop();

  // Queues "attributes changed" (data_too: and cached data) for a node.
  void Inode(uint64_t ino, bool data_too);

  // Tells the kernel at once that a node's attributes changed. Only for a
  // request that holds no inode lock in the kernel (open without O_TRUNC):
  // attribute invalidation takes none itself.
  void AttributesNow(uint64_t ino);

 private:
  std::mutex mu_;  // guards the members below
  fuse_session* se_ = nullptr;
  std::unique_ptr<TaskPool> pool_;  // one thread, from Start to Stop
};

// A directory opened with opendir: the listing at that moment, so readdir
// offsets stay valid however the directory changes.
struct OpenDir {
  std::string path;
  std::vector<FileInfo> entries;
};

class FuseFs {
 public:
  // Serves `root_path` (an existing Alluxio directory) of `fs` as the mount's
  // root; nothing above it can be reached.
  FuseFs(std::shared_ptr<FileSystem> fs, std::string root_path, MountOptions opts);
  ~FuseFs();

  FuseFs(const FuseFs&) = delete;
  FuseFs& operator=(const FuseFs&) = delete;

  // The complete operation table; the session's userdata must be a FuseFs.
  static const fuse_lowlevel_ops& Operations();

  // Starts kernel cache invalidation for this session; StopSession() before
  // the session is destroyed. `dev` is the mount's device (st_dev of its
  // files), 0 when unknown: then no flush can tell it is the last one, and
  // every written file is committed at release.
  void StartSession(fuse_session* se, dev_t dev);
  void StopSession() { invalidator_.Stop(); }

  const MountOptions& options() const { return opts_; }
  InodeTable& inodes() { return inodes_; }

  // This is daemon `generation` of its mount (see kGenerationShift): node
  // ids and handles it issues are its own. Before the session starts.
  void SetGeneration(uint64_t generation);

  // The work of each operation: 0 or an errno. Arguments as in
  // fuse_lowlevel_ops; results through the out parameters.
  void Init(fuse_conn_info* conn);
  int Lookup(fuse_ino_t parent, const char* name, fuse_entry_param* e);
  void Forget(fuse_ino_t ino, uint64_t nlookup);
  int GetAttr(fuse_ino_t ino, fuse_file_info* fi, struct stat* st);
  int SetAttr(fuse_req_t req, fuse_ino_t ino, const struct stat& attr, int to_set,
              fuse_file_info* fi, struct stat* st);
  int MkDir(const fuse_ctx& ctx, fuse_ino_t parent, const char* name, mode_t mode,
            fuse_entry_param* e);
  int MkNod(const fuse_ctx& ctx, fuse_ino_t parent, const char* name, mode_t mode,
            fuse_entry_param* e);
  int Unlink(fuse_ino_t parent, const char* name);
  int RmDir(fuse_ino_t parent, const char* name);
  int Rename(fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
             unsigned int flags);
  int Create(const fuse_ctx& ctx, fuse_ino_t parent, const char* name, mode_t mode,
             fuse_file_info* fi, fuse_entry_param* e);
  // `pid`: the process asking (fuse_ctx::pid), 0 when unknown.
  int Open(fuse_ino_t ino, pid_t pid, fuse_file_info* fi);
  int Read(fuse_ino_t ino, fuse_file_info* fi, size_t size, off_t off, char* buf, size_t* n);
  int Write(fuse_file_info* fi, const char* buf, size_t size, off_t off, size_t* n);
  // Commits only when `pid` (the closing thread) was the last holder.
  int Flush(fuse_file_info* fi, pid_t pid);
  int Fsync(fuse_file_info* fi);
  // Always succeeds towards the kernel; a commit error is logged.
  void Release(fuse_file_info* fi);
  int OpenDirectory(fuse_ino_t ino, fuse_file_info* fi);
  // Fills `buf` (capacity `size`) with entries from offset `off`.
  int ReadDir(fuse_req_t req, fuse_file_info* fi, size_t size, off_t off, bool plus, char* buf,
              size_t* used);
  void ReleaseDirectory(fuse_file_info* fi);
  int StatFs(fuse_ino_t ino, struct statvfs* out);

  // Undoes a successful Create/Open whose reply the kernel did not take.
  void AbandonOpen(fuse_file_info* fi, bool forget_entry);

 private:
  // Path of a node, or an errno (ESTALE: unknown id; ENOENT: unlinked).
  int PathOf(fuse_ino_t ino, InodeView* view);
  // Path of `name` in directory `parent`, or an errno.
  int ChildPath(fuse_ino_t parent, const char* name, std::string* path);
  // Attributes of `path` as the kernel should see them (an open writer's
  // staged size wins), or an errno.
  int AttrOf(const std::string& path, const std::shared_ptr<OpenFile>& writer, FileAttr* attr);
  // Registers a kernel reference to `path` and fills the entry reply.
  void FillEntry(const std::string& path, const FileAttr& attr, fuse_entry_param* e);
  // open/create: the fuse_file_info flags and the per-open state. `mark`
  // was taken before the handle was opened.
  void FinishOpen(uint64_t ino, std::shared_ptr<FileHandle> handle, const OpenOptions& opts,
                  bool dirty, pid_t pid, const ForkMark& mark, fuse_file_info* fi);
  // fs_->OpenFile, once more after `writer` (the node's writer, if any)
  // ended when the first attempt met it (Busy) and its release was due.
  Result<std::shared_ptr<FileHandle>> OpenMeetingWriter(const std::string& path,
                                                        const OpenOptions& opts,
                                                        const std::shared_ptr<OpenFile>& writer);
  // For a request through `of` after the flush of its last holder ended it
  // (a mapping still uses it): the node's current writer, if another open
  // is writing the file now; else null.
  std::shared_ptr<OpenFile> SuccessorOf(const std::shared_ptr<OpenFile>& of);
  // Serves a read that came without a handle (no-open mode).
  int ReadWithoutOpen(fuse_ino_t ino, size_t size, off_t off, char* buf, size_t* n);
  // After a commit of `of`: remember the new content version, tell the
  // kernel its attributes (and, on failure, its data) are stale.
  void AfterCommit(const OpenFile& of, const Status& st);

  const std::shared_ptr<FileSystem> fs_;
  const std::string root_path_;
  const MountOptions opts_;
  InodeTable inodes_;
  // What fuse_file_info::fh stands for: open files and open directories.
  HandleTable<OpenFile> files_{0};
  HandleTable<OpenDir> dirs_{1};
  // Created files and directories belong to the calling user; only a root
  // daemon can give them away.
  const bool set_owner_;
  Invalidator invalidator_;
  // Who still holds an open file, for flushes; set by StartSession, before
  // any request.
  std::unique_ptr<Holders> holders_;

  // Read-only mounts use the kernel's no-open support: open and release
  // never reach the daemon, and reads arrive without a handle. They share
  // one read handle per file, at most kMaxSharedReaders of them (evicting
  // an arbitrary one when full), reopened when the file's version changes.
  bool no_open_ = false;   // decided in Init, before any request
  std::mutex readers_mu_;  // guards readers_; never held during I/O
  tsl::robin_map<uint64_t, std::shared_ptr<FileHandle>> readers_;
};

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_FUSE_FS_H_
