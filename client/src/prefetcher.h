// Prefetcher: the read-ahead of one open file, and the version of it that
// is read.
//
// It watches the reads of its file (BeforeRead/AfterRead), tells sequential
// from random access, sizes the window ahead (doubling from
// alluxio.user.streaming.reader.chunk.size.bytes up to
// alluxio.user.file.readahead.max), and chooses how pages ahead are fetched:
// - from a UFS that prefers streams (an object store), one stream fills the
//   pages a sequential reader will want, in order, claimed just ahead of it
//   (PageStreamer, in prefetcher.cc);
// - from others, runs of pages are fetched as ranged reads on the page
//   cache's task pool.
// It also owns the version: pages are keyed by path and content version, so
// when the UFS turns out to hold another version than the one the file was
// opened at, the prefetcher moves to it and the read is done again on the
// new version (never mixing pages of two versions).
//
// Thread-safe; reads of one file may come from many threads at once.
#ifndef ALLUXIO_CLIENT_PREFETCHER_H_
#define ALLUXIO_CLIENT_PREFETCHER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "alluxio/file_info.h"
#include "alluxio/status.h"
#include "alluxio/ufs.h"
#include "page_cache.h"

namespace alluxio {

class PageStreamer;

class Prefetcher : public std::enable_shared_from_this<Prefetcher> {
 public:
  // For `path` (`ufs_path` in `ufs`) as `attr` describes it. `on_changed`
  // runs when the file turns out to have changed since `attr`.
  static std::shared_ptr<Prefetcher> New(std::string path, std::shared_ptr<Ufs> ufs,
                                         std::string ufs_path, const FileAttr& attr,
                                         PageCache* cache, std::function<void()> on_changed);
  ~Prefetcher();

  // The version being read: the key of its pages and its size.
  struct Version {
    uint64_t file;
    uint64_t size;
  };
  Version Current();
  // The file's attributes, with the size and version being read.
  FileAttr Attr();

  // Where the pages a read misses come from: the UFS reader of the version
  // being read, opened on first use. kAborted when it turns out to be
  // another version (the prefetcher moved to it; read again).
  const PageCache::ReaderSource& source() const { return source_; }

  // Before a read of [offset, offset + n) of `v` (n > 0, within its size):
  // a stream gets the pages of the read and of the window ahead claimed.
  // kAborted: the file changed; read again.
  Status BeforeRead(const Version& v, uint64_t offset, size_t n);
  // After that read: ranged read-ahead, for UFSes without streams.
  void AfterRead(const Version& v, uint64_t offset, size_t n);

  // After a read failed with `error`: whether reading again may succeed,
  // because a fresh look at the file found another version (the
  // prefetcher moved to it). NotFound when the file is gone. Errors that
  // say nothing about the file (an unreachable server) are not retried.
  Result<bool> ShouldRetry(const Status& error);

 private:
  Prefetcher(std::string path, std::shared_ptr<Ufs> ufs, std::string ufs_path, const FileAttr& attr,
             PageCache* cache, std::function<void()> on_changed);
  // Opens the UFS reader: trusting the attributes the file was opened with
  // (fresh == false), or looking again.
  Result<std::shared_ptr<UfsReader>> OpenReader(bool fresh);
  // Moves to the version `reader` reads. Requires mu_.
  void MoveTo(const UfsReader& reader);
  // Opens the file afresh and moves to its version if it has another one
  // now (true). NotFound when it is gone.
  Result<bool> Refresh();

  const std::string path_;
  const std::shared_ptr<Ufs> ufs_;
  const std::string ufs_path_;
  PageCache* const cache_;
  const std::function<void()> on_changed_;
  PageCache::ReaderSource source_;  // set once by New

  // Lock order: ra_mu_, then mu_ (Source, called under ra_mu_, takes mu_).
  std::mutex mu_;  // guards attr_, file_, reader_
  FileAttr attr_;
  uint64_t file_;
  std::shared_ptr<UfsReader> reader_;

  std::mutex ra_mu_;  // guards the read-ahead and stream state below
  // Ranged read-ahead.
  uint64_t next_offset_ = 0;
  uint64_t window_ = 0;
  uint64_t prefetched_until_ = 0;
  // Streams.
  std::shared_ptr<PageStreamer> streamer_;
  uint64_t streamer_file_ = 0;  // the file key its pages go to
  uint64_t stream_next_ = 0;    // where a sequential reader reads next
  uint64_t stream_window_ = 0;
  uint64_t cached_next_ = UINT64_MAX;  // a page after a read, found cached,
  uint64_t cached_file_ = 0;           // of this file key
  bool prefers_streams_ = false;       // the UFS said so
  bool no_streams_ = false;            // the UFS has none, or one failed
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_PREFETCHER_H_
