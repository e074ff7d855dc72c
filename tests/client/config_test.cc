#include "alluxio/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace alluxio {
namespace {

using testing::TempDir;

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = getenv(name);
    if (old) old_ = old;
    had_ = old != nullptr;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_.c_str(), old_.c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

TEST(ConfigParseTest, Bytes) {
  EXPECT_EQ(*ParseBytes("512"), 512u);
  EXPECT_EQ(*ParseBytes("64MB"), 64u << 20);
  EXPECT_EQ(*ParseBytes("1g"), 1u << 30);
  EXPECT_EQ(*ParseBytes("1.5KB"), 1536u);
  EXPECT_FALSE(ParseBytes("lots").ok());
  EXPECT_FALSE(ParseBytes("10XB").ok());
}

TEST(ConfigParseTest, SizesAndDurationsOutOfRangeAreErrors) {
  EXPECT_EQ(*ParseBytes("16383PB"), 16383ull << 50);
  EXPECT_EQ(*ParseBytes("18446744073709549568"), 18446744073709549568ull);  // 2^64 - 2^11
  for (const char* big : {"99999999999PB", "16384PB", "18446744073709551616", "1e30", "2^64"}) {
    auto r = ParseBytes(big);
    EXPECT_FALSE(r.ok()) << big << " parsed as " << *r;
  }
  EXPECT_NE(ParseBytes("99999999999PB").status().message().find("out of range"), std::string::npos);
  EXPECT_EQ(*ParseDurationMs("100000d"), 8640000000000);
  for (const char* big : {"999999999999999d", "9223372036854775808", "1e30s"}) {
    auto r = ParseDurationMs(big);
    EXPECT_FALSE(r.ok()) << big << " parsed as " << *r;
  }
}

TEST(ConfigParseTest, Durations) {
  EXPECT_EQ(*ParseDurationMs("100ms"), 100);
  EXPECT_EQ(*ParseDurationMs("10s"), 10000);
  EXPECT_EQ(*ParseDurationMs("5min"), 300000);
  EXPECT_EQ(*ParseDurationMs("2h"), 7200000);
  EXPECT_EQ(*ParseDurationMs("250"), 250);
  EXPECT_FALSE(ParseDurationMs("soon").ok());
}

TEST(ConfigParseTest, Bools) {
  EXPECT_TRUE(*ParseBool("true"));
  EXPECT_FALSE(*ParseBool("FALSE"));
  EXPECT_FALSE(ParseBool("yes").ok());
}

TEST(ConfigTest, DefaultsAndSubstitution) {
  auto conf = Configuration::FromMap({{"alluxio.work.dir", "/w"}});
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(conf->Get("alluxio.master.mount.table.root.ufs"), "/w/underFSStorage");
  EXPECT_EQ(conf->GetBytes("alluxio.user.client.cache.page.size"), 1u << 20);
  EXPECT_FALSE(conf->GetBool("alluxio.user.fuse.random.access.file.stream.enabled"));
  EXPECT_EQ(conf->GetDurationMs("alluxio.user.metadata.cache.expiration.time"), 600000);
}

TEST(ConfigTest, MalformedValueNamesKeyAndValue) {
  auto conf = Configuration::FromMap({{"alluxio.user.client.cache.size", "huge"}});
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.status().code(), Code::kInvalidArgument);
  EXPECT_NE(conf.status().message().find("alluxio.user.client.cache.size"), std::string::npos);
  EXPECT_NE(conf.status().message().find("huge"), std::string::npos);
}

TEST(ConfigTest, AnOverlayGoesOverTheConfigurationAndIsValidated) {
  auto base = Configuration::FromMap(
      {{"alluxio.underfs.s3.threads.max", "8"}, {"alluxio.underfs.s3.endpoint", "http://base"}});
  ASSERT_TRUE(base.ok());
  auto conf = base->Overlay({{"alluxio.underfs.s3.threads.max", "4"}, {"s3a.secretKey", ""}});
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(conf->GetInt("alluxio.underfs.s3.threads.max"), 4);
  EXPECT_EQ(conf->SourceOf("alluxio.underfs.s3.threads.max"), "mount option");
  EXPECT_EQ(conf->Get("alluxio.underfs.s3.endpoint"), "http://base");  // not overlaid
  EXPECT_EQ(conf->Get("s3a.secretKey"), "");                           // an empty string is a value
  EXPECT_EQ(base->GetInt("alluxio.underfs.s3.threads.max"), 8);        // the base is unchanged
  // An empty value of a typed property is its default, not the base's value.
  auto reset = base->Overlay({{"alluxio.underfs.s3.threads.max", ""}});
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(reset->GetInt("alluxio.underfs.s3.threads.max"), 32);
  auto bad = base->Overlay({{"alluxio.underfs.s3.retry.base.sleep", "soon"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("alluxio.underfs.s3.retry.base.sleep"), std::string::npos);
  EXPECT_NE(bad.status().message().find("mount option"), std::string::npos);
  EXPECT_NE(bad.status().message().find("soon"), std::string::npos);
}

TEST(ConfigTest, UnknownAlluxioKeyIsAWarning) {
  auto conf = Configuration::FromMap({{"alluxio.no.such.key", "1"}});
  ASSERT_TRUE(conf.ok());
  ASSERT_EQ(conf->warnings().size(), 1u);
  EXPECT_NE(conf->warnings()[0].find("alluxio.no.such.key"), std::string::npos);
  EXPECT_NE(conf->warnings()[0].find("unknown"), std::string::npos);
}

TEST(ConfigTest, AlluxioKeysWeDoNotUseAreSaidToBeAlluxios) {
  for (const char* key : {"alluxio.user.file.writetype.default", "alluxio.master.hostname",
                          "alluxio.worker.tieredstore.level3.alias",      // a template
                          "alluxio.master.mount.table.data.readonly"}) {  // a template
    auto conf = Configuration::FromMap({{key, "x"}});
    ASSERT_TRUE(conf.ok()) << key;
    ASSERT_EQ(conf->warnings().size(), 1u) << key;
    EXPECT_NE(conf->warnings()[0].find("not used by alluxio-posix"), std::string::npos)
        << conf->warnings()[0];
  }
  // A template's '*' stands for something: the bare stem is no key.
  auto conf = Configuration::FromMap({{"alluxio.worker.tieredstore.level.alias", "x"}});
  ASSERT_TRUE(conf.ok());
  ASSERT_EQ(conf->warnings().size(), 1u);
  EXPECT_NE(conf->warnings()[0].find("unknown"), std::string::npos);
}

TEST(ConfigTest, PrecedenceDefaultsSiteEnvFlags) {
  TempDir dir;
  {
    std::ofstream site(dir.path() + "/alluxio-site.properties");
    site << "# comment\n"
         << "alluxio.user.metadata.cache.max.size=11\n"
         << "alluxio.user.client.cache.size = 2GB\n"
         << "alluxio.underfs.s3.endpoint=http://site\n";
  }
  ScopedEnv conf_dir("ALLUXIO_CONF_DIR", dir.path().c_str());
  ScopedEnv env1("ALLUXIO_USER_CLIENT_CACHE_SIZE", "3GB");
  ScopedEnv env2("ALLUXIO_UNDERFS_S3_ENDPOINT", "http://env");
  auto conf = Configuration::Load({{"alluxio.underfs.s3.endpoint", "http://flag"}});
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(conf->GetInt("alluxio.user.metadata.cache.max.size"), 11);  // site
  EXPECT_EQ(conf->SourceOf("alluxio.user.metadata.cache.max.size"), "site");
  EXPECT_EQ(conf->GetBytes("alluxio.user.client.cache.size"), 3ull << 30);  // env
  EXPECT_EQ(conf->Get("alluxio.underfs.s3.endpoint"), "http://flag");       // flag
  EXPECT_EQ(conf->Get("alluxio.user.fuse.random.access.file.stream.enabled"), "false");
}

TEST(ConfigTest, BadEnvValueIsAnError) {
  ScopedEnv conf_dir("ALLUXIO_CONF_DIR", nullptr);
  ScopedEnv env("ALLUXIO_USER_FUSE_RANDOM_ACCESS_FILE_STREAM_ENABLED", "maybe");
  auto conf = Configuration::Load();
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.status().message().find("alluxio.user.fuse.random.access.file.stream.enabled"),
            std::string::npos);
  EXPECT_NE(conf.status().message().find("env"), std::string::npos);
}

TEST(ConfigTest, OutOfRangeSizeNamesTheKey) {
  ScopedEnv conf_dir("ALLUXIO_CONF_DIR", nullptr);
  ScopedEnv env("ALLUXIO_USER_CLIENT_CACHE_SIZE", "99999999999PB");
  auto conf = Configuration::Load();
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.status().message().find("alluxio.user.client.cache.size"), std::string::npos);
  EXPECT_NE(conf.status().message().find("out of range"), std::string::npos);
}

TEST(ConfigTest, ConfDirThatIsNotADirectoryIsAnError) {
  TempDir dir;
  std::string file = dir.path() + "/plain";
  std::ofstream(file) << "x\n";
  for (std::string bad : {dir.path() + "/nonexistent", file}) {
    ScopedEnv conf_dir("ALLUXIO_CONF_DIR", bad.c_str());
    auto conf = Configuration::Load();
    ASSERT_FALSE(conf.ok()) << bad;
    EXPECT_NE(conf.status().message().find("ALLUXIO_CONF_DIR=" + bad), std::string::npos)
        << conf.status().ToString();
  }
  // A directory without a site file sets nothing, and is fine.
  ScopedEnv conf_dir("ALLUXIO_CONF_DIR", dir.path().c_str());
  EXPECT_TRUE(Configuration::Load().ok());
}

TEST(ConfigTest, EnvName) {
  EXPECT_EQ(Configuration::EnvName("alluxio.user.client.cache.dirs"),
            "ALLUXIO_USER_CLIENT_CACHE_DIRS");
  EXPECT_EQ(Configuration::EnvName("s3a.accessKeyId"), "ALLUXIO_S3A_ACCESSKEYID");
}

TEST(ConfigTest, Lists) {
  auto conf = Configuration::FromMap({{"alluxio.user.client.cache.dirs", " /a, /b ,,/c "}});
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(conf->GetList("alluxio.user.client.cache.dirs"),
            (std::vector<std::string>{"/a", "/b", "/c"}));
}

}  // namespace
}  // namespace alluxio

namespace alluxio {
namespace {

// A typed getter asked for a key that is not a property of its type is a
// bug in the caller: it dies saying so, instead of answering 0 or false.
TEST(ConfigDeathTest, TypedGetterOfAnUnknownOrMistypedKeyIsAProgrammingError) {
  auto conf = Configuration::FromMap({});
  ASSERT_TRUE(conf.ok());
  EXPECT_DEATH((void)conf->GetBool("alluxio.user.no.such.key"), "not a known property");
  EXPECT_DEATH((void)conf->GetBytes("alluxio.user.fuse.random.access.file.stream.enabled"),
               "another type");
  EXPECT_DEATH((void)conf->GetInt("alluxio.work.dir"), "another type");
  EXPECT_EQ(conf->GetBytes("alluxio.user.client.cache.page.size"), 1u << 20);
}

// An empty value of a typed property is an error naming the key at load,
// never a silent 0 (a cache of 0 bytes).
TEST(ConfigTest, EmptyTypedValueIsAnErrorNamingTheKey) {
  auto conf = Configuration::FromMap({{"alluxio.user.client.cache.size", ""}});
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.status().message().find("alluxio.user.client.cache.size"), std::string::npos)
      << conf.status().ToString();
}

}  // namespace
}  // namespace alluxio
