#include "worker_ufs.h"

#include <algorithm>

#include "wire.h"

namespace alluxio::worker {

namespace {

class WorkerReader : public UfsReader {
 public:
  WorkerReader(std::unique_ptr<UfsReader> direct, std::shared_ptr<WorkerPool> pool,
               const std::string& uri, std::string path)
      : direct_(std::move(direct)),
        pool_(std::move(pool)),
        uri_(uri),
        path_(std::move(path)),
        worker_(pool_->Owner(uri_ + path_)) {}

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    uint64_t size = direct_->Size();
    if (offset >= size || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size - offset));
    size_t done = 0;
    while (done < n && pool_->Available(worker_)) {
      size_t want = std::min(n - done, kMaxReadRange);
      auto got = pool_->ReadRange(worker_, uri_, path_, direct_->Version(), offset + done, want,
                                  buf + done);
      if (!got.ok()) {
        Code c = got.status().code();
        // Unreachable workers were marked down (and logged) by the pool; a
        // version mismatch is the file changing, not worth a line; anything
        // else means the worker cannot serve this UFS.
        if (c != Code::kUnavailable && c != Code::kTimedOut && c != Code::kAborted) {
          pool_->NoteRefusal(worker_, got.status());
        }
        break;
      }
      done += *got;
      // Short before the size this reader promises: the worker's view
      // differs, so the UFS answers the rest.
      if (*got < want) break;
    }
    if (done == n) return done;
    ASSIGN_OR_RETURN(size_t more, direct_->ReadAt(offset + done, buf + done, n - done));
    return done + more;
  }

  uint64_t Size() const override { return direct_->Size(); }
  uint64_t Version() const override { return direct_->Version(); }
  // Ranges come from the owning worker. Only when that worker is already
  // down at open does the reader stream from the UFS, if the UFS streams.
  bool PrefersStreams() const override {
    return !pool_->Available(worker_) && direct_->PrefersStreams();
  }
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) override {
    return direct_->OpenStream(offset, length);
  }

 private:
  const std::unique_ptr<UfsReader> direct_;
  const std::shared_ptr<WorkerPool> pool_;
  const std::string uri_;
  const std::string path_;
  const size_t worker_;
};

}  // namespace

Result<std::unique_ptr<UfsReader>> WorkerUfs::OpenReader(const std::string& path,
                                                         const FileAttr* known) {
  ASSIGN_OR_RETURN(auto direct, target_->OpenReader(path, known));
  return std::unique_ptr<UfsReader>(new WorkerReader(std::move(direct), pool_, uri_, path));
}

}  // namespace alluxio::worker
