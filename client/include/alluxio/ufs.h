// The under-storage (UFS) boundary.
//
// A Ufs is one storage namespace (a local directory, an S3 bucket prefix)
// addressed by paths relative to its own root, in Alluxio normal form: "/" is
// the root of the UFS, "/a/b" a file in it. Implementations are chosen by URI
// scheme (CreateUfs). Every method may be called concurrently from many
// threads. Errors are Status codes with their POSIX meaning; each method says
// which codes callers can rely on.
#ifndef ALLUXIO_UFS_H_
#define ALLUXIO_UFS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alluxio/file_info.h"
#include "alluxio/status.h"

namespace alluxio {

class Configuration;

// The bytes of a range of a file, in order, from one transfer: what a
// sequential reader wants from an object store, where every request has a
// high fixed cost. Read and Cancel may be called from different threads.
class UfsStream {
 public:
  virtual ~UfsStream() = default;
  // Blocks for the next bytes: up to n, at least 1 until the range ends,
  // then 0. An error ends the stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Makes a blocked or later Read fail with Code::kAborted. Any thread.
  virtual void Cancel() = 0;
};

// An open file in the UFS. ReadAt may be called concurrently. Every method
// is pure, so a decorator (ForwardingReader) cannot silently drop one.
class UfsReader {
 public:
  virtual ~UfsReader() = default;
  // Reads up to n bytes at offset; returns the bytes read, fewer than n only
  // at end of file, 0 at or past it.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
  // Size of the content this reader sees (fixed when opened).
  virtual uint64_t Size() const = 0;
  // Content version of what this reader sees (as FileAttr::version), so a
  // cache can tell when the file changed since its metadata was read.
  virtual uint64_t Version() const = 0;
  // Whether OpenStream serves sequential reads better than ReadAt does.
  virtual bool PrefersStreams() const = 0;
  // A stream of [offset, offset + length) of this version of the file.
  // NotSupported unless PrefersStreams() (see NoStreams).
  virtual Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) = 0;

 protected:
  // What OpenStream returns for a reader without streams.
  static Status NoStreams() { return Status::NotSupported("this UFS has no streaming reads"); }
};

// Forwards every call to another reader; a decorator overrides what it
// needs. Being a complete UfsReader, it fails to compile when a method is
// added to UfsReader and not forwarded here.
class ForwardingReader : public UfsReader {
 public:
  explicit ForwardingReader(std::unique_ptr<UfsReader> target) : target_(std::move(target)) {}
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    return target_->ReadAt(offset, buf, n);
  }
  uint64_t Size() const override { return target_->Size(); }
  uint64_t Version() const override { return target_->Version(); }
  bool PrefersStreams() const override { return target_->PrefersStreams(); }
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) override {
    return target_->OpenStream(offset, length);
  }

 protected:
  std::unique_ptr<UfsReader> target_;
};

// A file being written. Nothing is visible at the path until Commit()
// succeeds; then the whole content replaces any previous file atomically.
// Destroying an uncommitted writer aborts it, leaving the previous file (or
// none) intact. Not thread-safe: one writer, one thread at a time.
class UfsWriter {
 public:
  virtual ~UfsWriter() = default;
  virtual Status Append(const char* data, size_t n) = 0;
  // Appends n zero bytes. A UFS that keeps sparse files leaves a hole; the
  // default appends zeros.
  virtual Status AppendZeros(uint64_t n);
  virtual Status Commit() = 0;
  virtual void Abort() = 0;
};

// A slice of a directory's entries, from ListFrom.
struct UfsListSlice {
  // Entries named `from` or after, in byte order of their names, as
  // ListStatus would report them. Every entry is exact (it exists, with this
  // type); names between two entries that are absent may still exist.
  std::vector<FileInfo> entries;
  // True when no entry after the last one exists.
  bool at_end = false;
};

struct UfsCreateOptions {
  uint32_t mode = 0644;
  std::optional<uint32_t> uid;  // owner to set on commit (default: the caller)
  std::optional<uint32_t> gid;
  std::optional<int64_t> mtime_ns;  // default: the commit time
};

// The interface. Every method is pure, so a decorator (ForwardingUfs)
// cannot silently drop one, and each operation is one virtual method (the
// convenience forms below call it), so a decorator that overrides it sees
// every call of that operation. Implementations derive from UfsBase, which
// gives the optional operations their "not supported" defaults.
class Ufs {
 public:
  virtual ~Ufs() = default;

  // The URI this UFS was created from, for messages and the mount table.
  virtual std::string Uri() const = 0;

  // Metadata of a file or directory. NotFound when absent, NotDirectory when
  // a parent component is a file. When `head` is not null, the caller is
  // about to read the file: a UFS that gets the first bytes of its content
  // in the same request puts up to `head_max` of them into *head (which the
  // caller passes empty); others leave it empty.
  virtual Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) = 0;
  Result<FileAttr> GetStatus(const std::string& path) { return Stat(path, 0, nullptr); }
  Result<FileAttr> GetStatusWithHead(const std::string& path, size_t max, std::string* head) {
    head->clear();
    return Stat(path, max, head);
  }

  // Entries of a directory, in no particular order, without "." and "..".
  // NotFound when absent, NotDirectory when `path` is a file.
  virtual Result<std::vector<FileInfo>> ListStatus(const std::string& path) = 0;

  // Up to about `max` entries of directory `dir`, named `from` or after, for
  // UFSes whose listings are ordered and paged (object stores): one request
  // answers many later opens. When `dir` is missing or a file, either
  // NotFound / NotDirectory or an empty slice at its end (telling them apart
  // may cost an object store more requests): callers that need to know ask
  // GetStatus. Optional (NotSupported).
  virtual Result<UfsListSlice> ListFrom(const std::string& dir, const std::string& from,
                                        size_t max) = 0;

  // Creates one directory; the parent must exist (NotFound otherwise).
  // AlreadyExists when anything is at `path`.
  virtual Status CreateDirectory(const std::string& path, uint32_t mode) = 0;

  // Opens a file for reading. NotFound, IsDirectory. `known`, when not null,
  // is what the caller has just seen of the file (from GetStatus or
  // ListStatus of this UFS): a UFS may skip asking for it again. The reader
  // must still never mix versions.
  virtual Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                        const FileAttr* known) = 0;
  Result<std::unique_ptr<UfsReader>> OpenRead(const std::string& path) {
    return OpenReader(path, nullptr);
  }
  Result<std::unique_ptr<UfsReader>> OpenRead(const std::string& path, const FileAttr& known) {
    return OpenReader(path, &known);
  }

  // Starts writing `path`. The parent must exist (NotFound otherwise);
  // IsDirectory when `path` is a directory.
  virtual Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                                    const UfsCreateOptions& opts) = 0;

  // For a UFS that stores local files: an anonymous file on the file system
  // that holds `path`, for a writer that writes it directly (at any offset,
  // through any descriptor, in any process) and then publishes it with
  // LinkStaging: no copy on commit. The caller owns the descriptor.
  // Optional (NotSupported), also where the file system has no anonymous
  // files; NotFound when the parent is missing; IsDirectory.
  virtual Result<int> CreateStaging(const std::string& path) = 0;
  // Makes the file behind `fd` (from CreateStaging) the file at `path`,
  // atomically replacing what is there, with opts' mode and owner (and
  // mtime, when given). A file already published stays where it is and only
  // gets the attributes. CrossDevice when `fd` is on another file system.
  // Optional (NotSupported).
  virtual Status LinkStaging(const std::string& path, int fd, const UfsCreateOptions& opts) = 0;

  // Removes a file (IsDirectory for a directory, NotFound when absent).
  virtual Status DeleteFile(const std::string& path) = 0;

  // Removes an empty directory (NotEmpty, NotDirectory, NotFound).
  virtual Status DeleteDirectory(const std::string& path) = 0;

  // Renames a file or a directory (with its contents). The caller has
  // checked POSIX rules; an existing `dst` of the same kind (a file, or an
  // empty directory) is replaced.
  virtual Status Rename(const std::string& src, const std::string& dst) = 0;

  // Attribute changes. Optional (NotSupported).
  virtual Status SetMode(const std::string& path, uint32_t mode) = 0;
  virtual Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                          std::optional<uint32_t> gid) = 0;
  virtual Status SetMtime(const std::string& path, int64_t mtime_ns) = 0;

  // Capacity for statfs: total and free bytes. Optional (NotSupported).
  virtual Status GetSpace(uint64_t* total, uint64_t* free) = 0;

  // Whether ListStatus reports every attribute GetStatus would (mode, owner,
  // mtime). Object stores list only names, sizes and versions: their
  // listings must not stand in for GetStatus.
  virtual bool ListingHasFullAttributes() const = 0;

  // Removes what writers that died left behind (the staging files of
  // uncommitted writes), never anything a live process may still write, and
  // returns how many it removed. Walks the whole UFS: slow on big trees, so
  // callers run it in the background; it stops early once *cancel is true.
  // Optional (nothing to remove).
  virtual Result<uint64_t> RemoveAbandonedWrites(const std::atomic<bool>* cancel) = 0;
};

// The base of Ufs implementations: the optional operations, not supported.
class UfsBase : public Ufs {
 public:
  Result<UfsListSlice> ListFrom(const std::string& dir, const std::string& from,
                                size_t max) override;
  Result<int> CreateStaging(const std::string& path) override;
  Status LinkStaging(const std::string& path, int fd, const UfsCreateOptions& opts) override;
  Status SetMode(const std::string& path, uint32_t mode) override;
  Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                  std::optional<uint32_t> gid) override;
  Status SetMtime(const std::string& path, int64_t mtime_ns) override;
  Status GetSpace(uint64_t* total, uint64_t* free) override;
  bool ListingHasFullAttributes() const override { return true; }
  Result<uint64_t> RemoveAbandonedWrites(const std::atomic<bool>* cancel) override;
};

// Forwards every call to another Ufs; decorators (fault injection, metrics,
// the cache workers) derive from it and override only what they need. Being
// a complete Ufs, it fails to compile when a method is added to Ufs and not
// forwarded here, so no decorator silently loses a UFS's fast paths.
class ForwardingUfs : public Ufs {
 public:
  explicit ForwardingUfs(std::shared_ptr<Ufs> target) : target_(std::move(target)) {}
  std::string Uri() const override { return target_->Uri(); }
  Result<FileAttr> Stat(const std::string& p, size_t head_max, std::string* head) override {
    return target_->Stat(p, head_max, head);
  }
  Result<std::vector<FileInfo>> ListStatus(const std::string& p) override {
    return target_->ListStatus(p);
  }
  Result<UfsListSlice> ListFrom(const std::string& d, const std::string& from,
                                size_t max) override {
    return target_->ListFrom(d, from, max);
  }
  Status CreateDirectory(const std::string& p, uint32_t mode) override {
    return target_->CreateDirectory(p, mode);
  }
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& p,
                                                const FileAttr* known) override {
    return target_->OpenReader(p, known);
  }
  Result<std::unique_ptr<UfsWriter>> Create(const std::string& p,
                                            const UfsCreateOptions& o) override {
    return target_->Create(p, o);
  }
  Result<int> CreateStaging(const std::string& p) override { return target_->CreateStaging(p); }
  Status LinkStaging(const std::string& p, int fd, const UfsCreateOptions& o) override {
    return target_->LinkStaging(p, fd, o);
  }
  Status DeleteFile(const std::string& p) override { return target_->DeleteFile(p); }
  Status DeleteDirectory(const std::string& p) override { return target_->DeleteDirectory(p); }
  Status Rename(const std::string& s, const std::string& d) override {
    return target_->Rename(s, d);
  }
  Status SetMode(const std::string& p, uint32_t m) override { return target_->SetMode(p, m); }
  Status SetOwner(const std::string& p, std::optional<uint32_t> u,
                  std::optional<uint32_t> g) override {
    return target_->SetOwner(p, u, g);
  }
  Status SetMtime(const std::string& p, int64_t t) override { return target_->SetMtime(p, t); }
  Status GetSpace(uint64_t* total, uint64_t* free) override {
    return target_->GetSpace(total, free);
  }
  bool ListingHasFullAttributes() const override { return target_->ListingHasFullAttributes(); }
  Result<uint64_t> RemoveAbandonedWrites(const std::atomic<bool>* cancel) override {
    return target_->RemoveAbandonedWrites(cancel);
  }

 protected:
  std::shared_ptr<Ufs> target_;
};

// Creates a UFS for a URI: "/abs/dir" or "file:///abs/dir" for a local
// directory (which must exist and be a directory), "s3://bucket/prefix" for
// S3. `options` are per-mount properties (e.g. s3a.accessKeyId) overriding
// `conf`. InvalidArgument for an unknown scheme or malformed URI.
Result<std::shared_ptr<Ufs>> CreateUfs(const std::string& uri,
                                       const std::map<std::string, std::string>& options,
                                       const Configuration& conf);

}  // namespace alluxio

#endif  // ALLUXIO_UFS_H_
