#include "open_file.h"

#include <utility>

namespace alluxio::fuse {

OpenFile::OpenFile(FileSystem* fs, std::shared_ptr<FileHandle> handle, uint64_t ino,
                   const OpenOptions& opts, bool dirty)
    : fs_(fs),
      ino_(ino),
      writable_(handle->writable()),
      path_(handle->path()),
      reopen_opts_(opts),
      handle_(std::move(handle)),
      dirty_(dirty) {
  reopen_opts_.create = false;
  reopen_opts_.exclusive = false;
  reopen_opts_.truncate = false;
}

Result<std::shared_ptr<FileHandle>> OpenFile::CurrentLocked() {
  if (closed_) return Status(Code::kBadDescriptor, path_ + " is closed");
  if (!handle_) {
    ASSIGN_OR_RETURN(handle_, fs_->OpenFile(path_, reopen_opts_));
  }
  return handle_;
}

Result<size_t> OpenFile::Read(uint64_t offset, char* buf, size_t n) {
  std::shared_ptr<FileHandle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ASSIGN_OR_RETURN(h, CurrentLocked());
  }
  // Reads run concurrently; the handle outlives a concurrent commit (which
  // would fail this read with BadDescriptor, as a closed handle does).
  return h->Read(offset, buf, n);
}

Result<size_t> OpenFile::Write(uint64_t offset, const char* buf, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto h, CurrentLocked());
  dirty_ = true;
  return h->Write(offset, buf, n);
}

Status OpenFile::Truncate(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto h, CurrentLocked());
  dirty_ = true;
  return h->Truncate(size);
}

Result<FileAttr> OpenFile::Stat() {
  std::shared_ptr<FileHandle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    h = handle_;
  }
  if (h) return h->Stat();
  return fs_->GetStatus(path_);
}

Status OpenFile::Commit(bool* committed) {
  std::lock_guard<std::mutex> lock(mu_);
  *committed = false;
  if (!writable_ || !dirty_ || !handle_) return Status::OK();
  *committed = true;
  dirty_ = false;
  Status st = handle_->Close();
  handle_.reset();
  return st;
}

Status OpenFile::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!handle_) return closed_ ? Status(Code::kBadDescriptor, path_ + " is closed") : Status::OK();
  return handle_->Sync();
}

Status OpenFile::Close(bool* committed) {
  std::lock_guard<std::mutex> lock(mu_);
  *committed = writable_ && dirty_ && handle_ != nullptr;
  closed_ = true;
  dirty_ = false;
  if (!handle_) return Status::OK();
  Status st = handle_->Close();
  handle_.reset();
  return st;
}

}  // namespace alluxio::fuse
