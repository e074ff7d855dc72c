#include "page_cache.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "handles.h"

namespace alluxio {

namespace {

constexpr int kReadaheadThreads = 8;
// Readahead reads runs of pages of up to this many bytes at once.
constexpr uint64_t kPrefetchRunBytes = 8 << 20;

// Every PageCache of the process, for the fork handlers: a fork while a
// readahead worker holds one of the cache's locks must not leave the child
// with a lock nobody will release, or waiting for a fetch no thread of its
// own will finish.
std::mutex g_caches_mu;
std::vector<PageCache*>* g_caches = nullptr;

}  // namespace

void PageCache::ForkPrepare() {
  g_caches_mu.lock();
  if (g_caches == nullptr) return;
  for (PageCache* c : *g_caches) {
    c->queue_mu_.lock();
    c->inflight_mu_.lock();
    c->store_->LockForFork();
    c->disk_->LockForFork();
  }
}

void PageCache::ForkParent() {
  if (g_caches != nullptr) {
    for (PageCache* c : *g_caches) {
      c->disk_->UnlockAfterFork();
      c->store_->UnlockAfterFork();
      c->inflight_mu_.unlock();
      c->queue_mu_.unlock();
    }
  }
  g_caches_mu.unlock();
}

void PageCache::ForkChild() {
  if (g_caches != nullptr) {
    for (PageCache* c : *g_caches) {
      c->disk_->UnlockAfterFork();
      c->store_->UnlockAfterFork();
      c->inflight_.clear();  // their fetching threads are not in this process
      c->inflight_mu_.unlock();
      c->queue_.clear();
      c->queue_mu_.unlock();
    }
  }
  g_caches_mu.unlock();
}

Result<std::unique_ptr<PageCache>> PageCache::Open(const Configuration& conf) {
  auto dirs = conf.GetList("alluxio.user.client.cache.dirs");
  if (dirs.empty()) {
    return Status::InvalidArgument("alluxio.user.client.cache.dirs is empty");
  }
  uint64_t page_size = conf.GetBytes("alluxio.user.client.cache.page.size");
  if (page_size < 4096 || page_size > (1ull << 30)) {
    return Status::InvalidArgument("alluxio.user.client.cache.page.size must be 4KB..1GB, not " +
                                   conf.Get("alluxio.user.client.cache.page.size"));
  }
  ASSIGN_OR_RETURN(auto disk,
                   DiskPageStore::Open(dirs[0], conf.GetBytes("alluxio.user.client.cache.size")));
  DiskPageStore* raw = disk.get();
  auto memory = std::make_unique<MemoryPageStore>(
      std::move(disk), conf.GetBytes("alluxio.user.client.cache.memory.size"));
  uint64_t initial = std::max<uint64_t>(
      page_size, conf.GetBytes("alluxio.user.streaming.reader.chunk.size.bytes"));
  uint64_t max = std::max(initial, conf.GetBytes("alluxio.user.file.readahead.max"));
  // Pages read ahead must not evict one another before they are read: a
  // small cache gets a smaller window.
  max = std::max(page_size, std::min(max, conf.GetBytes("alluxio.user.client.cache.size") / 4));
  initial = std::min(initial, max);
  std::unique_ptr<PageCache> cache(
      new PageCache(std::move(memory), raw, page_size, initial, max, dirs[0] + "/pages"));
  std::lock_guard<std::mutex> lock(g_caches_mu);
  if (g_caches == nullptr) {
    g_caches = new std::vector<PageCache*>();
    pthread_atfork(ForkPrepare, ForkParent, ForkChild);
  }
  g_caches->push_back(cache.get());
  return cache;
}

PageCache::PageCache(std::unique_ptr<MemoryPageStore> store, DiskPageStore* disk,
                     uint64_t page_size, uint64_t initial_readahead, uint64_t max_readahead,
                     std::string lock_dir)
    : store_(std::move(store)),
      disk_(disk),
      page_size_(page_size),
      initial_readahead_(initial_readahead),
      max_readahead_(max_readahead),
      lock_dir_(std::move(lock_dir)) {}

PageCache::~PageCache() {
  {
    std::lock_guard<std::mutex> lock(g_caches_mu);
    if (g_caches != nullptr) {
      g_caches->erase(std::remove(g_caches->begin(), g_caches->end(), this), g_caches->end());
    }
  }
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  if (workers_pid_ == getpid()) {
    for (auto& t : workers_) t.join();
  } else {
    for (auto& t : workers_) t.detach();  // inherited through fork: not ours
  }
}

uint64_t PageCache::FileKey(const std::string& path, uint64_t version) {
  std::string k = path;
  k.push_back('\0');
  k.append(reinterpret_cast<const char*>(&version), sizeof(version));
  return PathHash(k);
}

Result<std::shared_ptr<const Page>> PageCache::GetPage(const PageKey& key, size_t length,
                                                       const ReaderSource& fetch) {
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) {
    disk_->CountHit(length);
    return page;
  }
  // One fetch per page in this process: later readers wait for the first.
  // A failed fetch is not someone else's answer (its reader may have been
  // closed, or have met another version): the waiter then fetches itself.
  while (true) {
    std::shared_ptr<Inflight> mine;
    std::shared_ptr<Inflight> theirs;
    {
      std::lock_guard<std::mutex> lock(inflight_mu_);
      auto [it, inserted] = inflight_.try_emplace({key.file, key.index});
      if (inserted) {
        it->second = std::make_shared<Inflight>();
        mine = it->second;
      } else {
        theirs = it->second;
      }
    }
    if (theirs != nullptr) {
      std::unique_lock<std::mutex> lock(inflight_mu_);
      inflight_cv_.wait(lock, [&] { return theirs->done; });
      if (theirs->status.ok()) return theirs->page;
      continue;
    }
    auto result = Fetch(key, length, fetch);
    Complete(key, mine, result);
    return result;
  }
}

Result<std::shared_ptr<const Page>> PageCache::Fetch(const PageKey& key, size_t length,
                                                     const ReaderSource& fetch) {
  // And one per page on the node: other processes fetching the same page
  // hold its lock file; when we get it, the page may be there already.
  char name[64];
  snprintf(name, sizeof(name), "/%016llx.%llx.lock", static_cast<unsigned long long>(key.file),
           static_cast<unsigned long long>(key.index));
  std::string lock_path = lock_dir_ + name;
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd >= 0) {
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  auto release = [&] {
    if (lock_fd >= 0) {
      ::unlink(lock_path.c_str());
      ::close(lock_fd);
    }
  };
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) {
    release();
    disk_->CountHit(length);
    return page;
  }
  auto reader = fetch();
  if (!reader.ok()) {
    release();
    return reader.status();
  }
  std::vector<char> buf(length);
  size_t got = 0;
  while (got < length) {
    auto n = (*reader)->ReadAt(key.index * page_size_ + got, buf.data() + got, length - got);
    if (!n.ok()) {
      release();
      return n.status();
    }
    if (*n == 0) break;
    got += *n;
  }
  if (got != length) {
    release();
    return Status::IoError("file changed while reading: page " + std::to_string(key.index) +
                           " is short (" + std::to_string(got) + " of " + std::to_string(length) +
                           " bytes)");
  }
  disk_->CountMiss(length);
  Status st = store_->Put(key, buf.data(), buf.size());
  release();
  (void)st;  // a page the cache could not keep is still good to return
  if (auto page = store_->Get(key); page != nullptr && page->size() == length) return page;
  // Not kept by the disk tier (full of pages it could not evict): served
  // from memory for this read.
  return MakeHeapPage(std::move(buf));
}

void PageCache::EnsureWorkers() {
  // Requires queue_mu_. Threads do not survive fork: start new ones.
  pid_t pid = getpid();
  if (workers_pid_ == pid) return;
  for (auto& t : workers_) t.detach();
  workers_.clear();
  queue_.clear();
  workers_pid_ = pid;
  for (int i = 0; i < kReadaheadThreads; ++i) workers_.emplace_back([this] { Worker(); });
}

void PageCache::Worker() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void PageCache::Prefetch(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                         const ReaderSource& fetch) {
  // Runs of pages go as one read each (one request to an object store
  // instead of one per page; the UFS splits large reads into parallel parts).
  const uint64_t run = std::max<uint64_t>(1, kPrefetchRunBytes / page_size_);
  for (uint64_t a = first; a <= last && a * page_size_ < file_size; a += run) {
    uint64_t b = std::min(last, a + run - 1);
    Submit([this, file, file_size, a, b, fetch] { PrefetchRun(file, file_size, a, b, fetch); });
  }
}

bool PageCache::TryClaim(uint64_t file, uint64_t index, size_t length, Claim* claim) {
  PageKey key{file, index};
  if (Contains(key, length)) return false;
  std::shared_ptr<Inflight> mine;
  {
    std::lock_guard<std::mutex> lock(inflight_mu_);
    auto [it, inserted] = inflight_.try_emplace({file, index});
    if (!inserted) return false;  // someone in this process is on it
    it->second = std::make_shared<Inflight>();
    mine = it->second;
  }
  // Another process fetching it holds its lock file: leave it to them.
  char name[64];
  snprintf(name, sizeof(name), "/%016llx.%llx.lock", static_cast<unsigned long long>(file),
           static_cast<unsigned long long>(index));
  std::string lock_path = lock_dir_ + name;
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    Complete(key, mine, Status(Code::kBusy, "fetched by another process"));
    return false;
  }
  *claim = Claim{index, length, std::move(mine), fd, std::move(lock_path)};
  return true;
}

void PageCache::Fulfil(uint64_t file, Claim& claim, const char* data, const Status& error) {
  PageKey key{file, claim.index};
  if (data != nullptr) {
    disk_->CountMiss(claim.length);
    (void)store_->Put(key, data, claim.length);
    std::shared_ptr<const Page> page = store_->Get(key);
    if (page == nullptr || page->size() != claim.length) {
      page = MakeHeapPage(std::vector<char>(data, data + claim.length));
    }
    Complete(key, claim.inflight, page);
  } else {
    Complete(key, claim.inflight, error);
  }
  ::unlink(claim.lock_path.c_str());
  ::close(claim.lock_fd);
}

void PageCache::Seed(uint64_t file, uint64_t file_size, const std::string& head) {
  size_t length = static_cast<size_t>(std::min(page_size_, file_size));
  if (length == 0 || head.size() < length) return;
  Claim c;
  if (TryClaim(file, 0, length, &c)) Fulfil(file, c, head.data(), Status::OK());
}

void PageCache::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    EnsureWorkers();
    queue_.push_back(std::move(task));
  }
  queue_cv_.notify_one();
}

void PageCache::PrefetchRun(uint64_t file, uint64_t file_size, uint64_t first, uint64_t last,
                            const ReaderSource& fetch) {
  std::vector<Claim> claims;
  for (uint64_t i = first; i <= last && i * page_size_ < file_size; ++i) {
    size_t length = static_cast<size_t>(std::min(page_size_, file_size - i * page_size_));
    Claim c;
    if (TryClaim(file, i, length, &c)) claims.push_back(std::move(c));
  }
  if (claims.empty()) return;
  // One read covering every claimed page (the gaps are pages already here).
  uint64_t begin = claims.front().index * page_size_;
  uint64_t end = claims.back().index * page_size_ + claims.back().length;
  std::vector<char> buf(end - begin);
  Status st;
  auto reader = fetch();
  if (!reader.ok()) st = reader.status();
  size_t got = 0;
  while (st.ok() && got < buf.size()) {
    auto n = (*reader)->ReadAt(begin + got, buf.data() + got, buf.size() - got);
    if (!n.ok()) {
      st = n.status();
    } else if (*n == 0) {
      st = Status::IoError("file changed while reading ahead");
    } else {
      got += *n;
    }
  }
  for (Claim& c : claims) {
    Fulfil(file, c, st.ok() ? buf.data() + (c.index * page_size_ - begin) : nullptr, st);
  }
}

// ---------------------------------------------------------------------------

class PageCache::Streamer : public std::enable_shared_from_this<PageCache::Streamer> {
 public:
  Streamer(PageCache* cache, uint64_t file, uint64_t size, std::shared_ptr<UfsReader> reader)
      : cache_(cache), file_(file), size_(size), reader_(std::move(reader)), pid_(getpid()) {}

  ~Streamer() { Cancel(); }

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
      Claim c;
      if (cache_->TryClaim(file_, i, length, &c)) claims_.push_back(std::move(c));
    }
    claimed_until_ = std::max(claimed_until_, last + 1);
    if (!pumping_ && !claims_.empty()) {
      pumping_ = true;
      cache_->Submit([self = shared_from_this()] { self->Pump(); });
    }
    return true;
  }

  // Ends the stream. Pages claimed and not filled are released: their
  // readers fetch them themselves.
  void Cancel() {
    std::deque<Claim> left;
    std::shared_ptr<UfsStream> stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      left.swap(claims_);
      stream = stream_;
    }
    if (stream != nullptr) stream->Cancel();
    for (Claim& c : left) cache_->Fulfil(file_, c, nullptr, Status(Code::kAborted, "cancelled"));
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
      Claim c;
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
      std::deque<Claim> left;
      {
        std::lock_guard<std::mutex> lock(mu_);
        // A stream that broke is not retried for this reader: its pages
        // come from ordinary reads (and their retries) from now on.
        failed_ = true;
        pumping_ = false;
        left.swap(claims_);
        stream_.reset();
      }
      for (Claim& l : left) cache_->Fulfil(file_, l, nullptr, st);
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
  std::deque<Claim> claims_;
  uint64_t claimed_until_ = 0;  // pages below were claimed (or skipped)
  bool pumping_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  std::shared_ptr<UfsStream> stream_;

  uint64_t pos_ = 0;  // the stream's next byte; only the pump uses it
};

std::shared_ptr<PageCache::Streamer> PageCache::NewStreamer(uint64_t file, uint64_t file_size,
                                                            std::shared_ptr<UfsReader> reader) {
  return std::make_shared<Streamer>(this, file, file_size, std::move(reader));
}

void PageCache::Complete(const PageKey& key, const std::shared_ptr<Inflight>& inflight,
                         Result<std::shared_ptr<const Page>> result) {
  {
    std::lock_guard<std::mutex> lock(inflight_mu_);
    inflight->done = true;
    inflight->status = result.status();
    if (result.ok()) inflight->page = *result;
    inflight_.erase({key.file, key.index});
  }
  inflight_cv_.notify_all();
}

// ---------------------------------------------------------------------------

namespace {

class CachedReadHandle : public ReadOnlyFileHandle,
                         public std::enable_shared_from_this<CachedReadHandle> {
 public:
  CachedReadHandle(std::string path, const FileAttr& attr, PageCache* cache,
                   ReaderOpener open_reader, std::function<void()> on_changed)
      : path_(std::move(path)),
        cache_(cache),
        open_reader_(std::move(open_reader)),
        on_changed_(std::move(on_changed)),
        attr_(attr),
        file_(PageCache::FileKey(path_, attr.version)) {}

  const std::string& path() const override { return path_; }

  Result<size_t> Read(uint64_t offset, char* buf, size_t n) override {
    auto got = ReadPages(offset, buf, n);
    if (got.ok()) return got;
    // The UFS may have refused a version it no longer has (metadata from a
    // listing or stat taken before the file was rewritten, or removed): when
    // a fresh look finds another version, the read is of that one. Errors
    // that say nothing of the file (an unreachable server, a timeout) stand.
    const Code code = got.status().code();
    if (code != Code::kIoError && code != Code::kNotFound && code != Code::kOutOfRange) return got;
    auto moved = Refresh();
    if (!moved.ok() && moved.status().code() == Code::kNotFound) return moved.status();
    if (!moved.ok() || !*moved) return got;
    return ReadPages(offset, buf, n);
  }

  Result<FileAttr> Stat() override {
    std::lock_guard<std::mutex> lock(mu_);
    return attr_;
  }

  ~CachedReadHandle() override {
    if (streamer_ != nullptr) streamer_->Cancel();
  }

 private:
  using ReaderSource = PageCache::ReaderSource;

  Result<size_t> ReadPages(uint64_t offset, char* buf, size_t n) {
    uint64_t file, size;
    {
      std::lock_guard<std::mutex> lock(mu_);
      file = file_;
      size = attr_.size;
    }
    if (offset >= size || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size - offset));
    const uint64_t ps = cache_->page_size();
    ReaderSource source = Source();
    if (Status st = Stream(file, size, offset, n, source); !st.ok()) {
      if (st.code() == Code::kAborted) return ReadPages(offset, buf, n);  // a new version
      return st;
    }
    size_t done = 0;
    while (done < n) {
      uint64_t pos = offset + done;
      uint64_t index = pos / ps;
      size_t length = static_cast<size_t>(std::min(ps, size - index * ps));
      auto page = cache_->GetPage(PageKey{file, index}, length, source);
      if (!page.ok()) {
        if (page.status().code() != Code::kAborted) return page.status();
        ASSIGN_OR_RETURN(size_t rest, ReadPages(offset + done, buf + done, n - done));
        return done + rest;
      }
      size_t in_page = static_cast<size_t>(pos - index * ps);
      size_t k = std::min(n - done, (*page)->size() - in_page);
      if (!(*page)->CopyTo(in_page, k, buf + done)) {
        // Damaged on disk: drop it and fetch it again from the UFS.
        cache_->DropCorrupt(PageKey{file, index});
        page = cache_->GetPage(PageKey{file, index}, length, source);
        if (!page.ok()) return page.status();
        if (!(*page)->CopyTo(in_page, k, buf + done)) {
          return Status::IoError(path_ + ": page " + std::to_string(index) +
                                 " is damaged again after refetching it");
        }
      }
      done += k;
    }
    Readahead(file, size, offset, n, source);
    return n;
  }

  // Opens the file afresh and, when it has another version now, moves the
  // handle to it (true). NotFound when it is gone; either way the client's
  // metadata is told.
  Result<bool> Refresh() {
    auto fresh = open_reader_(/*fresh=*/true);
    if (!fresh.ok()) {
      if (fresh.status().code() == Code::kNotFound && on_changed_) on_changed_();
      return fresh.status();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if ((*fresh)->Version() == attr_.version && (*fresh)->Size() == attr_.size) return false;
    reader_ = *fresh;
    attr_.version = reader_->Version();
    attr_.size = reader_->Size();
    file_ = PageCache::FileKey(path_, attr_.version);
    if (on_changed_) on_changed_();
    return true;
  }

  // Opens the UFS reader once, on the first miss. When it reads another
  // version than the pages are keyed by (the file changed behind the
  // metadata cache), the handle moves to that version and the caller retries
  // (kAborted), so no page of one version is ever stored under another.
  ReaderSource Source() {
    std::weak_ptr<CachedReadHandle> weak = weak_from_this();
    return [weak]() -> Result<std::shared_ptr<UfsReader>> {
      auto self = weak.lock();
      if (self == nullptr) return Status(Code::kBadDescriptor, "file closed");
      std::lock_guard<std::mutex> lock(self->mu_);
      if (self->reader_ == nullptr) {
        ASSIGN_OR_RETURN(self->reader_, self->open_reader_(/*fresh=*/false));
        if (self->reader_->Version() != self->attr_.version ||
            self->reader_->Size() != self->attr_.size) {
          self->attr_.version = self->reader_->Version();
          self->attr_.size = self->reader_->Size();
          self->file_ = PageCache::FileKey(self->path_, self->attr_.version);
          if (self->on_changed_) self->on_changed_();
          return Status(Code::kAborted, self->path_ + " changed; reading the new version");
        }
      }
      return self->reader_;
    };
  }

  // A sequential reader of a UFS that prefers streams (an object store) is
  // served by one stream: before each read, the pages of the read and a
  // window ahead of it (doubling up to the readahead maximum) are claimed
  // for the stream to fill. Reads a little out of order (a kernel's
  // concurrent readahead) keep the stream; a read far from it ends it.
  // kAborted: the file changed; the caller reads again.
  Status Stream(uint64_t file, uint64_t size, uint64_t offset, size_t n,
                const ReaderSource& source) {
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
    // Start one for a read where the last one ended (or at the start),
    // when the file goes on past it and the page after it is missing (so
    // cached files never open their UFS file).
    // A page found cached is not looked up again: small sequential reads of
    // a cached file cost no lookup each.
    const uint64_t next = last + 1;
    bool start = offset == stream_next_ && next * ps < size &&
                 (next != cached_next_ || file != cached_file_);
    if (start && cache_->Contains(PageKey{file, next},
                                  static_cast<size_t>(std::min(ps, size - next * ps)))) {
      cached_next_ = next;
      cached_file_ = file;
      start = false;
    }
    stream_next_ = offset + n;
    if (!start) return Status::OK();
    ASSIGN_OR_RETURN(std::shared_ptr<UfsReader> reader, source());
    if (!reader->PrefersStreams()) {
      no_streams_ = true;
      return Status::OK();
    }
    prefers_streams_ = true;
    streamer_ = cache_->NewStreamer(file, size, std::move(reader));
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
  void Readahead(uint64_t file, uint64_t size, uint64_t offset, size_t n,
                 const ReaderSource& source) {
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
    if (from > to || from * ps >= size) return;
    cache_->Prefetch(file, size, from, to, source);
    prefetched_until_ = to + 1;
  }

  const std::string path_;
  PageCache* cache_;
  const ReaderOpener open_reader_;
  const std::function<void()> on_changed_;

  std::mutex mu_;  // guards attr_, file_, reader_
  FileAttr attr_;
  uint64_t file_;
  std::shared_ptr<UfsReader> reader_;

  std::mutex ra_mu_;  // guards the readahead and stream state
  uint64_t next_offset_ = 0;
  uint64_t window_ = 0;
  uint64_t prefetched_until_ = 0;
  std::shared_ptr<PageCache::Streamer> streamer_;
  uint64_t streamer_file_ = 0;  // the file key its pages go to
  uint64_t stream_next_ = 0;    // where a sequential reader reads next
  uint64_t stream_window_ = 0;
  uint64_t cached_next_ = UINT64_MAX;  // a page after a read, found cached,
  uint64_t cached_file_ = 0;           // of this file key
  bool prefers_streams_ = false;       // the UFS said so
  bool no_streams_ = false;            // the UFS has none, or one failed
};

}  // namespace

std::shared_ptr<FileHandle> NewCachedReadHandle(std::string path, const FileAttr& attr,
                                                PageCache* cache, ReaderOpener open_reader,
                                                std::function<void()> on_changed) {
  return std::make_shared<CachedReadHandle>(std::move(path), attr, cache, std::move(open_reader),
                                            std::move(on_changed));
}

}  // namespace alluxio
