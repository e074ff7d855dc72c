#include "ufs_uri.h"

#include <string_view>

namespace alluxio::worker {
namespace {

// "file:///a/b/" and "/a/b" name the same local UFS.
std::string NormalUri(std::string uri) {
  if (uri.rfind("file://", 0) == 0) uri.erase(0, 7);
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  return uri;
}

}  // namespace

bool IsNormalPath(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p == "/") return true;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string_view c(p.data() + i, j - i);
    if (c.empty() || c == "." || c == "..") return false;
    i = j + 1;
  }
  return true;
}

Result<std::string> ResolveUfsUri(const std::vector<MountInfo>& mounts, const std::string& uri) {
  std::string want = NormalUri(uri);
  const MountInfo* best = nullptr;
  std::string best_uri;
  for (const auto& m : mounts) {
    std::string mu = NormalUri(m.ufs_uri);
    bool under =
        want.rfind(mu, 0) == 0 && (want.size() == mu.size() || want[mu.size()] == '/' || mu == "/");
    if (under && (best == nullptr || mu.size() > best_uri.size())) {
      best = &m;
      best_uri = mu;
    }
  }
  if (best == nullptr) {
    // Not the client's mistake: another worker, or the UFS, may serve it.
    return Status::NotSupported("'" + uri + "' is under no UFS mounted on this worker");
  }
  size_t cut = best_uri == "/" ? 0 : best_uri.size();
  std::string rest = cut < want.size() ? want.substr(cut) : std::string(1, '/');
  if (!IsNormalPath(rest)) {
    return Status::InvalidArgument("path '" + rest + "' of '" + uri + "' is not normal");
  }
  if (rest == "/") return best->alluxio_path;
  return (best->alluxio_path == "/" ? std::string() : best->alluxio_path) + rest;
}

Result<size_t> ReadFull(FileHandle& h, uint64_t offset, char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ASSIGN_OR_RETURN(size_t got, h.Read(offset + done, buf + done, n - done));
    if (got == 0) break;
    done += got;
  }
  return done;
}

}  // namespace alluxio::worker
