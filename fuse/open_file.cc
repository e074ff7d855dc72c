#include "open_file.h"

#include <utility>

namespace alluxio::fuse {

OpenFile::OpenFile(FileSystem* fs, std::shared_ptr<FileHandle> handle, uint64_t ino,
                   const OpenOptions& opts, bool dirty, Opener opener)
    : fs_(fs),
      ino_(ino),
      writable_(handle->writable()),
      path_(handle->path()),
      opener_(opener),
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

void OpenFile::NoteUse() {
  std::lock_guard<std::mutex> lock(state_mu_);
  idle_after_unverified_flush_ = false;
}

void OpenFile::SetEnd(bool done) {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    ending_ = true;
    if (done) ended_ = true;
  }
  state_cv_.notify_all();
}

Result<size_t> OpenFile::Read(uint64_t offset, char* buf, size_t n) {
  NoteUse();
  std::shared_ptr<FileHandle> h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ && !closed_ && !handle_) {
      // Reopening for writing (CurrentLocked) would hold the writer slot
      // until a release that a live mapping postpones indefinitely.
      ASSIGN_OR_RETURN(FileAttr now, fs_->GetStatus(path_));
      if (committed_reader_) {
        auto a = committed_reader_->Stat();
        if (!a.ok() || a->version != now.version) committed_reader_.reset();
      }
      if (!committed_reader_) {
        ASSIGN_OR_RETURN(committed_reader_, fs_->OpenFile(path_, OpenOptions()));
      }
      h = committed_reader_;
    } else {
      ASSIGN_OR_RETURN(h, CurrentLocked());
    }
  }
  // Reads run concurrently; the handle outlives a concurrent commit (which
  // would fail this read with BadDescriptor, as a closed handle does).
  return h->Read(offset, buf, n);
}

Result<size_t> OpenFile::Write(uint64_t offset, const char* buf, size_t n) {
  NoteUse();
  std::lock_guard<std::mutex> lock(mu_);
  if (!poison_.ok()) return poison_;
  Result<size_t> r = [&]() -> Result<size_t> {
    ASSIGN_OR_RETURN(auto h, CurrentLocked());
    dirty_ = true;
    return h->Write(offset, buf, n);
  }();
  // A refused write (NotSupported: it needs the random-access switch) left
  // the file as it was, and write(2) said so. After the end, though, a
  // refusal means a holder nobody saw lost its data: its close must fail.
  if (!r.ok() && (r.status().code() != Code::kNotSupported || finished_)) poison_ = r.status();
  return r;
}

Status OpenFile::Truncate(uint64_t size) {
  NoteUse();
  std::lock_guard<std::mutex> lock(mu_);
  if (!poison_.ok()) return poison_;
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(auto h, CurrentLocked());
    dirty_ = true;
    return h->Truncate(size);
  }();
  if (!st.ok() && (st.code() != Code::kNotSupported || finished_)) poison_ = st;
  return st;
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

Status OpenFile::WriteError() {
  std::lock_guard<std::mutex> lock(mu_);
  return poison_;
}

bool OpenFile::Pending() {
  std::lock_guard<std::mutex> lock(mu_);
  return !closed_ && (handle_ != nullptr || dirty_);
}

bool OpenFile::Finished() {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_ && !closed_ && !handle_;
}

Status OpenFile::Sync() {
  NoteUse();
  std::lock_guard<std::mutex> lock(mu_);
  if (!poison_.ok()) return poison_;
  if (!handle_) return closed_ ? Status(Code::kBadDescriptor, path_ + " is closed") : Status::OK();
  return handle_->Sync();
}

Status OpenFile::EndLocked(bool* committed) {
  *committed = false;
  std::shared_ptr<FileHandle> h = std::move(handle_);
  const bool dirty = dirty_;
  dirty_ = false;
  if (!h) return poison_;
  *committed = writable_ && dirty;
  if (!poison_.ok()) {
    // Part of what was written is missing: keep the previous file.
    h->Abort();
    return poison_;
  }
  return h->Close();
}

Status OpenFile::Finish(bool* committed) {
  SetEnd(false);
  Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    *committed = false;
    if (closed_ || finished_) {
      st = poison_;
    } else {
      finished_ = true;
      st = EndLocked(committed);
    }
  }
  SetEnd(true);
  return st;
}

void OpenFile::NoteFlush(bool unverified) {
  std::lock_guard<std::mutex> lock(state_mu_);
  idle_after_unverified_flush_ = unverified;
}

Status OpenFile::Close(bool* committed) {
  SetEnd(false);
  Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    *committed = false;
    closed_ = true;
    committed_reader_.reset();
    // A handle reopened after Finish (a holder nobody saw) ends here too.
    st = EndLocked(committed);
  }
  SetEnd(true);
  return st;
}

bool OpenFile::AwaitEndAfterUnverifiedFlush(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(state_mu_);
  if (ended_) return true;
  if (!idle_after_unverified_flush_ && !ending_) return false;
  // The bound is for a release that may never come (the holder that could
  // not be checked still has the file); a release that has begun is waited
  // for until its commit is done.
  if (!state_cv_.wait_for(lock, wait, [this] { return ending_ || ended_; })) return false;
  state_cv_.wait(lock, [this] { return ended_; });
  return true;
}

}  // namespace alluxio::fuse
