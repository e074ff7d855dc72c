#include "alluxio/path.h"

#include <vector>

namespace alluxio {

bool IsNormalized(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() == 1) return true;
  if (p.back() == '/' || p.size() > kMaxPathLength) return false;
  size_t start = 1;
  for (size_t i = 1; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      size_t len = i - start;
      if (len == 0 || len > kMaxNameLength) return false;
      if (len == 1 && p[start] == '.') return false;
      if (len == 2 && p[start] == '.' && p[start + 1] == '.') return false;
      start = i + 1;
    } else if (p[i] == '\0') {
      return false;
    }
  }
  return true;
}

Result<std::string> NormalizePath(std::string_view path) {
  if (IsNormalized(path)) return std::string(path);
  if (path.empty()) return Status::InvalidArgument("empty path");
  if (path[0] != '/') {
    return Status::InvalidArgument("path '" + std::string(path) + "' is not absolute");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("path contains a NUL byte");
  }
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    std::string_view name = path.substr(i, j - i);
    i = j;
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    if (name.size() > kMaxNameLength) {
      return Status(Code::kNameTooLong,
                    "name '" + std::string(name.substr(0, 32)) + "...' is longer than 255 bytes");
    }
    parts.push_back(name);
  }
  std::string out;
  for (auto name : parts) {
    out += '/';
    out += name;
  }
  if (out.empty()) out = "/";
  if (out.size() > kMaxPathLength) {
    return Status(Code::kNameTooLong, "path is longer than 4095 bytes");
  }
  return out;
}

std::string_view ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return "/";
  return path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return path;
  return path.substr(slash + 1);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

bool PathHasPrefix(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  if (path.size() < prefix.size()) return false;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace alluxio
