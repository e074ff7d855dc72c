#include "s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace alluxio::s3 {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kLowerHex[p[i] >> 4];
    out[2 * i + 1] = kLowerHex[p[i] & 0xf];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of spaces, as SigV4 canonical headers require.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view in, bool keep_slash) {
  std::string out;
  out.reserve(in.size() + in.size() / 2);
  for (char ch : in) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string Sha256Hex(const void* data, size_t n) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(static_cast<const unsigned char*>(data), n, md);
  return ToHex(md, sizeof(md));
}

std::string AmzDate(std::time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string CanonicalRequest(const SigningInput& in, std::string* signed_headers) {
  std::vector<std::pair<std::string, std::string>> hs;
  hs.reserve(in.headers.size());
  for (const auto& [k, v] : in.headers) hs.emplace_back(Lower(k), CanonicalHeaderValue(v));
  std::sort(hs.begin(), hs.end());
  std::string canonical_headers;
  signed_headers->clear();
  for (const auto& [k, v] : hs) {
    canonical_headers += k + ":" + v + "\n";
    if (!signed_headers->empty()) *signed_headers += ';';
    *signed_headers += k;
  }
  return in.method + "\n" + in.canonical_uri + "\n" + CanonicalQueryString(in.query) + "\n" +
         canonical_headers + "\n" + *signed_headers + "\n" + in.payload_sha256;
}

std::string AuthorizationHeader(const SigningInput& in, const Credentials& creds) {
  std::string signed_headers;
  std::string canonical = CanonicalRequest(in, &signed_headers);
  std::string date = in.amz_date.substr(0, 8);
  std::string scope = date + "/" + in.region + "/" + in.service + "/aws4_request";
  std::string to_sign =
      "AWS4-HMAC-SHA256\n" + in.amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string k = Hmac("AWS4" + creds.secret_key, date);
  k = Hmac(k, in.region);
  k = Hmac(k, in.service);
  k = Hmac(k, "aws4_request");
  std::string sig = Hmac(k, to_sign);
  return "AWS4-HMAC-SHA256 Credential=" + creds.access_key + "/" + scope +
         ",SignedHeaders=" + signed_headers +
         ",Signature=" + ToHex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

}  // namespace alluxio::s3
