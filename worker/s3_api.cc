#include "s3_api.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ufs_uri.h"
#include "wire.h"

namespace alluxio::worker {
namespace {

constexpr char kOctets[] = "application/octet-stream";
constexpr size_t kChunkBytes = 1u << 20;

// A byte range [first, last] of a file of `size` bytes.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
};

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

enum class RangeKind { kNone, kSatisfiable, kUnsatisfiable };

// A Range header against a file of `size` bytes: none (absent or not
// understood, so the whole file is served), a range to serve, or one that
// starts past the end.
RangeKind ParseRange(const std::string* header, uint64_t size, ByteRange* out) {
  if (header == nullptr) return RangeKind::kNone;
  std::string_view h = *header;
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  constexpr std::string_view kUnit = "bytes=";
  if (h.substr(0, kUnit.size()) != kUnit) return RangeKind::kNone;
  h.remove_prefix(kUnit.size());
  if (h.find(',') != std::string_view::npos) return RangeKind::kNone;  // several ranges
  size_t dash = h.find('-');
  if (dash == std::string_view::npos) return RangeKind::kNone;
  std::string_view a = h.substr(0, dash);
  std::string_view b = h.substr(dash + 1);
  uint64_t first = 0;
  uint64_t last = 0;
  if (a.empty()) {  // the last N bytes
    uint64_t n = 0;
    if (!ParseDecimal(b, &n)) return RangeKind::kNone;
    if (n == 0 || size == 0) return RangeKind::kUnsatisfiable;
    out->first = size - std::min(n, size);
    out->last = size - 1;
    return RangeKind::kSatisfiable;
  }
  if (!ParseDecimal(a, &first)) return RangeKind::kNone;
  if (b.empty()) {
    last = UINT64_MAX;
  } else if (!ParseDecimal(b, &last) || last < first) {
    return RangeKind::kNone;
  }
  if (first >= size) return RangeKind::kUnsatisfiable;
  out->first = first;
  out->last = std::min(last, size - 1);
  return RangeKind::kSatisfiable;
}

std::string HttpDate(int64_t ns) {
  time_t t = static_cast<time_t>(ns / 1000000000);
  tm g{};
  gmtime_r(&t, &g);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &g);
  return buf;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void RespondError(HttpExchange& ex, int status, std::string_view code, std::string_view message) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>";
  body += code;
  body += "</Code><Message>" + XmlEscape(message) + "</Message><Resource>" +
          XmlEscape(ex.request().path) + "</Resource></Error>";
  ex.Respond(status, "application/xml", body);
}

void RespondError(HttpExchange& ex, const Status& st) {
  switch (st.code()) {
    case Code::kNotFound:
    case Code::kIsDirectory:
    case Code::kNotDirectory:
      return RespondError(ex, 404, "NoSuchKey", st.message());
    case Code::kPermissionDenied:
    case Code::kNotPermitted:
      return RespondError(ex, 403, "AccessDenied", st.message());
    case Code::kInvalidArgument:
    case Code::kNameTooLong:
      return RespondError(ex, 400, "InvalidArgument", st.message());
    case Code::kUnavailable:
      return RespondError(ex, 503, "ServiceUnavailable", st.message());
    default:
      return RespondError(ex, 500, "InternalError", st.ToString());
  }
}

void AddObjectHeaders(HttpExchange& ex, const FileAttr& a) {
  ex.AddHeader("Accept-Ranges", "bytes");
  ex.AddHeader("ETag", "\"" + ContentHash(a.version) + "\"");
  ex.AddHeader("Last-Modified", HttpDate(a.mtime_ns));
}

// Bytes [first, first + length) of h, streamed. The first piece is read
// before the head is sent, so a file that cannot be read at all gets an
// error status, not a broken transfer.
void StreamBody(HttpExchange& ex, FileHandle& h, int status, uint64_t first, uint64_t length) {
  std::string buf(
      static_cast<size_t>(std::min<uint64_t>(kChunkBytes, std::max<uint64_t>(length, 1))), '\0');
  uint64_t offset = first;
  uint64_t left = length;
  size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), left));
  auto got = ReadFull(h, offset, buf.data(), want);
  if (!got.ok()) return RespondError(ex, got.status());
  Status st = ex.BeginChunked(status, kOctets);
  while (st.ok() && *got > 0) {
    st = ex.WriteChunk(std::string_view(buf.data(), *got));
    offset += *got;
    left -= *got;
    if (!st.ok() || *got < want || left == 0) break;
    want = static_cast<size_t>(std::min<uint64_t>(buf.size(), left));
    got = ReadFull(h, offset, buf.data(), want);
    if (!got.ok()) st = got.status();
  }
  if (st.ok()) st = ex.EndChunked();
  if (!st.ok()) ex.AbortChunked();
}

void Handle(FileSystem& fs, HttpExchange& ex) {
  const HttpRequest& req = ex.request();
  bool head = req.method == "HEAD";
  if (!head && req.method != "GET") {
    ex.AddHeader("Allow", "GET, HEAD");
    return RespondError(ex, 405, "MethodNotAllowed",
                        req.method + " is not served: this worker's S3 API only reads objects");
  }
  const std::string& path = req.path;
  if (path == "/" || !IsNormalPath(path)) {
    return RespondError(ex, 400, "InvalidURI",
                        "'" + path +
                            "' is not an object path (/bucket/key, no empty, '.' or "
                            "'..' components)");
  }
  if (head) {
    auto attr = fs.GetStatus(path);
    if (!attr.ok()) return RespondError(ex, attr.status());
    if (attr->is_dir) return RespondError(ex, 404, "NoSuchKey", path + " is a directory");
    AddObjectHeaders(ex, *attr);
    return ex.RespondHead(200, kOctets, attr->size);
  }
  auto h = fs.OpenFile(path, OpenOptions{});
  if (!h.ok()) return RespondError(ex, h.status());
  auto attr = (*h)->Stat();
  if (!attr.ok()) {
    (void)(*h)->Close();
    return RespondError(ex, attr.status());
  }
  ByteRange r;
  switch (ParseRange(req.Header("range"), attr->size, &r)) {
    case RangeKind::kNone:
      AddObjectHeaders(ex, *attr);
      StreamBody(ex, **h, 200, 0, attr->size);
      break;
    case RangeKind::kSatisfiable:
      AddObjectHeaders(ex, *attr);
      ex.AddHeader("Content-Range", "bytes " + std::to_string(r.first) + "-" +
                                        std::to_string(r.last) + "/" + std::to_string(attr->size));
      StreamBody(ex, **h, 206, r.first, r.last - r.first + 1);
      break;
    case RangeKind::kUnsatisfiable:
      ex.AddHeader("Content-Range", "bytes */" + std::to_string(attr->size));
      RespondError(ex, 416, "InvalidRange",
                   "the range " + *req.Header("range") + " starts at or past the end of " + path +
                       " (" + std::to_string(attr->size) + " bytes)");
      break;
  }
  (void)(*h)->Close();
}

}  // namespace

Result<std::unique_ptr<S3ObjectServer>> S3ObjectServer::Start(std::shared_ptr<FileSystem> fs,
                                                              const HttpServerOptions& opts) {
  std::unique_ptr<S3ObjectServer> s(new S3ObjectServer());
  s->fs_ = std::move(fs);
  FileSystem* f = s->fs_.get();
  ASSIGN_OR_RETURN(s->http_, HttpServer::Start(opts, [f](HttpExchange& ex) { Handle(*f, ex); }));
  return s;
}

S3ObjectServer::~S3ObjectServer() {
  if (http_) http_->Stop();
}

}  // namespace alluxio::worker
