// FullUfsUri: how a file is named to a DORA worker and placed on the ring;
// ResolveUfsUri: how a worker finds the file such a name means.
//
// Alluxio 3.x names a file by its full UFS URI (`s3://bucket/dir/file`,
// `file:///data/dir/file`): that string is the `path` of every worker
// request and the key the consistent-hash ring places the file by. A local
// UFS whose Uri() is a bare directory ("/data") is a file:// URI.
#ifndef ALLUXIO_WORKER_UFS_URI_H_
#define ALLUXIO_WORKER_UFS_URI_H_

#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "alluxio/status.h"

namespace alluxio::worker {

// The full UFS URI of `path` ("/" or "/a/b") in the UFS whose Uri() is
// `ufs_uri`: "/data" + "/a" is "file:///data/a", "s3://b/p/" + "/a" is
// "s3://b/p/a", and "/" names the UFS root itself.
inline std::string FullUfsUri(const std::string& ufs_uri, const std::string& path) {
  std::string base = ufs_uri;
  if (!base.empty() && base[0] == '/') base = "file://" + base;
  while (base.size() > 1 && base.back() == '/' &&
         !(base.size() >= 3 && base.compare(base.size() - 3, 3, "://") == 0)) {
    base.pop_back();
  }
  if (path.empty() || path == "/") return base;
  return base + path;
}

// The inverse, for a worker: the Alluxio path serving the full UFS URI `uri`
// (or a bare absolute path of a local UFS) among `mounts`, under the mount
// whose UFS URI is the longest prefix of it at a component boundary
// ("file:///a/b/" and "/a/b" name the same local UFS). InvalidArgument when
// no mount holds it, or when the rest has empty, "." or ".." components (a
// request cannot climb out of the mount it names).
Result<std::string> ResolveUfsUri(const std::vector<MountInfo>& mounts, const std::string& uri);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_UFS_URI_H_
