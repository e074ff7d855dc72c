// The WorkerServiceEntity JSON, checked against what Gson makes of
// Alluxio's classes (field names from their @SerializedName annotations,
// subclass fields first in declaration order, WorkerIdentity as version and
// hex identifier, HTML-safe escaping), written out by hand.
#include "worker_entity.h"

#include <gtest/gtest.h>

namespace alluxio::worker {
namespace {

WorkerInfo Sample() {
  WorkerInfo w;
  w.identity = *WorkerIdentity::FromUuid("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
  w.address.host = "worker-1.example";
  w.address.rpc_port = 29999;
  w.address.data_port = 29997;
  w.address.web_port = 30000;
  w.address.http_server_port = 28080;
  return w;
}

TEST(WorkerEntityTest, EncodesAsAlluxiosWorkerDoes) {
  EXPECT_EQ(EncodeWorkerEntity(Sample()),
            "{\"Identity\":{\"version\":1,\"identifier\":\"0f1e2d3c4b5a49688776a5b4c3d2e1f0\"},"
            "\"WorkerNetAddress\":{\"Host\":\"worker-1.example\",\"ContainerHost\":\"\","
            "\"RpcPort\":29999,\"DataPort\":29997,\"SecureRpcPort\":0,\"NettyDataPort\":0,"
            "\"WebPort\":30000,\"DomainSocketPath\":\"\",\"HttpServerPort\":28080},"
            "\"State\":\"AUTHORIZED\",\"GenerationNumber\":-1,"
            "\"ServiceEntityName\":\"worker-0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\"}");
}

TEST(WorkerEntityTest, EscapesTextAsGson) {
  WorkerInfo w = Sample();
  w.address.domain_socket_path = "/run/a=b<c>&'d\"\\\n";
  std::string json = EncodeWorkerEntity(w);
  EXPECT_NE(
      json.find("\"DomainSocketPath\":\"/run/a\\u003db\\u003cc\\u003e\\u0026\\u0027d\\\"\\\\\\n\""),
      std::string::npos)
      << json;
  auto back = DecodeWorkerEntity(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->address.domain_socket_path, w.address.domain_socket_path);
}

TEST(WorkerEntityTest, DecodesItsOwnAndJavasValues) {
  auto mine = DecodeWorkerEntity(EncodeWorkerEntity(Sample()));
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->identity, Sample().identity);
  EXPECT_EQ(mine->address.host, "worker-1.example");
  EXPECT_EQ(mine->address.rpc_port, 29999);
  EXPECT_EQ(mine->address.data_port, 29997);
  EXPECT_EQ(mine->address.web_port, 30000);
  EXPECT_EQ(mine->address.http_server_port, 28080);

  // Another order, spaces, unknown fields, an array, missing ports, upper-case hex.
  auto other = DecodeWorkerEntity(
      " { \"State\" : \"JOINED\", \"Extra\": [1, {\"a\": null}, true],\n"
      "   \"WorkerNetAddress\": {\"RpcPort\": 1234, \"Host\": \"h\\u00e9\", "
      "\"NettyDataPort\": 29998},\n"
      "   \"Identity\": {\"identifier\": \"0F1E2D3C4B5A49688776A5B4C3D2E1F0\", \"version\": 1} }");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->identity, Sample().identity);
  EXPECT_EQ(other->address.host, "h\xc3\xa9");
  EXPECT_EQ(other->address.rpc_port, 1234);
  EXPECT_EQ(other->address.netty_data_port, 29998);
  EXPECT_EQ(other->address.web_port, 0);
}

TEST(WorkerEntityTest, RefusesWhatIsNotAnEntity) {
  for (const char* bad :
       {"", "not json", "[]", "{}", "{\"Identity\":{\"version\":1,\"identifier\":\"abc\"}}",
        "{\"Identity\":{\"version\":1,\"identifier\":\"zz1e2d3c4b5a49688776a5b4c3d2e1f0\"}}",
        "{\"Identity\":{\"version\":\"x\",\"identifier\":\"0f1e2d3c4b5a49688776a5b4c3d2e1f0\"}}",
        "{\"Identity\":{\"version\":1,\"identifier\":\"0f1e2d3c4b5a49688776a5b4c3d2e1f0\"}"}) {
    auto r = DecodeWorkerEntity(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
      EXPECT_NE(r.status().message().find("WorkerServiceEntity"), std::string::npos)
          << r.status().ToString();
    }
  }
}

TEST(WorkerEntityTest, KeysAreAlluxios) {
  EXPECT_EQ(LiveWorkersPrefix("DefaultAlluxioCluster"), "/ServiceDiscovery/DefaultAlluxioCluster/");
  EXPECT_EQ(AuthorizedWorkersPrefix("c1"), "/DHT/c1/AUTHORIZED/");
}

}  // namespace
}  // namespace alluxio::worker
