#include "static_membership.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace alluxio::worker {

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Java's String.trim(): drops every char <= ' ' at both ends.
std::string_view JavaTrim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

// Decodes UTF-8 as Java's strict decoder (Files.readAllLines) does: false for
// a malformed sequence, an overlong form, a surrogate or a value past
// U+10FFFF. Appends the UTF-16 code units to *units when it is not null.
bool DecodeUtf8(std::string_view s, std::vector<uint16_t>* units) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (b < 0x80) {
      cp = b;
      n = 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f;
      n = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f;
      n = 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07;
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    if (units != nullptr) {
      if (cp < 0x10000) {
        units->push_back(static_cast<uint16_t>(cp));
      } else {
        cp -= 0x10000;
        units->push_back(static_cast<uint16_t>(0xd800 + (cp >> 10)));
        units->push_back(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
      }
    }
    i += n;
  }
  return true;
}

// String.hashCode() of the Java string these UTF-8 bytes decode to.
int32_t JavaStringHash(std::string_view utf8) {
  std::vector<uint16_t> units;
  DecodeUtf8(utf8, &units);
  uint32_t h = 0;
  for (uint16_t u : units) h = 31 * h + u;
  return static_cast<int32_t>(h);
}

Status CheckPort(const Configuration& conf, const char* key) {
  int64_t port = conf.GetInt(key);
  if (port < 1 || port > 65535) {
    return Status::InvalidArgument(std::string("bad value for property ") + key + ": " +
                                   std::to_string(port) + " is not a port in 1..65535");
  }
  return Status::OK();
}

// The address fields every STATIC worker shares; the caller sets host and
// the RPC port.
Result<WorkerNetAddress> BaseAddress(const Configuration& conf) {
  for (const char* key : {"alluxio.worker.rpc.port", "alluxio.worker.web.port",
                          "alluxio.worker.http.server.port", "alluxio.worker.data.port"}) {
    RETURN_IF_ERROR(CheckPort(conf, key));
  }
  WorkerNetAddress a;
  a.container_host = conf.Get("alluxio.worker.container.hostname");
  a.rpc_port = static_cast<int>(conf.GetInt("alluxio.worker.rpc.port"));
  a.web_port = static_cast<int>(conf.GetInt("alluxio.worker.web.port"));
  a.http_server_port = static_cast<int>(conf.GetInt("alluxio.worker.http.server.port"));
  if (conf.GetBool("alluxio.user.netty.data.transmission.enabled")) {
    a.netty_data_port = static_cast<int>(conf.GetInt("alluxio.worker.data.port"));
    a.data_port = a.netty_data_port;
  } else {
    a.data_port = a.rpc_port;
  }
  return a;
}

// One alluxio.user.worker.addresses entry: "host", "host:port", "[v6]" or
// "[v6]:port". Sets host (without brackets) and, when given, *port.
Status ParseEntry(const std::string& entry, std::string* host, int* port) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(std::string("bad value for property ") + kWorkerAddressesKey +
                                   ": worker '" + entry + "' " + why);
  };
  std::string_view rest = entry;
  if (rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return bad("has a malformed [IPv6] host");
    *host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.empty()) return Status::OK();
    if (rest.front() != ':') return bad("has text after its [IPv6] host");
    rest.remove_prefix(1);
  } else {
    size_t colon = rest.find(':');
    if (colon == 0) return bad("has no host");
    if (colon != std::string_view::npos && rest.find(':', colon + 1) != std::string_view::npos) {
      return bad("has a malformed host (IPv6 needs [brackets])");
    }
    *host = std::string(rest.substr(0, colon));
    if (colon == std::string_view::npos) return Status::OK();
    rest.remove_prefix(colon + 1);
  }
  int value = rest.empty() || rest.size() > 5 ? -1 : 0;
  for (char c : rest) {
    if (c < '0' || c > '9') value = -1;
    if (value >= 0) value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return bad("needs a port in 1..65535");
  *port = value;
  return Status::OK();
}

}  // namespace

Result<std::string> MembershipType(const Configuration& conf) {
  std::string raw = conf.Get(kMembershipTypeKey);
  std::string type = Upper(JavaTrim(raw));
  if (type.empty())
    return std::string(conf.GetList("alluxio.etcd.endpoints").empty() ? "STATIC" : "ETCD");
  if (type == "STATIC" || type == "ETCD") return type;
  std::string why = type == "MASTER" ? " (Alluxio 2.x's master-based membership; a DORA cluster "
                                       "lists its workers in STATIC or ETCD membership)"
                                     : "";
  return Status::InvalidArgument(std::string("bad value for property ") + kMembershipTypeKey +
                                 ": '" + raw + "' is not STATIC or ETCD" + why);
}

Result<std::vector<std::string>> StaticMembership::ReadHostsFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::FromErrno(
        EISDIR, "STATIC membership: the workers file " + path + " (" + kStaticConfigFileKey + ")");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno != 0 ? errno : EIO;
    return Status::FromErrno(err, "STATIC membership: cannot read the workers file " + path + " (" +
                                      kStaticConfigFileKey + ")");
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return Status::FromErrno(EIO, "STATIC membership: cannot read the workers file " + path);
  }
  if (!DecodeUtf8(text, nullptr)) {
    return Status::InvalidArgument("STATIC membership: the workers file " + path +
                                   " is not UTF-8 text");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  // Lines end at "\n", "\r\n" or "\r" (BufferedReader.readLine).
  size_t i = 0;
  while (i < text.size()) {
    size_t e = text.find_first_of("\r\n", i);
    if (e == std::string::npos) e = text.size();
    std::string_view line = JavaTrim(std::string_view(text).substr(i, e - i));
    if (e < text.size() && text[e] == '\r' && e + 1 < text.size() && text[e + 1] == '\n') ++e;
    i = e + 1;
    if (line.empty() || line.front() == '#') continue;
    if (seen.insert(std::string(line)).second) out.emplace_back(line);
  }
  return out;
}

std::vector<std::string> StaticMembership::JavaHashSetOrder(std::vector<std::string> hosts) {
  // java.util.HashMap as HashSet() fills it: a table of 16 buckets that
  // doubles when the size passes 3/4 of it, or when a bucket would grow past
  // 8 entries while the table is under 64. Bucket = (h ^ h >>> 16) & (n-1);
  // entries keep their insertion order within a bucket through every
  // doubling, and iteration goes bucket by bucket. (A bucket past 8 entries
  // in a table of 64 or more becomes a tree whose order differs; no real
  // list of hostnames gets there, and we keep insertion order.)
  std::vector<uint32_t> spread;
  spread.reserve(hosts.size());
  for (const auto& h : hosts) {
    auto u = static_cast<uint32_t>(JavaStringHash(h));
    spread.push_back(u ^ (u >> 16));
  }
  size_t cap = 16;
  for (size_t n = 0; n < hosts.size(); ++n) {
    size_t in_bucket = 0;
    for (size_t m = 0; m < n; ++m) {
      if ((spread[m] & (cap - 1)) == (spread[n] & (cap - 1))) ++in_bucket;
    }
    if (in_bucket >= 8 && cap < 64) cap *= 2;  // treeifyBin resizes instead
    if (n + 1 > cap * 3 / 4) cap *= 2;
  }
  std::vector<std::string> out;
  out.reserve(hosts.size());
  for (size_t b = 0; b < cap; ++b) {
    for (size_t n = 0; n < hosts.size(); ++n) {
      if ((spread[n] & (cap - 1)) == b) out.push_back(hosts[n]);
    }
  }
  return out;
}

Result<std::shared_ptr<Membership>> StaticMembership::FromConfig(const Configuration& conf) {
  ASSIGN_OR_RETURN(WorkerNetAddress base, BaseAddress(conf));
  std::vector<WorkerInfo> workers;
  std::vector<std::string> entries = conf.GetList(kWorkerAddressesKey);
  if (!entries.empty()) {
    if (conf.SourceOf(kStaticConfigFileKey) != "default") {
      return Status::InvalidArgument(std::string("STATIC membership: both ") + kWorkerAddressesKey +
                                     " and " + kStaticConfigFileKey + " are set; set one of them");
    }
    std::set<std::string> seen;
    for (const auto& e : entries) {
      WorkerInfo w;
      w.address = base;
      RETURN_IF_ERROR(ParseEntry(e, &w.address.host, &w.address.rpc_port));
      if (!seen.insert(e).second) {
        return Status::InvalidArgument(std::string("bad value for property ") +
                                       kWorkerAddressesKey + ": worker " + e + " is listed twice");
      }
      w.identity = WorkerIdentity::FromName(e);
      workers.push_back(std::move(w));
    }
    return std::shared_ptr<Membership>(new StaticMembership(std::move(workers)));
  }
  std::string path = conf.Get(kStaticConfigFileKey);
  if (path.empty()) {
    return Status::InvalidArgument(std::string("STATIC membership: ") + kStaticConfigFileKey +
                                   " is empty and " + kWorkerAddressesKey +
                                   " is not set: no workers are configured");
  }
  ASSIGN_OR_RETURN(auto hosts, ReadHostsFile(path));
  if (hosts.empty()) {
    return Status::InvalidArgument("STATIC membership: the workers file " + path + " (" +
                                   kStaticConfigFileKey + ") lists no worker");
  }
  for (const auto& h : JavaHashSetOrder(std::move(hosts))) {
    WorkerInfo w;
    w.address = base;
    w.address.host = h;
    w.identity = WorkerIdentity::FromName(h);
    workers.push_back(std::move(w));
  }
  return std::shared_ptr<Membership>(new StaticMembership(std::move(workers)));
}

}  // namespace alluxio::worker
