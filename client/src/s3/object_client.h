// ObjectClient: the object-store operations the S3 UFS is built on, one
// bucket at a time.
//
// S3Client (s3_client.h) implements it over HTTP; tests use an in-memory
// fake (tests/testing/mem_object_client.h). Whatever implements it must keep
// S3's semantics, since the namespace rules of the UFS rely on them:
// - keys are ordered by their bytes (as unsigned chars), and listings return
//   them in that order;
// - a listing with a delimiter rolls every key that has the delimiter after
//   the prefix up into one common prefix (ending with the delimiter); keys and
//   common prefixes each count towards max_keys;
// - an object's ETag changes when its content does;
// - an object written (Put, CompleteMultipart, Copy) is visible whole or not
//   at all; an unfinished multipart upload is never visible.
//
// Threading: every operation must be called on a fiber of loop() (wrap calls
// in loop().Run()). Operations are independent and may run concurrently on
// many fibers. Errors are Status codes with POSIX meaning: NotFound for a
// missing key (404 NoSuchKey) or bucket, PermissionDenied (403), Busy (409),
// OutOfRange (416), IoError for a changed object (412) or a short body,
// Unavailable for an unreachable endpoint (and 503); messages name the bucket,
// the key and the endpoint, never credentials.
#ifndef ALLUXIO_CLIENT_S3_OBJECT_CLIENT_H_
#define ALLUXIO_CLIENT_S3_OBJECT_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alluxio/status.h"
#include "s3/io_loop.h"

namespace alluxio::s3 {

// Headers of an object (HEAD) or an entry of a listing.
struct ObjectMeta {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // without quotes
  // HEAD reports whole seconds (an HTTP date), listings milliseconds.
  int64_t last_modified_ns = 0;
  std::string content_type;
  // x-amz-meta-* without the prefix, names lower-cased (HEAD only).
  std::map<std::string, std::string> user;
};

struct ListPage {
  std::vector<ObjectMeta> objects;    // Contents (no user metadata)
  std::vector<std::string> prefixes;  // CommonPrefixes, with trailing '/'
  std::string next_token;             // "" when this is the last page
};

// User metadata to set on a new object ("mode" -> "33188").
using UserMeta = std::map<std::string, std::string>;

class ObjectClient {
 public:
  virtual ~ObjectClient() = default;

  // The loop every operation runs on. Lives as long as this client.
  virtual IoLoop& loop() = 0;

  // HEAD object. NotFound when absent.
  virtual Result<ObjectMeta> Head(const std::string& key) = 0;
  // GET of the first `max` bytes (or all of a smaller object) into *head,
  // with the object's headers as HEAD reports them. NotFound when absent;
  // OutOfRange (416) for an empty object.
  virtual Result<ObjectMeta> GetFirst(const std::string& key, size_t max, std::string* head) = 0;
  // Reads exactly n bytes at offset into buf (ranged GET). With if_match,
  // fails (IoError) when the object's ETag differs (it changed since it was
  // opened). OutOfRange when offset is at or past the end; IoError when the
  // object holds fewer than n bytes from offset.
  virtual Status GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                          const std::string& if_match) = 0;
  // Streams [offset, offset + n) of the object into `stream` pinned to
  // if_match, resuming where a retryable failure broke a transfer off, and
  // honouring the stream's flow control (a paused transfer goes on after
  // loop().ResumeStream). `cancelled` is polled between attempts; Aborted
  // when it says so or when the stream aborts.
  virtual Status GetStream(const std::string& key, uint64_t offset, uint64_t n,
                           const std::string& if_match, BodyStream* stream,
                           const std::function<bool()>& cancelled) = 0;
  // PUT object (whole content). `sha256` may be "" (computed where needed).
  virtual Status Put(const std::string& key, const char* data, size_t n, const UserMeta& meta,
                     const std::string& sha256 = "") = 0;
  // One ListObjectsV2 page of at most max_keys keys and common prefixes.
  // Without a token, `start_after` (exclusive) makes the listing begin after
  // that key; with one, it is ignored. NotFound only for a missing bucket.
  virtual Result<ListPage> List(const std::string& prefix, const std::string& delimiter,
                                const std::string& token, int max_keys,
                                const std::string& start_after = "") = 0;
  // Server-side copy (objects up to 5 GiB). With meta, the copy gets exactly
  // that user metadata (REPLACE); without, the source's (COPY). NotFound when
  // src is absent.
  virtual Status Copy(const std::string& src, const std::string& dst,
                      const std::optional<UserMeta>& meta,
                      const std::string& content_type = "") = 0;
  // Deleting a missing key is not an error.
  virtual Status Delete(const std::string& key) = 0;
  // DeleteObjects, any number of keys. Missing keys are not errors.
  virtual Status DeleteMany(const std::vector<std::string>& keys) = 0;

  // Multipart upload: nothing is visible until CompleteMultipart, which
  // assembles the parts whose ETags it is given, in that order.
  virtual Result<std::string> CreateMultipart(const std::string& key, const UserMeta& meta,
                                              const std::string& content_type = "") = 0;
  // Returns the part's ETag (quoted, as CompleteMultipartUpload wants it).
  virtual Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                         int part_number, const char* data, size_t n,
                                         const std::string& sha256) = 0;
  // A part copied from bytes [first, last] of src; returns its ETag (quoted).
  virtual Result<std::string> UploadPartCopy(const std::string& src, const std::string& key,
                                             const std::string& upload_id, int part_number,
                                             uint64_t first, uint64_t last) = 0;
  virtual Status CompleteMultipart(const std::string& key, const std::string& upload_id,
                                   const std::vector<std::string>& etags) = 0;
  // NotFound (NoSuchUpload) for an unknown or finished upload.
  virtual Status AbortMultipart(const std::string& key, const std::string& upload_id) = 0;

  // Checks that the bucket exists and can be listed under `prefix`, with at
  // most `retries` retries: NotFound naming the bucket when it is missing.
  virtual Status Probe(const std::string& prefix, int retries) = 0;
};

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_OBJECT_CLIENT_H_
