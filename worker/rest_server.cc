#include "rest_server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "ufs_uri.h"
#include "wire.h"

namespace alluxio::worker {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kOctets[] = "application/octet-stream";
constexpr size_t kMaxChunkBytes = 8u << 20;
constexpr size_t kDefaultChunkBytes = 1u << 20;
constexpr uint64_t kDefaultHeadBytes = 1024;
constexpr uint64_t kMaxHeadBytes = 64u << 20;

int HttpStatus(Code code) {
  switch (code) {
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kNotDirectory:
    case Code::kIsDirectory:
    case Code::kNotEmpty:
    case Code::kBusy:
    case Code::kCrossDevice:
      return 409;
    case Code::kPermissionDenied:
    case Code::kNotPermitted:
    case Code::kReadOnly:
      return 403;
    case Code::kInvalidArgument:
    case Code::kNameTooLong:
    case Code::kOutOfRange:
      return 400;
    case Code::kNotSupported:
      return 501;
    case Code::kTooLarge:
      return 413;
    case Code::kNoSpace:
      return 507;
    case Code::kUnavailable:
      return 503;
    case Code::kTimedOut:
      return 504;
    default:
      return 500;
  }
}

void AppendJsonString(std::string* out, std::string_view s) {
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          *out += esc;
        } else {
          *out += static_cast<char>(c);  // UTF-8 passes as it is
        }
    }
  }
  *out += '"';
}

void Field(std::string* out, const char* key, std::string_view value) {
  if (out->back() != '{') *out += ',';
  AppendJsonString(out, key);
  *out += ':';
  AppendJsonString(out, value);
}

void Field(std::string* out, const char* key, int64_t value) {
  if (out->back() != '{') *out += ',';
  AppendJsonString(out, key);
  *out += ':' + std::to_string(value);
}

void BoolField(std::string* out, const char* key, bool value) {
  if (out->back() != '{') *out += ',';
  AppendJsonString(out, key);
  *out += value ? ":true" : ":false";
}

// Alluxio's size text: bytes up to 5 KiB, then KB, MB, ... with two decimals.
std::string HumanSize(uint64_t bytes) {
  static const char* kUnits[] = {"KB", "MB", "GB", "TB", "PB"};
  if (bytes <= 5 * 1024) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (v > 5 * 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%s", v, kUnits[unit]);
  return buf;
}

// "drwxr-xr-x", as ls and Alluxio print a mode.
std::string ModeText(uint32_t mode, bool is_dir) {
  std::string s = is_dir ? "d" : "-";
  const char* rwx = "rwx";
  for (int i = 8; i >= 0; --i) s += (mode >> i) & 1 ? rwx[(8 - i) % 3] : '-';
  return s;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

// The URI of an entry named `name` in the directory `dir_uri`.
std::string ChildUri(std::string dir_uri, const std::string& name) {
  while (dir_uri.size() > 1 && dir_uri.back() == '/' &&
         !(dir_uri.size() >= 3 && dir_uri.compare(dir_uri.size() - 3, 3, "://") == 0)) {
    dir_uri.pop_back();
  }
  return dir_uri.back() == '/' ? dir_uri + name : dir_uri + "/" + name;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void AppendEntry(std::string* out, const FileInfo& info, const std::string& alluxio_path,
                 const std::string& ufs_uri) {
  const FileAttr& a = info.attr;
  int64_t mtime_ms = a.mtime_ns / 1000000;
  *out += '{';
  Field(out, "mType", a.is_dir ? "directory" : "file");
  Field(out, "mName", info.name);
  Field(out, "mPath", alluxio_path);
  Field(out, "mUfsPath", ufs_uri);
  Field(out, "mLength", static_cast<int64_t>(a.is_dir ? 0 : a.size));
  Field(out, "mHumanReadableFileSize", HumanSize(a.is_dir ? 0 : a.size));
  BoolField(out, "mCompleted", true);
  Field(out, "mOwner", UserName(a.uid));
  Field(out, "mGroup", GroupName(a.gid));
  Field(out, "mMode", ModeText(a.mode, a.is_dir));
  Field(out, "mCreationTimeMs", mtime_ms);
  Field(out, "mLastModificationTimeMs", mtime_ms);
  Field(out, "mLastAccessTimeMs", a.atime_ns != 0 ? a.atime_ns / 1000000 : mtime_ms);
  BoolField(out, "mPersisted", true);
  Field(out, "mContentHash", ContentHash(a.version));
  *out += '}';
}

// A whole number, optionally with a binary unit ("1024", "1kb", "2MB").
Result<uint64_t> ParseSize(const std::string& key, const std::string& text) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i < 15) {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
  }
  std::string unit;
  for (size_t j = i; j < text.size(); ++j) unit += static_cast<char>(std::tolower(text[j]));
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  if (unit == "k" || unit == "kb") mult = 1u << 10;
  if (unit == "m" || unit == "mb") mult = 1u << 20;
  if (unit == "g" || unit == "gb") mult = 1u << 30;
  if (i == 0 || mult == 0) {
    return Status::InvalidArgument("bad value of " + key + ": '" + text + "'");
  }
  return v * mult;
}

Result<uint64_t> ParseIndex(const std::string& key, std::string_view text) {
  if (text.empty() || text.size() > 15) {
    return Status::InvalidArgument("bad " + key + ": '" + std::string(text) + "'");
  }
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("bad " + key + ": '" + std::string(text) + "'");
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

bool IsTrue(const std::optional<std::string>& v) {
  if (!v) return false;
  std::string s;
  for (char c : *v) s += static_cast<char>(std::tolower(c));
  return s == "true" || s == "1" || s == "yes";
}

}  // namespace

class RestServer::Handlers {
 public:
  Handlers(std::shared_ptr<FileSystem> fs, RestServerOptions opts)
      : fs_(std::move(fs)), opts_(std::move(opts)) {}

  void set_port(int port) {
    if (opts_.self.http_port == 0) opts_.self.http_port = port;
  }

  void Handle(HttpExchange& ex) {
    const HttpRequest& req = ex.request();
    // "/v1/op/..." split at '/'.
    std::vector<std::string_view> parts;
    std::string_view p = req.path;
    while (!p.empty()) {
      size_t slash = p.find('/');
      if (slash != 0) parts.push_back(p.substr(0, slash));
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash + 1);
    }
    bool info = false;
    Status st = Dispatch(ex, parts, &info);
    if (st.ok() || ex.responded()) return;
    int status = HttpStatus(st.code());
    // alluxiofs turns a 500 from /v1/info, and only that, into
    // FileNotFoundError.
    if (info && st.code() == Code::kNotFound) status = 500;
    std::string body = "{";
    Field(&body, "error", std::string(Status::CodeName(st.code())));
    Field(&body, "message", st.message());
    body += "}";
    ex.Respond(status, kJson, body);
  }

 private:
  Status Dispatch(HttpExchange& ex, const std::vector<std::string_view>& parts, bool* info) {
    const HttpRequest& req = ex.request();
    if (parts.size() < 2 || parts[0] != "v1") {
      return Status::NotFound("no endpoint " + req.path + " on this worker (its API is /v1/...)");
    }
    std::string_view op = parts[1];
    bool get = req.method == "GET";
    bool post = req.method == "POST";
    auto method = [&](bool ok) -> Status {
      if (ok) return Status::OK();
      ex.Respond(405, kJson,
                 "{\"error\":\"MethodNotAllowed\",\"message\":\"" + req.method + " of " +
                     std::string(op) + "\"}");
      return Status(Code::kInvalidArgument, "method");
    };
    if (op == "files" && parts.size() == 2) {
      RETURN_IF_ERROR(method(get));
      return List(ex);
    }
    if (op == "info" && parts.size() == 2) {
      RETURN_IF_ERROR(method(get));
      *info = true;
      return Info(ex);
    }
    if (op == "node" && parts.size() == 2) {
      RETURN_IF_ERROR(method(get));
      return Node(ex);
    }
    if (op == "file" && parts.size() == 5 && parts[3] == "page") {
      if (post) {
        return Status::NotSupported(
            "page writes (POST /v1/file/{id}/page/{i}) are not served: a file written page by "
            "page over many requests could not be committed atomically; use POST /v1/chunk");
      }
      RETURN_IF_ERROR(method(get));
      ASSIGN_OR_RETURN(uint64_t index, ParseIndex("page index", parts[4]));
      return Page(ex, index);
    }
    if (op == "chunk" && parts.size() == 3) {
      RETURN_IF_ERROR(method(get || post));
      return get ? ReadChunked(ex) : WriteChunked(ex);
    }
    if ((op == "head" || op == "tail") && parts.size() == 3) {
      RETURN_IF_ERROR(method(get));
      return HeadTail(ex, op == "tail");
    }
    if ((op == "mkdir" || op == "touch" || op == "rm" || op == "mv") && parts.size() == 3) {
      RETURN_IF_ERROR(method(post));
      if (op == "mkdir") return Mkdir(ex);
      if (op == "touch") return Touch(ex);
      if (op == "rm") return Remove(ex);
      return Move(ex);
    }
    if (op == "load" || op == "copy") {
      return Status::NotSupported("/v1/" + std::string(op) + " is not served by this worker");
    }
    return Status::NotFound("no endpoint " + req.path + " on this worker");
  }

  // The named URI parameter, and the Alluxio path it resolves to.
  Result<std::pair<std::string, std::string>> Target(const HttpRequest& req, const char* key,
                                                     bool form) {
    std::optional<std::string> uri = req.Param(key, form);
    if (!uri || uri->empty()) {
      return Status::InvalidArgument(std::string("missing query parameter ") + key);
    }
    Result<std::string> path = ResolveUfsUri(fs_->GetMountTable(), *uri);
    // Under no mount is NotSupported to the gRPC client (which then reads
    // the UFS itself); to a REST client it is a request this worker cannot
    // serve, 400, not 501.
    if (!path.ok() && path.status().code() == Code::kNotSupported) {
      return Status::InvalidArgument(path.status().message());
    }
    if (!path.ok()) return path.status();
    return std::make_pair(*uri, *path);
  }

  Status List(HttpExchange& ex) {
    ASSIGN_OR_RETURN(auto target, Target(ex.request(), "path", true));
    const auto& [uri, path] = target;
    ASSIGN_OR_RETURN(std::vector<FileInfo> entries, fs_->ListStatus(path));
    std::string body = "[";
    for (const FileInfo& e : entries) {
      FileInfo full = e;
      if (!e.full_attributes) {
        // An object store's listing has no owner or mode; the entry's own
        // status has.
        auto attr = fs_->GetStatus(Join(path, e.name));
        if (attr.ok()) full.attr = *attr;
      }
      if (body.size() > 1) body += ',';
      AppendEntry(&body, full, Join(path, e.name), ChildUri(uri, e.name));
    }
    body += ']';
    ex.Respond(200, kJson, body);
    return Status::OK();
  }

  Status Info(HttpExchange& ex) {
    ASSIGN_OR_RETURN(auto target, Target(ex.request(), "path", true));
    const auto& [uri, path] = target;
    ASSIGN_OR_RETURN(FileAttr attr, fs_->GetStatus(path));
    std::string body = "[";
    AppendEntry(&body, FileInfo{BaseName(path), attr}, path, uri);
    body += ']';
    ex.Respond(200, kJson, body);
    return Status::OK();
  }

  Status Node(HttpExchange& ex) {
    // alluxiofs puts the path into this URL as it is, not form-encoded.
    std::optional<std::string> uri = ex.request().Param("path", false);
    if (!uri || uri->empty()) return Status::InvalidArgument("missing query parameter path");
    RestNodeAddress a = opts_.self;
    if (opts_.owner) {
      ASSIGN_OR_RETURN(a, opts_.owner(*uri));
    }
    std::string body = "{";
    Field(&body, "Host", a.host);
    Field(&body, "ContainerHost", "");
    Field(&body, "RpcPort", a.rpc_port);
    Field(&body, "DataPort", a.rpc_port);
    Field(&body, "SecureRpcPort", 0);
    Field(&body, "NettyDataPort", a.rpc_port);
    Field(&body, "WebPort", 0);
    Field(&body, "DomainSocketPath", "");
    Field(&body, "HttpServerPort", a.http_port);
    body += '}';
    ex.Respond(200, kJson, body);
    return Status::OK();
  }

  Result<std::shared_ptr<FileHandle>> OpenRead(const std::string& path) {
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, fs_->OpenFile(path, OpenOptions{}));
    return h;
  }

  Status Page(HttpExchange& ex, uint64_t index) {
    const HttpRequest& req = ex.request();
    ASSIGN_OR_RETURN(auto target, Target(req, "ufsFullPath", false));
    uint64_t offset = 0;
    uint64_t length = opts_.page_size;
    std::optional<std::string> o = req.Param("offset");
    std::optional<std::string> l = req.Param("length");
    if (o.has_value() != l.has_value()) {
      return Status::InvalidArgument("offset and length go together");
    }
    if (o) {
      ASSIGN_OR_RETURN(offset, ParseIndex("offset", *o));
      ASSIGN_OR_RETURN(length, ParseIndex("length", *l));
      if (offset > opts_.page_size) {
        return Status::InvalidArgument("offset " + *o + " is beyond a page of " +
                                       std::to_string(opts_.page_size) + " bytes");
      }
      length = std::min(length, opts_.page_size - offset);
    }
    if (index > (UINT64_MAX - offset) / opts_.page_size) {
      return Status::InvalidArgument("page index out of range");
    }
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, OpenRead(target.second));
    std::string data(length, '\0');
    auto got = ReadFull(*h, index * opts_.page_size + offset, data.data(), data.size());
    (void)h->Close();
    if (!got.ok()) return got.status();
    data.resize(*got);
    ex.Respond(200, kOctets, data);
    return Status::OK();
  }

  Status ReadChunked(HttpExchange& ex) {
    const HttpRequest& req = ex.request();
    ASSIGN_OR_RETURN(auto target, Target(req, "ufsFullPath", false));
    size_t chunk = kDefaultChunkBytes;
    if (std::optional<std::string> c = req.Param("chunkSize")) {
      ASSIGN_OR_RETURN(uint64_t n, ParseSize("chunkSize", *c));
      chunk = static_cast<size_t>(std::clamp<uint64_t>(n, 4096, kMaxChunkBytes));
    }
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, OpenRead(target.second));
    std::string buf(chunk, '\0');
    uint64_t offset = 0;
    // The first chunk is read before the status is sent, so a file that
    // cannot be read at all gets an error status, not a broken transfer.
    auto got = ReadFull(*h, 0, buf.data(), buf.size());
    if (!got.ok()) {
      (void)h->Close();
      return got.status();
    }
    Status st = ex.BeginChunked(200, kOctets);
    while (st.ok() && *got > 0) {
      st = ex.WriteChunk(std::string_view(buf.data(), *got));
      offset += *got;
      if (!st.ok() || *got < buf.size()) break;
      got = ReadFull(*h, offset, buf.data(), buf.size());
      if (!got.ok()) st = got.status();
    }
    (void)h->Close();
    if (st.ok()) st = ex.EndChunked();
    if (!st.ok()) ex.AbortChunked();
    return Status::OK();
  }

  Status HeadTail(HttpExchange& ex, bool tail) {
    const HttpRequest& req = ex.request();
    ASSIGN_OR_RETURN(auto target, Target(req, "ufsFullPath", false));
    uint64_t n = kDefaultHeadBytes;
    if (std::optional<std::string> v = req.Param("numOfBytes")) {
      ASSIGN_OR_RETURN(n, ParseSize("numOfBytes", *v));
    }
    n = std::min(n, kMaxHeadBytes);
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, OpenRead(target.second));
    auto attr = h->Stat();
    if (!attr.ok()) {
      (void)h->Close();
      return attr.status();
    }
    uint64_t size = attr->size;
    uint64_t start = tail && size > n ? size - n : 0;
    std::string data(std::min(n, size), '\0');
    auto got = ReadFull(*h, start, data.data(), data.size());
    (void)h->Close();
    if (!got.ok()) return got.status();
    data.resize(*got);
    ex.Respond(200, kOctets, data);
    return Status::OK();
  }

  Status WriteChunked(HttpExchange& ex) {
    ASSIGN_OR_RETURN(auto target, Target(ex.request(), "ufsFullPath", false));
    OpenOptions o;
    o.write = true;
    o.read = false;
    o.create = true;
    o.truncate = true;
    ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, fs_->OpenFile(target.second, o));
    // Written as it arrives, committed by Close once the body has ended:
    // a body cut short is discarded, leaving the old file (or none).
    std::string buf(kDefaultChunkBytes, '\0');
    uint64_t offset = 0;
    for (;;) {
      auto got = ex.ReadBody(buf.data(), buf.size());
      if (!got.ok()) {
        h->Abort();
        return got.status().WithContext("request body of " + target.first);
      }
      if (*got == 0) break;
      auto wrote = h->Write(offset, buf.data(), *got);
      if (!wrote.ok()) {
        h->Abort();
        return wrote.status();
      }
      offset += *got;
    }
    RETURN_IF_ERROR(h->Close());
    ex.Respond(200, kJson, "{\"success\":true}");
    return Status::OK();
  }

  Status Mkdir(HttpExchange& ex) {
    ASSIGN_OR_RETURN(auto target, Target(ex.request(), "ufsFullPath", false));
    CreateDirectoryOptions o;
    o.recursive = true;
    RETURN_IF_ERROR(fs_->CreateDirectory(target.second, o));
    ex.Respond(200, kJson, "{\"success\":true}");
    return Status::OK();
  }

  Status Touch(HttpExchange& ex) {
    ASSIGN_OR_RETURN(auto target, Target(ex.request(), "ufsFullPath", false));
    const std::string& path = target.second;
    auto attr = fs_->GetStatus(path);
    if (attr.ok()) {
      SetAttributeOptions o;
      o.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
      RETURN_IF_ERROR(fs_->SetAttribute(path, o));
    } else if (attr.status().code() == Code::kNotFound) {
      OpenOptions o;
      o.write = true;
      o.read = false;
      o.create = true;
      o.exclusive = true;
      ASSIGN_OR_RETURN(std::shared_ptr<FileHandle> h, fs_->OpenFile(path, o));
      RETURN_IF_ERROR(h->Close());
    } else {
      return attr.status();
    }
    ex.Respond(200, kJson, "{\"success\":true}");
    return Status::OK();
  }

  Status Remove(HttpExchange& ex) {
    const HttpRequest& req = ex.request();
    ASSIGN_OR_RETURN(auto target, Target(req, "ufsFullPath", false));
    DeleteOptions o;
    o.recursive = IsTrue(req.Param("recursive"));
    RETURN_IF_ERROR(fs_->Delete(target.second, o));
    ex.Respond(200, kJson, "{\"success\":true}");
    return Status::OK();
  }

  Status Move(HttpExchange& ex) {
    const HttpRequest& req = ex.request();
    ASSIGN_OR_RETURN(auto src, Target(req, "srcPath", false));
    ASSIGN_OR_RETURN(auto dst, Target(req, "dstPath", false));
    RETURN_IF_ERROR(fs_->Rename(src.second, dst.second));
    ex.Respond(200, kJson, "{\"success\":true}");
    return Status::OK();
  }

  std::shared_ptr<FileSystem> fs_;
  RestServerOptions opts_;
};

Result<std::unique_ptr<RestServer>> RestServer::Start(std::shared_ptr<FileSystem> fs,
                                                      RestServerOptions opts) {
  if (opts.page_size == 0) return Status::InvalidArgument("REST page size 0");
  if (opts.self.http_port == 0) opts.self.http_port = opts.http.port;
  std::unique_ptr<RestServer> s(new RestServer());
  HttpServerOptions http = opts.http;
  s->handlers_ = std::make_unique<Handlers>(std::move(fs), std::move(opts));
  Handlers* h = s->handlers_.get();
  ASSIGN_OR_RETURN(s->http_, HttpServer::Start(http, [h](HttpExchange& ex) { h->Handle(ex); }));
  h->set_port(s->http_->port());
  return s;
}

RestServer::~RestServer() {
  if (http_) http_->Stop();
}

}  // namespace alluxio::worker
