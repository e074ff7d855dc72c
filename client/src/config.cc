#include "alluxio/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace alluxio {

namespace {

std::string DefaultWorkDir() {
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.alluxio";
  return "/tmp/alluxio-" + std::to_string(getuid());
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

#include "alluxio_keys.inc"

// Whether `text` matches `pattern`, where each '*' stands for one or more
// characters.
bool MatchesPattern(std::string_view pattern, std::string_view text) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  if (text.substr(0, star) != pattern.substr(0, star)) return false;
  std::string_view rest = pattern.substr(star + 1);
  for (size_t i = star + 1; i <= text.size(); ++i) {
    if (MatchesPattern(rest, text.substr(i))) return true;
  }
  return false;
}

bool IsAlluxioKey(std::string_view key) {
  if (std::binary_search(std::begin(kAlluxioKeys), std::end(kAlluxioKeys), key)) return true;
  for (std::string_view p : kAlluxioKeyPatterns) {
    if (MatchesPattern(p, key)) return true;
  }
  return false;
}

const PropertyKey* FindKey(std::string_view name) {
  for (const auto& k : KnownProperties()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

// Splits "64MB" into the number and the unit text.
bool SplitNumber(std::string_view text, double* number, std::string* unit) {
  std::string t = Trim(text);
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  if (i == 0) return false;
  char* end = nullptr;
  std::string num = t.substr(0, i);
  *number = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return false;
  *unit = Lower(Trim(std::string_view(t).substr(i)));
  return true;
}

}  // namespace

const std::vector<PropertyKey>& KnownProperties() {
  static const std::vector<PropertyKey> kKeys = {
      {"alluxio.work.dir", PropertyType::kString, "",
       "Per-user state directory (default $HOME/.alluxio)."},
      {"alluxio.master.mount.table.root.ufs", PropertyType::kString,
       "${alluxio.work.dir}/underFSStorage", "URI of the under-storage mounted at /."},
      {"alluxio.master.journal.folder", PropertyType::kString, "${alluxio.work.dir}/journal",
       "Where the node's mount table is persisted."},
      {"alluxio.user.fuse.random.access.file.stream.enabled", PropertyType::kBool, "false",
       "Allow append, random write, overwrite and truncate."},
      {"alluxio.user.metadata.cache.max.size", PropertyType::kInt, "100000",
       "Entries in the client metadata cache (0 disables it)."},
      {"alluxio.user.metadata.cache.expiration.time", PropertyType::kDuration, "10min",
       "How long cached metadata is trusted without asking the UFS."},
      {"alluxio.user.client.cache.enabled", PropertyType::kBool, "true",
       "Cache data pages on this node."},
      {"alluxio.user.client.cache.dirs", PropertyType::kList, "${alluxio.work.dir}/cache",
       "Local directories holding cached pages."},
      {"alluxio.user.client.cache.size", PropertyType::kBytes, "1GB",
       "Bytes of page cache per cache directory."},
      {"alluxio.user.client.cache.page.size", PropertyType::kBytes, "1MB",
       "Size of one cached page."},
      {"alluxio.user.client.cache.memory.size", PropertyType::kBytes,
       "${alluxio.user.client.cache.size}",
       "Bytes of cached pages each process keeps at hand (large pages are mappings of the "
       "page files, shared with every process: no extra memory)."},
      {"alluxio.user.client.cache.staging.dir", PropertyType::kString,
       "${alluxio.work.dir}/staging",
       "Where writes are staged before they are committed to the UFS."},
      {"alluxio.user.streaming.reader.chunk.size.bytes", PropertyType::kBytes, "1MB",
       "Initial readahead window."},
      {"alluxio.user.file.readahead.max", PropertyType::kBytes, "16MB",
       "Largest readahead window per open file."},
      {"alluxio.underfs.s3.endpoint", PropertyType::kString, "",
       "S3 endpoint URL, e.g. http://127.0.0.1:9000."},
      {"alluxio.underfs.s3.endpoint.region", PropertyType::kString, "",
       "S3 region for signing (default: $AWS_REGION or us-east-1)."},
      {"alluxio.underfs.s3.disable.dns.buckets", PropertyType::kBool, "false",
       "Use path-style bucket addressing."},
      {"alluxio.underfs.s3.threads.max", PropertyType::kInt, "32",
       "Concurrent S3 requests per client."},
      {"alluxio.underfs.s3.multipart.upload.partition.size", PropertyType::kBytes, "64MB",
       "Part size of multipart uploads."},
      {"alluxio.underfs.s3.request.timeout", PropertyType::kDuration, "60s",
       "Timeout of one S3 request."},
      {"alluxio.underfs.s3.connect.timeout", PropertyType::kDuration, "10s",
       "Timeout to connect to the S3 endpoint."},
      {"alluxio.underfs.s3.retry.max", PropertyType::kInt, "5", "Retries of a failed S3 request."},
      {"alluxio.underfs.s3.retry.base.sleep", PropertyType::kDuration, "100ms",
       "First S3 retry backoff; doubles per retry (with jitter), capped at 5s."},
      {"alluxio.underfs.s3.read.partition.size", PropertyType::kBytes, "8MB",
       "S3 reads larger than this are split into parallel ranged GETs."},
      {"alluxio.underfs.s3.multipart.copy.threshold", PropertyType::kBytes, "5GB",
       "S3 objects larger than this are copied part by part (UploadPartCopy)."},
      {"alluxio.underfs.s3.list.max.keys", PropertyType::kInt, "1000",
       "Keys per S3 ListObjectsV2 page (at most 1000)."},
      {"s3a.accessKeyId", PropertyType::kString, "", "S3 access key id."},
      {"s3a.secretKey", PropertyType::kString, "", "S3 secret key."},
      {"alluxio.fuse.mount.options", PropertyType::kString, "",
       "Default mount options of alluxio-fuse."},
      {"alluxio.worker.rpc.port", PropertyType::kInt, "29999",
       "Port of the cache worker's gRPC services (Alluxio's BlockWorker)."},
      {"alluxio.worker.data.port", PropertyType::kInt, "29997",
       "Port of the cache worker's framed data protocol (Alluxio's Java client reads and writes "
       "file data there)."},
      {"alluxio.user.worker.addresses", PropertyType::kList, "",
       "host:port of cache workers; empty = embedded mode."},
      {"alluxio.user.worker.client.library", PropertyType::kString, "",
       "Path of liballuxio_worker_client.so (default: next to the client library, then the "
       "build's)."},
      {"alluxio.user.worker.rpc.timeout", PropertyType::kDuration, "30s",
       "Deadline of one request to a cache worker."},
      {"alluxio.user.worker.failure.backoff", PropertyType::kDuration, "5s",
       "How long a failed worker is bypassed (reads go to the UFS) before it is tried again."},
      {"alluxio.user.consistent.hash.virtual.node.count.per.worker", PropertyType::kInt, "5",
       "Points per worker on the consistent-hash ring (Alluxio's default, 5; every client of "
       "a cluster must use the same number)."},
      {"alluxio.worker.bind.host", PropertyType::kString, "127.0.0.1",
       "Address the cache worker listens on."},
      {"alluxio.worker.rpc.threads", PropertyType::kInt, "16",
       "Threads of the cache worker serving requests."},
      {"alluxio.worker.data.connections.max", PropertyType::kInt, "256",
       "Connections the cache worker's data port serves at once."},
      {"alluxio.worker.write.idle.timeout", PropertyType::kDuration, "10min",
       "A write through the cache worker that gets no chunk for this long (its client died "
       "or never completed it) is abandoned: nothing is published."},
      // Membership (worker/static_membership.h; ETCD: worker/etcd_membership.h).
      {"alluxio.home", PropertyType::kString, "/opt/alluxio",
       "Alluxio's installation directory (for alluxio.conf.dir's default)."},
      {"alluxio.conf.dir", PropertyType::kString, "${alluxio.home}/conf",
       "Alluxio's configuration directory, as $ALLUXIO_CONF_DIR sets it (the site file is "
       "read from $ALLUXIO_CONF_DIR only)."},
      {"alluxio.worker.membership.manager.type", PropertyType::kString, "",
       "Where the cluster's workers are listed: STATIC (a hostnames file, or "
       "alluxio.user.worker.addresses) or ETCD (live registrations in etcd); empty = ETCD "
       "when alluxio.etcd.endpoints is set, else STATIC."},
      {"alluxio.worker.static.membership.manager.config.file", PropertyType::kString,
       "${alluxio.conf.dir}/workers",
       "STATIC membership: the file listing the workers' hostnames, one a line ('#' starts a "
       "comment line)."},
      {"alluxio.etcd.endpoints", PropertyType::kList, "",
       "http://host:port of the etcd servers ETCD membership uses, comma-separated."},
      // ETCD membership (worker/etcd_membership.h, worker/etcd_registration.h).
      {"alluxio.cluster.name", PropertyType::kString, "DefaultAlluxioCluster",
       "Name of the cluster; workers register under /ServiceDiscovery/<name>/ in etcd."},
      {"alluxio.worker.failure.detection.timeout", PropertyType::kDuration, "2min",
       "TTL of a worker's etcd lease: a worker that stops renewing it leaves the cluster "
       "after this long."},
      {"alluxio.worker.identity.uuid", PropertyType::kString, "",
       "This worker's identity as a UUID; overrides the identity file."},
      {"alluxio.worker.identity.uuid.file.path", PropertyType::kString,
       "${alluxio.conf.dir}/worker_identity",
       "File keeping this worker's identity across restarts (written at its first start)."},
      {"alluxio.worker.hostname", PropertyType::kString, "",
       "Hostname this worker registers (default: the bind host, or the machine's name)."},
      {"alluxio.worker.container.hostname", PropertyType::kString, "",
       "Container hostname this worker registers."},
      {"alluxio.worker.web.port", PropertyType::kInt, "30000", "Web port this worker registers."},
      {"alluxio.worker.http.server.port", PropertyType::kInt, "28080",
       "Port of this worker's REST API (the one Alluxio's Python client alluxiofs uses), "
       "served and registered."},
      {"alluxio.worker.page.store.page.size", PropertyType::kBytes, "1MB",
       "Page size of the cache worker's REST API (/v1/file/{id}/page/{i})."},
      {"alluxio.worker.s3.api.enabled", PropertyType::kBool, "false",
       "Whether the cache worker serves object reads of Alluxio's S3 API (GET and HEAD with "
       "Range, worker/s3_api.h): alluxiofs's open() reads byte ranges that way."},
      {"alluxio.worker.rest.port", PropertyType::kInt, "29998",
       "Port of the cache worker's S3 API (alluxiofs 1.1 reads ranges from 29998 whatever "
       "this says; 0 = any)."},
      {"alluxio.user.netty.data.transmission.enabled", PropertyType::kBool, "true",
       "Alluxio's switch for its netty data path; STATIC membership lists a worker's data "
       "port as alluxio.worker.data.port when true, else as its RPC port (as Alluxio "
       "does). Our client reads over gRPC either way."},
  };
  return kKeys;
}

Result<uint64_t> ParseBytes(std::string_view text) {
  double n;
  std::string unit;
  if (!SplitNumber(text, &n, &unit)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not a size");
  }
  uint64_t mul;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k" || unit == "kb")
    mul = 1ull << 10;
  else if (unit == "m" || unit == "mb")
    mul = 1ull << 20;
  else if (unit == "g" || unit == "gb")
    mul = 1ull << 30;
  else if (unit == "t" || unit == "tb")
    mul = 1ull << 40;
  else if (unit == "p" || unit == "pb")
    mul = 1ull << 50;
  else {
    return Status::InvalidArgument("'" + std::string(text) + "' has an unknown size unit '" + unit +
                                   "'");
  }
  // 2^64 itself is out of range, and the only value a double compares
  // equal to it at this magnitude: '16EB' and '18446744073709551616' fail.
  double bytes = n * static_cast<double>(mul);
  if (!(bytes < 18446744073709551616.0)) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is out of range (sizes are below 16EB)");
  }
  return static_cast<uint64_t>(bytes);
}

Result<int64_t> ParseDurationMs(std::string_view text) {
  double n;
  std::string unit;
  if (!SplitNumber(text, &n, &unit)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not a duration");
  }
  double mul;
  if (unit.empty() || unit == "ms" || unit == "millisecond" || unit == "milliseconds")
    mul = 1;
  else if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds")
    mul = 1000;
  else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes")
    mul = 60e3;
  else if (unit == "h" || unit == "hr" || unit == "hour" || unit == "hours")
    mul = 3600e3;
  else if (unit == "d" || unit == "day" || unit == "days")
    mul = 86400e3;
  else {
    return Status::InvalidArgument("'" + std::string(text) + "' has an unknown time unit '" + unit +
                                   "'");
  }
  double ms = n * mul;
  if (!(ms < 9223372036854775808.0)) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is out of range (durations are below 2^63 ms)");
  }
  return static_cast<int64_t>(ms);
}

Result<bool> ParseBool(std::string_view text) {
  std::string t = Lower(Trim(text));
  if (t == "true") return true;
  if (t == "false") return false;
  return Status::InvalidArgument("'" + std::string(text) + "' is not a boolean (true or false)");
}

std::string Configuration::EnvName(std::string_view key) {
  std::string env = "ALLUXIO_";
  if (key.rfind("alluxio.", 0) == 0) key.remove_prefix(8);
  for (char c : key) {
    env += (c == '.' || c == '-') ? '_'
                                  : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

Status Configuration::Set(const std::string& key, const std::string& value, const char* source) {
  if (key.empty()) return Status::InvalidArgument("empty property name");
  if (FindKey(key) == nullptr && key.rfind("alluxio.", 0) == 0) {
    warnings_.push_back(IsAlluxioKey(key) ? "property " + key + " (from " + source +
                                                ") is Alluxio's, not used by alluxio-posix"
                                          : "unknown property " + key + " (from " + source + ")");
  }
  values_[key] = value;
  sources_[key] = source;
  return Status::OK();
}

Result<Configuration> Configuration::FromMap(const std::map<std::string, std::string>& values) {
  Configuration conf;
  conf.values_["alluxio.work.dir"] = DefaultWorkDir();
  conf.sources_["alluxio.work.dir"] = "default";
  for (const auto& [k, v] : values) RETURN_IF_ERROR(conf.Set(k, v, "override"));
  RETURN_IF_ERROR(conf.Validate());
  return conf;
}

Result<Configuration> Configuration::Overlay(const std::map<std::string, std::string>& values,
                                             const char* source) const {
  Configuration conf = *this;
  for (const auto& [k, v] : values) {
    const PropertyKey* known = FindKey(k);
    const bool typed = known != nullptr && known->type != PropertyType::kString &&
                       known->type != PropertyType::kList;
    RETURN_IF_ERROR(conf.Set(k, typed && v.empty() ? known->default_value : v, source));
  }
  RETURN_IF_ERROR(conf.Validate());
  return conf;
}

Result<Configuration> Configuration::Load(const std::map<std::string, std::string>& overrides) {
  Configuration conf;
  conf.values_["alluxio.work.dir"] = DefaultWorkDir();
  conf.sources_["alluxio.work.dir"] = "default";

  const char* conf_dir = std::getenv("ALLUXIO_CONF_DIR");
  if (conf_dir != nullptr && conf_dir[0] != '\0') {
    // Set but wrong is an error: silently running on defaults would serve
    // the wrong UFS, or none.
    struct stat st;
    if (::stat(conf_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(std::string("ALLUXIO_CONF_DIR=") + conf_dir +
                                     " is not a directory");
    }
    // A directory without a site file is one with nothing set in it.
    std::string file = std::string(conf_dir) + "/alluxio-site.properties";
    if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), R_OK) != 0) {
      return Status::FromErrno(errno, "cannot read " + file);
    }
    std::ifstream in(file);
    if (in) {
      std::string line;
      int lineno = 0;
      while (std::getline(in, line)) {
        ++lineno;
        std::string t = Trim(line);
        if (t.empty() || t[0] == '#' || t[0] == '!') continue;
        size_t eq = t.find_first_of("=:");
        if (eq == std::string::npos) {
          return Status::InvalidArgument(file + ":" + std::to_string(lineno) +
                                         ": expected key=value, got '" + t + "'");
        }
        RETURN_IF_ERROR(conf.Set(Trim(t.substr(0, eq)), Trim(t.substr(eq + 1)), "site"));
      }
    }
  }
  for (const auto& k : KnownProperties()) {
    const char* v = std::getenv(EnvName(k.name).c_str());
    if (v != nullptr) RETURN_IF_ERROR(conf.Set(k.name, v, "env"));
  }
  for (const auto& [k, v] : overrides) RETURN_IF_ERROR(conf.Set(k, v, "override"));
  RETURN_IF_ERROR(conf.Validate());
  return conf;
}

std::string Configuration::Substitute(const std::string& value, int depth) const {
  if (depth > 8 || value.find("${") == std::string::npos) return value;
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t b = value.find("${", i);
    if (b == std::string::npos) {
      out += value.substr(i);
      break;
    }
    size_t e = value.find('}', b);
    if (e == std::string::npos) {
      out += value.substr(i);
      break;
    }
    out += value.substr(i, b - i);
    out += Get(value.substr(b + 2, e - b - 2));
    i = e + 1;
  }
  return Substitute(out, depth + 1);
}

std::string Configuration::Get(std::string_view key) const {
  auto it = values_.find(key);
  if (it != values_.end()) return Substitute(it->second, 0);
  const PropertyKey* k = FindKey(key);
  return k ? Substitute(k->default_value, 0) : std::string();
}

bool Configuration::IsSet(std::string_view key) const {
  return values_.count(key) > 0 || !Get(key).empty();
}

namespace {

// A typed getter asked for a key it cannot answer: the code, not the
// configuration, is wrong (values were validated at load). Never a silent 0.
[[noreturn]] void Misuse(std::string_view getter, std::string_view key, std::string_view why) {
  std::fprintf(stderr, "alluxio: internal error: Configuration::%.*s(\"%.*s\"): %.*s\n",
               static_cast<int>(getter.size()), getter.data(), static_cast<int>(key.size()),
               key.data(), static_cast<int>(why.size()), why.data());
  std::abort();
}

template <typename T>
T Typed(const Configuration& conf, std::string_view getter, std::string_view key, PropertyType type,
        Result<T> (*parse)(std::string_view)) {
  const PropertyKey* k = FindKey(key);
  if (k == nullptr) Misuse(getter, key, "not a known property");
  if (k->type != type) Misuse(getter, key, "the property has another type");
  auto r = parse(conf.Get(key));
  if (!r.ok()) Misuse(getter, key, r.status().ToString());
  return *r;
}

Result<int64_t> ParseInt(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0') {
    return Status::InvalidArgument("'" + s + "' is not an integer");
  }
  return static_cast<int64_t>(v);
}

}  // namespace

Status Configuration::Validate() {
  for (const auto& k : KnownProperties()) {
    std::string v = Get(k.name);
    const bool typed = k.type != PropertyType::kString && k.type != PropertyType::kList;
    if (v.empty() && !typed) continue;
    Status st;
    switch (v.empty() ? PropertyType::kString : k.type) {
      case PropertyType::kBool:
        st = ParseBool(v).status();
        break;
      case PropertyType::kBytes:
        st = ParseBytes(v).status();
        break;
      case PropertyType::kDuration:
        st = ParseDurationMs(v).status();
        break;
      case PropertyType::kInt: {
        auto n = ParseInt(v);
        if (!n.ok() || *n < 0) {
          st = Status::InvalidArgument("'" + v + "' is not a non-negative integer");
        }
        break;
      }
      case PropertyType::kString:
      case PropertyType::kList:
        // Typed properties all have defaults: an empty value was set so.
        if (v.empty()) st = Status::InvalidArgument("an empty value is not valid here");
        break;
    }
    if (!st.ok()) {
      return Status::InvalidArgument("bad value for property " + std::string(k.name) + " (from " +
                                     SourceOf(k.name) + "): " + st.message());
    }
  }
  return Status::OK();
}

bool Configuration::GetBool(std::string_view key) const {
  return Typed<bool>(*this, "GetBool", key, PropertyType::kBool, ParseBool);
}

int64_t Configuration::GetInt(std::string_view key) const {
  return Typed<int64_t>(*this, "GetInt", key, PropertyType::kInt, ParseInt);
}

uint64_t Configuration::GetBytes(std::string_view key) const {
  return Typed<uint64_t>(*this, "GetBytes", key, PropertyType::kBytes, ParseBytes);
}

int64_t Configuration::GetDurationMs(std::string_view key) const {
  return Typed<int64_t>(*this, "GetDurationMs", key, PropertyType::kDuration, ParseDurationMs);
}

std::vector<std::string> Configuration::GetList(std::string_view key) const {
  std::vector<std::string> out;
  std::string v = Get(key);
  size_t i = 0;
  while (i <= v.size()) {
    size_t c = v.find(',', i);
    if (c == std::string::npos) c = v.size();
    std::string item = Trim(std::string_view(v).substr(i, c - i));
    if (!item.empty()) out.push_back(item);
    i = c + 1;
  }
  return out;
}

std::map<std::string, std::string> Configuration::All() const {
  std::map<std::string, std::string> out;
  for (const auto& k : KnownProperties()) {
    std::string v = Get(k.name);
    if (!v.empty()) out[k.name] = v;
  }
  for (const auto& [k, v] : values_) out[k] = Get(k);
  return out;
}

std::string Configuration::SourceOf(std::string_view key) const {
  auto it = sources_.find(key);
  return it == sources_.end() ? "default" : it->second;
}

}  // namespace alluxio
