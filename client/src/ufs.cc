#include "alluxio/ufs.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "alluxio/config.h"
#include "local_ufs.h"
#include "s3/s3_ufs.h"
#include "worker_loader.h"

namespace alluxio {

Status UfsWriter::AppendZeros(uint64_t n) {
  static const std::vector<char> kZeros(1 << 20, '\0');
  while (n > 0) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, kZeros.size()));
    RETURN_IF_ERROR(Append(kZeros.data(), chunk));
    n -= chunk;
  }
  return Status::OK();
}

// Complete, so that adding a method to Ufs or UfsReader without forwarding
// it is a compile error here rather than a decorator quietly losing it.
static_assert(!std::is_abstract_v<ForwardingUfs>);
static_assert(!std::is_abstract_v<ForwardingReader>);

Result<UfsListSlice> UfsBase::ListFrom(const std::string& dir, const std::string&, size_t) {
  return Status::NotSupported("ordered listing slices are not supported by " + Uri() + " for " +
                              dir);
}

Result<int> UfsBase::CreateStaging(const std::string& path) {
  return Status::NotSupported("no local staging files in " + Uri() + " for " + path);
}

Status UfsBase::LinkStaging(const std::string& path, int, const UfsCreateOptions&) {
  return Status::NotSupported("no local staging files in " + Uri() + " for " + path);
}

Status UfsBase::SetMode(const std::string& path, uint32_t) {
  return Status::NotSupported("chmod is not supported by " + Uri() + " for " + path);
}

Status UfsBase::SetOwner(const std::string& path, std::optional<uint32_t>,
                         std::optional<uint32_t>) {
  return Status::NotSupported("chown is not supported by " + Uri() + " for " + path);
}

Status UfsBase::SetMtime(const std::string& path, int64_t) {
  return Status::NotSupported("setting mtime is not supported by " + Uri() + " for " + path);
}

Status UfsBase::GetSpace(uint64_t*, uint64_t*) {
  return Status::NotSupported("capacity is not known for " + Uri());
}

Result<uint64_t> UfsBase::RemoveAbandonedWrites(const std::atomic<bool>*) { return uint64_t{0}; }

namespace {

Result<std::shared_ptr<Ufs>> CreateUfsForScheme(const std::string& uri,
                                                const std::map<std::string, std::string>& options,
                                                const Configuration& conf) {
  if (!uri.empty() && uri[0] == '/') return LocalUfs::Open(uri);
  if (uri.rfind("file://", 0) == 0) {
    std::string path = uri.substr(7);
    if (path.empty() || path[0] != '/') {
      return Status::InvalidArgument("file URI '" + uri + "' must name an absolute path");
    }
    return LocalUfs::Open(path);
  }
  size_t colon = uri.find("://");
  if (colon == std::string::npos) {
    return Status::InvalidArgument("UFS URI '" + uri +
                                   "' is neither an absolute path nor scheme://...");
  }
  std::string scheme = uri.substr(0, colon);
  if (scheme == "s3" || scheme == "s3a") return CreateS3Ufs(uri, options, conf);
  return Status::InvalidArgument("unsupported UFS scheme '" + uri.substr(0, colon) + "' in '" +
                                 uri + "' (supported: file, s3)");
}

}  // namespace

Result<std::shared_ptr<Ufs>> CreateUfs(const std::string& uri,
                                       const std::map<std::string, std::string>& options,
                                       const Configuration& conf) {
  ASSIGN_OR_RETURN(auto ufs, CreateUfsForScheme(uri, options, conf));
  // Cluster mode: reads go through the cache workers when any are configured.
  return MaybeWrapWithWorkers(std::move(ufs), conf);
}

}  // namespace alluxio
