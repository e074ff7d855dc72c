#include "s3/s3_namespace.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>
#include <utility>

#include "alluxio/path.h"
#include "s3/s3_metadata.h"

namespace alluxio::s3 {

namespace {

// Requests one Slice may send when pages hold only keys it skips.
constexpr int kMaxSlicePages = 3;
// How long a stat or listing slice vouches that a name is a file.
constexpr int64_t kKnownFileForNs = 60'000'000'000;

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The name of a listed key or common prefix below `dir`; "" for the marker
// and for names no path can have ("a//b" gives "", "." and "..").
std::string NameBelow(const std::string& dir, const std::string& key_or_prefix, bool is_prefix) {
  std::string name =
      key_or_prefix.substr(dir.size(), key_or_prefix.size() - dir.size() - (is_prefix ? 1 : 0));
  if (name == "." || name == "..") return "";
  return name;
}

}  // namespace

// No greatest string below a key exists to pass as start-after instead. The
// last character c becomes the one before it followed by U+10FFFF, the
// greatest code point, so only keys going on with U+10FFFF, which nobody
// writes, fall in between. It stays valid UTF-8, which servers require; S3
// orders keys by their UTF-8 bytes, which is code point order.
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

void SeenCache::Remember(const std::string& path, const ObjectMeta& m, bool known_file) {
  if (m.etag.empty()) return;
  int64_t now = known_file ? SteadyNowNs() : 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[path] = Entry{m.key, m.size, m.etag, now};
}

std::optional<uint64_t> SeenCache::KnownFileSize(const std::string& path,
                                                 int64_t max_age_ns) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end() || it->second.file_seen_ns == 0 ||
      SteadyNowNs() - it->second.file_seen_ns > max_age_ns) {
    return std::nullopt;
  }
  return it->second.size;
}

std::optional<SeenCache::Entry> SeenCache::Recall(const std::string& path, uint64_t version,
                                                  uint64_t size) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end() || it->second.size != size ||
      ContentVersion(it->second.etag) != version) {
    return std::nullopt;
  }
  return it->second;
}

S3Namespace::S3Namespace(std::shared_ptr<ObjectClient> client, S3Location where,
                         S3UfsSettings settings)
    : client_(std::move(client)),
      where_(std::move(where)),
      settings_(settings),
      default_uid_(static_cast<uint32_t>(getuid())),
      default_gid_(static_cast<uint32_t>(getgid())) {}

std::string S3Namespace::Key(const std::string& path) const {
  const std::string& prefix = where_.prefix;
  return path == "/" ? prefix.substr(0, prefix.empty() ? 0 : prefix.size() - 1)
                     : prefix + path.substr(1);
}

std::string S3Namespace::DirKey(const std::string& path) const {
  return path == "/" ? where_.prefix : where_.prefix + path.substr(1) + "/";
}

uint64_t S3Namespace::PartSize(int n) const {
  int doublings = std::min((n - 1) / 1000, 20);
  return std::min(kMaxPartSize, settings_.part_size << doublings);
}

FileAttr S3Namespace::Attr(const ObjectMeta& m, bool is_dir) const {
  return AttrFromObject(m, is_dir, default_uid_, default_gid_);
}

FileAttr S3Namespace::DirAttr(const Probe& p) const {
  if (p.has_marker) return Attr(p.marker, true);
  ObjectMeta m;
  m.last_modified_ns = p.implied_mtime_ns;
  return Attr(m, true);
}

Result<Probe> S3Namespace::ProbePath(const std::string& path) {
  Probe p;
  if (path == "/") {
    p.kind = Probe::kDir;
    if (!where_.prefix.empty()) {
      auto m = client_->Head(where_.prefix);
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
    if (i == 0) file.emplace(client_->Head(key));
    if (i == 1) marker.emplace(client_->Head(dir));
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
  auto list = client_->List(dir, "", "", 1);
  if (!list.ok()) return list.status();  // NotFound of a listing: no bucket
  if (!list->objects.empty() || !list->prefixes.empty()) {
    p.kind = Probe::kDir;
    if (!list->objects.empty()) p.implied_mtime_ns = list->objects[0].last_modified_ns;
  }
  return p;
}

Result<FileAttr> S3Namespace::Stat(const std::string& path) {
  ASSIGN_OR_RETURN(Probe p, ProbePath(path));
  if (p.kind == Probe::kFile) {
    seen_.Remember(path, p.file, /*known_file=*/true);
    return Attr(p.file, false);
  }
  if (p.kind == Probe::kDir) return DirAttr(p);
  return Missing(path);
}

Result<FileAttr> S3Namespace::StatWithHead(const std::string& path, size_t max, std::string* head) {
  head->clear();
  std::optional<uint64_t> size;
  if (path != "/" && max > 0 && (size = seen_.KnownFileSize(path, kKnownFileForNs)) && *size > 0) {
    // A ranged GET answers with the headers a HEAD would, and the data.
    // Asking no more than the size seen saves buffer space; should the
    // object have grown, the bytes are less than a page and not cached.
    auto got =
        client_->GetFirst(Key(path), static_cast<size_t>(std::min<uint64_t>(max, *size)), head);
    if (got.ok()) {
      seen_.Remember(path, *got, /*known_file=*/true);
      return Attr(*got, false);
    }
    head->clear();  // gone or empty (416): the probe tells what it is now
  }
  return Stat(path);
}

Status S3Namespace::Missing(const std::string& path) {
  // HEADs every ancestor's key at once, and probes further only an ancestor
  // that exists as an object (a directory of the same name shadows it).
  std::vector<std::string> ancestors;  // the root's child first
  for (std::string a(ParentPath(path)); a != "/"; a = std::string(ParentPath(a))) {
    ancestors.insert(ancestors.begin(), a);
  }
  std::vector<std::optional<Result<ObjectMeta>>> heads(ancestors.size());
  loop().ParallelFor(ancestors.size(), settings_.width,
                     [&](size_t i) { heads[i].emplace(client_->Head(Key(ancestors[i]))); });
  for (size_t i = 0; i < ancestors.size(); ++i) {
    if (!heads[i]->ok()) {
      if (heads[i]->status().code() != Code::kNotFound) return heads[i]->status();
      continue;
    }
    ASSIGN_OR_RETURN(Probe p, ProbePath(ancestors[i]));
    if (p.kind == Probe::kFile) {
      return Status(Code::kNotDirectory,
                    "a parent of " + path + " (" + ancestors[i] + ") in " + uri() + " is a file");
    }
  }
  return Status::NotFound(path + " does not exist in " + uri());
}

Status S3Namespace::CheckParent(const std::string& path) {
  std::string parent(ParentPath(path));
  if (parent == "/") return Status::OK();
  auto st = Stat(parent);
  if (!st.ok()) {
    if (st.status().code() == Code::kNotFound) {
      return Status::NotFound("parent directory " + parent + " does not exist in " + uri());
    }
    return st.status();
  }
  if (!st->is_dir) {
    return Status(Code::kNotDirectory, "parent " + parent + " in " + uri() + " is a file");
  }
  return Status::OK();
}

Result<std::vector<ObjectMeta>> S3Namespace::ListAll(const std::string& dir_key) {
  std::vector<ObjectMeta> out;
  std::string token;
  do {
    ASSIGN_OR_RETURN(ListPage page, client_->List(dir_key, "", token, settings_.list_max_keys));
    for (auto& o : page.objects) out.push_back(std::move(o));
    token = std::move(page.next_token);
  } while (!token.empty());
  return out;
}

Status S3Namespace::KeepParent(const std::string& path) {
  std::string parent(ParentPath(path));
  if (parent == "/") return Status::OK();
  std::string dir = DirKey(parent);
  ASSIGN_OR_RETURN(ListPage page, client_->List(dir, "", "", 1));
  if (!page.objects.empty() || !page.prefixes.empty()) return Status::OK();
  return client_->Put(dir, nullptr, 0, MetaFor(true, 0755, default_uid_, default_gid_, NowNs()));
}

Result<std::vector<FileInfo>> S3Namespace::List(const std::string& path) {
  std::string dir = DirKey(path);
  std::vector<FileInfo> files, dirs;
  std::vector<ObjectMeta> objects;  // of files, in the same order
  bool any = false;
  std::string token;
  do {
    ASSIGN_OR_RETURN(ListPage page, client_->List(dir, "/", token, settings_.list_max_keys));
    for (auto& o : page.objects) {
      any = true;
      std::string name = NameBelow(dir, o.key, false);
      if (name.empty()) continue;
      files.push_back(FileInfo{std::move(name), Attr(o, false)});
      objects.push_back(std::move(o));
    }
    for (const auto& pfx : page.prefixes) {
      any = true;
      std::string name = NameBelow(dir, pfx, true);
      if (name.empty()) continue;
      dirs.push_back(FileInfo{std::move(name), Attr(ObjectMeta(), true)});
    }
    token = std::move(page.next_token);
  } while (!token.empty());
  if (!any && path != "/") {
    // Nothing under the prefix: a file, or nothing at all.
    ASSIGN_OR_RETURN(FileAttr a, Stat(path));
    if (!a.is_dir) return Status(Code::kNotDirectory, path + " is a file in " + uri());
  }
  // A directory shadows a file of the same name.
  std::unordered_set<std::string> dir_names;
  for (const auto& d : dirs) dir_names.insert(d.name);
  std::vector<FileInfo> out = std::move(dirs);
  for (size_t i = 0; i < files.size(); ++i) {
    if (dir_names.count(files[i].name)) continue;
    // Opens need no HEAD, and stats no directory probe, for a while.
    seen_.Remember(JoinPath(path, files[i].name), objects[i], /*known_file=*/true);
    out.push_back(std::move(files[i]));
  }
  return out;
}

Result<UfsListSlice> S3Namespace::Slice(const std::string& path, const std::string& from,
                                        size_t max) {
  std::string dir = DirKey(path);
  std::string after = KeyBefore(dir + from);
  int max_keys =
      static_cast<int>(std::clamp<size_t>(max, 1, static_cast<size_t>(settings_.list_max_keys)));
  std::vector<std::pair<std::string, ObjectMeta>> files;
  std::vector<FileInfo> dirs;
  std::string last;  // the greatest key or prefix listed
  std::string token;
  for (int pages = 0; pages < kMaxSlicePages; ++pages) {
    ASSIGN_OR_RETURN(ListPage page, client_->List(dir, "/", token, max_keys, after));
    for (auto& o : page.objects) {
      last = std::max(last, o.key);
      std::string name = NameBelow(dir, o.key, false);
      // Names below `from` lie between `after` and it; "" is the marker.
      if (name < from || name.empty()) continue;
      files.emplace_back(std::move(name), std::move(o));
    }
    for (const auto& pfx : page.prefixes) {
      last = std::max(last, pfx);
      std::string name = NameBelow(dir, pfx, true);
      if (name < from || name.empty()) continue;
      dirs.push_back(FileInfo{std::move(name), Attr(ObjectMeta(), true), false});
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
    seen_.Remember(JoinPath(path, name), o, /*known_file=*/true);
    out.entries.push_back(FileInfo{std::move(name), Attr(o, false), false});
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  return out;
}

}  // namespace alluxio::s3
