#include "testing/mem_object_client.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <thread>
#include <utility>

namespace alluxio::testing {

namespace {

// A stand-in for S3's MD5 ETag: FNV-1a over the content, in hex. Equal
// content gives equal ETags, as with S3.
std::string HashHex(const std::string& data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

s3::UserMeta Lowered(const s3::UserMeta& meta) {
  s3::UserMeta out;
  for (const auto& [k, v] : meta) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = v;
  }
  return out;
}

bool StartsWith(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

constexpr size_t kStreamChunk = 64 << 10;

}  // namespace

MemObjectClient::MemObjectClient(std::string bucket) : bucket_(std::move(bucket)) {}

Status MemObjectClient::CheckBucket() const {
  if (bucket_deleted_) {
    return Status(Code::kNotFound, "S3 bucket '" + bucket_ + "' does not exist at mem://");
  }
  return Status::OK();
}

s3::ObjectMeta MemObjectClient::MetaOf(const std::string& key, const Object& o, bool head) const {
  s3::ObjectMeta m;
  m.key = key;
  m.size = o.data->size();
  m.etag = o.etag;
  // HEAD's Last-Modified is an HTTP date (seconds); listings give ms.
  m.last_modified_ns =
      head ? o.last_modified_ns / 1000000000 * 1000000000 : o.last_modified_ns / 1000000 * 1000000;
  if (head) {
    m.content_type = o.content_type;
    m.user = o.user;
  }
  return m;
}

Result<const MemObjectClient::Object*> MemObjectClient::Find(const std::string& key) const {
  RETURN_IF_ERROR(CheckBucket());
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return Status(Code::kNotFound, "s3://" + bucket_ + "/" + key + " does not exist");
  }
  return &it->second;
}

void MemObjectClient::Store(const std::string& key, std::string data, const s3::UserMeta& meta,
                            const std::string& content_type, std::string etag) {
  Object o;
  o.data = std::make_shared<const std::string>(std::move(data));
  o.etag = std::move(etag);
  o.last_modified_ns = clock_ns_;
  o.content_type = content_type;
  o.user = Lowered(meta);
  objects_[key] = std::move(o);
}

Result<s3::ObjectMeta> MemObjectClient::Head(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const Object* o, Find(key));
  return MetaOf(key, *o, true);
}

Result<s3::ObjectMeta> MemObjectClient::GetFirst(const std::string& key, size_t max,
                                                 std::string* head) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const Object* o, Find(key));
  if (o->data->empty()) {
    return Status(Code::kOutOfRange, "GET s3://" + bucket_ + "/" + key + ": HTTP 416");
  }
  *head = o->data->substr(0, max);
  return MetaOf(key, *o, true);
}

Result<std::shared_ptr<const std::string>> MemObjectClient::RangeOf(const std::string& key,
                                                                    uint64_t offset, uint64_t n,
                                                                    const std::string& if_match) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const Object* o, Find(key));
  const std::string where = "s3://" + bucket_ + "/" + key;
  if (!if_match.empty() && if_match != o->etag) {
    return Status(Code::kIoError, where + " changed while it was being read (HTTP 412)");
  }
  if (offset >= o->data->size()) return Status(Code::kOutOfRange, "GET " + where + ": HTTP 416");
  if (o->data->size() - offset < n) return Status(Code::kIoError, "GET " + where + ": short body");
  return o->data;
}

Status MemObjectClient::GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                                 const std::string& if_match) {
  ASSIGN_OR_RETURN(auto data, RangeOf(key, offset, n, if_match));
  std::memcpy(buf, data->data() + offset, n);
  return Status::OK();
}

Status MemObjectClient::GetStream(const std::string& key, uint64_t offset, uint64_t n,
                                  const std::string& if_match, s3::BodyStream* stream,
                                  const std::function<bool()>& cancelled) {
  if (n == 0) return Status::OK();
  // The version the transfer started on, as with S3.
  ASSIGN_OR_RETURN(auto data, RangeOf(key, offset, n, if_match));
  uint64_t done = 0;
  while (done < n) {
    if (cancelled())
      return Status(Code::kAborted, "GET s3://" + bucket_ + "/" + key + ": cancelled");
    size_t k = static_cast<size_t>(std::min<uint64_t>(kStreamChunk, n - done));
    switch (stream->OnData(data->data() + offset + done, k)) {
      case s3::BodyStream::Take::kTaken:
        done += k;
        break;
      case s3::BodyStream::Take::kPause:
        // No socket to stall: poll until the reader made room.
        loop_.Sleep(std::chrono::milliseconds(1));
        break;
      case s3::BodyStream::Take::kAbort:
        return Status(Code::kAborted, "GET s3://" + bucket_ + "/" + key + ": aborted");
    }
  }
  return Status::OK();
}

Status MemObjectClient::Put(const std::string& key, const char* data, size_t n,
                            const s3::UserMeta& meta, const std::string& /*sha256*/) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  std::string bytes(data == nullptr ? "" : std::string(data, n));
  std::string etag = HashHex(bytes);
  Store(key, std::move(bytes), meta, "", std::move(etag));
  return Status::OK();
}

Result<s3::ListPage> MemObjectClient::List(const std::string& prefix, const std::string& delimiter,
                                           const std::string& token, int max_keys,
                                           const std::string& start_after) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  // A token is "k" + the last key or "p" + the last common prefix returned.
  std::string after = start_after;
  bool after_prefix = false;
  if (!token.empty()) {
    after_prefix = token[0] == 'p';
    after = token.substr(1);
  }
  auto it = objects_.lower_bound(prefix);
  if (!after.empty() && after >= prefix) it = objects_.upper_bound(after);
  s3::ListPage page;
  const size_t max = static_cast<size_t>(std::clamp(max_keys, 0, 1000));
  std::string last;
  for (; it != objects_.end() && StartsWith(it->first, prefix); ++it) {
    const std::string& key = it->first;
    if (after_prefix && StartsWith(key, after)) continue;  // inside the prefix returned last
    size_t pos = delimiter.empty() ? std::string::npos : key.find(delimiter, prefix.size());
    const bool rolled_up = pos != std::string::npos;
    std::string cp = rolled_up ? key.substr(0, pos + delimiter.size()) : std::string();
    if (rolled_up && !page.prefixes.empty() && page.prefixes.back() == cp) continue;
    if (page.objects.size() + page.prefixes.size() == max) {
      page.next_token = last;
      break;
    }
    if (rolled_up) {
      page.prefixes.push_back(cp);
      last = "p" + cp;
    } else {
      page.objects.push_back(MetaOf(key, it->second, false));
      last = "k" + key;
    }
  }
  return page;
}

Status MemObjectClient::Copy(const std::string& src, const std::string& dst,
                             const std::optional<s3::UserMeta>& meta,
                             const std::string& content_type) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const Object* o, Find(src));
  if (src == dst && !meta) {
    return Status::InvalidArgument("copy of s3://" + bucket_ + "/" + src +
                                   " onto itself without changing its metadata");
  }
  Object copy = *o;
  if (meta) {
    copy.user = Lowered(*meta);
    copy.content_type = content_type;
  }
  copy.last_modified_ns = clock_ns_;
  objects_[dst] = std::move(copy);
  return Status::OK();
}

Status MemObjectClient::Delete(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  objects_.erase(key);
  return Status::OK();
}

Status MemObjectClient::DeleteMany(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  for (const auto& k : keys) objects_.erase(k);
  return Status::OK();
}

Result<std::string> MemObjectClient::CreateMultipart(const std::string& key,
                                                     const s3::UserMeta& meta,
                                                     const std::string& content_type) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  std::string id = "upload-" + std::to_string(next_upload_++);
  uploads_[id] = Upload{key, Lowered(meta), content_type, {}};
  return id;
}

Result<std::string> MemObjectClient::UploadPart(const std::string& key,
                                                const std::string& upload_id, int part_number,
                                                const char* data, size_t n,
                                                const std::string& /*sha256*/) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end() || it->second.key != key) {
    return Status(Code::kNotFound, "upload " + upload_id + " of " + key + ": NoSuchUpload");
  }
  if (part_number < 1 || part_number > 10000) {
    return Status::InvalidArgument("part number " + std::to_string(part_number));
  }
  std::string bytes(data, n);
  std::string etag = "\"" + HashHex(bytes) + "\"";
  it->second.parts[part_number] = {etag, std::move(bytes)};
  return etag;
}

Result<std::string> MemObjectClient::UploadPartCopy(const std::string& src, const std::string& key,
                                                    const std::string& upload_id, int part_number,
                                                    uint64_t first, uint64_t last) {
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ASSIGN_OR_RETURN(const Object* o, Find(src));
    if (first > last || last >= o->data->size()) {
      return Status(Code::kOutOfRange, "copy range of " + src + ": InvalidRange");
    }
    bytes = o->data->substr(first, last - first + 1);
  }
  return UploadPart(key, upload_id, part_number, bytes.data(), bytes.size(), "");
}

Status MemObjectClient::CompleteMultipart(const std::string& key, const std::string& upload_id,
                                          const std::vector<std::string>& etags) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end() || it->second.key != key) {
    return Status(Code::kNotFound, "upload " + upload_id + " of " + key + ": NoSuchUpload");
  }
  if (etags.empty()) return Status::InvalidArgument("complete of " + key + " with no parts");
  std::string data, joined;
  for (size_t i = 0; i < etags.size(); ++i) {
    auto part = it->second.parts.find(static_cast<int>(i + 1));
    if (part == it->second.parts.end() || part->second.first != etags[i]) {
      return Status::InvalidArgument("complete of " + key + ": InvalidPart " +
                                     std::to_string(i + 1));
    }
    data += part->second.second;
    joined += part->second.first;
  }
  Upload up = std::move(it->second);
  uploads_.erase(it);
  Store(key, std::move(data), up.user, up.content_type,
        HashHex(joined) + "-" + std::to_string(etags.size()));
  return Status::OK();
}

Status MemObjectClient::AbortMultipart(const std::string& key, const std::string& upload_id) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckBucket());
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end() || it->second.key != key) {
    return Status(Code::kNotFound, "upload " + upload_id + " of " + key + ": NoSuchUpload");
  }
  uploads_.erase(it);
  return Status::OK();
}

Status MemObjectClient::Probe(const std::string& /*prefix*/, int /*retries*/) {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckBucket();
}

void MemObjectClient::PutObject(const std::string& key, const std::string& data,
                                const s3::UserMeta& meta) {
  std::lock_guard<std::mutex> lock(mu_);
  Store(key, data, meta, "", HashHex(data));
}

std::optional<std::string> MemObjectClient::Contents(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return *it->second.data;
}

std::optional<s3::ObjectMeta> MemObjectClient::Meta(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return MetaOf(key, it->second, true);
}

std::vector<std::string> MemObjectClient::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, o] : objects_) out.push_back(k);
  return out;
}

size_t MemObjectClient::OpenUploads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uploads_.size();
}

void MemObjectClient::DeleteBucket() {
  std::lock_guard<std::mutex> lock(mu_);
  bucket_deleted_ = true;
}

void MemObjectClient::SetClock(int64_t ns) {
  std::lock_guard<std::mutex> lock(mu_);
  clock_ns_ = ns;
}

void MemObjectClient::AdvanceClock(std::chrono::nanoseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  clock_ns_ += d.count();
}

// --- FaultyObjectClient ---

FaultyObjectClient::FaultyObjectClient(std::shared_ptr<s3::ObjectClient> target)
    : target_(std::move(target)) {}

void FaultyObjectClient::FailNth(const std::string& op, int nth, Status status, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  int base = calls_[op];
  faults_[op].push_back(Fault{base + nth, base + nth + times - 1, std::move(status)});
}

void FaultyObjectClient::FailAll(const std::string& op, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_[op].push_back(Fault{calls_[op] + 1, 1 << 30, std::move(status)});
}

void FaultyObjectClient::Delay(const std::string& op, std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  delays_[op] = d;
}

void FaultyObjectClient::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
  delays_.clear();
}

int FaultyObjectClient::Count(const std::string& op) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}

int FaultyObjectClient::TotalCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [op, c] : counts_) n += c;
  return n;
}

void FaultyObjectClient::ResetCounts() {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.clear();
}

Status FaultyObjectClient::Enter(const char* op) {
  Status st;
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[op];
    int n = ++calls_[op];
    auto f = faults_.find(op);
    if (f != faults_.end()) {
      for (const Fault& fault : f->second) {
        if (n >= fault.first && n <= fault.last) {
          st = fault.status;
          break;
        }
      }
    }
    auto d = delays_.find(op);
    if (d != delays_.end()) delay = d->second;
  }
  if (delay.count() > 0) target_->loop().Sleep(delay);
  return st;
}

#define ALLUXIO_FAULT_GATE(op)     \
  do {                             \
    Status gate_ = Enter(op);      \
    if (!gate_.ok()) return gate_; \
  } while (0)

Result<s3::ObjectMeta> FaultyObjectClient::Head(const std::string& key) {
  ALLUXIO_FAULT_GATE("Head");
  return target_->Head(key);
}

Result<s3::ObjectMeta> FaultyObjectClient::GetFirst(const std::string& key, size_t max,
                                                    std::string* head) {
  ALLUXIO_FAULT_GATE("GetFirst");
  return target_->GetFirst(key, max, head);
}

Status FaultyObjectClient::GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                                    const std::string& if_match) {
  ALLUXIO_FAULT_GATE("GetRange");
  return target_->GetRange(key, offset, buf, n, if_match);
}

Status FaultyObjectClient::GetStream(const std::string& key, uint64_t offset, uint64_t n,
                                     const std::string& if_match, s3::BodyStream* stream,
                                     const std::function<bool()>& cancelled) {
  ALLUXIO_FAULT_GATE("GetStream");
  return target_->GetStream(key, offset, n, if_match, stream, cancelled);
}

Status FaultyObjectClient::Put(const std::string& key, const char* data, size_t n,
                               const s3::UserMeta& meta, const std::string& sha256) {
  ALLUXIO_FAULT_GATE("Put");
  return target_->Put(key, data, n, meta, sha256);
}

Result<s3::ListPage> FaultyObjectClient::List(const std::string& prefix,
                                              const std::string& delimiter,
                                              const std::string& token, int max_keys,
                                              const std::string& start_after) {
  ALLUXIO_FAULT_GATE("List");
  return target_->List(prefix, delimiter, token, max_keys, start_after);
}

Status FaultyObjectClient::Copy(const std::string& src, const std::string& dst,
                                const std::optional<s3::UserMeta>& meta,
                                const std::string& content_type) {
  ALLUXIO_FAULT_GATE("Copy");
  return target_->Copy(src, dst, meta, content_type);
}

Status FaultyObjectClient::Delete(const std::string& key) {
  ALLUXIO_FAULT_GATE("Delete");
  return target_->Delete(key);
}

Status FaultyObjectClient::DeleteMany(const std::vector<std::string>& keys) {
  ALLUXIO_FAULT_GATE("DeleteMany");
  return target_->DeleteMany(keys);
}

Result<std::string> FaultyObjectClient::CreateMultipart(const std::string& key,
                                                        const s3::UserMeta& meta,
                                                        const std::string& content_type) {
  ALLUXIO_FAULT_GATE("CreateMultipart");
  return target_->CreateMultipart(key, meta, content_type);
}

Result<std::string> FaultyObjectClient::UploadPart(const std::string& key,
                                                   const std::string& upload_id, int part_number,
                                                   const char* data, size_t n,
                                                   const std::string& sha256) {
  ALLUXIO_FAULT_GATE("UploadPart");
  return target_->UploadPart(key, upload_id, part_number, data, n, sha256);
}

Result<std::string> FaultyObjectClient::UploadPartCopy(const std::string& src,
                                                       const std::string& key,
                                                       const std::string& upload_id,
                                                       int part_number, uint64_t first,
                                                       uint64_t last) {
  ALLUXIO_FAULT_GATE("UploadPartCopy");
  return target_->UploadPartCopy(src, key, upload_id, part_number, first, last);
}

Status FaultyObjectClient::CompleteMultipart(const std::string& key, const std::string& upload_id,
                                             const std::vector<std::string>& etags) {
  ALLUXIO_FAULT_GATE("CompleteMultipart");
  return target_->CompleteMultipart(key, upload_id, etags);
}

Status FaultyObjectClient::AbortMultipart(const std::string& key, const std::string& upload_id) {
  ALLUXIO_FAULT_GATE("AbortMultipart");
  return target_->AbortMultipart(key, upload_id);
}

Status FaultyObjectClient::Probe(const std::string& prefix, int retries) {
  ALLUXIO_FAULT_GATE("Probe");
  return target_->Probe(prefix, retries);
}

#undef ALLUXIO_FAULT_GATE

}  // namespace alluxio::testing
