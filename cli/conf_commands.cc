// Top-level commands besides `fs`: getConf and version.
#include <cstdio>

#include "cli.h"

#ifndef ALLUXIO_VERSION
#define ALLUXIO_VERSION "0.1.0-dev"
#endif

namespace alluxio::cli {

namespace {

bool IsSecret(const std::string& key) {
  return key == "s3a.secretKey" || key.find("secret") != std::string::npos ||
         key.find("password") != std::string::npos;
}

bool IsKnown(const std::string& key) {
  for (const PropertyKey& k : KnownProperties()) {
    if (key == k.name) return true;
  }
  return false;
}

}  // namespace

int GetConfCommand(Env& env, const Args& args) {
  auto conf = env.Conf();
  if (!conf.ok()) return Fail("configuration", conf.status());
  const Configuration& c = **conf;
  const bool source = args.Has("source");
  if (!args.positional.empty()) {
    const std::string& key = args.positional[0];
    if (!IsKnown(key) && !c.IsSet(key)) {
      return Fail(key, Status::NotFound("unknown property " + key));
    }
    if (source) {
      std::printf("%s\n", c.SourceOf(key).c_str());
    } else {
      std::printf("%s\n", c.Get(key).c_str());
    }
    return kExitOk;
  }
  // Listing everything never shows secrets; asking for one key by name does.
  for (const auto& [key, value] : c.All()) {
    std::string shown = IsSecret(key) && !value.empty() ? "******" : value;
    if (source) {
      std::printf("%s=%s (%s)\n", key.c_str(), shown.c_str(), c.SourceOf(key).c_str());
    } else {
      std::printf("%s=%s\n", key.c_str(), shown.c_str());
    }
  }
  return kExitOk;
}

int VersionCommand(Env&, const Args&) {
  std::printf("alluxio-posix version %s\n", ALLUXIO_VERSION);
  return kExitOk;
}

}  // namespace alluxio::cli
