// alluxio::FileSystem: the one interface every front end (the LD_PRELOAD
// shim, the FUSE daemon, the CLI, the worker) calls.
//
// Synchronous and thread-safe. Paths are Alluxio paths (absolute, '/'-
// separated); they are normalized here, so "/a/./b/../c" means "/a/c" and ".."
// never climbs above "/". Errors carry POSIX meaning (Status::ToErrno()), and
// each method lists the codes a caller can rely on beyond kIoError.
//
// Consistency: the UFS is the source of truth. Metadata is cached for
// alluxio.user.metadata.cache.expiration.time; any change made through any
// FileSystem on this node (any process) invalidates the affected entries at
// once, so a client always sees its own and its node's writes.
#ifndef ALLUXIO_FILE_SYSTEM_H_
#define ALLUXIO_FILE_SYSTEM_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_info.h"
#include "alluxio/status.h"
#include "alluxio/ufs.h"

namespace alluxio {

struct OpenOptions {
  bool read = true;
  bool write = false;
  bool create = false;          // O_CREAT: create when missing
  bool exclusive = false;       // O_EXCL: with create, fail when it exists
  bool truncate = false;        // O_TRUNC
  bool append = false;          // O_APPEND: writes go to the end
  uint32_t mode = 0644;         // of a created file; the caller applied its umask
  std::optional<uint32_t> uid;  // owner of a created file (default: process)
  std::optional<uint32_t> gid;
  // The caller will write through StagingFd() (the shim hands the kernel a
  // descriptor of the staging file): stage locally from the start.
  bool stage = false;

  // From open(2) flags: O_RDONLY/O_WRONLY/O_RDWR, O_CREAT, O_EXCL, O_TRUNC,
  // O_APPEND; other flags are ignored.
  static OpenOptions FromFlags(int flags, uint32_t mode);
};

// An open file. Read is safe to call concurrently; the other methods are
// serialized internally. Writes follow docs/SEMANTICS.md: a new (or
// truncated) file written sequentially is committed atomically on Close();
// append, random writes and truncation of existing content need
// alluxio.user.fuse.random.access.file.stream.enabled=true and are otherwise
// NotSupported.
class FileHandle {
 public:
  virtual ~FileHandle() = default;

  virtual const std::string& path() const = 0;
  virtual bool readable() const = 0;
  virtual bool writable() const = 0;

  // Reads up to n bytes at offset; short only at end of file.
  // BadDescriptor when not open for reading.
  virtual Result<size_t> Read(uint64_t offset, char* buf, size_t n) = 0;

  // Writes n bytes at offset. BadDescriptor when not open for writing,
  // NotSupported for a non-sequential write without the random-access switch.
  virtual Result<size_t> Write(uint64_t offset, const char* buf, size_t n) = 0;

  // Sets the size. Same rules as Write.
  virtual Status Truncate(uint64_t size) = 0;

  // Makes written data durable in the UFS (staged files are committed; the
  // handle stays open for more writes).
  virtual Status Sync() = 0;

  // Commits a written file and releases the handle. The first error of the
  // commit is returned here (and the previous file, or none, stays intact).
  // Idempotent: later calls return the first result.
  virtual Status Close() = 0;

  // Discards what this handle wrote since its last commit and releases it,
  // leaving the file as it was (or absent). Later calls to Close return OK.
  virtual void Abort() = 0;

  // Current metadata, including unflushed writes of this handle.
  virtual Result<FileAttr> Stat() = 0;

  // Puts the whole content in a local staging file (copying kept content)
  // and returns its descriptor, which the handle owns. Whatever is written
  // to that file, through any descriptor of it in any process, is what Sync
  // and Close commit, holes kept as holes where the UFS can. For front ends
  // that let the kernel carry the bytes. NotSupported for read-only handles
  // and for kept content without the random-access switch.
  virtual Result<int> StagingFd() { return Status::NotSupported(path() + " has no staging file"); }

  // Lets go of the handle without committing or discarding, for a process
  // that shares the handle's staging file with others (after fork) and is
  // not the last to hold it: the last one commits. Later calls to Close
  // return OK.
  virtual void Forget() {}
};

struct CreateDirectoryOptions {
  bool recursive = false;     // create missing parents (mkdir -p)
  bool allow_exists = false;  // an existing directory is not an error
  uint32_t mode = 0755;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

struct DeleteOptions {
  bool recursive = false;  // a non-empty directory with everything below it
  // What the caller expects at the path: unlink(2) refuses directories
  // (IsDirectory), rmdir(2) refuses files (NotDirectory).
  enum class Kind { kAny, kFileOnly, kDirectoryOnly } kind = Kind::kAny;
};

struct SetAttributeOptions {
  std::optional<uint32_t> mode;  // permission bits
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<int64_t> mtime_ns;
};

// Counters of the node's page cache (all processes together).
struct CacheStats {
  uint64_t capacity = 0;  // bytes the cache directory may hold
  uint64_t used = 0;      // bytes it holds
  uint64_t hits = 0;      // pages served from the cache
  uint64_t misses = 0;    // pages fetched from the UFS
  uint64_t bytes_hit = 0;
  uint64_t bytes_missed = 0;
  uint64_t evictions = 0;
  uint64_t corrupt = 0;  // pages found corrupted, dropped and refetched
};

struct MountInfo {
  std::string alluxio_path;
  std::string ufs_uri;
  std::map<std::string, std::string> options;
};

// Where a normalized Alluxio path lives, as this node's mount table says:
// the mount serving it (its UFS URI as configured) and the path inside that
// UFS ("/" for the mount point itself).
struct MountLocation {
  MountInfo mount;
  std::string ufs_path;
};

// MountLocation of `path` from the configuration (the root UFS,
// alluxio.master.mount.table.root.ufs) and the mount table persisted under
// alluxio.master.journal.folder alone: no UFS is created or contacted and
// nothing is written. NotFound when no mount serves the path (the root UFS
// is configured empty); the table file's errors otherwise.
Result<MountLocation> LocateMount(const Configuration& conf, std::string_view path);

class FileSystem {
 public:
  // A client for this node: the root UFS from
  // alluxio.master.mount.table.root.ufs and the mounts persisted under
  // alluxio.master.journal.folder. Fails when the root UFS is unusable.
  static Result<std::shared_ptr<FileSystem>> Create(const Configuration& conf);

  // A client over the given root UFS with a private, in-memory mount table
  // and no node-wide state (for tests and embedding).
  static Result<std::shared_ptr<FileSystem>> CreateWithRoot(const Configuration& conf,
                                                            std::shared_ptr<Ufs> root);

  virtual ~FileSystem() = default;

  // NotFound, NotDirectory (a parent is a file), InvalidArgument (bad path).
  virtual Result<FileAttr> GetStatus(std::string_view path) = 0;

  // Entries of a directory, sorted by name. NotFound, NotDirectory.
  virtual Result<std::vector<FileInfo>> ListStatus(std::string_view path) = 0;

  // AlreadyExists (unless allow_exists and it is a directory), NotFound (a
  // parent is missing and not recursive), NotDirectory.
  virtual Status CreateDirectory(std::string_view path,
                                 const CreateDirectoryOptions& opts = {}) = 0;

  // NotFound, NotEmpty (directory, not recursive), IsDirectory/NotDirectory
  // (Kind mismatch), Busy (a mount point, or "/").
  virtual Status Delete(std::string_view path, const DeleteOptions& opts = {}) = 0;

  // POSIX rename: replaces an existing file, or an empty directory when src
  // is a directory. NotFound, NotEmpty, IsDirectory, NotDirectory,
  // InvalidArgument (a directory into itself), CrossDevice (across mounts),
  // Busy (a mount point), AlreadyExists (no_replace and dst exists).
  virtual Status Rename(std::string_view src, std::string_view dst, bool no_replace = false) = 0;

  // chmod/chown/utimes. NotFound; NotSupported when the UFS cannot.
  virtual Status SetAttribute(std::string_view path, const SetAttributeOptions& opts) = 0;

  // NotFound (no create), AlreadyExists (exclusive), IsDirectory (write to a
  // directory, or any open of a directory), Busy (another writer on this
  // node), NotSupported (see FileHandle).
  virtual Result<std::shared_ptr<FileHandle>> OpenFile(std::string_view path,
                                                       const OpenOptions& opts) = 0;

  // Publishes a staging file (FileHandle::StagingFd, of any process) as
  // `path`, for a process that holds the file but not the handle that
  // staged it: atomically, like a handle's commit, without a copy where the
  // UFS takes the file as it is (a local UFS), else by writing its content.
  // An existing file keeps its mode and owner; `mode` is a new one's. Busy
  // while another writer on the node holds `path`.
  virtual Status CommitStagingFile(std::string_view path, int fd, uint32_t mode);

  // A new descriptor (close-on-exec) of the node's lock file for `path`:
  // fcntl and flock locks taken on it stand for locks on `path` among the
  // processes of the node, for front ends that serve POSIX locks.
  virtual Result<int> OpenLockFile(std::string_view path);

  // An anonymous local file (close-on-exec, read-write) in the client's
  // staging directory, for front ends that need a local copy of content.
  virtual Result<int> CreateScratchFile();

  // truncate(2) by path. Same rules as FileHandle::Truncate.
  virtual Status Truncate(std::string_view path, uint64_t size) = 0;

  // Total and free bytes of the UFS serving `path`.
  virtual Status GetSpace(std::string_view path, uint64_t* total, uint64_t* free) = 0;

  // Mount table. Mount: the parent must exist and the path must not (
  // AlreadyExists); the UFS must be reachable. Unmount: InvalidArgument when
  // not a mount point, Busy with mounts below it.
  virtual Status Mount(std::string_view path, const std::string& ufs_uri,
                       const std::map<std::string, std::string>& options = {}) = 0;
  virtual Status Unmount(std::string_view path) = 0;
  virtual std::vector<MountInfo> GetMountTable() = 0;

  // Drops all cached metadata of this client.
  virtual void InvalidateCache() = 0;

  // Drops the cached data pages of a file (or, recursively, of every file
  // under a directory). NotFound when the path is missing.
  virtual Status Free(std::string_view path, bool recursive) = 0;

  // The page cache's counters; NotSupported when the cache is disabled.
  virtual Result<CacheStats> GetCacheStats() = 0;

  virtual const Configuration& conf() const = 0;

  // Ufs::RemoveAbandonedWrites on every mounted UFS: removes the staging
  // files of writes whose writer died, and returns how many. The error of a
  // UFS that could not be walked is returned after the others were. For a
  // front end starting up after a crash; run it in the background (it walks
  // every UFS) and set *cancel to stop it early.
  virtual Result<uint64_t> RemoveAbandonedWrites(const std::atomic<bool>* cancel) {
    (void)cancel;
    return uint64_t{0};
  }
};

}  // namespace alluxio

#endif  // ALLUXIO_FILE_SYSTEM_H_
