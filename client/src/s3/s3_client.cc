#include "s3/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <pugixml.hpp>
#include <random>
#include <sstream>

namespace alluxio::s3 {

namespace {

constexpr size_t kDeleteBatch = 1000;  // DeleteObjects' limit

bool IsRetryableCurl(int code) {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool IsRetryableS3Code(const std::string& code) {
  return code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
         code == "RequestTimeout" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded";
}

// Parses <Error><Code/><Message/></Error>; false when `body` is not one.
bool ParseError(const std::string& body, std::string* code, std::string* message) {
  if (body.find("<Error") == std::string::npos) return false;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return false;
  pugi::xml_node err = doc.child("Error");
  if (!err) return false;
  *code = err.child_value("Code");
  *message = err.child_value("Message");
  return true;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  // Some servers send &quot; already decoded by the XML parser; nothing else.
  return s;
}

bool IsIpOrLocalhost(const std::string& host) {
  if (host == "localhost" || (!host.empty() && host[0] == '[')) return true;
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

// DNS-compatible bucket names can be virtual hosts (over https, no dots, so
// the wildcard certificate matches).
bool IsDnsCompatibleBucket(const std::string& b, bool https) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || (c == '.' && !https))) {
      return false;
    }
  }
  return b.front() != '-' && b.back() != '-';
}

std::string MetaHeaderName(const std::string& name) { return "x-amz-meta-" + name; }

}  // namespace

int64_t ParseHttpDate(const std::string& s) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000000000;
}

int64_t ParseIsoDate(const std::string& s) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return 0;
  int64_t ns = static_cast<int64_t>(timegm(&tm)) * 1000000000;
  if (*end == '.') {
    int64_t scale = 100000000;
    for (++end; std::isdigit(static_cast<unsigned char>(*end)); ++end) {
      ns += (*end - '0') * scale;
      scale /= 10;
    }
  }
  return ns;
}

S3Client::S3Client(S3Options opts) : opts_(std::move(opts)), loop_(opts_.max_requests) {}

Result<std::unique_ptr<S3Client>> S3Client::Create(S3Options options) {
  if (options.bucket.empty()) return Status::InvalidArgument("S3 bucket name is empty");
  if (options.region.empty()) options.region = "us-east-1";
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) {
    endpoint = options.region == "us-east-1" ? "https://s3.amazonaws.com"
                                             : "https://s3." + options.region + ".amazonaws.com";
  }
  if (endpoint.find("://") == std::string::npos) endpoint = "https://" + endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  size_t sep = endpoint.find("://");
  std::string scheme = endpoint.substr(0, sep);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string host_port = endpoint.substr(sep + 3);
  if ((scheme != "http" && scheme != "https") || host_port.empty() ||
      host_port.find_first_of("/?#@ ") != std::string::npos) {
    return Status::InvalidArgument("S3 endpoint '" + options.endpoint +
                                   "' is not of the form http[s]://host[:port]");
  }
  std::string host = host_port;
  if (host[0] != '[') host = host.substr(0, host.find(':'));
  if (IsIpOrLocalhost(host) || !IsDnsCompatibleBucket(options.bucket, scheme == "https")) {
    options.path_style = true;
  }
  std::unique_ptr<S3Client> c(new S3Client(std::move(options)));
  c->scheme_ = scheme;
  c->host_port_ = host_port;
  c->endpoint_ = scheme + "://" + host_port;
  return c;
}

std::string S3Client::Describe(const std::string& key) const {
  return "s3://" + opts_.bucket + "/" + key;
}

HttpRequest S3Client::Build(const Request& r, const std::string& payload_sha256) {
  std::string path;
  std::string host;
  if (opts_.path_style) {
    host = host_port_;
    path = "/" + UriEncode(opts_.bucket, false);
    if (!r.key.empty()) path += "/" + UriEncode(r.key, true);
  } else {
    host = opts_.bucket + "." + host_port_;
    path = "/" + UriEncode(r.key, true);
  }
  std::string query = CanonicalQueryString(r.query);

  HttpRequest hr;
  hr.method = r.method;
  hr.url = scheme_ + "://" + host + path + (query.empty() ? "" : "?" + query);
  hr.headers = r.headers;
  std::string amz_date = AmzDate(std::time(nullptr));
  hr.headers.emplace_back("Host", host);
  hr.headers.emplace_back("x-amz-date", amz_date);
  hr.headers.emplace_back("x-amz-content-sha256", payload_sha256);
  if (!opts_.creds.session_token.empty()) {
    hr.headers.emplace_back("x-amz-security-token", opts_.creds.session_token);
  }
  if (!opts_.creds.access_key.empty()) {
    SigningInput in;
    in.method = r.method;
    in.canonical_uri = path;
    in.query = r.query;
    in.headers = hr.headers;
    in.payload_sha256 = payload_sha256;
    in.amz_date = amz_date;
    in.region = opts_.region;
    hr.headers.emplace_back("Authorization", AuthorizationHeader(in, opts_.creds));
  }
  hr.body = r.body;
  hr.body_size = r.body_size;
  hr.sink = r.sink;
  hr.sink_cap = r.sink_cap;
  hr.stream = r.stream;
  hr.connect_timeout_ms = opts_.connect_timeout_ms;
  hr.timeout_ms = opts_.request_timeout_ms;
  return hr;
}

Code S3ErrorCode(long http_status, const std::string& s3_code) {
  switch (http_status) {
    case 404:
      return Code::kNotFound;
    case 401:
    case 403:
      return Code::kPermissionDenied;
    case 409:
      return Code::kBusy;
    case 412:  // If-Match failed: the object changed
      return Code::kIoError;
    case 416:
      return Code::kOutOfRange;
    case 501:
      return Code::kNotSupported;
    case 503:
      return Code::kUnavailable;
    default:
      break;
  }
  if (s3_code == "EntityTooLarge") return Code::kTooLarge;
  if (http_status == 400) return Code::kInvalidArgument;
  return Code::kIoError;
}

Status S3Client::ErrorStatus(const Request& r, const HttpResponse& resp, const std::string& code,
                             const std::string& message) const {
  std::string what = r.method + " " + (r.key.empty() ? "s3://" + opts_.bucket : Describe(r.key));
  std::string detail = "HTTP " + std::to_string(resp.status);
  if (!code.empty()) detail += " " + code;
  if (!message.empty()) detail += ": " + message;
  const Code c = S3ErrorCode(resp.status, code);
  switch (c) {
    case Code::kNotFound:
      if (code == "NoSuchBucket" || (r.key.empty() && code.empty())) {
        return Status(c, "S3 bucket '" + opts_.bucket + "' does not exist at " + endpoint_);
      }
      if (code == "NoSuchUpload") return Status(c, what + " at " + endpoint_ + ": " + detail);
      return Status(c, Describe(r.key) + " does not exist");
    case Code::kPermissionDenied:
      return Status(c, "access denied: " + what + " at " + endpoint_ + " (" + detail +
                           "); check the credentials and the bucket policy");
    case Code::kIoError:
      if (resp.status == 412) {
        return Status(c, Describe(r.key) + " changed while it was being read (" + detail + ")");
      }
      break;
    default:
      break;
  }
  return Status(c, what + " at " + endpoint_ + ": " + detail);
}

Status S3Client::Attempt(const Request& r, const std::string& payload_sha256, HttpResponse* out,
                         bool* retryable) {
  *out = loop_.Perform(Build(r, payload_sha256));
  HttpResponse& resp = *out;
  *retryable = false;
  std::string what = r.method + " " + (r.key.empty() ? "s3://" + opts_.bucket : Describe(r.key));
  if (resp.curl_code != 0) {
    if (resp.sink_overflow) {
      return Status(Code::kIoError,
                    what + " at " + endpoint_ + ": the server sent more bytes than asked for");
    }
    *retryable = IsRetryableCurl(resp.curl_code);
    switch (static_cast<CURLcode>(resp.curl_code)) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Status(Code::kUnavailable,
                      "cannot reach S3 endpoint " + endpoint_ + ": " + resp.curl_error);
      case CURLE_OPERATION_TIMEDOUT:
        return Status(Code::kTimedOut,
                      what + " at " + endpoint_ + " timed out: " + resp.curl_error);
      default:
        return Status(Code::kIoError, what + " at " + endpoint_ + " failed: " + resp.curl_error);
    }
  }
  std::string code, message;
  if (resp.status >= 200 && resp.status < 300) {
    if (r.expect_sink_len && resp.sink_len != *r.expect_sink_len) {
      *retryable = true;
      return Status(Code::kIoError, what + " at " + endpoint_ + ": short body, " +
                                        std::to_string(resp.sink_len) + " of " +
                                        std::to_string(*r.expect_sink_len) + " bytes");
    }
    if (r.check_error_body && ParseError(resp.body, &code, &message)) {
      *retryable = IsRetryableS3Code(code);
      HttpResponse as_error = resp;
      as_error.status = 500;
      return ErrorStatus(r, as_error, code, message);
    }
    return Status::OK();
  }
  ParseError(resp.body, &code, &message);
  *retryable = resp.status >= 500 || IsRetryableS3Code(code);
  return ErrorStatus(r, resp, code, message);
}

void S3Client::Backoff(int attempt, const std::function<bool()>& cancelled) {
  // Exponential backoff with jitter: a random delay in [d/2, d].
  static thread_local std::mt19937 rng(std::random_device{}());
  long long d = std::min<long long>(opts_.retry_cap_ms, static_cast<long long>(opts_.retry_base_ms)
                                                            << std::min(attempt, 20));
  std::uniform_int_distribution<long long> jitter(d / 2, std::max<long long>(d / 2, d));
  long long left = jitter(rng);
  // In slices, so a cancelled caller is not kept waiting.
  constexpr long long kSliceMs = 50;
  while (left > 0 && !(cancelled && cancelled())) {
    long long slice = cancelled ? std::min(left, kSliceMs) : left;
    loop_.Sleep(std::chrono::milliseconds(slice));
    left -= slice;
  }
}

Status S3Client::AfterAttempts(const Status& st, int attempts) {
  if (attempts <= 1) return st;
  return Status(st.code(), st.message() + " (after " + std::to_string(attempts) + " attempts)");
}

Result<HttpResponse> S3Client::Call(const Request& r) {
  std::string sha = r.body_sha256;
  if (sha.empty()) sha = r.body_size == 0 ? kEmptySha256 : Sha256Hex(r.body, r.body_size);
  int retries = r.retries >= 0 ? r.retries : opts_.retry_max;
  for (int attempt = 0;; ++attempt) {
    HttpResponse resp;
    bool retryable = false;
    Status st = Attempt(r, sha, &resp, &retryable);
    if (st.ok()) return resp;
    if (!retryable || attempt >= retries) return AfterAttempts(st, attempt + 1);
    Backoff(attempt);
  }
}

Status S3Client::GetStream(const std::string& key, uint64_t offset, uint64_t n,
                           const std::string& if_match, BodyStream* stream,
                           const std::function<bool()>& cancelled) {
  uint64_t done = 0;
  int failures = 0;
  while (done < n) {
    if (cancelled()) return Status(Code::kAborted, "GET " + Describe(key) + ": cancelled");
    uint64_t first = offset + done;
    Request r;
    r.method = "GET";
    r.key = key;
    r.headers.emplace_back("Range",
                           "bytes=" + std::to_string(first) + "-" + std::to_string(offset + n - 1));
    if (!if_match.empty()) r.headers.emplace_back("If-Match", "\"" + if_match + "\"");
    r.stream = stream;
    r.sink_cap = static_cast<size_t>(n - done);  // a longer body fails
    HttpResponse resp;
    bool retryable = false;
    Status st = Attempt(r, kEmptySha256, &resp, &retryable);
    done += resp.sink_len;
    if (cancelled()) return Status(Code::kAborted, "GET " + Describe(key) + ": cancelled");
    if (resp.sink_overflow) return st;
    if (st.ok() && resp.status != 206) {
      // Stream bytes are taken only from 206 responses: a 200 is the whole
      // object, not the range asked for.
      return Status::IoError("GET " + Describe(key) + " at " + endpoint_ +
                             ": the server ignored the Range header");
    }
    if (st.ok() && done < n) {
      st = Status::IoError("GET " + Describe(key) + " at " + endpoint_ + ": short body, " +
                           std::to_string(done) + " of " + std::to_string(n) + " bytes");
      retryable = true;
    }
    if (st.ok()) break;
    // A transfer that made progress starts the count of failures afresh:
    // a long stream may meet several resets, each resumed where it broke.
    if (resp.sink_len > 0) failures = 0;
    if (!retryable || failures >= opts_.retry_max) return AfterAttempts(st, failures + 1);
    Backoff(failures++, cancelled);
  }
  return Status::OK();
}

namespace {

// An object's headers, as HEAD and GET report them.
ObjectMeta MetaFromHeaders(const std::string& key, const HttpResponse& resp) {
  ObjectMeta m;
  m.key = key;
  m.size = std::strtoull(resp.Header("content-length").c_str(), nullptr, 10);
  m.etag = Unquote(resp.Header("etag"));
  m.last_modified_ns = ParseHttpDate(resp.Header("last-modified"));
  m.content_type = resp.Header("content-type");
  for (const auto& [k, v] : resp.headers) {
    if (k.rfind("x-amz-meta-", 0) == 0) m.user[k.substr(11)] = v;
  }
  return m;
}

}  // namespace

Result<ObjectMeta> S3Client::Head(const std::string& key) {
  Request r;
  r.method = "HEAD";
  r.key = key;
  ASSIGN_OR_RETURN(HttpResponse resp, Call(r));
  return MetaFromHeaders(key, resp);
}

Result<ObjectMeta> S3Client::GetFirst(const std::string& key, size_t max, std::string* head) {
  head->assign(max, '\0');
  Request r;
  r.method = "GET";
  r.key = key;
  r.headers.emplace_back("Range", "bytes=0-" + std::to_string(max - 1));
  r.sink = head->data();
  r.sink_cap = max;
  auto resp = Call(r);
  if (!resp.ok()) {
    head->clear();
    return resp.status();
  }
  head->resize(resp->sink_len);
  ObjectMeta m = MetaFromHeaders(key, *resp);
  if (resp->status == 206) {
    // "bytes 0-N/TOTAL": the object's size is TOTAL.
    std::string range = resp->Header("content-range");
    size_t slash = range.rfind('/');
    if (slash == std::string::npos || range.compare(slash + 1, std::string::npos, "*") == 0) {
      head->clear();
      return Status::IoError("GET " + Describe(key) + " at " + endpoint_ +
                             ": no object size in Content-Range '" + range + "'");
    }
    m.size = std::strtoull(range.c_str() + slash + 1, nullptr, 10);
  }
  if (head->size() != std::min<uint64_t>(m.size, max)) {
    head->clear();
    return Status::IoError("GET " + Describe(key) + " at " + endpoint_ + ": short body, " +
                           std::to_string(resp->sink_len) + " bytes");
  }
  return m;
}

Status S3Client::GetRange(const std::string& key, uint64_t offset, char* buf, size_t n,
                          const std::string& if_match) {
  if (n == 0) return Status::OK();
  Request r;
  r.method = "GET";
  r.key = key;
  r.headers.emplace_back("Range",
                         "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + n - 1));
  if (!if_match.empty()) r.headers.emplace_back("If-Match", "\"" + if_match + "\"");
  r.sink = buf;
  r.sink_cap = n;
  r.expect_sink_len = n;
  ASSIGN_OR_RETURN(HttpResponse resp, Call(r));
  // A 200 means the server ignored the range; it is only the same bytes when
  // the range was the whole object (and then exactly n bytes came).
  if (resp.status == 200 && offset != 0) {
    return Status::IoError("GET " + Describe(key) + " at " + endpoint_ +
                           ": the server ignored the Range header");
  }
  return Status::OK();
}

Status S3Client::Put(const std::string& key, const char* data, size_t n, const UserMeta& meta,
                     const std::string& sha256) {
  Request r;
  r.method = "PUT";
  r.key = key;
  r.body = data;
  r.body_size = n;
  r.body_sha256 = sha256;
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  for (const auto& [k, v] : meta) r.headers.emplace_back(MetaHeaderName(k), v);
  return Call(r).status();
}

Result<ListPage> S3Client::List(const std::string& prefix, const std::string& delimiter,
                                const std::string& token, int max_keys,
                                const std::string& start_after) {
  Request r;
  r.method = "GET";
  r.query.emplace_back("list-type", "2");
  r.query.emplace_back("prefix", prefix);
  if (!delimiter.empty()) r.query.emplace_back("delimiter", delimiter);
  if (!token.empty()) r.query.emplace_back("continuation-token", token);
  if (token.empty() && !start_after.empty()) r.query.emplace_back("start-after", start_after);
  r.query.emplace_back("max-keys", std::to_string(max_keys));
  ASSIGN_OR_RETURN(HttpResponse resp, Call(r));
  pugi::xml_document doc;
  pugi::xml_parse_result pr = doc.load_buffer(resp.body.data(), resp.body.size());
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!pr || !root) {
    return Status::IoError("list s3://" + opts_.bucket + "/" + prefix + " at " + endpoint_ +
                           ": malformed ListObjectsV2 response");
  }
  ListPage page;
  for (pugi::xml_node c : root.children("Contents")) {
    ObjectMeta m;
    m.key = c.child_value("Key");
    m.size = std::strtoull(c.child_value("Size"), nullptr, 10);
    m.etag = Unquote(c.child_value("ETag"));
    m.last_modified_ns = ParseIsoDate(c.child_value("LastModified"));
    page.objects.push_back(std::move(m));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    page.prefixes.emplace_back(p.child_value("Prefix"));
  }
  if (std::string(root.child_value("IsTruncated")) == "true") {
    page.next_token = root.child_value("NextContinuationToken");
    if (page.next_token.empty()) {
      return Status::IoError("list s3://" + opts_.bucket + "/" + prefix + " at " + endpoint_ +
                             ": truncated listing without a continuation token");
    }
  }
  return page;
}

Status S3Client::Copy(const std::string& src, const std::string& dst,
                      const std::optional<UserMeta>& meta, const std::string& content_type) {
  Request r;
  r.method = "PUT";
  r.key = dst;
  r.check_error_body = true;
  r.headers.emplace_back("x-amz-copy-source", "/" + opts_.bucket + "/" + UriEncode(src, true));
  if (meta) {
    r.headers.emplace_back("x-amz-metadata-directive", "REPLACE");
    r.headers.emplace_back("Content-Type",
                           content_type.empty() ? "application/octet-stream" : content_type);
    for (const auto& [k, v] : *meta) r.headers.emplace_back(MetaHeaderName(k), v);
  } else {
    r.headers.emplace_back("x-amz-metadata-directive", "COPY");
  }
  return Call(r).status();
}

Status S3Client::Delete(const std::string& key) {
  Request r;
  r.method = "DELETE";
  r.key = key;
  auto res = Call(r);
  if (!res.ok() && res.status().code() == Code::kNotFound) return Status::OK();
  return res.status();
}

Status S3Client::DeleteMany(const std::vector<std::string>& keys) {
  size_t batches = (keys.size() + kDeleteBatch - 1) / kDeleteBatch;
  std::vector<Status> results(batches);
  loop_.ParallelFor(batches, 4, [&](size_t b) {
    pugi::xml_document doc;
    pugi::xml_node del = doc.append_child("Delete");
    del.append_child("Quiet").text().set("true");
    size_t end = std::min(keys.size(), (b + 1) * kDeleteBatch);
    for (size_t i = b * kDeleteBatch; i < end; ++i) {
      del.append_child("Object").append_child("Key").text().set(keys[i].c_str());
    }
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw);
    std::string body = out.str();
    // DeleteObjects requires an integrity header; SDKs send Content-MD5.
    unsigned char md[16];
    unsigned int md_len = 0;
    EVP_Digest(body.data(), body.size(), md, &md_len, EVP_md5(), nullptr);
    char b64[32];
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64), md, 16);
    Request r;
    r.method = "POST";
    r.query.emplace_back("delete", "");
    r.headers.emplace_back("Content-Type", "application/xml");
    r.headers.emplace_back("Content-MD5", b64);
    r.body = body.data();
    r.body_size = body.size();
    auto res = Call(r);
    if (!res.ok()) {
      results[b] = res.status();
      return;
    }
    pugi::xml_document reply;
    if (reply.load_buffer(res->body.data(), res->body.size())) {
      for (pugi::xml_node e : reply.child("DeleteResult").children("Error")) {
        std::string code = e.child_value("Code");
        if (code == "NoSuchKey") continue;
        results[b] = Status::IoError("delete " + Describe(e.child_value("Key")) + " at " +
                                     endpoint_ + ": " + code + ": " + e.child_value("Message"));
        return;
      }
    }
  });
  for (const Status& st : results) RETURN_IF_ERROR(st);
  return Status::OK();
}

Result<std::string> S3Client::CreateMultipart(const std::string& key, const UserMeta& meta,
                                              const std::string& content_type) {
  Request r;
  r.method = "POST";
  r.key = key;
  r.query.emplace_back("uploads", "");
  r.headers.emplace_back("Content-Type",
                         content_type.empty() ? "application/octet-stream" : content_type);
  for (const auto& [k, v] : meta) r.headers.emplace_back(MetaHeaderName(k), v);
  ASSIGN_OR_RETURN(HttpResponse resp, Call(r));
  pugi::xml_document doc;
  doc.load_buffer(resp.body.data(), resp.body.size());
  std::string id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (id.empty()) {
    return Status::IoError("create multipart upload of " + Describe(key) + " at " + endpoint_ +
                           ": no UploadId in the response");
  }
  return id;
}

Result<std::string> S3Client::UploadPart(const std::string& key, const std::string& upload_id,
                                         int part_number, const char* data, size_t n,
                                         const std::string& sha256) {
  Request r;
  r.method = "PUT";
  r.key = key;
  r.query.emplace_back("partNumber", std::to_string(part_number));
  r.query.emplace_back("uploadId", upload_id);
  r.body = data;
  r.body_size = n;
  r.body_sha256 = sha256;
  ASSIGN_OR_RETURN(HttpResponse resp, Call(r));
  std::string etag = resp.Header("etag");
  if (etag.empty()) {
    return Status::IoError("upload part " + std::to_string(part_number) + " of " + Describe(key) +
                           " at " + endpoint_ + ": no ETag in the response");
  }
  return etag;
}

Result<std::string> S3Client::UploadPartCopy(const std::string& src, const std::string& key,
                                             const std::string& upload_id, int part_number,
                                             uint64_t first, uint64_t last) {
  Request r;
  r.method = "PUT";
  r.key = key;
  r.check_error_body = true;
  r.query.emplace_back("partNumber", std::to_string(part_number));
  r.query.emplace_back("uploadId", upload_id);
  r.headers.emplace_back("x-amz-copy-source", "/" + opts_.bucket + "/" + UriEncode(src, true));
  r.headers.emplace_back("x-amz-copy-source-range",
                         "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  ASSIGN_OR_RETURN(HttpResponse resp, Call(r));
  pugi::xml_document doc;
  doc.load_buffer(resp.body.data(), resp.body.size());
  std::string etag = doc.child("CopyPartResult").child_value("ETag");
  if (etag.empty()) {
    return Status::IoError("copy part " + std::to_string(part_number) + " of " + Describe(key) +
                           " at " + endpoint_ + ": no ETag in the response");
  }
  if (etag.front() != '"') etag = "\"" + etag + "\"";
  return etag;
}

Status S3Client::CompleteMultipart(const std::string& key, const std::string& upload_id,
                                   const std::vector<std::string>& etags) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  for (size_t i = 0; i < etags.size(); ++i) {
    pugi::xml_node p = root.append_child("Part");
    p.append_child("PartNumber").text().set(static_cast<unsigned>(i + 1));
    p.append_child("ETag").text().set(etags[i].c_str());
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  std::string body = out.str();
  Request r;
  r.method = "POST";
  r.key = key;
  r.check_error_body = true;
  r.query.emplace_back("uploadId", upload_id);
  r.headers.emplace_back("Content-Type", "application/xml");
  r.body = body.data();
  r.body_size = body.size();
  return Call(r).status();
}

Status S3Client::AbortMultipart(const std::string& key, const std::string& upload_id) {
  Request r;
  r.method = "DELETE";
  r.key = key;
  r.query.emplace_back("uploadId", upload_id);
  auto res = Call(r);
  // Already gone (completed or aborted) is what we wanted.
  if (!res.ok() && res.status().code() == Code::kNotFound) return Status::OK();
  return res.status();
}

Status S3Client::Probe(const std::string& prefix, int retries) {
  Request r;
  r.method = "GET";
  r.query.emplace_back("list-type", "2");
  r.query.emplace_back("prefix", prefix);
  r.query.emplace_back("max-keys", "1");
  r.retries = retries;
  auto res = Call(r);
  if (res.ok()) return Status::OK();
  const Status& st = res.status();
  if (st.code() == Code::kNotFound) {
    return Status(Code::kNotFound,
                  "S3 bucket '" + opts_.bucket + "' does not exist at " + endpoint_);
  }
  return st;
}

}  // namespace alluxio::s3
