#include "s3/s3_stream.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace alluxio::s3 {

namespace {

class S3Stream : public UfsStream {
 public:
  static constexpr size_t kStreamBuffer = 8 << 20;

  S3Stream(std::shared_ptr<S3Namespace> ns, const std::string& key, const std::string& etag,
           uint64_t offset, uint64_t length)
      : ns_(std::move(ns)), pipe_(std::make_shared<Pipe>()) {
    // The fiber holds no reference to the namespace: this stream does, and
    // outlives the transfer (the destructor waits for it), so the I/O loop
    // is never torn down from its own thread.
    ObjectClient* client = &ns_->client();
    ns_->loop().Spawn([client, pipe = pipe_, key, etag, offset, length] {
      Status st = client->GetStream(key, offset, length, etag, pipe.get(), [&pipe] {
        std::lock_guard<std::mutex> lock(pipe->mu);
        return pipe->cancelled;
      });
      std::lock_guard<std::mutex> lock(pipe->mu);
      pipe->finished = true;
      pipe->status = st;
      pipe->cv.notify_all();
    });
  }

  ~S3Stream() override {
    Cancel();
    std::unique_lock<std::mutex> lock(pipe_->mu);
    pipe_->cv.wait(lock, [&] { return pipe_->finished; });
  }

  Result<size_t> Read(char* buf, size_t n) override {
    std::unique_lock<std::mutex> lock(pipe_->mu);
    pipe_->cv.wait(lock,
                   [&] { return pipe_->buffered > 0 || pipe_->finished || pipe_->cancelled; });
    if (pipe_->cancelled) return Status(Code::kAborted, "stream cancelled");
    if (pipe_->buffered == 0) {
      if (!pipe_->status.ok()) return pipe_->status;
      return size_t{0};
    }
    size_t got = 0;
    while (got < n && !pipe_->chunks.empty()) {
      std::string& front = pipe_->chunks.front();
      size_t k = std::min(n - got, front.size() - pipe_->front_off);
      front.copy(buf + got, k, pipe_->front_off);
      got += k;
      pipe_->front_off += k;
      if (pipe_->front_off == front.size()) {
        pipe_->chunks.pop_front();
        pipe_->front_off = 0;
      }
    }
    pipe_->buffered -= got;
    bool resume = pipe_->paused && pipe_->buffered <= kStreamBuffer / 2;
    if (resume) pipe_->paused = false;
    lock.unlock();
    if (resume) ns_->loop().ResumeStream(pipe_.get());
    return got;
  }

  void Cancel() override {
    {
      std::lock_guard<std::mutex> lock(pipe_->mu);
      if (pipe_->cancelled || pipe_->finished) return;
      pipe_->cancelled = true;
      pipe_->cv.notify_all();
    }
    ns_->loop().AbortStream(pipe_.get());
  }

 private:
  // Between the transfer (on the loop thread) and the reader.
  struct Pipe final : BodyStream {
    std::mutex mu;  // guards everything below
    std::condition_variable cv;
    std::deque<std::string> chunks;
    size_t front_off = 0;  // bytes of chunks.front() already read
    size_t buffered = 0;   // bytes in chunks not yet read
    bool paused = false;
    bool cancelled = false;
    bool finished = false;  // the transfer is over; status says how
    Status status;

    Take OnData(const char* p, size_t n) override {
      std::lock_guard<std::mutex> lock(mu);
      if (cancelled) return Take::kAbort;
      if (buffered >= kStreamBuffer) {
        paused = true;
        return Take::kPause;
      }
      chunks.emplace_back(p, n);
      buffered += n;
      cv.notify_all();
      return Take::kTaken;
    }
  };

  std::shared_ptr<S3Namespace> ns_;
  std::shared_ptr<Pipe> pipe_;
};

}  // namespace

std::unique_ptr<UfsStream> NewS3Stream(std::shared_ptr<S3Namespace> ns, const std::string& key,
                                       const std::string& etag, uint64_t offset, uint64_t length) {
  return std::make_unique<S3Stream>(std::move(ns), key, etag, offset, length);
}

S3Reader::S3Reader(std::shared_ptr<S3Namespace> ns, std::string key, uint64_t size,
                   std::string etag, uint64_t version)
    : ns_(std::move(ns)),
      key_(std::move(key)),
      size_(size),
      etag_(std::move(etag)),
      version_(version) {}

Result<size_t> S3Reader::ReadAt(uint64_t offset, char* buf, size_t n) {
  if (offset >= size_ || n == 0) return size_t{0};
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  return ns_->loop().Run<Result<size_t>>([&]() -> Result<size_t> {
    size_t part = static_cast<size_t>(ns_->settings().read_part_size);
    size_t parts = (n + part - 1) / part;
    std::vector<Status> errors(parts);
    // Large reads go as parallel ranged GETs, all pinned to the ETag seen
    // at open, so the bytes are never a mix of two versions.
    ns_->loop().ParallelFor(parts, ns_->settings().width, [&](size_t i) {
      size_t off = i * part;
      size_t len = std::min(part, n - off);
      errors[i] = ns_->client().GetRange(key_, offset + off, buf + off, len, etag_);
    });
    for (const Status& st : errors) RETURN_IF_ERROR(st);
    return n;
  });
}

Result<std::unique_ptr<UfsStream>> S3Reader::OpenStream(uint64_t offset, uint64_t length) {
  if (offset > size_) offset = size_;
  length = std::min(length, size_ - offset);
  return NewS3Stream(ns_, key_, etag_, offset, length);
}

}  // namespace alluxio::s3
