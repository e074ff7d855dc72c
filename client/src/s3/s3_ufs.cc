#include "s3/s3_ufs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/path.h"
#include "s3/s3_client.h"
#include "s3/sigv4.h"

namespace alluxio {

namespace {

using s3::ObjectMeta;
using s3::S3Client;
using s3::UserMeta;

constexpr uint64_t kMaxSinglePartCopy = 5ull << 30;  // CopyObject's limit
constexpr uint64_t kMaxPartSize = 5ull << 30;
constexpr int kMaxParts = 10000;
constexpr size_t kMaxInflightParts = 4;
// Requests one ListFrom may send when pages hold only keys it skips.
constexpr int kMaxSlicePages = 3;

// Metadata names, compatible with s3fs (and rclone's mtime).
constexpr char kMetaMode[] = "mode";  // decimal st_mode, with the type bits
constexpr char kMetaUid[] = "uid";
constexpr char kMetaGid[] = "gid";
constexpr char kMetaMtime[] = "mtime";  // seconds, optional ".nnnnnnnnn"

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatMtime(int64_t ns) {
  int64_t sec = ns / 1000000000, frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --sec;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%lld.%09lld", static_cast<long long>(sec),
                static_cast<long long>(frac));
  return buf;
}

std::optional<int64_t> ParseMtime(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  long long sec = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str()) return std::nullopt;
  int64_t ns = static_cast<int64_t>(sec) * 1000000000;
  if (*end == '.') {
    int64_t scale = 100000000;
    for (++end; *end >= '0' && *end <= '9'; ++end) {
      ns += (*end - '0') * scale;
      scale /= 10;
    }
  }
  return ns;
}

std::optional<uint32_t> ParseU32(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  return static_cast<uint32_t>(v);
}

// A key that sorts strictly before `key` and, in practice, after every real
// key below it, for ListObjectsV2's start-after, which is exclusive (no
// greatest string below a key exists to pass instead). The last character c
// becomes the one before it followed by U+10FFFF, the greatest code point,
// so only keys going on with U+10FFFF, which nobody writes, fall in between
// (callers skip them). It stays valid UTF-8, which servers require; S3
// orders keys by their UTF-8 bytes, which is code point order. "" (list
// from the start) for "".
std::string KeyBefore(const std::string& key) {
  if (key.empty()) return "";
  size_t i = key.size() - 1;  // the first byte of the last character
  while (i > 0 && (static_cast<unsigned char>(key[i]) & 0xC0) == 0x80) --i;
  const size_t len = key.size() - i;
  const auto b = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(key[i + k]));
  };
  uint32_t c = 0;
  uint32_t min = 0;  // the least code point that needs `len` bytes
  if (len == 1 && b(0) < 0x80) {
    c = b(0);
  } else if (len == 2 && (b(0) & 0xE0) == 0xC0) {
    c = (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    min = 0x80;
  } else if (len == 3 && (b(0) & 0xF0) == 0xE0) {
    c = (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    min = 0x800;
  } else if (len == 4 && (b(0) & 0xF8) == 0xF0) {
    c = (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
    min = 0x10000;
  }
  // Not UTF-8, or a character with nothing usable before it: a proper
  // prefix still sorts before the key, only further.
  if (c < min || c > 0x10FFFF || c <= 1) return key.substr(0, i);
  uint32_t p = c - 1;
  if (p >= 0xD800 && p <= 0xDFFF) p = 0xD7FF;  // surrogates are not characters
  std::string out = key.substr(0, i);
  if (p < 0x80) {
    out += static_cast<char>(p);
  } else if (p < 0x800) {
    out += static_cast<char>(0xC0 | p >> 6);
    out += static_cast<char>(0x80 | (p & 0x3F));
  } else if (p < 0x10000) {
    out += static_cast<char>(0xE0 | p >> 12);
    out += static_cast<char>(0x80 | (p >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (p & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | p >> 18);
    out += static_cast<char>(0x80 | (p >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (p >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (p & 0x3F));
  }
  out += "\xF4\x8F\xBF\xBF";  // U+10FFFF
  return out;
}

// Reads settings: per-mount options, then the configuration.
class Settings {
 public:
  Settings(const std::map<std::string, std::string>& options, const Configuration& conf)
      : options_(options), conf_(conf) {}

  std::string Get(const std::string& key) const {
    auto it = options_.find(key);
    return it != options_.end() ? it->second : conf_.Get(key);
  }
  Result<bool> Bool(const std::string& key, bool def) const {
    std::string v = Get(key);
    if (v.empty()) return def;
    auto r = ParseBool(v);
    if (!r.ok()) return Bad(key, r.status());
    return *r;
  }
  Result<int64_t> Int(const std::string& key, int64_t def, int64_t min) const {
    std::string v = Get(key);
    if (v.empty()) return def;
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (*end != '\0' || n < min) {
      return Bad(
          key, Status::InvalidArgument("'" + v + "' is not an integer >= " + std::to_string(min)));
    }
    return static_cast<int64_t>(n);
  }
  Result<uint64_t> Bytes(const std::string& key, uint64_t def, uint64_t min) const {
    std::string v = Get(key);
    if (v.empty()) return def;
    auto r = ParseBytes(v);
    if (!r.ok()) return Bad(key, r.status());
    if (*r < min) {
      return Bad(key, Status::InvalidArgument("'" + v + "' is below the minimum of " +
                                              std::to_string(min) + " bytes"));
    }
    return *r;
  }
  Result<int64_t> DurationMs(const std::string& key, int64_t def) const {
    std::string v = Get(key);
    if (v.empty()) return def;
    auto r = ParseDurationMs(v);
    if (!r.ok()) return Bad(key, r.status());
    return *r;
  }

 private:
  static Status Bad(const std::string& key, const Status& st) {
    return Status::InvalidArgument("bad value for property " + key + ": " + st.message());
  }
  const std::map<std::string, std::string>& options_;
  const Configuration& conf_;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Shared by the UFS and its open readers and writers, so the I/O loop
// outlives all of them.
struct Context {
  std::unique_ptr<S3Client> client;
  std::string uri;     // "s3://bucket/prefix"
  std::string prefix;  // "" or "prefix/"
  uint64_t part_size = 64ull << 20;
  uint64_t read_part_size = 8ull << 20;
  uint64_t copy_threshold = kMaxSinglePartCopy;
  int list_max_keys = 1000;
  uint32_t default_uid = 0;
  uint32_t default_gid = 0;

  s3::IoLoop& loop() { return client->loop(); }
  size_t width() const { return static_cast<size_t>(client->options().max_requests); }

  // Key of a file, or of the directory prefix without its '/'.
  std::string Key(const std::string& path) const {
    return path == "/" ? prefix.substr(0, prefix.empty() ? 0 : prefix.size() - 1)
                       : prefix + path.substr(1);
  }
  // "dir/" (the marker and the prefix of its contents); "" or "prefix/" for
  // the root.
  std::string DirKey(const std::string& path) const {
    return path == "/" ? prefix : prefix + path.substr(1) + "/";
  }

  // Part n (1-based) of an upload: the configured size, doubled every 1000
  // parts so any object fits in S3's 10000 parts.
  uint64_t PartSize(int n) const {
    int doublings = std::min((n - 1) / 1000, 20);
    return std::min(kMaxPartSize, part_size << doublings);
  }

  // Objects seen lately by a HEAD or a listing (key, size, ETag), so that
  // opening a file right after its stat or its directory's listing needs no
  // request of its own. Bounded; cleared when full.
  struct Seen {
    std::string key;
    uint64_t size;
    std::string etag;
    // Known to be a file, not shadowed by a directory of the same name (a
    // stat's probe or a listing slice said so), at this steady-clock time;
    // 0 when only a plain listing saw it.
    int64_t file_seen_ns = 0;
  };
  std::mutex seen_mu;  // guards seen
  std::unordered_map<std::string, Seen> seen;

  void Remember(const std::string& path, const ObjectMeta& m, bool known_file = false) {
    if (m.etag.empty()) return;
    int64_t now = known_file ? SteadyNowNs() : 0;
    std::lock_guard<std::mutex> lock(seen_mu);
    if (seen.size() >= 100000) seen.clear();
    seen[path] = Seen{m.key, m.size, m.etag, now};
  }

  // The size of `path` when it was known to be a file within the last
  // `max_age_ns`.
  std::optional<uint64_t> KnownFileSize(const std::string& path, int64_t max_age_ns) {
    std::lock_guard<std::mutex> lock(seen_mu);
    auto it = seen.find(path);
    if (it == seen.end() || it->second.file_seen_ns == 0 ||
        SteadyNowNs() - it->second.file_seen_ns > max_age_ns) {
      return std::nullopt;
    }
    return it->second.size;
  }

  std::optional<Seen> Recall(const std::string& path, uint64_t version, uint64_t size) {
    std::lock_guard<std::mutex> lock(seen_mu);
    auto it = seen.find(path);
    if (it == seen.end() || it->second.size != size || ContentVersion(it->second.etag) != version) {
      return std::nullopt;
    }
    return it->second;
  }

  FileAttr Attr(const ObjectMeta& m, bool is_dir) const {
    FileAttr a;
    a.is_dir = is_dir;
    a.size = is_dir ? 0 : m.size;
    auto get = [&m](const char* k) -> std::string {
      auto it = m.user.find(k);
      return it == m.user.end() ? "" : it->second;
    };
    auto mode = ParseU32(get(kMetaMode));
    a.mode = mode ? (*mode & 07777) : (is_dir ? 0755 : 0644);
    a.uid = ParseU32(get(kMetaUid)).value_or(default_uid);
    a.gid = ParseU32(get(kMetaGid)).value_or(default_gid);
    // Listings give milliseconds and HEAD seconds: keep seconds so both agree.
    a.mtime_ns = ParseMtime(get(kMetaMtime)).value_or(m.last_modified_ns / 1000000000 * 1000000000);
    if (!is_dir) {
      a.version = m.etag.empty() ? ContentVersion(a.size, a.mtime_ns) : ContentVersion(m.etag);
    }
    return a;
  }

  UserMeta MetaFor(bool is_dir, uint32_t mode, uint32_t uid, uint32_t gid, int64_t mtime_ns) const {
    return UserMeta{
        {kMetaMode, std::to_string((is_dir ? S_IFDIR : S_IFREG) | (mode & 07777))},
        {kMetaUid, std::to_string(uid)},
        {kMetaGid, std::to_string(gid)},
        {kMetaMtime, FormatMtime(mtime_ns)},
    };
  }

  // What is at a path.
  struct Probe {
    enum Kind { kNone, kFile, kDir } kind = kNone;
    ObjectMeta file;          // kFile
    bool has_marker = false;  // kDir
    ObjectMeta marker;        // kDir with marker
    int64_t implied_mtime_ns = 0;
  };

  // Runs on a fiber. HEAD of the file, HEAD of the marker and a one-key
  // listing of the prefix, concurrently. A directory shadows a file of the
  // same name (both can exist in S3, not in POSIX).
  Result<Probe> ProbePath(const std::string& path) {
    Probe p;
    if (path == "/") {
      p.kind = Probe::kDir;
      if (!prefix.empty()) {
        auto m = client->Head(prefix);
        if (m.ok()) {
          p.has_marker = true;
          p.marker = std::move(*m);
        } else if (m.status().code() != Code::kNotFound) {
          return m.status();
        }
      }
      return p;
    }
    std::optional<Result<ObjectMeta>> file, marker;
    std::string key = Key(path), dir = DirKey(path);
    // Two HEADs at once answer files and marked directories; only when both
    // miss does a listing look for a directory implied by keys below it
    // (listings cost far more than HEADs on most servers).
    loop().ParallelFor(2, 2, [&](size_t i) {
      if (i == 0) file.emplace(client->Head(key));
      if (i == 1) marker.emplace(client->Head(dir));
    });
    for (const Status& st : {file->status(), marker->status()}) {
      if (!st.ok() && st.code() != Code::kNotFound) return st;
    }
    if (marker->ok()) {  // a marked directory shadows a file of the same name
      p.kind = Probe::kDir;
      p.has_marker = true;
      p.marker = std::move(**marker);
      return p;
    }
    if (file->ok()) {
      p.kind = Probe::kFile;
      p.file = std::move(**file);
      return p;
    }
    auto list = client->List(dir, "", "", 1);
    if (!list.ok()) return list.status();  // NotFound of a listing: no bucket
    if (!list->objects.empty() || !list->prefixes.empty()) {
      p.kind = Probe::kDir;
      if (!list->objects.empty()) p.implied_mtime_ns = list->objects[0].last_modified_ns;
    }
    return p;
  }

  FileAttr DirAttr(const Probe& p) const {
    if (p.has_marker) return Attr(p.marker, true);
    ObjectMeta m;
    m.last_modified_ns = p.implied_mtime_ns;
    return Attr(m, true);
  }

  // Runs on a fiber.
  Result<FileAttr> Stat(const std::string& path) {
    ASSIGN_OR_RETURN(Probe p, ProbePath(path));
    if (p.kind == Probe::kFile) {
      Remember(path, p.file, /*known_file=*/true);
      return Attr(p.file, false);
    }
    if (p.kind == Probe::kDir) return DirAttr(p);
    return Missing(path);
  }

  // Runs on a fiber. Stat, and for a file known to be one (a recent stat or
  // listing slice said so, so no directory probe is needed) its first bytes
  // from the same request: a ranged GET answers with the headers a HEAD
  // would, and the data.
  Result<FileAttr> StatWithHead(const std::string& path, size_t max, std::string* head) {
    constexpr int64_t kKnownFor = 60'000'000'000;
    head->clear();
    std::optional<uint64_t> size;
    if (path != "/" && max > 0 && (size = KnownFileSize(path, kKnownFor)) && *size > 0) {
      // Asking no more than the size seen saves buffer space; should the
      // object have grown, the bytes are less than a page and not cached.
      auto got =
          client->GetFirst(Key(path), static_cast<size_t>(std::min<uint64_t>(max, *size)), head);
      if (got.ok()) {
        Remember(path, *got, /*known_file=*/true);
        return Attr(*got, false);
      }
      head->clear();  // gone or empty (416): the probe tells what it is now
    }
    return Stat(path);
  }

  // Runs on a fiber. Why `path`, found missing, is: NotDirectory when an
  // ancestor (any, not only the parent) is a file, as POSIX path resolution
  // says; else NotFound. HEADs every ancestor's key at once, and probes
  // further only an ancestor that exists as an object (a directory of the
  // same name shadows it).
  Status Missing(const std::string& path) {
    std::vector<std::string> ancestors;  // the root's child first
    for (std::string a(ParentPath(path)); a != "/"; a = std::string(ParentPath(a))) {
      ancestors.insert(ancestors.begin(), a);
    }
    std::vector<std::optional<Result<ObjectMeta>>> heads(ancestors.size());
    loop().ParallelFor(ancestors.size(), width(),
                       [&](size_t i) { heads[i].emplace(client->Head(Key(ancestors[i]))); });
    for (size_t i = 0; i < ancestors.size(); ++i) {
      if (!heads[i]->ok()) {
        if (heads[i]->status().code() != Code::kNotFound) return heads[i]->status();
        continue;
      }
      ASSIGN_OR_RETURN(Probe p, ProbePath(ancestors[i]));
      if (p.kind == Probe::kFile) {
        return Status(Code::kNotDirectory,
                      "a parent of " + path + " (" + ancestors[i] + ") in " + uri + " is a file");
      }
    }
    return Status::NotFound(path + " does not exist in " + uri);
  }

  // The parent of `path` must be a directory.
  Status CheckParent(const std::string& path) {
    std::string parent(ParentPath(path));
    if (parent == "/") return Status::OK();
    auto st = Stat(parent);
    if (!st.ok()) {
      if (st.status().code() == Code::kNotFound) {
        return Status::NotFound("parent directory " + parent + " does not exist in " + uri);
      }
      return st.status();
    }
    if (!st->is_dir) {
      return Status(Code::kNotDirectory, "parent " + parent + " in " + uri + " is a file");
    }
    return Status::OK();
  }

  // All keys under `dir_key` (recursively), page by page.
  Result<std::vector<ObjectMeta>> ListAll(const std::string& dir_key) {
    std::vector<ObjectMeta> out;
    std::string token;
    do {
      ASSIGN_OR_RETURN(s3::ListPage page, client->List(dir_key, "", token, list_max_keys));
      for (auto& o : page.objects) out.push_back(std::move(o));
      token = std::move(page.next_token);
    } while (!token.empty());
    return out;
  }

  // After removing something from `path`'s parent, keeps the parent alive
  // with a marker if it was only implied by what was removed.
  Status KeepParent(const std::string& path) {
    std::string parent(ParentPath(path));
    if (parent == "/") return Status::OK();
    std::string dir = DirKey(parent);
    ASSIGN_OR_RETURN(s3::ListPage page, client->List(dir, "", "", 1));
    if (!page.objects.empty() || !page.prefixes.empty()) return Status::OK();
    return client->Put(dir, nullptr, 0, MetaFor(true, 0755, default_uid, default_gid, NowNs()));
  }

  // Copies one object; multipart (UploadPartCopy) above copy_threshold.
  // Without `meta` the copy keeps the source's metadata.
  Status CopyObject(const ObjectMeta& src, const std::string& dst,
                    const std::optional<UserMeta>& meta) {
    if (src.size <= copy_threshold) {
      return client->Copy(src.key, dst, meta, src.content_type);
    }
    UserMeta m;
    std::string content_type = src.content_type;
    if (meta) {
      m = *meta;
    } else {
      ASSIGN_OR_RETURN(ObjectMeta head, client->Head(src.key));
      m = head.user;
      content_type = head.content_type;
    }
    uint64_t part = std::max<uint64_t>(part_size, (src.size + kMaxParts - 1) / kMaxParts);
    part = std::min(part, kMaxPartSize);
    size_t parts = static_cast<size_t>((src.size + part - 1) / part);
    ASSIGN_OR_RETURN(std::string upload_id, client->CreateMultipart(dst, m, content_type));
    std::vector<std::string> etags(parts);
    std::vector<Status> errors(parts);
    loop().ParallelFor(parts, width(), [&](size_t i) {
      uint64_t first = i * part;
      uint64_t last = std::min(src.size, first + part) - 1;
      auto r =
          client->UploadPartCopy(src.key, dst, upload_id, static_cast<int>(i + 1), first, last);
      if (r.ok())
        etags[i] = std::move(*r);
      else
        errors[i] = r.status();
    });
    Status st;
    for (const Status& e : errors) {
      if (!e.ok()) {
        st = e;
        break;
      }
    }
    if (st.ok()) st = client->CompleteMultipart(dst, upload_id, etags);
    if (!st.ok()) (void)client->AbortMultipart(dst, upload_id);
    return st;
  }
};

// A range of an object from one GET (resumed where a failure breaks it off),
// buffered at most about kStreamBuffer ahead of its reader: beyond that the
// transfer pauses until the reader catches up.
class S3Stream : public UfsStream {
 public:
  static constexpr size_t kStreamBuffer = 8 << 20;

  S3Stream(std::shared_ptr<Context> ctx, const std::string& key, const std::string& etag,
           uint64_t offset, uint64_t length)
      : ctx_(std::move(ctx)), pipe_(std::make_shared<Pipe>()) {
    // The fiber holds no reference to the context: this stream does, and
    // outlives the transfer (the destructor waits for it), so the I/O loop
    // is never torn down from its own thread.
    s3::S3Client* client = ctx_->client.get();
    ctx_->loop().Spawn([client, pipe = pipe_, key, etag, offset, length] {
      Status st = client->GetStream(key, offset, length, etag, pipe.get(), [&pipe] {
        std::lock_guard<std::mutex> lock(pipe->mu);
        return pipe->cancelled;
      });
      std::lock_guard<std::mutex> lock(pipe->mu);
      pipe->finished = true;
      pipe->status = st;
      pipe->cv.notify_all();
    });
  }

  ~S3Stream() override {
    Cancel();
    std::unique_lock<std::mutex> lock(pipe_->mu);
    pipe_->cv.wait(lock, [&] { return pipe_->finished; });
  }

  Result<size_t> Read(char* buf, size_t n) override {
    std::unique_lock<std::mutex> lock(pipe_->mu);
    pipe_->cv.wait(lock,
                   [&] { return pipe_->buffered > 0 || pipe_->finished || pipe_->cancelled; });
    if (pipe_->cancelled) return Status(Code::kAborted, "stream cancelled");
    if (pipe_->buffered == 0) {
      if (!pipe_->status.ok()) return pipe_->status;
      return size_t{0};
    }
    size_t got = 0;
    while (got < n && !pipe_->chunks.empty()) {
      std::string& front = pipe_->chunks.front();
      size_t k = std::min(n - got, front.size() - pipe_->front_off);
      front.copy(buf + got, k, pipe_->front_off);
      got += k;
      pipe_->front_off += k;
      if (pipe_->front_off == front.size()) {
        pipe_->chunks.pop_front();
        pipe_->front_off = 0;
      }
    }
    pipe_->buffered -= got;
    bool resume = pipe_->paused && pipe_->buffered <= kStreamBuffer / 2;
    if (resume) pipe_->paused = false;
    lock.unlock();
    if (resume) ctx_->loop().ResumeStream(pipe_.get());
    return got;
  }

  void Cancel() override {
    {
      std::lock_guard<std::mutex> lock(pipe_->mu);
      if (pipe_->cancelled || pipe_->finished) return;
      pipe_->cancelled = true;
      pipe_->cv.notify_all();
    }
    ctx_->loop().AbortStream(pipe_.get());
  }

 private:
  // Between the transfer (on the loop thread) and the reader.
  struct Pipe final : s3::BodyStream {
    std::mutex mu;  // guards everything below
    std::condition_variable cv;
    std::deque<std::string> chunks;
    size_t front_off = 0;  // bytes of chunks.front() already read
    size_t buffered = 0;   // bytes in chunks not yet read
    bool paused = false;
    bool cancelled = false;
    bool finished = false;  // the transfer is over; status says how
    Status status;

    Take OnData(const char* p, size_t n) override {
      std::lock_guard<std::mutex> lock(mu);
      if (cancelled) return Take::kAbort;
      if (buffered >= kStreamBuffer) {
        paused = true;
        return Take::kPause;
      }
      chunks.emplace_back(p, n);
      buffered += n;
      cv.notify_all();
      return Take::kTaken;
    }
  };

  std::shared_ptr<Context> ctx_;
  std::shared_ptr<Pipe> pipe_;
};

class S3Reader : public UfsReader {
 public:
  S3Reader(std::shared_ptr<Context> ctx, std::string key, uint64_t size, std::string etag)
      : ctx_(std::move(ctx)), key_(std::move(key)), size_(size), etag_(std::move(etag)) {}

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset >= size_ || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    return ctx_->loop().Run<Result<size_t>>([&]() -> Result<size_t> {
      size_t part = static_cast<size_t>(ctx_->read_part_size);
      size_t parts = (n + part - 1) / part;
      std::vector<Status> errors(parts);
      // Large reads go as parallel ranged GETs, all pinned to the ETag seen
      // at open, so the bytes are never a mix of two versions.
      ctx_->loop().ParallelFor(parts, ctx_->width(), [&](size_t i) {
        size_t off = i * part;
        size_t len = std::min(part, n - off);
        errors[i] = ctx_->client->GetRange(key_, offset + off, buf + off, len, etag_);
      });
      for (const Status& st : errors) RETURN_IF_ERROR(st);
      return n;
    });
  }

  uint64_t Size() const override { return size_; }

  // One GET for a whole sequential read: every request to an object store
  // costs a round trip (and some servers read the whole object for each).
  bool PrefersStreams() const override { return true; }
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) override {
    if (offset > size_) offset = size_;
    length = std::min(length, size_ - offset);
    return std::unique_ptr<UfsStream>(new S3Stream(ctx_, key_, etag_, offset, length));
  }

  // As GetStatus computes it for this object.
  uint64_t Version() const override { return version_; }
  void set_version(uint64_t v) { version_ = v; }

 private:
  std::shared_ptr<Context> ctx_;
  std::string key_;
  uint64_t size_;
  std::string etag_;
  uint64_t version_ = 0;
};

class S3Writer : public UfsWriter {
 public:
  S3Writer(std::shared_ptr<Context> ctx, std::string path, const UfsCreateOptions& opts)
      : ctx_(std::move(ctx)), path_(std::move(path)), key_(ctx_->Key(path_)), opts_(opts) {}

  ~S3Writer() override { Abort(); }

  Status Append(const char* data, size_t n) override {
    if (closed_) return Status(Code::kBadDescriptor, "writer of " + path_ + " is closed");
    RETURN_IF_ERROR(error_);
    while (n > 0) {
      // A full buffer is sent only once more data comes, so an object of
      // exactly one part is still a single PUT.
      if (buf_.size() == ctx_->PartSize(next_part_)) {
        error_ = FlushPart();
        RETURN_IF_ERROR(error_);
      }
      size_t room = static_cast<size_t>(ctx_->PartSize(next_part_)) - buf_.size();
      size_t take = std::min(room, n);
      buf_.append(data, take);
      data += take;
      n -= take;
    }
    return Status::OK();
  }

  Status Commit() override {
    if (closed_) return Status(Code::kBadDescriptor, "writer of " + path_ + " is closed");
    Status st = error_;
    if (st.ok() && upload_id_.empty()) {
      // Small object: one PUT, atomically visible.
      UserMeta meta = Meta();
      std::string sha = s3::Sha256Hex(buf_.data(), buf_.size());
      st = ctx_->loop().Run<Status>(
          [&] { return ctx_->client->Put(key_, buf_.data(), buf_.size(), meta, sha); });
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
      st = ctx_->loop().Run<Status>(
          [&] { return ctx_->client->CompleteMultipart(key_, upload_id_, done_etags_); });
    }
    if (!st.ok() && !upload_id_.empty()) AbortUpload();
    upload_id_.clear();
    closed_ = true;
    return st.ok() ? st : st.WithContext("commit " + path_);
  }

  void Abort() override {
    if (closed_) return;
    closed_ = true;
    for (auto& p : inflight_) p.wait();
    inflight_.clear();
    if (!upload_id_.empty()) AbortUpload();
    upload_id_.clear();
    buf_.clear();
  }

 private:
  UserMeta Meta() const {
    return ctx_->MetaFor(false, opts_.mode, opts_.uid.value_or(static_cast<uint32_t>(getuid())),
                         opts_.gid.value_or(static_cast<uint32_t>(getgid())),
                         opts_.mtime_ns.value_or(NowNs()));
  }

  void AbortUpload() {
    // Best effort: an unfinished upload is invisible anyway, and a bucket
    // lifecycle rule can reap what a dead network leaves behind.
    std::string id = upload_id_;
    (void)ctx_->loop().Run<Status>([&] { return ctx_->client->AbortMultipart(key_, id); });
  }

  // Sends buf_ as the next part; starts the multipart upload first if needed.
  Status FlushPart() {
    if (upload_id_.empty()) {
      UserMeta meta = Meta();
      auto id = ctx_->loop().Run<Result<std::string>>(
          [&] { return ctx_->client->CreateMultipart(key_, meta, ""); });
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
    std::string sha = s3::Sha256Hex(data->data(), data->size());
    auto done = std::make_shared<std::promise<Result<std::string>>>();
    inflight_.push_back(done->get_future());
    // The fiber holds raw pointers to the context: Abort()/Commit() wait for
    // every part before this writer (and its context reference) goes away.
    Context* ctx = ctx_.get();
    ctx_->loop().Spawn([ctx, key = key_, id = upload_id_, n = next_part_, data, sha, done] {
      try {
        done->set_value(ctx->client->UploadPart(key, id, n, data->data(), data->size(), sha));
      } catch (...) {
        done->set_value(Status(Code::kNoMemory, "out of memory uploading a part"));
      }
    });
    ++next_part_;
    return Status::OK();
  }

  std::shared_ptr<Context> ctx_;
  std::string path_;
  std::string key_;
  UfsCreateOptions opts_;
  std::string buf_;
  std::string upload_id_;
  int next_part_ = 1;
  std::deque<std::future<Result<std::string>>> inflight_;  // in part order
  std::vector<std::string> done_etags_;                    // parts 1..k
  Status error_;
  bool closed_ = false;
};

class S3Ufs : public UfsBase {
 public:
  explicit S3Ufs(std::shared_ptr<Context> ctx) : ctx_(std::move(ctx)) {}

  std::string Uri() const override { return ctx_->uri; }

  Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) override {
    return Run<Result<FileAttr>>([&] {
      return head != nullptr ? ctx_->StatWithHead(path, head_max, head) : ctx_->Stat(path);
    });
  }

  Result<std::vector<FileInfo>> ListStatus(const std::string& path) override {
    return Run<Result<std::vector<FileInfo>>>(
        [&]() -> Result<std::vector<FileInfo>> { return List(path); });
  }

  // One ListObjectsV2 request with start-after (more only when a page holds
  // nothing at or after `from`, see Slice). A missing directory, or a file,
  // lists nothing: that gives an empty slice at its end rather than asking
  // more to tell NotFound from NotDirectory; callers that need to know ask
  // GetStatus.
  Result<UfsListSlice> ListFrom(const std::string& dir, const std::string& from,
                                size_t max) override {
    return Run<Result<UfsListSlice>>(
        [&]() -> Result<UfsListSlice> { return Slice(dir, from, max); });
  }

  Status CreateDirectory(const std::string& path, uint32_t mode) override {
    return Run<Status>([&]() -> Status {
      if (path == "/") return Status::AlreadyExists("/ exists in " + ctx_->uri);
      Status parent;
      Result<FileAttr> self = Status::IoError("not probed");
      ctx_->loop().ParallelFor(2, 2, [&](size_t i) {
        if (i == 0)
          parent = ctx_->CheckParent(path);
        else
          self = ctx_->Stat(path);
      });
      RETURN_IF_ERROR(parent);
      if (self.ok()) return Status::AlreadyExists(path + " already exists in " + ctx_->uri);
      if (self.status().code() != Code::kNotFound) return self.status();
      return ctx_->client->Put(ctx_->DirKey(path), nullptr, 0,
                               ctx_->MetaFor(true, mode, static_cast<uint32_t>(getuid()),
                                             static_cast<uint32_t>(getgid()), NowNs()));
    });
  }

  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override {
    if (known != nullptr && !known->is_dir) {
      if (auto seen = ctx_->Recall(path, known->version, known->size)) {
        // Every ranged GET carries If-Match with this ETag, so a changed
        // object fails the read instead of mixing versions.
        auto reader = std::make_unique<S3Reader>(ctx_, seen->key, seen->size, seen->etag);
        reader->set_version(known->version);
        return std::unique_ptr<UfsReader>(std::move(reader));
      }
    }
    return Run<Result<std::unique_ptr<UfsReader>>>([&]() -> Result<std::unique_ptr<UfsReader>> {
      if (path == "/") return Status(Code::kIsDirectory, "/ is a directory");
      ASSIGN_OR_RETURN(Context::Probe p, ctx_->ProbePath(path));
      if (p.kind == Context::Probe::kDir) {
        return Status(Code::kIsDirectory, path + " is a directory in " + ctx_->uri);
      }
      if (p.kind == Context::Probe::kNone) {
        return ctx_->Missing(path);
      }
      auto reader = std::make_unique<S3Reader>(ctx_, p.file.key, p.file.size, p.file.etag);
      reader->set_version(ctx_->Attr(p.file, false).version);
      return std::unique_ptr<UfsReader>(std::move(reader));
    });
  }

  Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                            const UfsCreateOptions& opts) override {
    Status st = Run<Status>([&]() -> Status {
      if (path == "/") return Status(Code::kIsDirectory, "/ is a directory");
      Status parent;
      Result<Context::Probe> self = Status::IoError("not probed");
      ctx_->loop().ParallelFor(2, 2, [&](size_t i) {
        if (i == 0)
          parent = ctx_->CheckParent(path);
        else
          self = ctx_->ProbePath(path);
      });
      RETURN_IF_ERROR(parent);
      RETURN_IF_ERROR(self.status());
      if (self->kind == Context::Probe::kDir) {
        return Status(Code::kIsDirectory, path + " is a directory in " + ctx_->uri);
      }
      return Status::OK();
    });
    RETURN_IF_ERROR(st);
    return std::unique_ptr<UfsWriter>(new S3Writer(ctx_, path, opts));
  }

  Status DeleteFile(const std::string& path) override {
    return Run<Status>([&]() -> Status {
      if (path == "/") return Status(Code::kIsDirectory, "/ is a directory");
      ASSIGN_OR_RETURN(FileAttr a, ctx_->Stat(path));
      if (a.is_dir) return Status(Code::kIsDirectory, path + " is a directory in " + ctx_->uri);
      RETURN_IF_ERROR(ctx_->client->Delete(ctx_->Key(path)));
      return ctx_->KeepParent(path);
    });
  }

  Status DeleteDirectory(const std::string& path) override {
    return Run<Status>([&]() -> Status {
      if (path == "/") return Status(Code::kBusy, "cannot remove the root of " + ctx_->uri);
      ASSIGN_OR_RETURN(FileAttr a, ctx_->Stat(path));
      if (!a.is_dir) return Status(Code::kNotDirectory, path + " is a file in " + ctx_->uri);
      std::string dir = ctx_->DirKey(path);
      ASSIGN_OR_RETURN(s3::ListPage page, ctx_->client->List(dir, "", "", 2));
      for (const auto& o : page.objects) {
        if (o.key != dir) return Status(Code::kNotEmpty, path + " is not empty");
      }
      if (!page.prefixes.empty()) return Status(Code::kNotEmpty, path + " is not empty");
      RETURN_IF_ERROR(ctx_->client->Delete(dir));
      return ctx_->KeepParent(path);
    });
  }

  Status Rename(const std::string& src, const std::string& dst) override {
    return Run<Status>([&]() -> Status {
      if (src == dst) return Status::OK();
      if (src == "/" || dst == "/") {
        return Status(Code::kBusy, "cannot rename the root of " + ctx_->uri);
      }
      ASSIGN_OR_RETURN(Context::Probe p, ctx_->ProbePath(src));
      if (p.kind == Context::Probe::kNone) {
        return ctx_->Missing(src);
      }
      if (p.kind == Context::Probe::kFile) {
        RETURN_IF_ERROR(ctx_->CopyObject(p.file, ctx_->Key(dst), std::nullopt));
        RETURN_IF_ERROR(ctx_->client->Delete(p.file.key));
        return ctx_->KeepParent(src);
      }
      return RenameDirectory(src, dst);
    });
  }

  Status SetMode(const std::string& path, uint32_t mode) override {
    return UpdateMeta(path, [mode](UserMeta& m, bool is_dir) {
      m[kMetaMode] = std::to_string((is_dir ? S_IFDIR : S_IFREG) | (mode & 07777));
    });
  }

  Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                  std::optional<uint32_t> gid) override {
    return UpdateMeta(path, [uid, gid](UserMeta& m, bool) {
      if (uid) m[kMetaUid] = std::to_string(*uid);
      if (gid) m[kMetaGid] = std::to_string(*gid);
    });
  }

  Status SetMtime(const std::string& path, int64_t mtime_ns) override {
    return UpdateMeta(path,
                      [mtime_ns](UserMeta& m, bool) { m[kMetaMtime] = FormatMtime(mtime_ns); });
  }

  // Listings carry no user metadata (mode, owner, mtime).
  bool ListingHasFullAttributes() const override { return false; }

  Status GetSpace(uint64_t* total, uint64_t* free) override {
    // A bucket has no capacity limit; report 1 PiB free of 1 PiB so tools
    // that check free space (df, cp) proceed.
    *total = 1ull << 50;
    *free = 1ull << 50;
    return Status::OK();
  }

 private:
  template <typename T>
  T Run(const std::function<T()>& fn) {
    return ctx_->loop().Run<T>(fn);
  }

  // On a fiber.
  Result<std::vector<FileInfo>> List(const std::string& path) {
    std::string dir = ctx_->DirKey(path);
    std::vector<FileInfo> files, dirs;
    std::vector<ObjectMeta> objects;  // of files, in the same order
    bool any = false;
    std::string token;
    do {
      ASSIGN_OR_RETURN(s3::ListPage page, ctx_->client->List(dir, "/", token, ctx_->list_max_keys));
      for (auto& o : page.objects) {
        any = true;
        std::string name = o.key.substr(dir.size());
        if (name.empty() || name == "." || name == "..") continue;  // marker, or unusable
        files.push_back(FileInfo{std::move(name), ctx_->Attr(o, false)});
        objects.push_back(std::move(o));
      }
      for (const auto& pfx : page.prefixes) {
        any = true;
        std::string name = pfx.substr(dir.size(), pfx.size() - dir.size() - 1);
        if (name.empty() || name == "." || name == "..") continue;  // "a//b" has no name
        ObjectMeta m;
        dirs.push_back(FileInfo{std::move(name), ctx_->Attr(m, true)});
      }
      token = std::move(page.next_token);
    } while (!token.empty());
    if (!any && path != "/") {
      // Nothing under the prefix: a file, or nothing at all.
      ASSIGN_OR_RETURN(FileAttr a, ctx_->Stat(path));
      if (!a.is_dir) return Status(Code::kNotDirectory, path + " is a file in " + ctx_->uri);
    }
    // A directory shadows a file of the same name.
    std::unordered_set<std::string> dir_names;
    for (const auto& d : dirs) dir_names.insert(d.name);
    std::vector<FileInfo> out = std::move(dirs);
    for (size_t i = 0; i < files.size(); ++i) {
      if (dir_names.count(files[i].name)) continue;
      // Opens need no HEAD, and stats no directory probe, for a while.
      ctx_->Remember(JoinPath(path, files[i].name), objects[i], /*known_file=*/true);
      out.push_back(std::move(files[i]));
    }
    return out;
  }

  // On a fiber.
  Result<UfsListSlice> Slice(const std::string& path, const std::string& from, size_t max) {
    std::string dir = ctx_->DirKey(path);
    std::string after = KeyBefore(dir + from);
    int max_keys = static_cast<int>(std::clamp<size_t>(max, 1, ctx_->list_max_keys));
    std::vector<std::pair<std::string, ObjectMeta>> files;
    std::vector<FileInfo> dirs;
    std::string last;  // the greatest key or prefix listed
    std::string token;
    for (int pages = 0; pages < kMaxSlicePages; ++pages) {
      ASSIGN_OR_RETURN(s3::ListPage page, ctx_->client->List(dir, "/", token, max_keys, after));
      for (auto& o : page.objects) {
        last = std::max(last, o.key);
        std::string name = o.key.substr(dir.size());
        // Names below `from` lie between `after` and it; "" is the marker.
        if (name < from || name.empty() || name == "." || name == "..") continue;
        files.emplace_back(std::move(name), std::move(o));
      }
      for (const auto& pfx : page.prefixes) {
        last = std::max(last, pfx);
        std::string name = pfx.substr(dir.size(), pfx.size() - dir.size() - 1);
        if (name < from || name.empty() || name == "." || name == "..") continue;
        ObjectMeta m;
        dirs.push_back(FileInfo{std::move(name), ctx_->Attr(m, true), false});
      }
      token = std::move(page.next_token);
      if (token.empty() || !files.empty() || !dirs.empty()) break;
    }
    UfsListSlice out;
    out.at_end = token.empty();
    // A directory shadows a file of the same name, as in List. Its prefix
    // "name/" sorts after "name" (and "name.", "name-"), so when the listing
    // goes on, a file is exact only if "name/" would have been on this page.
    std::unordered_set<std::string> dir_names;
    for (const auto& d : dirs) dir_names.insert(d.name);
    out.entries = std::move(dirs);
    for (auto& [name, o] : files) {
      if (dir_names.count(name)) continue;
      if (!out.at_end && dir + name + "/" > last) continue;
      ctx_->Remember(JoinPath(path, name), o, /*known_file=*/true);
      out.entries.push_back(FileInfo{std::move(name), ctx_->Attr(o, false), false});
    }
    std::sort(out.entries.begin(), out.entries.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return out;
  }

  // On a fiber: copies every key below src/ to dst/, then deletes the
  // sources in batches. A failed copy deletes the copies made and leaves
  // the source whole.
  Status RenameDirectory(const std::string& src, const std::string& dst) {
    std::string from = ctx_->DirKey(src), to = ctx_->DirKey(dst);
    ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, ctx_->ListAll(from));
    std::vector<Status> errors(objects.size());
    ctx_->loop().ParallelFor(objects.size(), ctx_->width(), [&](size_t i) {
      errors[i] =
          ctx_->CopyObject(objects[i], to + objects[i].key.substr(from.size()), std::nullopt);
    });
    Status failed;
    std::vector<std::string> copied, sources;
    for (size_t i = 0; i < objects.size(); ++i) {
      sources.push_back(objects[i].key);
      if (errors[i].ok())
        copied.push_back(to + objects[i].key.substr(from.size()));
      else if (failed.ok())
        failed = errors[i];
    }
    if (!failed.ok()) {
      (void)ctx_->client->DeleteMany(copied);
      return failed.WithContext("rename " + src + " to " + dst);
    }
    RETURN_IF_ERROR(ctx_->client->DeleteMany(sources));
    return ctx_->KeepParent(src);
  }

  Status UpdateMeta(const std::string& path,
                    const std::function<void(UserMeta&, bool is_dir)>& change) {
    return Run<Status>([&]() -> Status {
      if (path == "/" && ctx_->prefix.empty()) {
        return Status::NotSupported("the root of bucket " + ctx_->uri +
                                    " has no object to keep attributes in");
      }
      ASSIGN_OR_RETURN(Context::Probe p, ctx_->ProbePath(path));
      if (p.kind == Context::Probe::kNone) {
        return ctx_->Missing(path);
      }
      bool is_dir = p.kind == Context::Probe::kDir;
      // Start from what stat shows, so unset fields keep their shown values
      // (an object without metadata would otherwise jump to the copy time).
      FileAttr cur = is_dir ? ctx_->DirAttr(p) : ctx_->Attr(p.file, false);
      UserMeta meta = is_dir ? p.marker.user : p.file.user;
      UserMeta base = ctx_->MetaFor(is_dir, cur.mode, cur.uid, cur.gid, cur.mtime_ns);
      for (auto& [k, v] : base) meta.emplace(k, v);
      change(meta, is_dir);
      if (is_dir) {
        // A marker is empty: rewriting it is a copy in place.
        return ctx_->client->Put(ctx_->DirKey(path), nullptr, 0, meta);
      }
      return ctx_->CopyObject(p.file, p.file.key, meta);
    });
  }

  std::shared_ptr<Context> ctx_;
};

}  // namespace

Result<std::shared_ptr<Ufs>> CreateS3Ufs(const std::string& uri,
                                         const std::map<std::string, std::string>& options,
                                         const Configuration& conf) {
  size_t sep = uri.find("://");
  std::string scheme = sep == std::string::npos ? "" : uri.substr(0, sep);
  if (scheme != "s3" && scheme != "s3a") {
    return Status::InvalidArgument("'" + uri + "' is not an s3:// URI");
  }
  std::string rest = uri.substr(sep + 3);
  std::string bucket = rest.substr(0, rest.find('/'));
  if (bucket.empty()) return Status::InvalidArgument("S3 URI '" + uri + "' names no bucket");
  std::string prefix;
  if (bucket.size() < rest.size()) {
    std::string_view p = std::string_view(rest).substr(bucket.size() + 1);
    while (!p.empty()) {
      size_t slash = p.find('/');
      std::string_view comp = p.substr(0, slash);
      if (comp == "." || comp == "..") {
        return Status::InvalidArgument("S3 URI '" + uri + "' has a '.' or '..' component");
      }
      if (!comp.empty()) {
        prefix += comp;
        prefix += '/';
      }
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash + 1);
    }
  }

  Settings s(options, conf);
  s3::S3Options o;
  o.bucket = bucket;
  o.endpoint = s.Get("alluxio.underfs.s3.endpoint");
  o.region = s.Get("alluxio.underfs.s3.endpoint.region");
  if (o.region.empty()) o.region = Env("AWS_REGION");
  if (o.region.empty()) o.region = Env("AWS_DEFAULT_REGION");
  if (o.region.empty()) o.region = "us-east-1";
  ASSIGN_OR_RETURN(o.path_style, s.Bool("alluxio.underfs.s3.disable.dns.buckets", false));
  o.creds.access_key = s.Get("s3a.accessKeyId");
  o.creds.secret_key = s.Get("s3a.secretKey");
  if (o.creds.access_key.empty() && o.creds.secret_key.empty()) {
    o.creds.access_key = Env("AWS_ACCESS_KEY_ID");
    o.creds.secret_key = Env("AWS_SECRET_ACCESS_KEY");
    o.creds.session_token = Env("AWS_SESSION_TOKEN");
  }
  if (o.creds.access_key.empty() != o.creds.secret_key.empty()) {
    return Status::InvalidArgument(
        "S3 credentials for " + uri +
        " are incomplete: set both s3a.accessKeyId and s3a.secretKey (or both "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  ASSIGN_OR_RETURN(int64_t threads, s.Int("alluxio.underfs.s3.threads.max", 32, 1));
  o.max_requests = static_cast<int>(std::min<int64_t>(threads, 1024));
  ASSIGN_OR_RETURN(o.request_timeout_ms, s.DurationMs("alluxio.underfs.s3.request.timeout", 60000));
  ASSIGN_OR_RETURN(o.connect_timeout_ms, s.DurationMs("alluxio.underfs.s3.connect.timeout", 10000));
  ASSIGN_OR_RETURN(int64_t retries, s.Int("alluxio.underfs.s3.retry.max", 5, 0));
  o.retry_max = static_cast<int>(std::min<int64_t>(retries, 100));
  ASSIGN_OR_RETURN(int64_t base_ms, s.DurationMs("alluxio.underfs.s3.retry.base.sleep", 100));
  o.retry_base_ms = static_cast<int>(std::clamp<int64_t>(base_ms, 1, 60000));

  auto ctx = std::make_shared<Context>();
  ctx->prefix = prefix;
  ctx->uri = "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix.substr(0, prefix.size() - 1));
  ASSIGN_OR_RETURN(ctx->part_size,
                   s.Bytes("alluxio.underfs.s3.multipart.upload.partition.size", 64ull << 20, 1));
  ctx->part_size = std::min(ctx->part_size, kMaxPartSize);
  ASSIGN_OR_RETURN(ctx->read_part_size,
                   s.Bytes("alluxio.underfs.s3.read.partition.size", 8ull << 20, 4096));
  ASSIGN_OR_RETURN(ctx->copy_threshold,
                   s.Bytes("alluxio.underfs.s3.multipart.copy.threshold", kMaxSinglePartCopy, 1));
  ctx->copy_threshold = std::min(ctx->copy_threshold, kMaxSinglePartCopy);
  ASSIGN_OR_RETURN(int64_t max_keys, s.Int("alluxio.underfs.s3.list.max.keys", 1000, 1));
  ctx->list_max_keys = static_cast<int>(std::min<int64_t>(max_keys, 1000));
  ctx->default_uid = static_cast<uint32_t>(getuid());
  ctx->default_gid = static_cast<uint32_t>(getgid());
  ASSIGN_OR_RETURN(ctx->client, S3Client::Create(std::move(o)));

  // Fail at mount time, not at first use, with few retries so an
  // unreachable endpoint is reported promptly.
  S3Client* client = ctx->client.get();
  int probe_retries = std::min(client->options().retry_max, 2);
  Status st = client->loop().Run<Status>([&] { return client->Probe(prefix, probe_retries); });
  if (!st.ok()) return st.WithContext("mount " + ctx->uri);
  return std::shared_ptr<Ufs>(new S3Ufs(std::move(ctx)));
}

}  // namespace alluxio
