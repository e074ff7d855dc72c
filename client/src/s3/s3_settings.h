// Settings of one S3 mount: where it is (bucket and prefix, from the URI) and
// how it is tuned (from the configuration with the mount's options over it).
//
// Every setting is a typed property of the configuration table
// (client/src/config.cc), which holds its one default and whose type gives
// its one parser; a mount's options are an overlay over the configuration
// (Configuration::Overlay). Credentials and the region fall back to the
// standard AWS environment. See docs/S3.md for the properties.
#ifndef ALLUXIO_CLIENT_S3_S3_SETTINGS_H_
#define ALLUXIO_CLIENT_S3_S3_SETTINGS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "alluxio/config.h"
#include "alluxio/status.h"
#include "s3/s3_client.h"

namespace alluxio::s3 {

// S3's limits.
constexpr uint64_t kMaxSinglePartCopy = 5ull << 30;  // CopyObject's limit
constexpr uint64_t kMaxPartSize = 5ull << 30;
constexpr int kMaxParts = 10000;

// Where a mount is: "s3://bucket/a/b" (or "s3a://") is bucket "bucket",
// prefix "a/b/".
struct S3Location {
  std::string bucket;
  std::string prefix;  // "" or "a/b/": every key of the mount starts with it
  std::string uri;     // canonical: "s3://bucket" or "s3://bucket/a/b"
};

// InvalidArgument for another scheme, a missing bucket or a '.' or '..'
// component; empty components are dropped ("s3://b//x/" is "s3://b/x").
Result<S3Location> ParseS3Uri(const std::string& uri);

// How the UFS layer uses the object store (the HTTP client's own settings
// are in S3Options). Get one from ParseS3Settings, which fills every field.
struct S3UfsSettings {
  uint64_t part_size = 0;       // of multipart uploads, before doubling
  uint64_t read_part_size = 0;  // reads larger than this are split
  uint64_t copy_threshold = 0;  // larger objects are copied part by part
  int list_max_keys = 0;        // per ListObjectsV2 page, 1..1000
  size_t width = 0;             // requests a fan-out may have in flight
  int probe_retries = 0;        // of the bucket check at mount time
};

struct S3Settings {
  S3Options client;
  S3UfsSettings ufs;
};

// Reads the settings of a mount of `where` from `conf` with `options` over
// it. InvalidArgument naming the property for a malformed value, one out of
// range, or half a pair of credentials (never showing a credential).
Result<S3Settings> ParseS3Settings(const S3Location& where,
                                   const std::map<std::string, std::string>& options,
                                   const Configuration& conf);

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_S3_SETTINGS_H_
