#include "s3/s3_settings.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace alluxio::s3 {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

Status Below(const char* key, const std::string& value, const std::string& min) {
  return Status::InvalidArgument("bad value for property " + std::string(key) + ": '" + value +
                                 "' is below the minimum of " + min);
}

// The typed value of an int property, at least `min`.
Result<int64_t> Int(const Configuration& conf, const char* key, int64_t min) {
  int64_t v = conf.GetInt(key);
  if (v < min) return Below(key, conf.Get(key), std::to_string(min));
  return v;
}

Result<uint64_t> Bytes(const Configuration& conf, const char* key, uint64_t min) {
  uint64_t v = conf.GetBytes(key);
  if (v < min) return Below(key, conf.Get(key), std::to_string(min) + " bytes");
  return v;
}

}  // namespace

Result<S3Location> ParseS3Uri(const std::string& uri) {
  size_t sep = uri.find("://");
  std::string scheme = sep == std::string::npos ? "" : uri.substr(0, sep);
  if (scheme != "s3" && scheme != "s3a") {
    return Status::InvalidArgument("'" + uri + "' is not an s3:// URI");
  }
  S3Location out;
  std::string rest = uri.substr(sep + 3);
  out.bucket = rest.substr(0, rest.find('/'));
  if (out.bucket.empty()) return Status::InvalidArgument("S3 URI '" + uri + "' names no bucket");
  if (out.bucket.size() < rest.size()) {
    std::string_view p = std::string_view(rest).substr(out.bucket.size() + 1);
    while (!p.empty()) {
      size_t slash = p.find('/');
      std::string_view comp = p.substr(0, slash);
      if (comp == "." || comp == "..") {
        return Status::InvalidArgument("S3 URI '" + uri + "' has a '.' or '..' component");
      }
      if (!comp.empty()) {
        out.prefix += comp;
        out.prefix += '/';
      }
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash + 1);
    }
  }
  out.uri = "s3://" + out.bucket +
            (out.prefix.empty() ? "" : "/" + out.prefix.substr(0, out.prefix.size() - 1));
  return out;
}

Result<S3Settings> ParseS3Settings(const S3Location& where,
                                   const std::map<std::string, std::string>& options,
                                   const Configuration& base) {
  ASSIGN_OR_RETURN(Configuration conf, base.Overlay(options));
  S3Settings s;
  S3Options& o = s.client;
  o.bucket = where.bucket;
  o.endpoint = conf.Get("alluxio.underfs.s3.endpoint");
  o.region = conf.Get("alluxio.underfs.s3.endpoint.region");
  if (o.region.empty()) o.region = Env("AWS_REGION");
  if (o.region.empty()) o.region = Env("AWS_DEFAULT_REGION");
  if (o.region.empty()) o.region = "us-east-1";
  o.path_style = conf.GetBool("alluxio.underfs.s3.disable.dns.buckets");
  o.creds.access_key = conf.Get("s3a.accessKeyId");
  o.creds.secret_key = conf.Get("s3a.secretKey");
  if (o.creds.access_key.empty() && o.creds.secret_key.empty()) {
    o.creds.access_key = Env("AWS_ACCESS_KEY_ID");
    o.creds.secret_key = Env("AWS_SECRET_ACCESS_KEY");
    o.creds.session_token = Env("AWS_SESSION_TOKEN");
  }
  if (o.creds.access_key.empty() != o.creds.secret_key.empty()) {
    return Status::InvalidArgument(
        "S3 credentials for " + where.uri +
        " are incomplete: set both s3a.accessKeyId and s3a.secretKey (or both "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  ASSIGN_OR_RETURN(int64_t threads, Int(conf, "alluxio.underfs.s3.threads.max", 1));
  o.max_requests = static_cast<int>(std::min<int64_t>(threads, 1024));
  o.request_timeout_ms = conf.GetDurationMs("alluxio.underfs.s3.request.timeout");
  o.connect_timeout_ms = conf.GetDurationMs("alluxio.underfs.s3.connect.timeout");
  ASSIGN_OR_RETURN(int64_t retries, Int(conf, "alluxio.underfs.s3.retry.max", 0));
  o.retry_max = static_cast<int>(std::min<int64_t>(retries, 100));
  int64_t base_ms = conf.GetDurationMs("alluxio.underfs.s3.retry.base.sleep");
  o.retry_base_ms = static_cast<int>(std::clamp<int64_t>(base_ms, 1, 60000));

  S3UfsSettings& u = s.ufs;
  ASSIGN_OR_RETURN(u.part_size,
                   Bytes(conf, "alluxio.underfs.s3.multipart.upload.partition.size", 1));
  u.part_size = std::min(u.part_size, kMaxPartSize);
  ASSIGN_OR_RETURN(u.read_part_size, Bytes(conf, "alluxio.underfs.s3.read.partition.size", 4096));
  ASSIGN_OR_RETURN(u.copy_threshold, Bytes(conf, "alluxio.underfs.s3.multipart.copy.threshold", 1));
  u.copy_threshold = std::min(u.copy_threshold, kMaxSinglePartCopy);
  ASSIGN_OR_RETURN(int64_t max_keys, Int(conf, "alluxio.underfs.s3.list.max.keys", 1));
  u.list_max_keys = static_cast<int>(std::min<int64_t>(max_keys, 1000));
  u.width = static_cast<size_t>(o.max_requests);
  // Few retries, so an unreachable endpoint is reported promptly.
  u.probe_retries = std::min(o.retry_max, 2);
  return s;
}

}  // namespace alluxio::s3
