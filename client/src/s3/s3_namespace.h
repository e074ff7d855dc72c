// S3Namespace: the POSIX namespace an S3 prefix presents, and the rules that
// make it one.
//
// - A path /a/b is the key prefix + "a/b"; a directory's "dir key" is
//   prefix + "a/b/", which is both its marker object and the prefix of its
//   contents. The root's dir key is the mount prefix ("" for a bucket).
// - A directory is a marker object "dir/" or is implied by any key below it.
// - Shadowing: when both a file "x" and a marker "x/" exist, the directory
//   wins in stat, open and listings. A file "x" beside keys under "x/" but no
//   marker is stat'ed as the file; listings still show the directory (a
//   common prefix beats a key of the same name).
// - Listings are ListObjectsV2 with delimiter '/'; names "", "." and ".."
//   (the marker itself, "a//b", unusable keys) are never listed.
// - A path found missing is NotDirectory when any ancestor is a file, else
//   NotFound.
// - Removing the last entry of an implied directory writes a marker for it.
// - Seen cache: files met by a stat or a listing are remembered (key, size,
//   ETag), so an open right after needs no request, and a stat of a name
//   known to be a file can fetch its first bytes instead of probing.
//
// Methods marked "on a fiber" must run on a fiber of client().loop(); the
// others may be called from any thread. Thread-safe.
#ifndef ALLUXIO_CLIENT_S3_S3_NAMESPACE_H_
#define ALLUXIO_CLIENT_S3_S3_NAMESPACE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alluxio/file_info.h"
#include "alluxio/ufs.h"
#include "s3/object_client.h"
#include "s3/s3_settings.h"

namespace alluxio::s3 {

// A key that sorts strictly before `key` and, in practice, after every real
// key below it, for ListObjectsV2's start-after, which is exclusive. Valid
// UTF-8 when `key` is; "" for "". Keys strictly between the result and `key`
// exist only if they go on with U+10FFFF; callers skip them.
std::string KeyBefore(const std::string& key);

// Objects seen lately (bounded; cleared when full).
class SeenCache {
 public:
  struct Entry {
    std::string key;
    uint64_t size = 0;
    std::string etag;
    // Steady-clock time at which it was known to be a file, not shadowed by
    // a directory of the same name (a stat's probe or a listing that would
    // have shown the directory said so); 0 when only a plain listing saw it.
    int64_t file_seen_ns = 0;
  };
  static constexpr size_t kMaxEntries = 100000;

  // Objects without an ETag are not remembered.
  void Remember(const std::string& path, const ObjectMeta& m, bool known_file);
  // The size of `path` when it was known to be a file within `max_age_ns`.
  std::optional<uint64_t> KnownFileSize(const std::string& path, int64_t max_age_ns) const;
  // The entry of `path` when its size and ContentVersion(etag) are these.
  std::optional<Entry> Recall(const std::string& path, uint64_t version, uint64_t size) const;

 private:
  mutable std::mutex mu_;  // guards entries_; a leaf lock
  std::unordered_map<std::string, Entry> entries_;
};

// What is at a path.
struct Probe {
  enum Kind { kNone, kFile, kDir } kind = kNone;
  ObjectMeta file;          // kFile
  bool has_marker = false;  // kDir
  ObjectMeta marker;        // kDir with marker
  int64_t implied_mtime_ns = 0;
};

class S3Namespace {
 public:
  S3Namespace(std::shared_ptr<ObjectClient> client, S3Location where, S3UfsSettings settings);

  ObjectClient& client() const { return *client_; }
  IoLoop& loop() const { return client_->loop(); }
  const S3UfsSettings& settings() const { return settings_; }
  const std::string& uri() const { return where_.uri; }
  const std::string& prefix() const { return where_.prefix; }
  uint32_t default_uid() const { return default_uid_; }
  uint32_t default_gid() const { return default_gid_; }
  SeenCache& seen() { return seen_; }

  // Key of a file, or of the directory prefix without its '/'.
  std::string Key(const std::string& path) const;
  // "dir/" (the marker and the prefix of its contents); "" or "prefix/" for
  // the root.
  std::string DirKey(const std::string& path) const;
  // Part n (1-based) of an upload: the configured size, doubled every 1000
  // parts so any object fits in S3's 10000 parts.
  uint64_t PartSize(int n) const;

  FileAttr Attr(const ObjectMeta& m, bool is_dir) const;
  FileAttr DirAttr(const Probe& p) const;

  // --- On a fiber. ---

  // HEADs of the file and of the marker at once; a one-key listing of the
  // dir key only when both miss. Errors other than NotFound are returned.
  Result<Probe> ProbePath(const std::string& path);
  // NotFound / NotDirectory (Missing) when nothing is there.
  Result<FileAttr> Stat(const std::string& path);
  // Stat, and for a file known to be one within the last minute (so no
  // directory probe is needed) its first `max` bytes in *head from the same
  // request; *head is empty otherwise.
  Result<FileAttr> StatWithHead(const std::string& path, size_t max, std::string* head);
  // Why `path`, found missing, is: NotDirectory naming the first ancestor
  // that is a file, else NotFound.
  Status Missing(const std::string& path);
  // OK when the parent of `path` is a directory; NotFound or NotDirectory.
  Status CheckParent(const std::string& path);
  // All keys under `dir_key` (recursively), page by page.
  Result<std::vector<ObjectMeta>> ListAll(const std::string& dir_key);
  // After removing something from `path`'s parent, keeps the parent alive
  // with a marker if it was only implied by what was removed.
  Status KeepParent(const std::string& path);
  // The directory's entries (directories first, then files, each in key
  // order). NotDirectory for a file, NotFound for nothing.
  Result<std::vector<FileInfo>> List(const std::string& path);
  // Entries named `from` or after, in byte order, each exact (see
  // UfsListSlice): one ListObjectsV2 page of at most `max` (clamped to
  // 1..list_max_keys) from KeyBefore(dir + from), more pages (up to three)
  // only while a page holds nothing to return. Nothing, at its end, for a
  // missing directory or a file.
  Result<UfsListSlice> Slice(const std::string& path, const std::string& from, size_t max);

 private:
  std::shared_ptr<ObjectClient> client_;
  const S3Location where_;
  const S3UfsSettings settings_;
  const uint32_t default_uid_;
  const uint32_t default_gid_;
  SeenCache seen_;
};

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_S3_NAMESPACE_H_
