// MemObjectClient: an in-memory S3 bucket behind the ObjectClient interface,
// for unit tests of the S3 UFS with no server. FaultyObjectClient: a
// decorator that fails or delays chosen calls, and counts every call.
//
// MemObjectClient keeps S3's semantics where the UFS relies on them:
// - keys in byte order (std::string compares as unsigned chars, as S3);
// - ListObjectsV2: prefix, delimiter rolling keys up into common prefixes,
//   max-keys counting keys and prefixes alike, continuation tokens that
//   resume after the last key or prefix returned (never inside a returned
//   prefix), start-after (exclusive, ignored with a token);
// - ETags from the content (an overwrite with other bytes changes it; a
//   multipart object's is "<hash>-<parts>"); HEAD reports LastModified in
//   whole seconds, listings in milliseconds; listings carry no user metadata;
// - ranged GETs: OutOfRange (416) at or past the end, IoError for a range
//   running past it (a short body) and for an If-Match that fails (412);
//   GetFirst of an empty object is OutOfRange, as S3 answers a ranged GET;
// - NotFound (404 NoSuchKey) for a missing key, (NoSuchUpload) for an
//   unknown upload, (NoSuchBucket) everywhere once the bucket is deleted;
// - multipart: nothing visible before Complete, which assembles the parts
//   whose ETags it is given (IoError (InvalidPart) for an unknown one);
//   Abort discards them; copy onto itself needs new metadata (InvalidArgument).
// Thread-safe; calls may come from any thread, and GetStream and injected
// delays must run on a fiber of loop().
#ifndef ALLUXIO_TESTS_TESTING_MEM_OBJECT_CLIENT_H_
#define ALLUXIO_TESTS_TESTING_MEM_OBJECT_CLIENT_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "s3/object_client.h"

namespace alluxio::testing {

class MemObjectClient : public s3::ObjectClient {
 public:
  explicit MemObjectClient(std::string bucket = "mem-bucket");

  s3::IoLoop& loop() override { return loop_; }

  Result<s3::ObjectMeta> Head(const std::string& key) override;
  Result<s3::ObjectMeta> GetFirst(const std::string& key, size_t max, std::string* head) override;
  Status GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                  const std::string& if_match) override;
  Status GetStream(const std::string& key, uint64_t offset, uint64_t n, const std::string& if_match,
                   s3::BodyStream* stream, const std::function<bool()>& cancelled) override;
  Status Put(const std::string& key, const char* data, size_t n, const s3::UserMeta& meta,
             const std::string& sha256 = "") override;
  Result<s3::ListPage> List(const std::string& prefix, const std::string& delimiter,
                            const std::string& token, int max_keys,
                            const std::string& start_after = "") override;
  Status Copy(const std::string& src, const std::string& dst,
              const std::optional<s3::UserMeta>& meta,
              const std::string& content_type = "") override;
  Status Delete(const std::string& key) override;
  Status DeleteMany(const std::vector<std::string>& keys) override;
  Result<std::string> CreateMultipart(const std::string& key, const s3::UserMeta& meta,
                                      const std::string& content_type = "") override;
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, const char* data, size_t n,
                                 const std::string& sha256) override;
  Result<std::string> UploadPartCopy(const std::string& src, const std::string& key,
                                     const std::string& upload_id, int part_number, uint64_t first,
                                     uint64_t last) override;
  Status CompleteMultipart(const std::string& key, const std::string& upload_id,
                           const std::vector<std::string>& etags) override;
  Status AbortMultipart(const std::string& key, const std::string& upload_id) override;
  Status Probe(const std::string& prefix, int retries) override;

  // --- Test access, any thread, no fiber needed. ---

  // Puts an object as another client would (no metadata unless given).
  void PutObject(const std::string& key, const std::string& data, const s3::UserMeta& meta = {});
  // The object's bytes, or nullopt when absent.
  std::optional<std::string> Contents(const std::string& key) const;
  // Its headers as HEAD shows them, or nullopt.
  std::optional<s3::ObjectMeta> Meta(const std::string& key) const;
  // Every key, in order.
  std::vector<std::string> Keys() const;
  // Multipart uploads started and neither completed nor aborted.
  size_t OpenUploads() const;
  // Makes every call fail as for a deleted bucket.
  void DeleteBucket();
  // The wall clock objects get their LastModified from (ns since the
  // epoch); advanced by hand.
  void SetClock(int64_t ns);
  void AdvanceClock(std::chrono::nanoseconds d);

 private:
  struct Object {
    std::shared_ptr<const std::string> data;
    std::string etag;
    int64_t last_modified_ns = 0;
    std::string content_type;
    s3::UserMeta user;
  };
  struct Upload {
    std::string key;
    s3::UserMeta user;
    std::string content_type;
    std::map<int, std::pair<std::string, std::string>> parts;  // n -> (etag, data)
  };

  // Each requires mu_.
  Status CheckBucket() const;
  s3::ObjectMeta MetaOf(const std::string& key, const Object& o, bool head) const;
  Result<const Object*> Find(const std::string& key) const;
  // The content of `key` when [offset, offset + n) is inside it and its ETag
  // is `if_match` (if given), with S3's errors otherwise. Takes mu_.
  Result<std::shared_ptr<const std::string>> RangeOf(const std::string& key, uint64_t offset,
                                                     uint64_t n, const std::string& if_match);
  void Store(const std::string& key, std::string data, const s3::UserMeta& meta,
             const std::string& content_type, std::string etag);

  const std::string bucket_;
  mutable std::mutex mu_;  // guards everything below; a leaf lock
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 1;
  int64_t clock_ns_ = 1'700'000'000'123'000'000;
  bool bucket_deleted_ = false;
  // Last: destroyed first, so no fiber outlives the state it uses.
  s3::IoLoop loop_{32};
};

// Forwards to `target`, failing or delaying calls chosen by operation name:
// "Head", "GetFirst", "GetRange", "GetStream", "Put", "List", "Copy",
// "Delete", "DeleteMany", "CreateMultipart", "UploadPart", "UploadPartCopy",
// "CompleteMultipart", "AbortMultipart", "Probe". Counts every call by name.
class FaultyObjectClient : public s3::ObjectClient {
 public:
  explicit FaultyObjectClient(std::shared_ptr<s3::ObjectClient> target);

  // Fails calls number nth .. nth + times - 1 of `op`, counted from now
  // (nth 1 = the next call), with `status`, without forwarding them.
  void FailNth(const std::string& op, int nth, Status status, int times = 1);
  // Fails every call of `op` from now on.
  void FailAll(const std::string& op, Status status);
  // Sleeps (on the loop) before forwarding each call of `op`.
  void Delay(const std::string& op, std::chrono::milliseconds d);
  // Removes every fault and delay.
  void Clear();
  // Calls of `op` since construction or ResetCounts, failed ones included.
  int Count(const std::string& op) const;
  // All calls since construction or ResetCounts.
  int TotalCount() const;
  void ResetCounts();

  s3::IoLoop& loop() override { return target_->loop(); }
  Result<s3::ObjectMeta> Head(const std::string& key) override;
  Result<s3::ObjectMeta> GetFirst(const std::string& key, size_t max, std::string* head) override;
  Status GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                  const std::string& if_match) override;
  Status GetStream(const std::string& key, uint64_t offset, uint64_t n, const std::string& if_match,
                   s3::BodyStream* stream, const std::function<bool()>& cancelled) override;
  Status Put(const std::string& key, const char* data, size_t n, const s3::UserMeta& meta,
             const std::string& sha256 = "") override;
  Result<s3::ListPage> List(const std::string& prefix, const std::string& delimiter,
                            const std::string& token, int max_keys,
                            const std::string& start_after = "") override;
  Status Copy(const std::string& src, const std::string& dst,
              const std::optional<s3::UserMeta>& meta,
              const std::string& content_type = "") override;
  Status Delete(const std::string& key) override;
  Status DeleteMany(const std::vector<std::string>& keys) override;
  Result<std::string> CreateMultipart(const std::string& key, const s3::UserMeta& meta,
                                      const std::string& content_type = "") override;
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, const char* data, size_t n,
                                 const std::string& sha256) override;
  Result<std::string> UploadPartCopy(const std::string& src, const std::string& key,
                                     const std::string& upload_id, int part_number, uint64_t first,
                                     uint64_t last) override;
  Status CompleteMultipart(const std::string& key, const std::string& upload_id,
                           const std::vector<std::string>& etags) override;
  Status AbortMultipart(const std::string& key, const std::string& upload_id) override;
  Status Probe(const std::string& prefix, int retries) override;

 private:
  struct Fault {
    int first = 0;  // call numbers [first, last] of the op fail
    int last = 0;
    Status status;
  };
  // Counts the call; sleeps when a delay is set; returns the fault, or OK.
  Status Enter(const char* op);

  std::shared_ptr<s3::ObjectClient> target_;
  mutable std::mutex mu_;              // guards the maps; a leaf lock, never held across a call
  std::map<std::string, int> counts_;  // since ResetCounts
  std::map<std::string, int> calls_;   // since construction: numbers faults
  std::map<std::string, std::vector<Fault>> faults_;
  std::map<std::string, std::chrono::milliseconds> delays_;
};

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_MEM_OBJECT_CLIENT_H_
