#include "prefetcher.h"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <vector>

namespace alluxio {

// Fills pages of one file in order from one UFS stream, for a sequential
// reader of a UFS that prefers streams: the reader claims pages ahead of
// itself (Extend) and the stream fills them on the cache's task pool, never
// running further ahead than the claims. Readers of a claimed page wait for
// the stream (PageCache::GetPage).
class PageStreamer : public std::enable_shared_from_this<PageStreamer> {
 public:
  PageStreamer(PageCache* cache, uint64_t file, uint64_t size, std::shared_ptr<UfsReader> reader)
      : cache_(cache), file_(file), size_(size), reader_(std::move(reader)), pid_(getpid()) {}

  ~PageStreamer() { Cancel(); }

  // Claims the pages up to `last` not claimed yet, and starts filling them.
  // False when this streamer cannot serve any more (it failed, was
  // cancelled, or belongs to the parent of a fork).
  bool Extend(uint64_t first, uint64_t last) {
    const uint64_t ps = cache_->page_size();
    last = std::min(last, (size_ - 1) / ps);
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_ || cancelled_ || getpid() != pid_) return false;
    for (uint64_t i = std::max(first, claimed_until_); i <= last; ++i) {
      size_t length = static_cast<size_t>(std::min(ps, size_ - i * ps));
      PageCache::Claim c;
      if (cache_->TryClaim(file_, i, length, &c)) claims_.push_back(std::move(c));
    }
    claimed_until_ = std::max(claimed_until_, last + 1);
    if (!pumping_ && !claims_.empty()) {
      pumping_ = true;
      cache_->tasks().Submit([self = shared_from_this()] { self->Pump(); });
    }
    return true;
  }

  // Ends the stream. Pages claimed and not filled are released: their
  // readers fetch them themselves.
  void Cancel() {
    std::deque<PageCache::Claim> left;
    std::shared_ptr<UfsStream> stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      left.swap(claims_);
      stream = stream_;
    }
    if (stream != nullptr) stream->Cancel();
    for (PageCache::Claim& c : left)
      cache_->Fulfil(file_, c, nullptr, Status(Code::kAborted, "cancelled"));
  }

 private:
  // Skipping up to this many bytes to the next claimed page reads through
  // them; further, a new stream starts at the page.
  static constexpr uint64_t kMaxSkip = 8 << 20;

  // Fills claimed pages in order until none is left. One pump at a time.
  void Pump() {
    const uint64_t ps = cache_->page_size();
    std::vector<char> buf;
    while (true) {
      PageCache::Claim c;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (claims_.empty() || cancelled_) {
          pumping_ = false;
          return;
        }
        c = std::move(claims_.front());
        claims_.pop_front();
      }
      buf.resize(c.length);
      Status st = Position(c.index * ps);
      if (st.ok()) st = ReadFully(buf.data(), c.length);
      if (st.ok()) {
        pos_ += c.length;
        cache_->Fulfil(file_, c, buf.data(), st);
        continue;
      }
      cache_->Fulfil(file_, c, nullptr, st);
      std::deque<PageCache::Claim> left;
      {
        std::lock_guard<std::mutex> lock(mu_);
        // A stream that broke is not retried for this reader: its pages
        // come from ordinary reads (and their retries) from now on.
        failed_ = true;
        pumping_ = false;
        left.swap(claims_);
        stream_.reset();
      }
      for (PageCache::Claim& l : left) cache_->Fulfil(file_, l, nullptr, st);
      return;
    }
  }

  // Brings the stream to byte `offset`: reads through a short gap, opens a
  // new stream for a long one (or for the first page).
  Status Position(uint64_t offset) {
    std::shared_ptr<UfsStream> stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stream = stream_;
    }
    if (stream != nullptr && (offset < pos_ || offset - pos_ > kMaxSkip)) stream = nullptr;
    if (stream == nullptr) {
      auto opened = reader_->OpenStream(offset, size_ - offset);
      if (!opened.ok()) return opened.status();
      stream = std::shared_ptr<UfsStream>(std::move(*opened));
      pos_ = offset;
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return Status(Code::kAborted, "cancelled");
      stream_ = stream;
    }
    std::vector<char> scratch;
    while (pos_ < offset) {
      scratch.resize(static_cast<size_t>(std::min<uint64_t>(offset - pos_, 1 << 20)));
      RETURN_IF_ERROR(ReadFully(scratch.data(), scratch.size()));
      pos_ += scratch.size();
    }
    return Status::OK();
  }

  Status ReadFully(char* buf, size_t n) {
    std::shared_ptr<UfsStream> stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stream = stream_;
    }
    if (stream == nullptr) return Status(Code::kAborted, "cancelled");
    size_t got = 0;
    while (got < n) {
      ASSIGN_OR_RETURN(size_t k, stream->Read(buf + got, n - got));
      if (k == 0) return Status::IoError("stream ended early: file changed while reading");
      got += k;
    }
    return Status::OK();
  }

  PageCache* const cache_;
  const uint64_t file_;
  const uint64_t size_;
  const std::shared_ptr<UfsReader> reader_;
  const pid_t pid_;

  std::mutex mu_;  // guards the members below
  std::deque<PageCache::Claim> claims_;
  uint64_t claimed_until_ = 0;  // pages below were claimed (or skipped)
  bool pumping_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  std::shared_ptr<UfsStream> stream_;

  uint64_t pos_ = 0;  // the stream's next byte; only the pump uses it
};

// ---------------------------------------------------------------------------

std::shared_ptr<Prefetcher> Prefetcher::New(std::string path, std::shared_ptr<Ufs> ufs,
                                            std::string ufs_path, const FileAttr& attr,
                                            PageCache* cache, std::function<void()> on_changed) {
  std::shared_ptr<Prefetcher> p(new Prefetcher(std::move(path), std::move(ufs), std::move(ufs_path),
                                               attr, cache, std::move(on_changed)));
  // Tasks fetching ahead hold this: a file closed meanwhile fails them.
  std::weak_ptr<Prefetcher> weak = p;
  p->source_ = [weak]() -> Result<std::shared_ptr<UfsReader>> {
    auto self = weak.lock();
    if (self == nullptr) return Status(Code::kBadDescriptor, "file closed");
    std::lock_guard<std::mutex> lock(self->mu_);
    if (self->reader_ == nullptr) {
      ASSIGN_OR_RETURN(self->reader_, self->OpenReader(/*fresh=*/false));
      if (self->reader_->Version() != self->attr_.version ||
          self->reader_->Size() != self->attr_.size) {
        // The file changed behind the metadata cache: no page of one version
        // is ever stored under another's key.
        self->MoveTo(*self->reader_);
        return Status(Code::kAborted, self->path_ + " changed; reading the new version");
      }
    }
    return self->reader_;
  };
  return p;
}

Prefetcher::Prefetcher(std::string path, std::shared_ptr<Ufs> ufs, std::string ufs_path,
                       const FileAttr& attr, PageCache* cache, std::function<void()> on_changed)
    : path_(std::move(path)),
      ufs_(std::move(ufs)),
      ufs_path_(std::move(ufs_path)),
      cache_(cache),
      on_changed_(std::move(on_changed)),
      attr_(attr),
      file_(PageCache::FileKey(path_, attr.version)) {}

Prefetcher::~Prefetcher() {
  if (streamer_ != nullptr) streamer_->Cancel();
}

Prefetcher::Version Prefetcher::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  return Version{file_, attr_.size};
}

FileAttr Prefetcher::Attr() {
  std::lock_guard<std::mutex> lock(mu_);
  return attr_;
}

Result<std::shared_ptr<UfsReader>> Prefetcher::OpenReader(bool fresh) {
  ASSIGN_OR_RETURN(auto reader,
                   fresh ? ufs_->OpenRead(ufs_path_) : ufs_->OpenRead(ufs_path_, attr_));
  return std::shared_ptr<UfsReader>(std::move(reader));
}

void Prefetcher::MoveTo(const UfsReader& reader) {
  attr_.version = reader.Version();
  attr_.size = reader.Size();
  file_ = PageCache::FileKey(path_, attr_.version);
  if (on_changed_) on_changed_();
}

Result<bool> Prefetcher::ShouldRetry(const Status& error) {
  // The UFS may have refused a version it no longer has (metadata from a
  // listing or stat taken before the file was rewritten, or removed): when
  // a fresh look finds another version, the read is of that one.
  const Code code = error.code();
  if (code != Code::kIoError && code != Code::kNotFound && code != Code::kOutOfRange) {
    return false;
  }
  auto moved = Refresh();
  if (!moved.ok() && moved.status().code() == Code::kNotFound) return moved.status();
  return moved.ok() && *moved;
}

Result<bool> Prefetcher::Refresh() {
  auto fresh = OpenReader(/*fresh=*/true);  // reads no member: no lock
  if (!fresh.ok()) {
    if (fresh.status().code() == Code::kNotFound && on_changed_) on_changed_();
    return fresh.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if ((*fresh)->Version() == attr_.version && (*fresh)->Size() == attr_.size) return false;
  reader_ = *fresh;
  MoveTo(*reader_);
  return true;
}

// A sequential reader of a UFS that prefers streams (an object store) is
// served by one stream: before each read, the pages of the read and a
// window ahead of it (doubling up to the readahead maximum) are claimed
// for the stream to fill. Reads a little out of order (a kernel's
// concurrent readahead) keep the stream; a read far from it ends it.
Status Prefetcher::BeforeRead(const Version& v, uint64_t offset, size_t n) {
  const uint64_t file = v.file, size = v.size;
  std::lock_guard<std::mutex> lock(ra_mu_);
  if (no_streams_) return Status::OK();
  const uint64_t ps = cache_->page_size();
  const uint64_t first = offset / ps;
  const uint64_t last = (offset + n - 1) / ps;
  if (streamer_ != nullptr && streamer_file_ != file) {
    streamer_->Cancel();  // keyed by a version the file no longer has
    streamer_ = nullptr;
  }
  if (streamer_ != nullptr) {
    const uint64_t slack = cache_->max_readahead();
    if (offset + slack < stream_next_ || offset > stream_next_ + slack) {
      streamer_->Cancel();  // random access now
      streamer_ = nullptr;
      stream_next_ = offset + n;
      return Status::OK();
    }
    stream_next_ = std::max(stream_next_, offset + n);
    stream_window_ = std::min(stream_window_ * 2, cache_->max_readahead());
    if (!streamer_->Extend(first, (stream_next_ + stream_window_ - 1) / ps)) {
      streamer_ = nullptr;  // it failed: plain reads and readahead from now on
      no_streams_ = true;
    }
    return Status::OK();
  }
  // Start one for a read where the last one ended (or at the start), when
  // the file goes on past it and the page after it is missing (so cached
  // files never open their UFS file). A page found cached is not looked up
  // again: small sequential reads of a cached file cost no lookup each.
  const uint64_t next = last + 1;
  bool start =
      offset == stream_next_ && next * ps < size && (next != cached_next_ || file != cached_file_);
  if (start &&
      cache_->Contains(PageKey{file, next}, static_cast<size_t>(std::min(ps, size - next * ps)))) {
    cached_next_ = next;
    cached_file_ = file;
    start = false;
  }
  stream_next_ = offset + n;
  if (!start) return Status::OK();
  ASSIGN_OR_RETURN(std::shared_ptr<UfsReader> reader, source_());
  if (!reader->PrefersStreams()) {
    no_streams_ = true;
    return Status::OK();
  }
  prefers_streams_ = true;
  streamer_ = std::make_shared<PageStreamer>(cache_, file, size, std::move(reader));
  streamer_file_ = file;
  stream_window_ = cache_->initial_readahead();
  if (!streamer_->Extend(first, (stream_next_ + stream_window_ - 1) / ps)) {
    streamer_ = nullptr;
    no_streams_ = true;
  }
  return Status::OK();
}

// Sequential readers get a window of pages fetched ahead, doubling up to
// the maximum; a random read resets it.
void Prefetcher::AfterRead(const Version& v, uint64_t offset, size_t n) {
  std::lock_guard<std::mutex> lock(ra_mu_);
  // A stream reads ahead, or will as soon as the reader is sequential.
  if (streamer_ != nullptr || (prefers_streams_ && !no_streams_)) return;
  const uint64_t ps = cache_->page_size();
  if (offset != next_offset_) {
    next_offset_ = offset + n;
    window_ = 0;
    return;
  }
  next_offset_ = offset + n;
  window_ =
      window_ == 0 ? cache_->initial_readahead() : std::min(window_ * 2, cache_->max_readahead());
  uint64_t from = std::max((offset + n + ps - 1) / ps, prefetched_until_);
  uint64_t to = (offset + n + window_) / ps;
  if (from > to || from * ps >= v.size) return;
  cache_->Prefetch(v.file, v.size, from, to, source_);
  prefetched_until_ = to + 1;
}

}  // namespace alluxio
