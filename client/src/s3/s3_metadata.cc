#include "s3/s3_metadata.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace alluxio::s3 {

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

std::string EncodeMode(bool is_dir, uint32_t mode) {
  return std::to_string((is_dir ? S_IFDIR : S_IFREG) | (mode & 07777));
}

FileAttr AttrFromObject(const ObjectMeta& m, bool is_dir, uint32_t default_uid,
                        uint32_t default_gid) {
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

UserMeta MetaFor(bool is_dir, uint32_t mode, uint32_t uid, uint32_t gid, int64_t mtime_ns) {
  return UserMeta{
      {kMetaMode, EncodeMode(is_dir, mode)},
      {kMetaUid, std::to_string(uid)},
      {kMetaGid, std::to_string(gid)},
      {kMetaMtime, FormatMtime(mtime_ns)},
  };
}

}  // namespace alluxio::s3
