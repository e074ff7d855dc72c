// The S3 under-storage: s3://bucket/prefix over the S3 REST API.
//
// Files are objects under the prefix; directories are "dir/" marker objects
// or are implied by the keys below them. Mode, owner, group and mtime live in
// user metadata (x-amz-meta-mode/-uid/-gid/-mtime, as s3fs writes them).
// See docs/S3.md for configuration and semantics.
//
// The room, top down: s3_ufs.cc (the Ufs operations) over s3_namespace.h
// (paths, probes, shadowing, listings, the seen cache), s3_metadata.h (the
// attribute codec), s3_stream.h (readers), s3_writer.h (uploads) and
// s3_settings.h (a mount's settings), all over object_client.h, which
// s3_client.h implements over HTTP.
#ifndef ALLUXIO_CLIENT_S3_S3_UFS_H_
#define ALLUXIO_CLIENT_S3_S3_UFS_H_

#include <map>
#include <memory>
#include <string>

#include "alluxio/ufs.h"
#include "s3/object_client.h"
#include "s3/s3_settings.h"

namespace alluxio {

// Creates the UFS for "s3://bucket[/prefix]" (also "s3a://"). Settings come
// from `options` first, then `conf`, then the AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION environment. The
// bucket is checked before returning: NotFound for a missing bucket,
// PermissionDenied for rejected credentials, Unavailable for an unreachable
// endpoint, InvalidArgument for a malformed URI or setting; messages name
// the bucket and the endpoint but never a credential.
Result<std::shared_ptr<Ufs>> CreateS3Ufs(const std::string& uri,
                                         const std::map<std::string, std::string>& options,
                                         const Configuration& conf);

// The UFS of `where` over `client`, as CreateS3Ufs makes it but without
// checking the bucket: for tests with another ObjectClient (an in-memory
// fake) and for callers that checked it already.
std::shared_ptr<Ufs> NewS3Ufs(std::shared_ptr<s3::ObjectClient> client, s3::S3Location where,
                              const s3::S3UfsSettings& settings);

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_S3_S3_UFS_H_
