// ETCD membership against a real etcd (tests/testing/etcd_server.h): the
// client, a worker's registration with exactly Alluxio's keys and JSON, the
// membership watcher following workers that join, leave (lease revoked or
// expired after kill -9 of a real alluxio-worker) and come back with the
// same identity, a stopped etcd, and failover between endpoints.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "etcd_client.h"
#include "etcd_membership.h"
#include "etcd_registration.h"
#include "hash_ring.h"
#include "testing/etcd_server.h"
#include "testing/require.h"
#include "testing/temp_dir.h"
#include "testing/wait.h"
#include "worker_client.h"
#include "worker_entity.h"

namespace alluxio::worker {
namespace {

using alluxio::testing::EtcdServer;
using alluxio::testing::TempDir;
using alluxio::testing::WaitFor;

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

WorkerInfo Worker(const char* uuid, const char* host, int port) {
  WorkerInfo w;
  w.identity = *WorkerIdentity::FromUuid(uuid);
  w.address.host = host;
  w.address.rpc_port = port;
  w.address.data_port = port;
  w.address.web_port = 30000;
  w.address.http_server_port = 28080;
  return w;
}

constexpr char kA[] = "11111111-2222-4333-8444-555555555555";
constexpr char kB[] = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

bool HasMember(const Membership& m, const WorkerIdentity& id, int port = 0) {
  for (const auto& w : m.Live()) {
    if (w.identity == id && (port == 0 || w.address.rpc_port == port)) return true;
  }
  return false;
}

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!etcd_.Start(&why)) ALLUXIO_SKIP_UNLESS_REQUIRED("etcd", why);
    client_ = NewClient({etcd_.endpoint()});
    ASSERT_NO_FATAL_FAILURE(WaitUntilServing());
  }

  std::shared_ptr<EtcdClient> NewClient(const std::vector<std::string>& endpoints) {
    EtcdClient::Options opts;
    opts.endpoints = endpoints;
    opts.rpc_timeout_ms = 3000;
    auto c = EtcdClient::Create(opts);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : nullptr;
  }

  // Listening is not serving: wait until a read is answered.
  void WaitUntilServing() {
    Status last;
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = client_->GetPrefix("/");
          last = r.status();
          return r.ok();
        },
        60, 50))
        << last.ToString() << "\n"
        << etcd_.log();
  }

  TempDir tmp_;
  EtcdServer etcd_{tmp_.Sub("etcd")};
  std::shared_ptr<EtcdClient> client_;
};

TEST_F(EtcdTest, ClientPutsGetsDeletesAndWatches) {
  ASSERT_TRUE(client_->Put("/t/a", "1").ok());
  ASSERT_TRUE(client_->Put("/t/b", "2").ok());
  ASSERT_TRUE(client_->Put("/u/c", "3").ok());
  auto range = client_->GetPrefix("/t/");
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_EQ(range->kvs.size(), 2u);
  EXPECT_EQ(range->kvs[0].key, "/t/a");
  EXPECT_EQ(range->kvs[1].value, "2");
  EXPECT_GT(range->revision, 0);

  std::mutex mu;
  std::vector<EtcdEvent> seen;
  auto watch = client_->WatchPrefix("/t/", range->revision + 1, [&](const EtcdWatchUpdate& u) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& e : u.events) seen.push_back(e);
  });
  ASSERT_TRUE(client_->Put("/t/c", "4").ok());
  ASSERT_TRUE(client_->Put("/u/d", "5").ok());  // not under the prefix
  ASSERT_TRUE(client_->Delete("/t/a").ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return seen.size() >= 2;
      },
      30));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].type, EtcdEvent::kPut);
    EXPECT_EQ(seen[0].kv.key, "/t/c");
    EXPECT_EQ(seen[0].kv.value, "4");
    EXPECT_EQ(seen[1].type, EtcdEvent::kDelete);
    EXPECT_EQ(seen[1].kv.key, "/t/a");
  }
  EXPECT_TRUE(watch->LastError().ok()) << watch->LastError().ToString();

  auto absent = client_->PutIfAbsent("/t/new", "x");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto present = client_->PutIfAbsent("/t/new", "y");
  ASSERT_TRUE(present.ok());
  ASSERT_TRUE(present->has_value());
  EXPECT_EQ((*present)->value, "x");

  auto lease = client_->Grant(30);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  auto ttl = client_->KeepAliveOnce(lease->id);
  ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
  EXPECT_GT(*ttl, 0);
  ASSERT_TRUE(client_->Put("/t/leased", "z", lease->id).ok());
  ASSERT_TRUE(client_->Revoke(lease->id).ok());
  auto gone = client_->Get("/t/leased");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(client_->KeepAliveOnce(lease->id).status().code(), Code::kNotFound);
  EXPECT_EQ(client_->Revoke(lease->id).code(), Code::kNotFound);
}

TEST_F(EtcdTest, RegistrationWritesAlluxiosKeysAndJson) {
  WorkerInfo self = Worker(kA, "127.0.0.1", 29999);
  auto reg = EtcdRegistration::Start(client_, "TestCluster", self, 30);
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  const std::string json =
      "{\"Identity\":{\"version\":1,\"identifier\":\"11111111222243338444555555555555\"},"
      "\"WorkerNetAddress\":{\"Host\":\"127.0.0.1\",\"ContainerHost\":\"\",\"RpcPort\":29999,"
      "\"DataPort\":29999,\"SecureRpcPort\":0,\"NettyDataPort\":0,\"WebPort\":30000,"
      "\"DomainSocketPath\":\"\",\"HttpServerPort\":28080},\"State\":\"AUTHORIZED\","
      "\"GenerationNumber\":-1,\"ServiceEntityName\":\"worker-" +
      std::string(kA) + "\"}";
  const std::string live = "/ServiceDiscovery/TestCluster/worker-" + std::string(kA);
  const std::string authorized = "/DHT/TestCluster/AUTHORIZED/worker-" + std::string(kA);
  EXPECT_EQ((*reg)->live_key(), live);

  auto kv = client_->Get(live);
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  ASSERT_TRUE(kv->has_value());
  EXPECT_EQ((*kv)->value, json);
  EXPECT_NE((*kv)->lease, 0);
  EXPECT_EQ((*kv)->lease, (*reg)->lease());
  auto auth = client_->Get(authorized);
  ASSERT_TRUE(auth.ok() && auth->has_value());
  EXPECT_EQ((*auth)->value, json);
  EXPECT_EQ((*auth)->lease, 0);

  // Clean shutdown: the live key goes with the lease; AUTHORIZED stays.
  ASSERT_TRUE((*reg)->Stop().ok());
  kv = client_->Get(live);
  ASSERT_TRUE(kv.ok());
  EXPECT_FALSE(kv->has_value());
  auth = client_->Get(authorized);
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE(auth->has_value());

  // The same identity at another address is another worker: refused.
  auto twin = EtcdRegistration::Start(client_, "TestCluster", Worker(kA, "10.0.0.9", 29999), 30);
  ASSERT_FALSE(twin.ok());
  EXPECT_EQ(twin.status().code(), Code::kAlreadyExists);
  EXPECT_NE(twin.status().message().find("10.0.0.9"), std::string::npos)
      << twin.status().ToString();
  // The same worker with another HTTP port is welcome back.
  WorkerInfo moved = self;
  moved.address.http_server_port = 28081;
  auto back = EtcdRegistration::Start(client_, "TestCluster", moved, 30);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  auth = client_->Get(authorized);
  ASSERT_TRUE(auth.ok() && auth->has_value());
  EXPECT_EQ((*auth)->value, EncodeWorkerEntity(moved));
}

TEST_F(EtcdTest, RegistrationReplacesALostLease) {
  auto reg = EtcdRegistration::Start(client_, "C", Worker(kA, "h", 1), 3);
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  int64_t first = (*reg)->lease();
  // etcd forgets the lease (as after an expiry while the worker was cut off).
  ASSERT_TRUE(client_->Revoke(first).ok());
  ASSERT_TRUE(WaitFor([&] { return (*reg)->registrations() >= 2; }, 30));
  EXPECT_NE((*reg)->lease(), first);
  auto kv = client_->Get((*reg)->live_key());
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->lease, (*reg)->lease());
}

TEST_F(EtcdTest, MembershipFollowsJoinLeaveAndReturn) {
  auto b = EtcdRegistration::Start(client_, "C", Worker(kB, "hb", 2), 30);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto m = EtcdMembership::Start(client_, "C");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ((*m)->Live().size(), 1u);  // the first read
  EXPECT_TRUE(HasMember(**m, *WorkerIdentity::FromUuid(kB), 2));
  const WorkerIdentity a = *WorkerIdentity::FromUuid(kA);

  uint64_t epoch = (*m)->Epoch();
  auto reg = EtcdRegistration::Start(client_, "C", Worker(kA, "ha", 1), 30);
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return HasMember(**m, a); }, 30));
  EXPECT_GT((*m)->Epoch(), epoch);
  EXPECT_EQ((*m)->Live().size(), 2u);

  epoch = (*m)->Epoch();
  ASSERT_TRUE((*reg)->Stop().ok());
  ASSERT_TRUE(WaitFor([&] { return !HasMember(**m, a); }, 30));
  EXPECT_GT((*m)->Epoch(), epoch);
  EXPECT_EQ((*m)->Live().size(), 1u);

  epoch = (*m)->Epoch();
  auto again = EtcdRegistration::Start(client_, "C", Worker(kA, "ha", 1), 30);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return HasMember(**m, a, 1); }, 30));
  EXPECT_GT((*m)->Epoch(), epoch);
  EXPECT_TRUE((*m)->Health().ok()) << (*m)->Health().ToString();

  // Another cluster's workers are not ours; a bad value is left out.
  auto other = EtcdRegistration::Start(client_, "Other", Worker(kB, "x", 3), 30);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(client_->Put("/ServiceDiscovery/C/junk", "not json").ok());
  ASSERT_TRUE(WaitFor([&] { return !(*m)->Health().ok(); }, 30));
  EXPECT_NE((*m)->Health().message().find("/ServiceDiscovery/C/junk"), std::string::npos)
      << (*m)->Health().ToString();
  EXPECT_EQ((*m)->Live().size(), 2u);
}

TEST_F(EtcdTest, StoppedEtcdKeepsTheLastMembersAndSaysWhy) {
  auto reg = EtcdRegistration::Start(client_, "C", Worker(kA, "ha", 1), 60);
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  auto m = EtcdMembership::Start(client_, "C");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return (*m)->Health().ok(); }, 30)) << (*m)->Health().ToString();

  etcd_.Stop();
  ASSERT_TRUE(WaitFor([&] { return !(*m)->Health().ok(); }, 30));
  Status h = (*m)->Health();
  EXPECT_EQ(h.code(), Code::kUnavailable) << h.ToString();
  EXPECT_NE(h.message().find(etcd_.endpoint()), std::string::npos) << h.ToString();
  EXPECT_EQ((*m)->Live().size(), 1u);
  EXPECT_TRUE(HasMember(**m, *WorkerIdentity::FromUuid(kA)));

  // A membership started now cannot read: it says from where, and why.
  auto conf = Configuration::FromMap(
      {{"alluxio.etcd.endpoints", etcd_.endpoint()}, {"alluxio.cluster.name", "C"}});
  ASSERT_TRUE(conf.ok());
  auto dead = EtcdMembership::FromConfig(*conf);
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.status().code(), Code::kUnavailable) << dead.status().ToString();
  EXPECT_NE(dead.status().message().find(etcd_.endpoint()), std::string::npos)
      << dead.status().ToString();
  EXPECT_NE(dead.status().message().find("/ServiceDiscovery/C/"), std::string::npos)
      << dead.status().ToString();

  // The same etcd comes back: the watch resumes and sees what happens next.
  std::string why;
  ASSERT_TRUE(etcd_.Start(&why)) << why;
  ASSERT_NO_FATAL_FAILURE(WaitUntilServing());
  auto b = EtcdRegistration::Start(client_, "C", Worker(kB, "hb", 2), 60);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return HasMember(**m, *WorkerIdentity::FromUuid(kB)); }, 60))
      << (*m)->Health().ToString();
  EXPECT_TRUE((*m)->Health().ok()) << (*m)->Health().ToString();
  EXPECT_EQ((*m)->Live().size(), 2u);
}

TEST_F(EtcdTest, FailsOverToTheNextEndpoint) {
  std::string nobody = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  auto client = NewClient({nobody, etcd_.endpoint()});
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Put("/f/x", "1").ok());
  auto reg = EtcdRegistration::Start(client, "F", Worker(kA, "ha", 1), 30);
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  auto conf = Configuration::FromMap(
      {{"alluxio.etcd.endpoints", nobody + "," + etcd_.endpoint()}, {"alluxio.cluster.name", "F"}});
  ASSERT_TRUE(conf.ok());
  auto m = EtcdMembership::FromConfig(*conf);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(HasMember(**m, *WorkerIdentity::FromUuid(kA)));
}

TEST(EtcdConfigTest, ErrorsNameTheKeyOrTheEndpoint) {
  auto none = Configuration::FromMap({});
  ASSERT_TRUE(none.ok());
  auto m = EtcdMembership::FromConfig(*none);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kInvalidArgument);
  EXPECT_NE(m.status().message().find("alluxio.etcd.endpoints"), std::string::npos)
      << m.status().ToString();

  auto https = Configuration::FromMap({{"alluxio.etcd.endpoints", "https://127.0.0.1:2379"}});
  ASSERT_TRUE(https.ok());
  m = EtcdMembership::FromConfig(*https);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("https"), std::string::npos) << m.status().ToString();

  EXPECT_EQ(*EtcdEndpointTarget("http://h:2379/"), "h:2379");
  EXPECT_EQ(*EtcdEndpointTarget(" 127.0.0.1:1 "), "127.0.0.1:1");
  EXPECT_FALSE(EtcdEndpointTarget("http://h").ok());
  EXPECT_FALSE(EtcdEndpointTarget("http://h:x").ok());
}

TEST(WorkerIdentityFileTest, GeneratedOnceThenKept) {
  TempDir tmp;
  const std::string file = tmp.path() + "/id/worker_identity";
  tmp.Sub("id");
  auto conf = Configuration::FromMap({{"alluxio.worker.identity.uuid.file.path", file}});
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(WorkerIdentityFile(*conf), file);
  auto first = WorkerIdentityFromConfig(*conf);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string text = ReadLocal(file);
  EXPECT_EQ(text.rfind("# Worker identity automatically generated at ", 0), 0u) << text;
  EXPECT_NE(text.find("\n" + first->Uuid() + "\n"), std::string::npos) << text;
  EXPECT_EQ(first->Uuid()[14], '4');  // a random (version 4) UUID
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0222, 0u);  // read-only, as Alluxio leaves it
  auto second = WorkerIdentityFromConfig(*conf);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);

  // The configured UUID wins.
  auto set = Configuration::FromMap(
      {{"alluxio.worker.identity.uuid.file.path", file}, {"alluxio.worker.identity.uuid", kB}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(WorkerIdentityFromConfig(*set)->Uuid(), kB);

  // A file with something else is an error naming it, not a new identity.
  const std::string bad = tmp.path() + "/bad";
  std::ofstream(bad) << "# comment\nnot-a-uuid\n";
  auto badconf = Configuration::FromMap({{"alluxio.worker.identity.uuid.file.path", bad}});
  ASSERT_TRUE(badconf.ok());
  auto r = WorkerIdentityFromConfig(*badconf);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().ToString();
}

// Real alluxio-worker processes under ETCD membership, each named by the
// test (its identity file and log are the name's).
class EtcdWorkerTest : public EtcdTest {
 protected:
  struct Worker {
    pid_t pid = -1;
    int port = 0;
    int data_port = 0;
    int http_port = 0;
  };

  void TearDown() override {
    for (auto& [name, w] : workers_) {
      if (w.pid > 0) {
        ::kill(w.pid, SIGKILL);
        Reap(&w);
      }
    }
  }

  // Starts worker `name` on `port` (0: any) and data port `data` (0: any);
  // answers its port (0 when it did not start).
  int StartWorker(const std::string& name, int port = 0, int data = 0) {
    Worker& w = workers_[name];
    std::string log = Log(name);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
    std::vector<std::string> argv = {
        ALLUXIO_WORKER_BINARY,
        "--port",
        std::to_string(port),
        "--data-port",
        std::to_string(data),
        "--http-port",
        "0",
        "--conf",
        "alluxio.work.dir=" + tmp_.Sub("work-" + name),
        "--conf",
        "alluxio.master.mount.table.root.ufs=" + tmp_.Sub("ufs"),
        "--conf",
        "alluxio.worker.membership.manager.type=ETCD",
        "--conf",
        "alluxio.etcd.endpoints=" + etcd_.endpoint(),
        "--conf",
        "alluxio.cluster.name=W",
        "--conf",
        "alluxio.worker.failure.detection.timeout=2s",
        "--conf",
        "alluxio.worker.identity.uuid.file.path=" + IdentityFile(name)};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const std::string conf_dir = tmp_.Sub("conf");  // no stray site file
    int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    w.pid = ::fork();
    if (w.pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::setenv("ALLUXIO_CONF_DIR", conf_dir.c_str(), 1);
      ::execv(args[0], args.data());
      _exit(127);
    }
    ::close(err);
    ::close(fds[1]);
    // "alluxio-worker listening on HOST:PORT", then "... data port on
    // HOST:PORT" and "... http listening on HOST:PORT".
    std::string lines[3];
    char c;
    for (auto& line : lines) {
      while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    }
    ::close(fds[0]);
    const std::string prefix = "alluxio-worker listening on ";
    const std::string data_prefix = "alluxio-worker data port on ";
    EXPECT_EQ(lines[0].rfind(prefix, 0), 0u) << lines[0] << "\n" << ReadLocal(log);
    EXPECT_EQ(lines[1].rfind(data_prefix, 0), 0u) << lines[1] << "\n" << ReadLocal(log);
    const std::string http_prefix = "alluxio-worker http listening on ";
    EXPECT_EQ(lines[2].rfind(http_prefix, 0), 0u) << lines[2] << "\n" << ReadLocal(log);
    if (lines[0].rfind(prefix, 0) != 0 || lines[1].rfind(data_prefix, 0) != 0 ||
        lines[2].rfind(http_prefix, 0) != 0) {
      return 0;
    }
    w.data_port = std::stoi(lines[1].substr(lines[1].rfind(':') + 1));
    w.http_port = std::stoi(lines[2].substr(lines[2].rfind(':') + 1));
    w.port = std::stoi(lines[0].substr(lines[0].rfind(':') + 1));
    return w.port;
  }

  // Sends `sig` to worker `name` and answers how it ended.
  int Stop(const std::string& name, int sig) {
    Worker& w = workers_[name];
    ::kill(w.pid, sig);
    return Reap(&w);
  }

  static int Reap(Worker* w) {
    int status = 0;
    while (::waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    w->pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  WorkerIdentity IdentityOf(const std::string& name) {
    std::string text = ReadLocal(IdentityFile(name));
    auto id = WorkerIdentity::FromUuid(text.substr(text.find('\n') + 1, 36));
    EXPECT_TRUE(id.ok()) << text;
    return id.ok() ? *id : WorkerIdentity();
  }

  std::string IdentityFile(const std::string& name) {
    return tmp_.path() + "/" + name + ".identity";
  }
  std::string Log(const std::string& name) { return tmp_.path() + "/" + name + ".log"; }

  std::map<std::string, Worker> workers_;
};

TEST_F(EtcdWorkerTest, WorkerJoinsDiesAndComesBackWithItsIdentity) {
  auto m = EtcdMembership::Start(client_, "W");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  int port = StartWorker("w");
  ASSERT_GT(port, 0);
  WorkerIdentity id = IdentityOf("w");
  ASSERT_TRUE(WaitFor([&] { return HasMember(**m, id, port); }, 30));
  auto live = client_->Get("/ServiceDiscovery/W/" + id.ToString());
  ASSERT_TRUE(live.ok() && live->has_value());
  const int data = workers_["w"].data_port;
  WorkerInfo expect;
  expect.identity = id;
  expect.address.host = "127.0.0.1";
  expect.address.rpc_port = port;
  expect.address.data_port = data;
  expect.address.netty_data_port = data;
  expect.address.web_port = 30000;
  // The REST API's port as bound (the worker was given --http-port 0).
  expect.address.http_server_port = workers_["w"].http_port;
  EXPECT_EQ((*live)->value, EncodeWorkerEntity(expect));

  // kill -9: no revoke; the lease (2 s) expires and etcd drops the key.
  Stop("w", SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return !HasMember(**m, id); }, 60));

  // Back, with the identity from its file. On the same address: Alluxio's
  // rule (EtcdMembershipManager.join) refuses one identity at two addresses.
  int port2 = StartWorker("w", port, data);
  ASSERT_EQ(port2, port);
  ASSERT_EQ(workers_["w"].data_port, data);
  ASSERT_TRUE(WaitFor([&] { return HasMember(**m, id, port2); }, 30));
  EXPECT_EQ((*m)->Live().size(), 1u);

  // SIGTERM: a clean exit revokes the lease, so it leaves at once.
  EXPECT_EQ(Stop("w", SIGTERM), 0) << ReadLocal(Log("w"));
  auto after = client_->Get("/ServiceDiscovery/W/" + id.ToString());
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  ASSERT_TRUE(WaitFor([&] { return (*m)->Live().empty(); }, 30));
}

// A client configured with ETCD membership only (no addresses) finds the
// workers in etcd, places files on their ring, and follows one leaving.
TEST_F(EtcdWorkerTest, ClientPlacesOnTheWorkersEtcdLists) {
  ASSERT_GT(StartWorker("a"), 0);
  ASSERT_GT(StartWorker("b"), 0);
  const WorkerIdentity a = IdentityOf("a");
  const WorkerIdentity b = IdentityOf("b");
  std::ofstream(tmp_.path() + "/ufs/f") << "through the ring";

  auto conf = Configuration::FromMap({{"alluxio.worker.membership.manager.type", "ETCD"},
                                      {"alluxio.etcd.endpoints", etcd_.endpoint()},
                                      {"alluxio.cluster.name", "W"}});
  ASSERT_TRUE(conf.ok());
  auto pool = WorkerPool::FromConfig(*conf);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  WorkerPool& p = **pool;
  ASSERT_TRUE(WaitFor([&] { return p.Members().size() == 2; }, 30));

  const std::string key = "file://" + tmp_.path() + "/ufs/f";
  ConsistentHashRing ring({a, b}, 5);
  std::vector<size_t> owners = p.Owners(key, 2);
  ASSERT_EQ(owners.size(), 2u);
  EXPECT_EQ(p.identity(owners[0]), ring.Owner(key) == 0 ? a : b);
  auto st = p.GetStatus(owners[0], key);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->attr.size, 16u);

  // The owner stops: etcd drops it, and the other worker owns every key.
  const std::string owner = p.identity(owners[0]) == a ? "a" : "b";
  EXPECT_EQ(Stop(owner, SIGTERM), 0) << ReadLocal(Log(owner));
  ASSERT_TRUE(WaitFor([&] { return p.Members().size() == 1; }, 30));
  std::vector<size_t> now = p.Owners(key, 2);
  ASSERT_EQ(now, std::vector<size_t>{owners[1]});
  st = p.GetStatus(now[0], key);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->attr.size, 16u);
}

// What the alluxio CLI printed and how it ended.
struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const CliRun& r) {
  return os << "exit " << r.code << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
}

// Runs the alluxio CLI with `args`, its configuration directory `conf_dir`.
CliRun RunCli(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv_strings = {ALLUXIO_CLI_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out_file = dir + "/cli.out";
  const std::string err_file = dir + "/cli.err";
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) _exit(126);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::setenv("ALLUXIO_CONF_DIR", dir.c_str(), 1);
    ::setenv("ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS", (dir + "/ufs").c_str(), 1);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  CliRun r;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadLocal(out_file);
  r.err = ReadLocal(err_file);
  return r;
}

// `alluxio info nodes` and `alluxio fs location` under ETCD membership: every
// worker that joined, ONLINE while its lease lives; placement by the live.
TEST_F(EtcdWorkerTest, InfoNodesAndLocationFollowEtcd) {
  const int pa = StartWorker("a");
  const int pb = StartWorker("b");
  ASSERT_GT(pa, 0);
  ASSERT_GT(pb, 0);
  const WorkerIdentity a = IdentityOf("a");
  const WorkerIdentity b = IdentityOf("b");
  auto m = EtcdMembership::Start(client_, "W");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return (*m)->Live().size() == 2; }, 30));
  const std::string dir = tmp_.Sub("cli");
  tmp_.Sub("cli/ufs");
  const std::vector<std::string> etcd_conf = {"-Dalluxio.worker.membership.manager.type=ETCD",
                                              "-Dalluxio.etcd.endpoints=" + etcd_.endpoint(),
                                              "-Dalluxio.cluster.name=W"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), etcd_conf.begin(), etcd_conf.end());
    return RunCli(dir, args);
  };
  auto row = [](const WorkerIdentity& id, int port, const char* state) {
    return id.ToString() + "\t127.0.0.1:" + std::to_string(port) + "\t" + state + "\n";
  };
  // Rows come by uuid.
  bool a_first = a.Uuid() < b.Uuid();
  CliRun both = with({"info", "nodes"});
  ASSERT_EQ(both.code, 0) << both;
  EXPECT_EQ(both.out,
            "WorkerId\tAddress\tStatus\n" + (a_first ? row(a, pa, "ONLINE") + row(b, pb, "ONLINE")
                                                     : row(b, pb, "ONLINE") + row(a, pa, "ONLINE")))
      << both;
  CliRun two = with({"fs", "location", "--replicas", "2", "/f"});
  ASSERT_EQ(two.code, 0) << two;
  EXPECT_EQ(two.out, dir + "/ufs/f\n127.0.0.1\n127.0.0.1\n") << two;

  // b dies without a word: its lease runs out; it stays a member, OFFLINE.
  EXPECT_EQ(Stop("b", SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return (*m)->Live().size() == 1; }, 60));
  CliRun one = with({"info", "nodes"});
  ASSERT_EQ(one.code, 0) << one;
  EXPECT_EQ(one.out, "WorkerId\tAddress\tStatus\n" +
                         (a_first ? row(a, pa, "ONLINE") + row(b, pb, "OFFLINE")
                                  : row(b, pb, "OFFLINE") + row(a, pa, "ONLINE")))
      << one;
  CliRun too_many = with({"fs", "location", "--replicas", "2", "/f"});
  EXPECT_EQ(too_many.code, 1) << too_many;
  EXPECT_NE(too_many.err.find("the cluster has 1"), std::string::npos) << too_many;

  // STATIC, probed: the running worker answers, a closed port does not.
  CliRun probed = RunCli(dir, {"-Dalluxio.user.worker.addresses=127.0.0.1:" + std::to_string(pa) +
                                   ",127.0.0.1:" + std::to_string(pb),
                               "info", "nodes"});
  ASSERT_EQ(probed.code, 0) << probed;
  auto named = [](int port) {
    return WorkerIdentity::FromName("127.0.0.1:" + std::to_string(port));
  };
  EXPECT_EQ(probed.out, "WorkerId\tAddress\tStatus\n" + row(named(pa), pa, "ONLINE") +
                            row(named(pb), pb, "OFFLINE"))
      << probed;

  // A dead etcd is an error naming it.
  etcd_.Stop();
  CliRun dead = with({"info", "nodes"});
  EXPECT_EQ(dead.code, 1) << dead;
  EXPECT_NE(dead.err.find(etcd_.endpoint()), std::string::npos) << dead;
  CliRun usage = with({"info", "bogus"});
  EXPECT_EQ(usage.code, 2) << usage;
}

}  // namespace
}  // namespace alluxio::worker

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new alluxio::testing::ReportEveryTestSkipped);
  return RUN_ALL_TESTS();
}
