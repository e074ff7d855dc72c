// Configuration with Alluxio property names.
//
// Precedence, lowest first: built-in defaults < $ALLUXIO_CONF_DIR/
// alluxio-site.properties < environment (ALLUXIO_ + the key without its
// "alluxio." prefix, upper-cased, dots as underscores: e.g.
// ALLUXIO_USER_METADATA_CACHE_MAX_SIZE, ALLUXIO_S3A_ACCESSKEYID) < explicit
// overrides (command-line flags). Values may refer to other keys as ${key}.
//
// Load() validates every known key against its type, so a malformed value is
// an error at start-up naming the key and the value, never a silent default.
// An unknown alluxio.* key in the site file or the overrides is kept and
// reported through warnings().
#ifndef ALLUXIO_CONFIG_H_
#define ALLUXIO_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/status.h"

namespace alluxio {

enum class PropertyType { kString, kBool, kInt, kBytes, kDuration, kList };

struct PropertyKey {
  const char* name;
  PropertyType type;
  const char* default_value;  // may contain ${other.key}; "" = unset
  const char* description;
};

// Every property this product understands.
const std::vector<PropertyKey>& KnownProperties();

// Parsers, exposed for tests and for the CLI's flag parsing. Each returns an
// InvalidArgument naming the text when it does not parse.
Result<uint64_t> ParseBytes(std::string_view text);      // "64MB", "1g", "512"
Result<int64_t> ParseDurationMs(std::string_view text);  // "10s", "5min", "100ms"
Result<bool> ParseBool(std::string_view text);           // "true"/"false"

class Configuration {
 public:
  // Loads defaults, the site file (from $ALLUXIO_CONF_DIR when set), the
  // environment and `overrides`, in that order, then validates.
  static Result<Configuration> Load(const std::map<std::string, std::string>& overrides = {});

  // A configuration from defaults plus exactly `values`: no files, no
  // environment. For tests and embedded use.
  static Result<Configuration> FromMap(const std::map<std::string, std::string>& values);

  // This configuration with `values` set over it, each from `source` (a
  // mount's options: "mount option"), validated as Load() validates: a bad
  // value is an InvalidArgument naming the key, the source and the value.
  // An empty value of a typed (bool, int, bytes, duration) property stands
  // for the property's default.
  Result<Configuration> Overlay(const std::map<std::string, std::string>& values,
                                const char* source = "mount option") const;

  // Raw value after ${} substitution; "" when unset.
  std::string Get(std::string_view key) const;
  bool IsSet(std::string_view key) const;

  // Typed accessors. The key must be known and of that type; since Load()
  // validated every known key these cannot fail for them, so they return the
  // value directly.
  bool GetBool(std::string_view key) const;
  int64_t GetInt(std::string_view key) const;
  uint64_t GetBytes(std::string_view key) const;
  int64_t GetDurationMs(std::string_view key) const;
  std::vector<std::string> GetList(std::string_view key) const;

  // All keys with a value, after substitution (for `alluxio getConf`).
  std::map<std::string, std::string> All() const;

  // Where each value came from: "default", "site", "env", "override".
  std::string SourceOf(std::string_view key) const;

  const std::vector<std::string>& warnings() const { return warnings_; }

  // Environment variable name for a key (see above).
  static std::string EnvName(std::string_view key);

 private:
  Status Set(const std::string& key, const std::string& value, const char* source);
  Status Validate();
  std::string Substitute(const std::string& value, int depth) const;

  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> sources_;
  std::vector<std::string> warnings_;
};

}  // namespace alluxio

#endif  // ALLUXIO_CONFIG_H_
