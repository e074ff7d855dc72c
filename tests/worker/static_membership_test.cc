// STATIC membership: the hostnames file as Alluxio reads it, the
// alluxio.user.worker.addresses shorthand, the ports and the order workers
// are listed in, and the errors for each way the configuration can be wrong.
#include "static_membership.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace alluxio::worker {
namespace {

using testing::TempDir;

Configuration Conf(const std::map<std::string, std::string>& values) {
  auto conf = Configuration::FromMap(values);
  EXPECT_TRUE(conf.ok()) << conf.status().ToString();
  return *conf;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::string> Hosts(const Membership& m) {
  std::vector<std::string> out;
  for (const auto& w : m.Live()) out.push_back(w.address.host);
  return out;
}

bool Mentions(const Status& st, const std::string& what) {
  return st.ToString().find(what) != std::string::npos;
}

TEST(MembershipTypeTest, DefaultsToStaticUnlessEtcdIsConfigured) {
  EXPECT_EQ(*MembershipType(Conf({})), "STATIC");
  EXPECT_EQ(*MembershipType(Conf({{"alluxio.etcd.endpoints", "http://127.0.0.1:2379"}})), "ETCD");
  EXPECT_EQ(*MembershipType(Conf({{kMembershipTypeKey, "static"},
                                  {"alluxio.etcd.endpoints", "http://127.0.0.1:2379"}})),
            "STATIC");
  EXPECT_EQ(*MembershipType(Conf({{kMembershipTypeKey, "Etcd"}})), "ETCD");
  EXPECT_EQ(*MembershipType(Conf({{kMembershipTypeKey, " STATIC "}})), "STATIC");
}

TEST(MembershipTypeTest, OtherTypesAreErrorsNamingTheKey) {
  for (const char* bad : {"MASTER", "zookeeper", "STATIC,ETCD"}) {
    auto t = MembershipType(Conf({{kMembershipTypeKey, bad}}));
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
    EXPECT_TRUE(Mentions(t.status(), kMembershipTypeKey)) << t.status().ToString();
    EXPECT_TRUE(Mentions(t.status(), bad)) << t.status().ToString();
  }
}

TEST(StaticMembershipTest, ReadsTheHostsFileAsAlluxioDoes) {
  TempDir tmp;
  std::string file = tmp.path() + "/workers";
  Write(file,
        "# the cluster\n"
        "\n"
        "  worker-1.example.com  \n"
        "\tworker-2\r\n"
        "   # an indented comment\n"
        "worker-1.example.com\n"  // a repeat counts once
        "worker-3 # not a comment\r"
        "worker-4");  // no newline at the end
  auto hosts = StaticMembership::ReadHostsFile(file);
  ASSERT_TRUE(hosts.ok()) << hosts.status().ToString();
  EXPECT_EQ(*hosts, (std::vector<std::string>{"worker-1.example.com", "worker-2",
                                              "worker-3 # not a comment", "worker-4"}));
}

TEST(StaticMembershipTest, WorkersGetAlluxiosIdentityAndPorts) {
  TempDir tmp;
  std::string file = tmp.path() + "/workers";
  Write(file, "localhost\n");
  auto m = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, file}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto live = (*m)->Live();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].identity, WorkerIdentity::FromName("localhost"));
  // UUID.nameUUIDFromBytes("localhost"), as Java computes it.
  EXPECT_EQ(live[0].identity.ToString(), "worker-421aa90e-079f-3326-b649-4f812ad13e79");
  EXPECT_EQ(live[0].address.host, "localhost");
  EXPECT_EQ(live[0].address.rpc_port, 29999);
  EXPECT_EQ(live[0].address.web_port, 30000);
  EXPECT_EQ(live[0].address.http_server_port, 28080);
  EXPECT_EQ(live[0].address.data_port, 29997);
  EXPECT_EQ(live[0].address.netty_data_port, 29997);
  EXPECT_EQ(live[0].address.container_host, "");
  EXPECT_EQ((*m)->Epoch(), 1u);

  auto custom = StaticMembership::FromConfig(
      Conf({{kStaticConfigFileKey, file},
            {"alluxio.worker.rpc.port", "1001"},
            {"alluxio.worker.web.port", "1002"},
            {"alluxio.worker.http.server.port", "1003"},
            {"alluxio.worker.container.hostname", "pod-7"},
            {"alluxio.user.netty.data.transmission.enabled", "false"}}));
  ASSERT_TRUE(custom.ok()) << custom.status().ToString();
  const WorkerNetAddress& a = (*custom)->Live()[0].address;
  EXPECT_EQ(a.rpc_port, 1001);
  EXPECT_EQ(a.web_port, 1002);
  EXPECT_EQ(a.http_server_port, 1003);
  EXPECT_EQ(a.data_port, 1001);  // without netty, data goes over the RPC port
  EXPECT_EQ(a.netty_data_port, 0);
  EXPECT_EQ(a.container_host, "pod-7");
}

TEST(StaticMembershipTest, TheFileDefaultsToWorkersInTheConfDir) {
  EXPECT_EQ(Conf({}).Get(kStaticConfigFileKey), "/opt/alluxio/conf/workers");
  EXPECT_EQ(Conf({{"alluxio.home", "/srv/ax"}}).Get(kStaticConfigFileKey), "/srv/ax/conf/workers");
  TempDir tmp;
  Write(tmp.path() + "/workers", "w1\nw2\n");
  // $ALLUXIO_CONF_DIR is alluxio.conf.dir, as Alluxio's launcher sets it.
  ::setenv("ALLUXIO_CONF_DIR", tmp.path().c_str(), 1);
  auto conf = Configuration::Load();
  ::unsetenv("ALLUXIO_CONF_DIR");
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(conf->Get(kStaticConfigFileKey), tmp.path() + "/workers");
  auto m = StaticMembership::FromConfig(*conf);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->Live().size(), 2u);
}

TEST(StaticMembershipTest, ListsWorkersInJavaHashSetOrder) {
  // Single-letter names hash to their letter (String.hashCode), so the
  // buckets can be worked out: with 16 buckets 'p' (112) is in bucket 0 and
  // 'a' (97) in 1, so 'p' comes first whatever the file order.
  EXPECT_EQ(StaticMembership::JavaHashSetOrder({"a", "p"}), (std::vector<std::string>{"p", "a"}));
  // 'q' (113) shares bucket 1 with 'a': insertion order within the bucket.
  EXPECT_EQ(StaticMembership::JavaHashSetOrder({"q", "b", "a"}),
            (std::vector<std::string>{"q", "a", "b"}));
  EXPECT_EQ(StaticMembership::JavaHashSetOrder({"a", "b", "q"}),
            (std::vector<std::string>{"a", "q", "b"}));
  // A 13th entry doubles the table to 32: 'p' moves to bucket 16, after
  // 'a'..'l' in buckets 1..12.
  std::vector<std::string> thirteen = {"p"};
  for (char c = 'l'; c >= 'a'; --c) thirteen.emplace_back(1, c);
  std::vector<std::string> want;
  for (char c = 'a'; c <= 'l'; ++c) want.emplace_back(1, c);
  want.emplace_back("p");
  EXPECT_EQ(StaticMembership::JavaHashSetOrder(thirteen), want);

  TempDir tmp;
  std::string file = tmp.path() + "/workers";
  Write(file, "a\np\n");
  auto m = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, file}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(Hosts(**m), (std::vector<std::string>{"p", "a"}));
}

TEST(StaticMembershipTest, FileErrorsNameTheFileAndKey) {
  TempDir tmp;
  std::string missing = tmp.path() + "/no-such-file";
  auto m = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, missing}}));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kNotFound);
  EXPECT_TRUE(Mentions(m.status(), missing)) << m.status().ToString();
  EXPECT_TRUE(Mentions(m.status(), kStaticConfigFileKey)) << m.status().ToString();

  auto dir = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, tmp.path()}}));
  ASSERT_FALSE(dir.ok());
  EXPECT_TRUE(Mentions(dir.status(), tmp.path())) << dir.status().ToString();

  std::string empty = tmp.path() + "/empty";
  Write(empty, "# nobody yet\n\n   \n");
  auto none = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, empty}}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Mentions(none.status(), empty)) << none.status().ToString();
  EXPECT_TRUE(Mentions(none.status(), "no worker")) << none.status().ToString();

  std::string latin1 = tmp.path() + "/latin1";
  Write(latin1, "w\xe9rker\n");
  auto bad = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, latin1}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Mentions(bad.status(), "UTF-8")) << bad.status().ToString();

  auto unset = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, ""}}));
  ASSERT_FALSE(unset.ok());
  EXPECT_TRUE(Mentions(unset.status(), kStaticConfigFileKey)) << unset.status().ToString();
}

TEST(StaticMembershipTest, BadPortsNameTheKey) {
  TempDir tmp;
  std::string file = tmp.path() + "/workers";
  Write(file, "w1\n");
  for (const char* key : {"alluxio.worker.rpc.port", "alluxio.worker.web.port",
                          "alluxio.worker.http.server.port", "alluxio.worker.data.port"}) {
    auto m = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, file}, {key, "70000"}}));
    ASSERT_FALSE(m.ok()) << key;
    EXPECT_TRUE(Mentions(m.status(), key)) << m.status().ToString();
  }
}

TEST(StaticMembershipTest, AddressListIsAShorthand) {
  auto m = StaticMembership::FromConfig(
      Conf({{kWorkerAddressesKey, "worker-1, 127.0.0.1:30001,[::1]:30002,[fe80::2]"}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto live = (*m)->Live();
  ASSERT_EQ(live.size(), 4u);
  // In the order written; identities named by the entries as written.
  EXPECT_EQ(live[0].address.host, "worker-1");
  EXPECT_EQ(live[0].address.rpc_port, 29999);
  EXPECT_EQ(live[0].identity, WorkerIdentity::FromName("worker-1"));
  EXPECT_EQ(live[1].address.host, "127.0.0.1");
  EXPECT_EQ(live[1].address.rpc_port, 30001);
  EXPECT_EQ(live[1].identity, WorkerIdentity::FromName("127.0.0.1:30001"));
  EXPECT_EQ(live[2].address.host, "::1");
  EXPECT_EQ(live[2].address.rpc_port, 30002);
  EXPECT_EQ(live[2].identity, WorkerIdentity::FromName("[::1]:30002"));
  EXPECT_EQ(live[3].address.host, "fe80::2");
  EXPECT_EQ(live[3].address.rpc_port, 29999);
  EXPECT_EQ(live[0].address.web_port, 30000);

  // A bare hostname is the very worker Alluxio's STATIC file names.
  TempDir tmp;
  std::string file = tmp.path() + "/workers";
  Write(file, "worker-1\n");
  auto from_file = StaticMembership::FromConfig(Conf({{kStaticConfigFileKey, file}}));
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ((*from_file)->Live()[0].identity, live[0].identity);
}

TEST(StaticMembershipTest, AddressListErrorsNameTheKey) {
  for (const char* bad : {"host:", ":80", "host:0", "host:65536", "host:8o", "::1:80", "[::1:80",
                          "[]:80", "[::1]x", "a:1,a:1"}) {
    auto m = StaticMembership::FromConfig(Conf({{kWorkerAddressesKey, bad}}));
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_TRUE(Mentions(m.status(), kWorkerAddressesKey)) << m.status().ToString();
  }
  auto both = StaticMembership::FromConfig(
      Conf({{kWorkerAddressesKey, "w1"}, {kStaticConfigFileKey, "/etc/workers"}}));
  ASSERT_FALSE(both.ok());
  EXPECT_TRUE(Mentions(both.status(), kWorkerAddressesKey)) << both.status().ToString();
  EXPECT_TRUE(Mentions(both.status(), kStaticConfigFileKey)) << both.status().ToString();
}

}  // namespace
}  // namespace alluxio::worker
