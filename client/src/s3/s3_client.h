// S3Client: the ObjectClient over the S3 REST API (libcurl on an IoLoop),
// its requests signed (SigV4), retried and mapped to Status codes.
//
// Every operation must be called on a fiber of the client's IoLoop (wrap
// calls in loop().Run()). Operations are independent and may run
// concurrently on many fibers. Error messages name the bucket, the key and
// the endpoint, never the credentials.
#ifndef ALLUXIO_CLIENT_S3_S3_CLIENT_H_
#define ALLUXIO_CLIENT_S3_S3_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alluxio/status.h"
#include "s3/io_loop.h"
#include "s3/object_client.h"
#include "s3/sigv4.h"

namespace alluxio::s3 {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:9000"; "" = AWS for `region`
  std::string region = "us-east-1";
  std::string bucket;
  bool path_style = false;  // forced on for IP and localhost endpoints
  Credentials creds;        // empty access key = anonymous requests
  int max_requests = 32;
  long connect_timeout_ms = 10000;
  long request_timeout_ms = 60000;
  int retry_max = 5;
  int retry_base_ms = 100;  // first backoff; doubles per retry, capped
  int retry_cap_ms = 5000;
};

class S3Client final : public ObjectClient {
 public:
  // Validates the options (endpoint syntax); NotFound etc. come later from
  // the first request.
  static Result<std::unique_ptr<S3Client>> Create(S3Options options);

  IoLoop& loop() override { return loop_; }
  const S3Options& options() const { return opts_; }
  // "http://127.0.0.1:9000" (or the AWS endpoint in use), for messages.
  const std::string& endpoint() const { return endpoint_; }

  // HEAD object. NotFound when absent.
  Result<ObjectMeta> Head(const std::string& key) override;
  // GET of the first `max` bytes (or all of a smaller object) into *head,
  // with the object's headers as HEAD reports them. NotFound when absent;
  // OutOfRange (416) for an empty object.
  Result<ObjectMeta> GetFirst(const std::string& key, size_t max, std::string* head) override;
  // Reads exactly n bytes at offset into buf (ranged GET). With if_match,
  // fails when the object's ETag differs (it changed since it was opened).
  Status GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                  const std::string& if_match) override;
  // Streams [offset, offset + n) of the object into `stream` with ranged
  // GETs pinned to if_match, resuming where a retryable failure broke a
  // transfer off. `cancelled` is polled between attempts; Aborted when it
  // says so or when the stream aborts.
  Status GetStream(const std::string& key, uint64_t offset, uint64_t n, const std::string& if_match,
                   BodyStream* stream, const std::function<bool()>& cancelled) override;
  // PUT object (whole content). `sha256` may be "" (computed here).
  Status Put(const std::string& key, const char* data, size_t n, const UserMeta& meta,
             const std::string& sha256 = "") override;
  // One ListObjectsV2 page. Without a token, `start_after` (exclusive)
  // makes the listing begin after that key; with one, S3 ignores it.
  Result<ListPage> List(const std::string& prefix, const std::string& delimiter,
                        const std::string& token, int max_keys,
                        const std::string& start_after = "") override;
  // Server-side copy (objects up to 5 GiB). With meta, the copy gets exactly
  // that user metadata (REPLACE); without, the source's (COPY).
  Status Copy(const std::string& src, const std::string& dst, const std::optional<UserMeta>& meta,
              const std::string& content_type = "") override;
  Status Delete(const std::string& key) override;
  // DeleteObjects, any number of keys (batched by 1000, batches in
  // parallel). Missing keys are not errors.
  Status DeleteMany(const std::vector<std::string>& keys) override;

  // Multipart upload.
  Result<std::string> CreateMultipart(const std::string& key, const UserMeta& meta,
                                      const std::string& content_type = "") override;
  // Returns the part's ETag (quoted, as CompleteMultipartUpload wants it).
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, const char* data, size_t n,
                                 const std::string& sha256) override;
  Result<std::string> UploadPartCopy(const std::string& src, const std::string& key,
                                     const std::string& upload_id, int part_number, uint64_t first,
                                     uint64_t last) override;
  Status CompleteMultipart(const std::string& key, const std::string& upload_id,
                           const std::vector<std::string>& etags) override;
  Status AbortMultipart(const std::string& key, const std::string& upload_id) override;

  // Checks that the bucket exists and can be listed under `prefix`, with at
  // most `retries` retries; errors name bucket and endpoint.
  Status Probe(const std::string& prefix, int retries) override;

 private:
  struct Request {
    std::string method;
    std::string key;  // "" for a bucket-level request
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    const char* body = nullptr;
    size_t body_size = 0;
    std::string body_sha256;  // "" = computed
    char* sink = nullptr;
    size_t sink_cap = 0;
    BodyStream* stream = nullptr;  // takes a 206 body as it arrives
    // 2xx responses must have exactly this many body bytes in the sink.
    std::optional<size_t> expect_sink_len;
    // A 200 response may still carry an <Error> (Copy, Complete).
    bool check_error_body = false;
    int retries = -1;  // -1 = options().retry_max
  };

  explicit S3Client(S3Options opts);
  // Sends r, retrying retryable failures with backoff.
  Result<HttpResponse> Call(const Request& r);
  // One exchange, its response in *out: OK, or the error and whether to
  // retry it.
  Status Attempt(const Request& r, const std::string& payload_sha256, HttpResponse* out,
                 bool* retryable);
  // Sleeps before retry number `attempt` (0-based): exponential, jittered;
  // cut short when `cancelled` says so.
  void Backoff(int attempt, const std::function<bool()>& cancelled = nullptr);
  static Status AfterAttempts(const Status& st, int attempts);
  HttpRequest Build(const Request& r, const std::string& payload_sha256);
  Status ErrorStatus(const Request& r, const HttpResponse& resp, const std::string& code,
                     const std::string& message) const;
  std::string Describe(const std::string& key) const;

  S3Options opts_;
  std::string scheme_;     // "http" / "https"
  std::string host_port_;  // of the endpoint
  std::string endpoint_;
  IoLoop loop_;
};

// Helpers shared with the UFS layer and its tests.

// The Status code of an S3 error reply, from its HTTP status and S3's error
// code: 404 NotFound, 401/403 PermissionDenied, 409 Busy, 412 IoError (the
// object changed), 416 OutOfRange, 501 NotSupported, 503 Unavailable,
// EntityTooLarge TooLarge, other 400s InvalidArgument, the rest IoError.
Code S3ErrorCode(long http_status, const std::string& s3_code);

// Parses an RFC 1123 date ("Wed, 12 Oct 2009 17:50:00 GMT") or ISO 8601
// ("2009-10-12T17:50:00.123Z") to ns since the epoch; 0 when malformed.
int64_t ParseHttpDate(const std::string& s);
int64_t ParseIsoDate(const std::string& s);

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_S3_CLIENT_H_
