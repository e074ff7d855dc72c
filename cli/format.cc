// Output formats, following Alluxio 2.x's shell (LsCommand, FormatUtils).
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "cli.h"

namespace alluxio::cli {

std::string FormatMode(uint32_t mode, bool is_dir) {
  std::string s = is_dir ? "d" : "-";
  static constexpr char kRwx[] = "rwx";
  for (int cls = 2; cls >= 0; --cls) {
    for (int bit = 2; bit >= 0; --bit) {
      s += (mode & (1u << (cls * 3 + bit))) ? kRwx[2 - bit] : '-';
    }
  }
  auto special = [&s, mode](uint32_t bit, size_t pos, char set_x, char set_no_x) {
    if (mode & bit) s[pos] = s[pos] == 'x' ? set_x : set_no_x;
  };
  special(04000, 3, 's', 'S');
  special(02000, 6, 's', 'S');
  special(01000, 9, 't', 'T');
  return s;
}

std::string FormatDate(int64_t mtime_ns) {
  int64_t ms = mtime_ns / 1000000;
  if (mtime_ns < 0 && mtime_ns % 1000000 != 0) --ms;  // floor
  time_t secs = static_cast<time_t>(ms / 1000);
  int64_t milli = ms % 1000;
  if (milli < 0) {
    milli += 1000;
    --secs;
  }
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%02d-%02d-%04d %02d:%02d:%02d:%03d", tm.tm_mon + 1, tm.tm_mday,
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(milli));
  return buf;
}

std::string HumanSize(uint64_t bytes) {
  // Alluxio keeps the smaller unit up to 5x the next one: 5120B, 5.01KB.
  static constexpr const char* kUnits[] = {"KB", "MB", "GB", "TB", "PB"};
  if (bytes <= 1024 * 5) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes);
  char buf[64];
  for (size_t i = 0; i < 5; ++i) {
    v /= 1024;
    if (v <= 1024 * 5 || i == 4) {
      std::snprintf(buf, sizeof(buf), "%.2f%s", v, kUnits[i]);
      break;
    }
  }
  return buf;
}

std::string UserName(uint32_t uid) {
  static std::unordered_map<uint32_t, std::string> cache;
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  std::string name = std::to_string(uid);
  if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found != nullptr) {
    name = found->pw_name;
  }
  cache.emplace(uid, name);
  return name;
}

std::string GroupName(uint32_t gid) {
  static std::unordered_map<uint32_t, std::string> cache;
  auto it = cache.find(gid);
  if (it != cache.end()) return it->second;
  struct group gr;
  struct group* found = nullptr;
  char buf[4096];
  std::string name = std::to_string(gid);
  if (getgrgid_r(gid, &gr, buf, sizeof(buf), &found) == 0 && found != nullptr) {
    name = found->gr_name;
  }
  cache.emplace(gid, name);
  return name;
}

namespace {

__attribute__((format(printf, 1, 2))) std::string Printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<size_t>(n) + 1 : 1, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size(), format, again);
  va_end(again);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

}  // namespace

std::string FormatLsLine(const std::string& path, const FileAttr& attr, uint64_t size, bool human,
                         bool long_layout) {
  // Alluxio's LsCommand. Without security (Alluxio 3.x's default, and the
  // seed documentation's): size %15s, persistence state %16s (empty in
  // DORA), date %24s, in-Alluxio state %5s (FILE or DIR), a space, path
  // %-5s. With security (-l here; Alluxio 2.x's default): permission %-12s,
  // owner %-15s and group %-15s first, PERSISTED, and 100% for a file.
  // Directories show their number of children (never human-readable).
  std::string size_text = (human && !attr.is_dir) ? HumanSize(size) : std::to_string(size);
  std::string date = FormatDate(attr.mtime_ns);
  std::string out;
  if (long_layout) {
    out =
        Printf("%-12s%-15s%-15s%15s%16s%24s%5s %-5s\n", FormatMode(attr.mode, attr.is_dir).c_str(),
               UserName(attr.uid).c_str(), GroupName(attr.gid).c_str(), size_text.c_str(),
               "PERSISTED", date.c_str(), attr.is_dir ? "DIR" : "100%", path.c_str());
  } else {
    out = Printf("%15s%16s%24s%5s %-5s\n", size_text.c_str(), "", date.c_str(),
                 attr.is_dir ? "DIR" : "FILE", path.c_str());
  }
  return out;
}

}  // namespace alluxio::cli
