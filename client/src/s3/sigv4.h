// AWS Signature Version 4 for S3 requests, and the URI encoding it defines.
//
// Pure functions of their inputs (no clock, no I/O), so they are tested
// against the test vectors AWS publishes.
#ifndef ALLUXIO_CLIENT_S3_SIGV4_H_
#define ALLUXIO_CLIENT_S3_SIGV4_H_

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alluxio::s3 {

// URI-encodes every byte except the unreserved characters A-Z a-z 0-9 - _ . ~
// as %XY with upper-case hex (SigV4's UriEncode). With keep_slash, '/' stays
// as is (object key paths); without, it becomes %2F (query values).
std::string UriEncode(std::string_view in, bool keep_slash);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(const void* data, size_t n);
inline std::string Sha256Hex(std::string_view s) { return Sha256Hex(s.data(), s.size()); }

// The SHA-256 of an empty payload.
inline constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// "20130524T000000Z" for a time since the epoch.
std::string AmzDate(std::time_t t);

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // optional (x-amz-security-token)
};

// One request to sign.
struct SigningInput {
  std::string method;         // "GET"
  std::string canonical_uri;  // already UriEncode(…, true)d: "/bucket/a%20b"
  // Query parameters, raw (unencoded) names and values; a parameter without
  // a value ("?uploads") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign, any case; must include host and x-amz-date. Values are
  // trimmed and inner runs of spaces collapsed as SigV4 requires.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // hex, or "UNSIGNED-PAYLOAD"
  std::string amz_date;        // "20130524T000000Z"
  std::string region;          // "us-east-1"
  std::string service = "s3";
};

// The canonical query string: parameters sorted by encoded name, names and
// values UriEncoded (with '/' encoded), joined by '&'. Also the query string
// to send, so the request matches what was signed.
std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query);

// The canonical request (exposed for tests).
std::string CanonicalRequest(const SigningInput& in, std::string* signed_headers);

// The value of the Authorization header for `in`.
std::string AuthorizationHeader(const SigningInput& in, const Credentials& creds);

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_SIGV4_H_
