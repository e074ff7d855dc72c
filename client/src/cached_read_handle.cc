// The read handle of the page cache: what a read() of a file opened for
// reading becomes. It asks the prefetcher which version is read (and lets
// it see the read, to fetch ahead), then copies the pages, each from the
// cache or fetched on a miss. The layers of a cold read, top to bottom:
// here; prefetcher.cc (the window, the stream); page_cache.cc (claims,
// fetches in flight, the tiers); the UFS reader (s3/, local_ufs.cc).
#include <algorithm>
#include <memory>
#include <string>

#include "handles.h"
#include "page_cache.h"
#include "prefetcher.h"

namespace alluxio {

namespace {

class CachedReadHandle : public ReadOnlyFileHandle {
 public:
  CachedReadHandle(std::string path, std::shared_ptr<Prefetcher> prefetcher, PageCache* cache)
      : path_(std::move(path)), prefetcher_(std::move(prefetcher)), cache_(cache) {}

  const std::string& path() const override { return path_; }

  Result<size_t> Read(uint64_t offset, char* buf, size_t n) override {
    auto got = ReadPages(offset, buf, n);
    if (got.ok()) return got;
    ASSIGN_OR_RETURN(bool again, prefetcher_->ShouldRetry(got.status()));
    if (!again) return got;
    return ReadPages(offset, buf, n);
  }

  Result<FileAttr> Stat() override { return prefetcher_->Attr(); }

 private:
  Result<size_t> ReadPages(uint64_t offset, char* buf, size_t n) {
    const Prefetcher::Version v = prefetcher_->Current();
    if (offset >= v.size || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, v.size - offset));
    if (Status st = prefetcher_->BeforeRead(v, offset, n); !st.ok()) {
      if (st.code() == Code::kAborted) return ReadPages(offset, buf, n);  // a new version
      return st;
    }
    const uint64_t ps = cache_->page_size();
    const PageCache::ReaderSource& source = prefetcher_->source();
    size_t done = 0;
    while (done < n) {
      uint64_t pos = offset + done;
      uint64_t index = pos / ps;
      size_t length = static_cast<size_t>(std::min(ps, v.size - index * ps));
      auto page = cache_->GetPage(PageKey{v.file, index}, length, source);
      if (!page.ok()) {
        if (page.status().code() != Code::kAborted) return page.status();
        // The file changed under the read: the rest is of the new version.
        ASSIGN_OR_RETURN(size_t rest, ReadPages(offset + done, buf + done, n - done));
        return done + rest;
      }
      size_t in_page = static_cast<size_t>(pos - index * ps);
      size_t k = std::min(n - done, (*page)->size() - in_page);
      if (!(*page)->CopyTo(in_page, k, buf + done)) {
        // Damaged on disk: drop it and fetch it again from the UFS.
        cache_->DropCorrupt(PageKey{v.file, index});
        page = cache_->GetPage(PageKey{v.file, index}, length, source);
        if (!page.ok()) return page.status();
        if (!(*page)->CopyTo(in_page, k, buf + done)) {
          return Status::IoError(path_ + ": page " + std::to_string(index) +
                                 " is damaged again after refetching it");
        }
      }
      done += k;
    }
    prefetcher_->AfterRead(v, offset, n);
    return n;
  }

  const std::string path_;
  const std::shared_ptr<Prefetcher> prefetcher_;
  PageCache* const cache_;
};

}  // namespace

std::shared_ptr<FileHandle> NewCachedReadHandle(std::string path, std::shared_ptr<Ufs> ufs,
                                                std::string ufs_path, const FileAttr& attr,
                                                PageCache* cache,
                                                std::function<void()> on_changed) {
  auto prefetcher = Prefetcher::New(path, std::move(ufs), std::move(ufs_path), attr, cache,
                                    std::move(on_changed));
  return std::make_shared<CachedReadHandle>(std::move(path), std::move(prefetcher), cache);
}

}  // namespace alluxio
