#include "open_writes.h"

#include <cstdio>
#include <random>

namespace alluxio::worker {

namespace {

std::string NewUuid() {
  std::random_device rd;
  uint8_t b[16];
  for (size_t i = 0; i < sizeof(b); i += 4) {
    uint32_t r = rd();
    for (size_t j = 0; j < 4; ++j) b[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4: random
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  char s[37];
  std::snprintf(s, sizeof(s),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return s;
}

}  // namespace

OpenWrites::~OpenWrites() {
  for (auto& [uri, open] : open_) open->handle->Abort();
}

Result<std::string> OpenWrites::Create(const std::string& uri, const std::string& path,
                                       const OpenOptions& opts) {
  Cancel(uri);  // a client that starts again abandons its first try
  ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> handle, fs_->OpenFile(path, opts));
  auto open = std::make_shared<Open>();
  open->uuid = NewUuid();
  open->handle = std::move(handle);
  std::shared_ptr<Open> replaced;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = open_[uri];
    replaced = std::move(slot);
    slot = open;
  }
  if (replaced) replaced->handle->Abort();
  return open->uuid;
}

std::shared_ptr<OpenWrites::Open> OpenWrites::Find(const std::string& uri) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(uri);
  return it == open_.end() ? nullptr : it->second;
}

Status OpenWrites::Write(const std::string& uri, uint64_t offset, const char* data, size_t n) {
  std::shared_ptr<Open> open = Find(uri);
  if (!open) {
    return Status(Code::kInvalidArgument,
                  "no file is being created at " + uri + " (CreateFile comes before its data)");
  }
  std::lock_guard<std::mutex> lock(open->mu);
  if (!open->error.ok()) return open->error;
  if (offset != open->written) {
    open->error =
        Status::InvalidArgument("chunk of " + uri + " at offset " + std::to_string(offset) +
                                ", expected " + std::to_string(open->written));
    return open->error;
  }
  size_t done = 0;
  while (done < n) {
    auto w = open->handle->Write(offset + done, data + done, n - done);
    if (!w.ok()) {
      open->error = w.status();
      return open->error;
    }
    done += *w;
  }
  open->written += n;
  return Status::OK();
}

Status OpenWrites::Error(const std::string& uri) {
  std::shared_ptr<Open> open = Find(uri);
  if (!open) return Status(Code::kInvalidArgument, "no file is being created at " + uri);
  std::lock_guard<std::mutex> lock(open->mu);
  return open->error;
}

Status OpenWrites::Complete(const std::string& uri, const std::string& uuid, int64_t length) {
  std::shared_ptr<Open> open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = open_.find(uri);
    if (it == open_.end() || (!uuid.empty() && it->second->uuid != uuid)) {
      return Status(Code::kInvalidArgument,
                    "no file is being created at " + uri + " under handle '" + uuid + "'");
    }
    open = std::move(it->second);
    open_.erase(it);
  }
  std::lock_guard<std::mutex> lock(open->mu);
  if (!open->error.ok()) {
    open->handle->Abort();
    return open->error;
  }
  if (length >= 0 && static_cast<uint64_t>(length) != open->written) {
    open->handle->Abort();
    return Status::InvalidArgument(uri + ": the client wrote " + std::to_string(length) +
                                   " bytes, the worker received " + std::to_string(open->written));
  }
  return open->handle->Close();
}

void OpenWrites::Cancel(const std::string& uri) {
  std::shared_ptr<Open> open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = open_.find(uri);
    if (it == open_.end()) return;
    open = std::move(it->second);
    open_.erase(it);
  }
  std::lock_guard<std::mutex> lock(open->mu);
  open->handle->Abort();
}

}  // namespace alluxio::worker
