// ResolveUfsUri: how a worker finds the file a full UFS URI names (and
// ReadFull, how its HTTP rooms read a range of it).
//
// Alluxio 3.x names a file by its full UFS URI (`s3://bucket/dir/file`,
// `file:///data/dir/file`; UfsFileUri in hash_ring.h forms it): that string
// is the `path` of every gRPC worker request and the `ufsFullPath` / `path`
// of every REST request. Both the gRPC service and the REST server map it
// back to the worker's Alluxio path with this one function.
#ifndef ALLUXIO_WORKER_UFS_URI_H_
#define ALLUXIO_WORKER_UFS_URI_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "alluxio/status.h"

namespace alluxio::worker {

// The Alluxio path serving the full UFS URI `uri` (or a bare absolute path
// of a local UFS) among `mounts`, under the mount whose UFS URI is the
// longest prefix of it at a component boundary ("file:///a/b/" and "/a/b"
// name the same local UFS). NotSupported when no mount holds it (not the
// client's mistake: another worker, or the UFS itself, may serve it);
// InvalidArgument when the rest has empty, "." or ".." components (a
// request cannot climb out of the mount it names).
Result<std::string> ResolveUfsUri(const std::vector<MountInfo>& mounts, const std::string& uri);

// Whether `p` is absolute with no empty, "." or ".." components ("/" is).
bool IsNormalPath(const std::string& p);

// Reads up to `n` bytes of `h` at `offset` into `buf`: short only at the end
// of the file. For the HTTP rooms (REST API, S3 reads), which answer whole
// ranges.
Result<size_t> ReadFull(FileHandle& h, uint64_t offset, char* buf, size_t n);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_UFS_URI_H_
