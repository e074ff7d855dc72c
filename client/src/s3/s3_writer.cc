#include "s3/s3_writer.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "s3/s3_metadata.h"
#include "s3/sigv4.h"

namespace alluxio::s3 {

S3Writer::S3Writer(std::shared_ptr<S3Namespace> ns, std::string path, const UfsCreateOptions& opts)
    : ns_(std::move(ns)), path_(std::move(path)), key_(ns_->Key(path_)), opts_(opts) {}

S3Writer::~S3Writer() { Abort(); }

Status S3Writer::Append(const char* data, size_t n) {
  if (closed_) return Status(Code::kBadDescriptor, "writer of " + path_ + " is closed");
  RETURN_IF_ERROR(error_);
  while (n > 0) {
    // A full buffer is sent only once more data comes, so an object of
    // exactly one part is still a single PUT.
    if (buf_.size() == ns_->PartSize(next_part_)) {
      error_ = FlushPart();
      RETURN_IF_ERROR(error_);
    }
    size_t room = static_cast<size_t>(ns_->PartSize(next_part_)) - buf_.size();
    size_t take = std::min(room, n);
    buf_.append(data, take);
    data += take;
    n -= take;
  }
  return Status::OK();
}

Status S3Writer::Commit() {
  if (closed_) return Status(Code::kBadDescriptor, "writer of " + path_ + " is closed");
  Status st = error_;
  if (st.ok() && upload_id_.empty()) {
    // Small object: one PUT, atomically visible.
    UserMeta meta = Meta();
    std::string sha = Sha256Hex(buf_.data(), buf_.size());
    st = ns_->loop().Run<Status>(
        [&] { return ns_->client().Put(key_, buf_.data(), buf_.size(), meta, sha); });
    closed_ = true;
    buf_.clear();
    buf_.shrink_to_fit();
    return st;
  }
  // The last part may be short; an object of exactly N parts has none.
  if (st.ok() && !buf_.empty()) st = FlushPart();
  for (auto& p : inflight_) {
    Result<std::string> r = p.get();
    if (!r.ok() && st.ok()) st = r.status();
    if (r.ok()) done_etags_.push_back(std::move(*r));
  }
  inflight_.clear();
  if (st.ok()) {
    st = ns_->loop().Run<Status>(
        [&] { return ns_->client().CompleteMultipart(key_, upload_id_, done_etags_); });
  }
  if (!st.ok() && !upload_id_.empty()) AbortUpload();
  upload_id_.clear();
  closed_ = true;
  return st.ok() ? st : st.WithContext("commit " + path_);
}

void S3Writer::Abort() {
  if (closed_) return;
  closed_ = true;
  for (auto& p : inflight_) p.wait();
  inflight_.clear();
  if (!upload_id_.empty()) AbortUpload();
  upload_id_.clear();
  buf_.clear();
}

UserMeta S3Writer::Meta() const {
  return MetaFor(false, opts_.mode, opts_.uid.value_or(static_cast<uint32_t>(getuid())),
                 opts_.gid.value_or(static_cast<uint32_t>(getgid())),
                 opts_.mtime_ns.value_or(NowNs()));
}

void S3Writer::AbortUpload() {
  // Best effort: an unfinished upload is invisible anyway, and a bucket
  // lifecycle rule can reap what a dead network leaves behind.
  std::string id = upload_id_;
  (void)ns_->loop().Run<Status>([&] { return ns_->client().AbortMultipart(key_, id); });
}

Status S3Writer::FlushPart() {
  if (upload_id_.empty()) {
    UserMeta meta = Meta();
    auto id = ns_->loop().Run<Result<std::string>>(
        [&] { return ns_->client().CreateMultipart(key_, meta, ""); });
    if (!id.ok()) return id.status().WithContext("start upload of " + path_);
    upload_id_ = std::move(*id);
  }
  if (next_part_ > kMaxParts) {
    return Status(Code::kTooLarge, path_ + " exceeds S3's limit of 10000 parts");
  }
  // Bound memory: at most kMaxInflightParts parts buffered in flight.
  while (inflight_.size() >= kMaxInflightParts) {
    Result<std::string> r = inflight_.front().get();
    inflight_.pop_front();
    if (!r.ok()) return r.status().WithContext("upload " + path_);
    done_etags_.push_back(std::move(*r));
  }
  auto data = std::make_shared<std::string>(std::move(buf_));
  buf_ = std::string();
  std::string sha = Sha256Hex(data->data(), data->size());
  auto done = std::make_shared<std::promise<Result<std::string>>>();
  inflight_.push_back(done->get_future());
  // The fiber holds a raw pointer to the client: Abort()/Commit() wait for
  // every part before this writer (and its namespace reference) goes away.
  ObjectClient* client = &ns_->client();
  ns_->loop().Spawn([client, key = key_, id = upload_id_, n = next_part_, data, sha, done] {
    try {
      done->set_value(client->UploadPart(key, id, n, data->data(), data->size(), sha));
    } catch (...) {
      done->set_value(Status(Code::kNoMemory, "out of memory uploading a part"));
    }
  });
  ++next_part_;
  return Status::OK();
}

}  // namespace alluxio::s3
