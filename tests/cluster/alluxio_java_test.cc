// Wire compatibility, checked with Alluxio's own 313 Java client
// (alluxio_java.h) rather than with our reading of it: the ring's owners
// and the STATIC identities equal Alluxio's, Alluxio's EtcdMembershipManager
// sees our registered worker and we see a worker it registers, and Alluxio's
// DoraCacheFileSystem writes, reads, lists, renames and removes files
// through a real alluxio-worker over a local-directory UFS. See
// tests/cluster/README.md.
#include "alluxio_java.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "etcd_client.h"
#include "etcd_membership.h"
#include "hash_ring.h"
#include "testing/etcd_server.h"
#include "testing/require.h"
#include "testing/temp_dir.h"
#include "testing/wait.h"
#include "worker_entity.h"

namespace alluxio::worker {
namespace {

using alluxio::testing::AlluxioJava;
using alluxio::testing::Child;
using alluxio::testing::EtcdServer;
using alluxio::testing::ProbeResult;
using alluxio::testing::ReadWholeFile;
using alluxio::testing::TempDir;
using alluxio::testing::WaitFor;
using alluxio::testing::WriteWholeFile;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

std::string Describe(const ProbeResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout: " + r.out.substr(0, 2000) +
         "\nstderr: " + r.err.substr(0, 4000);
}

#define SKIP_UNLESS_ALLUXIO_JAVA()                                                 \
  do {                                                                             \
    std::string why_;                                                              \
    if (!AlluxioJava::Ready(&why_)) ALLUXIO_SKIP_UNLESS_REQUIRED("alluxio", why_); \
  } while (0)

// ---------------------------------------------------------------- ring

// Random version-4 UUIDs, the same ones every run.
std::vector<std::string> RandomUuids(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    uint64_t hi = rng(), lo = rng();
    hi = (hi & ~0xf000ULL) | 0x4000ULL;
    lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                  static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xffffffffffffULL));
    out.push_back(buf);
  }
  return out;
}

// Full UFS URIs, as DoraCacheFileSystem hashes them.
std::vector<std::string> RingKeys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back("file:///tmp/x/f" + std::to_string(i));
  for (int i = 0; i < 480; ++i) keys.push_back("s3://bucket/k" + std::to_string(i));
  for (int i = 0; i < 20; ++i) {
    keys.push_back("s3://bucket/dir with space/d\xc3\xbcr/" + std::to_string(i) + "/");
  }
  return keys;
}

WorkerIdentity IdentityOf(const std::string& id_or_host) {
  auto id = WorkerIdentity::FromUuid(id_or_host);
  return id.ok() ? *id : WorkerIdentity::FromName(id_or_host);
}

// Our owners of every key, as the probe prints them: "key\tuuid,uuid".
std::string OurOwners(const std::vector<std::string>& workers, const std::vector<std::string>& keys,
                      int vnodes, int replicas) {
  std::vector<WorkerIdentity> ids;
  for (const auto& w : workers) ids.push_back(IdentityOf(w));
  ConsistentHashRing ring(ids, vnodes);
  std::string out;
  for (const auto& k : keys) {
    out += k + "\t";
    bool first = true;
    for (size_t i : ring.Owners(k, static_cast<size_t>(replicas))) {
      if (!first) out += ",";
      first = false;
      out += ring.workers()[i].Uuid();
    }
    out += "\n";
  }
  return out;
}

void ExpectSameOwners(const std::vector<std::string>& workers) {
  const std::vector<std::string> keys = RingKeys();
  std::string in;
  for (const auto& k : keys) in += k + "\n";
  for (int vnodes : {5, 37}) {
    for (int replicas = 1; replicas <= 3; ++replicas) {
      std::vector<std::string> args = {"ring",
                                       "--vnodes",
                                       std::to_string(vnodes),
                                       "--replicas",
                                       std::to_string(replicas),
                                       "--keys-stdin",
                                       "--worker"};
      args.insert(args.end(), workers.begin(), workers.end());
      ProbeResult r = AlluxioJava::Run(args, in);
      ASSERT_EQ(r.exit_code, 0) << Describe(r);
      std::vector<std::string> theirs = Lines(r.out);
      std::vector<std::string> ours = Lines(OurOwners(workers, keys, vnodes, replicas));
      ASSERT_EQ(theirs.size(), keys.size()) << Describe(r);
      int differ = 0;
      for (size_t i = 0; i < keys.size(); ++i) {
        if (theirs[i] != ours[i] && ++differ <= 5) {
          ADD_FAILURE() << "vnodes " << vnodes << ", replicas " << replicas << ", "
                        << workers.size() << " workers: Alluxio says\n  " << theirs[i]
                        << "\nwe say\n  " << ours[i];
        }
      }
      EXPECT_EQ(differ, 0) << "keys placed differently, of " << keys.size();
    }
  }
}

TEST(AlluxioRingTest, OneHost) {
  SKIP_UNLESS_ALLUXIO_JAVA();
  ExpectSameOwners({"localhost"});
}

TEST(AlluxioRingTest, StaticHostnames) {
  SKIP_UNLESS_ALLUXIO_JAVA();
  ExpectSameOwners({"worker-0.alluxio.svc.cluster.local", "worker-1.alluxio.svc.cluster.local",
                    "worker-2.alluxio.svc.cluster.local", "10.0.0.7"});
}

TEST(AlluxioRingTest, RandomUuids) {
  SKIP_UNLESS_ALLUXIO_JAVA();
  ExpectSameOwners(RandomUuids(7, 15));
}

TEST(AlluxioRingTest, ManyMixedWorkers) {
  SKIP_UNLESS_ALLUXIO_JAVA();
  std::vector<std::string> workers = RandomUuids(20, 313);
  for (int i = 0; i < 12; ++i) workers.push_back("host-" + std::to_string(i) + ".example");
  ExpectSameOwners(workers);
}

// The ring key: UfsFileUri is what DoraCacheFileSystem makes of a path
// under its root (PathUtils.convertAlluxioPathToUfsPath, then toString).
TEST(AlluxioKeyTest, UfsFileUriIsAlluxiosKey) {
  SKIP_UNLESS_ALLUXIO_JAVA();
  const std::vector<std::string> paths = {"/", "/f", "/dir/file", "/dir/sub/", "/a b/d\xc3\xbcr"};
  for (const std::string root :
       {"s3://bucket", "s3://bucket/", "s3://bucket/prefix", "s3://bucket/prefix/", "file:///ufs",
        "file:///ufs/", "file:///", "/ufs", "/ufs/"}) {
    std::vector<std::string> args = {"key", "--ufs-root", root};
    args.insert(args.end(), paths.begin(), paths.end());
    ProbeResult r = AlluxioJava::Run(args);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), paths.size()) << Describe(r);
    for (size_t i = 0; i < paths.size(); ++i) {
      // Our callers pass normalized paths; Alluxio normalizes a trailing '/'.
      std::string p = paths[i];
      if (p.size() > 1 && p.back() == '/') p.pop_back();
      EXPECT_EQ(lines[i], paths[i] + "\t" + UfsFileUri(root, p)) << "root " << root;
    }
  }
}

// ---------------------------------------------------------------- identity

TEST(AlluxioIdentityTest, StaticIdentityOfAHostname) {
  SKIP_UNLESS_ALLUXIO_JAVA();
  const std::vector<std::string> hosts = {"localhost",
                                          "127.0.0.1",
                                          "::1",
                                          "worker-17.alluxio.svc.cluster.local",
                                          "WORKER-17.ALLUXIO",
                                          "h",
                                          "w\xc3\xb6rker-\xe6\x97\xa5"};
  std::vector<std::string> args = {"identity"};
  args.insert(args.end(), hosts.begin(), hosts.end());
  ProbeResult r = AlluxioJava::Run(args);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), hosts.size()) << Describe(r);
  for (size_t i = 0; i < hosts.size(); ++i) {
    EXPECT_EQ(lines[i], hosts[i] + "\t" + WorkerIdentity::FromName(hosts[i]).Uuid());
  }
  // A fixed point: Java's UUID.nameUUIDFromBytes("localhost").
  EXPECT_EQ(lines[0], "localhost\t421aa90e-079f-3326-b649-4f812ad13e79");
}

// ---------------------------------------------------------------- workers

// A real alluxio-worker on loopback, ports picked by itself, ended by pid.
class WorkerProcess {
 public:
  WorkerProcess() = default;
  ~WorkerProcess() { Stop(SIGKILL); }

  // Starts it with `conf` (key=value) on top of a work dir under `dir`; the
  // RPC port, or 0 (with a test failure saying why).
  int Start(const std::string& dir, const std::vector<std::string>& conf) {
    log_ = dir + "/worker.log";
    std::vector<std::string> argv = {ALLUXIO_WORKER_BINARY,
                                     "--port",
                                     "0",
                                     "--data-port",
                                     "0",
                                     "--conf",
                                     "alluxio.work.dir=" + dir + "/work"};
    for (const auto& c : conf) {
      argv.push_back("--conf");
      argv.push_back(c);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::filesystem::create_directories(dir + "/conf");
    const std::string conf_dir = dir + "/conf";  // no stray site file
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
    int err = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::setenv("ALLUXIO_CONF_DIR", conf_dir.c_str(), 1);
      ::execv(args[0], args.data());
      _exit(127);
    }
    ::close(err);
    ::close(fds[1]);
    // "alluxio-worker listening on HOST:PORT", then "... data port on
    // HOST:PORT", then "... http listening on HOST:PORT".
    std::string lines[3];
    char c;
    for (auto& line : lines) {
      while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    }
    ::close(fds[0]);
    const std::string prefix = "alluxio-worker listening on ";
    const std::string data_prefix = "alluxio-worker data port on ";
    const std::string http_prefix = "alluxio-worker http listening on ";
    if (lines[0].rfind(prefix, 0) != 0 || lines[1].rfind(data_prefix, 0) != 0 ||
        lines[2].rfind(http_prefix, 0) != 0) {
      ADD_FAILURE() << "alluxio-worker did not start: " << lines[0] << "\n"
                    << lines[1] << "\n"
                    << lines[2] << "\n"
                    << ReadWholeFile(log_);
      return 0;
    }
    rpc_port_ = std::stoi(lines[0].substr(lines[0].rfind(':') + 1));
    data_port_ = std::stoi(lines[1].substr(lines[1].rfind(':') + 1));
    http_port_ = std::stoi(lines[2].substr(lines[2].rfind(':') + 1));
    return rpc_port_;
  }

  // Signals it and reaps it; its exit status (128 + signal when killed).
  int Stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

  int rpc_port() const { return rpc_port_; }
  int data_port() const { return data_port_; }
  int http_port() const { return http_port_; }
  std::string log() const { return ReadWholeFile(log_); }

  // Its bytes_read counter (`alluxio-worker health`; every read it served,
  // on the gRPC and on the data port), or -1 with a test failure.
  long long BytesRead(const std::string& scratch) const {
    Child c;
    const std::string out = scratch + "/health.out";
    if (!c.Start({ALLUXIO_WORKER_BINARY, "health", "127.0.0.1:" + std::to_string(rpc_port_)}, "",
                 out, scratch + "/health.err") ||
        c.Wait(60) != 0) {
      ADD_FAILURE() << "alluxio-worker health failed: " << ReadWholeFile(scratch + "/health.err");
      return -1;
    }
    const std::string text = ReadWholeFile(out);
    size_t at = text.find("\nbytes_read=");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no bytes_read in: " << text;
      return -1;
    }
    return std::stoll(text.substr(at + 12));
  }

 private:
  pid_t pid_ = -1;
  int rpc_port_ = 0;
  int data_port_ = 0;
  int http_port_ = 0;
  std::string log_;
};

// ---------------------------------------------------------------- etcd

class AlluxioEtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ALLUXIO_JAVA();
    std::string why;
    if (!etcd_.Start(&why)) ALLUXIO_SKIP_UNLESS_REQUIRED("etcd", why);
    EtcdClient::Options opts;
    opts.endpoints = {etcd_.endpoint()};
    opts.rpc_timeout_ms = 3000;
    auto c = EtcdClient::Create(opts);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = *c;
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

// Our worker registers; Alluxio's EtcdMembershipManager lists it, live and
// among all members, with its identity and every port; and Alluxio's client
// finds it through etcd alone (no ports configured) to write and read a file.
TEST_F(AlluxioEtcdTest, AlluxioSeesOurWorker) {
  const std::string ufs = tmp_.Sub("ufs");
  const std::string id_file = tmp_.path() + "/worker_identity";
  WorkerProcess w;
  ASSERT_GT(w.Start(tmp_.Sub("w"),
                    {"alluxio.master.mount.table.root.ufs=" + ufs,
                     "alluxio.worker.membership.manager.type=ETCD",
                     "alluxio.etcd.endpoints=" + etcd_.endpoint(), "alluxio.cluster.name=J",
                     "alluxio.worker.identity.uuid.file.path=" + id_file}),
            0);
  std::string text = ReadWholeFile(id_file);
  auto id = WorkerIdentity::FromUuid(text.substr(text.find('\n') + 1, 36));
  ASSERT_TRUE(id.ok()) << text;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto kv = client_->Get(LiveWorkersPrefix("J") + id->ToString());
        return kv.ok() && kv->has_value();
      },
      30))
      << w.log();

  const std::string expect = id->Uuid() + " 127.0.0.1 " + std::to_string(w.rpc_port()) + " " +
                             std::to_string(w.data_port()) + " " + std::to_string(w.data_port()) +
                             " 30000 " + std::to_string(w.http_port()) + " ";
  for (const char* which : {"", "--all"}) {
    std::vector<std::string> args = {"members", "--etcd", etcd_.endpoint(), "--cluster", "J"};
    if (*which) args.push_back(which);
    ProbeResult r = AlluxioJava::Run(args);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 1u) << which << " " << Describe(r);
    EXPECT_EQ(lines[0].rfind(expect, 0), 0u) << which << "\n" << lines[0] << "\nwanted\n" << expect;
    EXPECT_NE(lines[0].find("LIVE"), std::string::npos) << which << " " << lines[0];
  }

  // A file through Alluxio's client, which knows only etcd.
  std::string data(3 * 1024 * 1024 + 5, '\0');
  std::mt19937 rng(7);
  for (auto& ch : data) ch = static_cast<char>(rng());
  const std::string local = tmp_.path() + "/local.bin";
  ASSERT_TRUE(WriteWholeFile(local, data));
  const std::vector<std::string> common = {"--etcd", etcd_.endpoint(), "--cluster",
                                           "J",      "--ufs-root",     "file://" + ufs};
  std::vector<std::string> put = {"put", local, "/via-etcd.bin"};
  put.insert(put.end(), common.begin(), common.end());
  ProbeResult r = AlluxioJava::Run(put);
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << w.log();
  EXPECT_TRUE(ReadWholeFile(ufs + "/via-etcd.bin") == data) << "the UFS holds other bytes";
  std::vector<std::string> cat = {"cat", "/via-etcd.bin"};
  cat.insert(cat.end(), common.begin(), common.end());
  r = AlluxioJava::Run(cat);
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << w.log();
  EXPECT_EQ(r.out.size(), data.size());
  EXPECT_TRUE(r.out == data) << "cat gave other bytes";

  // Gone from Alluxio's view once it stops cleanly.
  EXPECT_EQ(w.Stop(SIGTERM), 0) << w.log();
  r = AlluxioJava::Run({"members", "--etcd", etcd_.endpoint(), "--cluster", "J"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, "");
}

// Three of our workers in etcd: Alluxio's client reads each file from the
// worker our ring names as its owner (counted by each worker's bytes_read),
// the ring built from the identities Alluxio read from etcd.
TEST_F(AlluxioEtcdTest, ReadsGoToTheOwnerOurRingNames) {
  const std::string ufs = tmp_.Sub("ufs");
  constexpr int kWorkers = 3;
  WorkerProcess w[kWorkers];
  // Fixed identities (in the workers' identity files), so that every run
  // places the files alike, on every worker.
  const std::vector<std::string> uuids = RandomUuids(kWorkers, 4242);
  std::vector<WorkerIdentity> ids;
  for (int i = 0; i < kWorkers; ++i) {
    const std::string name = "w" + std::to_string(i);
    const std::string id_file = tmp_.path() + "/" + name + ".identity";
    ASSERT_TRUE(WriteWholeFile(id_file, "# for the test\n" + uuids[i] + "\n"));
    ASSERT_GT(w[i].Start(tmp_.Sub(name),
                         {"alluxio.master.mount.table.root.ufs=" + ufs,
                          "alluxio.worker.membership.manager.type=ETCD",
                          "alluxio.etcd.endpoints=" + etcd_.endpoint(), "alluxio.cluster.name=M",
                          "alluxio.worker.identity.uuid.file.path=" + id_file}),
              0);
    ids.push_back(*WorkerIdentity::FromUuid(uuids[i]));
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = client_->GetPrefix(LiveWorkersPrefix("M"));
        return r.ok() && r->kvs.size() == kWorkers;
      },
      30));
  ProbeResult r = AlluxioJava::Run({"members", "--etcd", etcd_.endpoint(), "--cluster", "M"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_EQ(Lines(r.out).size(), static_cast<size_t>(kWorkers)) << r.out;

  // Files of distinct sizes, so that each worker's byte count says which
  // files it served.
  ConsistentHashRing ring(ids, 5);
  long long expect[kWorkers] = {0, 0, 0};
  int files_of[kWorkers] = {0, 0, 0};
  const int kFiles = 24;
  std::vector<std::string> cat = {"cat"};
  std::string all;
  for (int f = 0; f < kFiles; ++f) {
    const std::string name = "/f" + std::to_string(f);
    const std::string data(1000 + 4099 * f, static_cast<char>('a' + f));
    ASSERT_TRUE(WriteWholeFile(ufs + name, data));
    size_t owner = ring.Owner(UfsFileUri("file://" + ufs, name));
    expect[owner] += static_cast<long long>(data.size());
    ++files_of[owner];
    cat.push_back(name);
    all += data;
  }
  cat.insert(cat.end(),
             {"--etcd", etcd_.endpoint(), "--cluster", "M", "--ufs-root", "file://" + ufs});
  r = AlluxioJava::Run(cat);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_EQ(r.out.size(), all.size());
  ASSERT_TRUE(r.out == all) << "cat gave other bytes";
  for (int i = 0; i < kWorkers; ++i) {
    EXPECT_GT(files_of[i], 0) << "no file for worker " << i << ": pick other names";
    EXPECT_EQ(w[i].BytesRead(tmp_.path()), expect[i])
        << "worker " << i << " (" << ids[i].Uuid() << ") owns " << files_of[i] << " files";
  }
}

// Alluxio's EtcdMembershipManager registers a worker; our EtcdMembership
// sees it with its identity and addresses, and its value is exactly what we
// write for the same worker; when its lease expires, it leaves.
TEST_F(AlluxioEtcdTest, WeSeeAWorkerAlluxioRegisters) {
  auto m = EtcdMembership::Start(client_, "J");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::string uuid = "5b0c2f55-1d0e-4a61-9d7b-3c2a8f41e6d0";
  const std::string out = tmp_.path() + "/join.out";
  Child join;
  ASSERT_TRUE(join.Start(
      AlluxioJava::Command({"join", "--etcd", etcd_.endpoint(), "--cluster", "J", "--host",
                            "10.1.2.3", "--rpc-port", "31001", "--data-port", "31002",
                            "--http-port", "31003", "--id", uuid, "--hold", "600", "--conf",
                            "alluxio.worker.failure.detection.timeout=3s"}),
      "", out, tmp_.path() + "/join.err"));
  ASSERT_TRUE(WaitFor(
      [&] { return ReadWholeFile(out).find("joined " + uuid) != std::string::npos; }, 120, 50))
      << ReadWholeFile(tmp_.path() + "/join.err");

  const WorkerIdentity id = *WorkerIdentity::FromUuid(uuid);
  WorkerInfo seen;
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& w : (*m)->Live()) {
          if (w.identity == id) {
            seen = w;
            return true;
          }
        }
        return false;
      },
      30))
      << (*m)->Health().ToString();
  EXPECT_EQ(seen.address.host, "10.1.2.3");
  EXPECT_EQ(seen.address.rpc_port, 31001);
  EXPECT_EQ(seen.address.data_port, 31002);
  EXPECT_EQ(seen.address.netty_data_port, 31002);
  EXPECT_EQ(seen.address.http_server_port, 31003);
  EXPECT_TRUE((*m)->Health().ok()) << (*m)->Health().ToString();

  // Byte for byte what our registration would write for it, under both keys.
  for (const std::string& key :
       {LiveWorkersPrefix("J") + id.ToString(), AuthorizedWorkersPrefix("J") + id.ToString()}) {
    auto kv = client_->Get(key);
    ASSERT_TRUE(kv.ok() && kv->has_value()) << key;
    EXPECT_EQ((*kv)->value, EncodeWorkerEntity(seen)) << key;
  }

  // Killed: no revoke; the lease (3 s) expires and it leaves our view.
  join.Kill();
  EXPECT_TRUE(WaitFor([&] { return (*m)->Live().empty(); }, 60));
}

// ---------------------------------------------------------------- files

// Alluxio's DoraCacheFileSystem against our worker, its UFS a local
// directory. Through ETCD membership: with STATIC membership the 313 client
// can use no worker at all (its StaticMembershipManager leaves every
// worker's state unset, and DoraCacheClient refuses a worker whose state is
// not LIVE: "The preferred worker is not active.").
class AlluxioFsTest : public AlluxioEtcdTest {
 protected:
  void SetUp() override {
    AlluxioEtcdTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ufs_ = tmp_.Sub("ufs");
    const std::string id_file = tmp_.path() + "/worker_identity";
    ASSERT_GT(worker_.Start(tmp_.Sub("w"),
                            {"alluxio.master.mount.table.root.ufs=" + ufs_,
                             "alluxio.worker.membership.manager.type=ETCD",
                             "alluxio.etcd.endpoints=" + etcd_.endpoint(), "alluxio.cluster.name=F",
                             "alluxio.worker.identity.uuid.file.path=" + id_file}),
              0);
    std::string text = ReadWholeFile(id_file);
    auto id = WorkerIdentity::FromUuid(text.substr(text.find('\n') + 1, 36));
    ASSERT_TRUE(id.ok()) << text;
    ASSERT_TRUE(WaitFor(
        [&] {
          auto kv = client_->Get(LiveWorkersPrefix("F") + id->ToString());
          return kv.ok() && kv->has_value();
        },
        30))
        << worker_.log();
  }

  ProbeResult Fs(std::vector<std::string> args) {
    const std::vector<std::string> common = {"--etcd", etcd_.endpoint(), "--cluster",
                                             "F",      "--ufs-root",     "file://" + ufs_};
    args.insert(args.end(), common.begin(), common.end());
    return AlluxioJava::Run(args);
  }

  std::string Local(const std::string& name, const std::string& data) {
    const std::string path = tmp_.path() + "/" + name;
    EXPECT_TRUE(WriteWholeFile(path, data));
    return path;
  }

  static std::string RandomBytes(size_t n, uint32_t seed) {
    std::string data(n, '\0');
    std::mt19937 rng(seed);
    for (auto& ch : data) ch = static_cast<char>(rng());
    return data;
  }

  std::string ufs_;
  WorkerProcess worker_;
};

// "- 644 owner group LENGTH MTIME PATH UFSPATH" (AlluxioProbe's describe).
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; ss >> f;) out.push_back(f);
  return out;
}

TEST_F(AlluxioFsTest, PutThenCatSpansChunks) {
  const std::string data = RandomBytes(5 * 1024 * 1024 + 12345, 1);
  ProbeResult r = Fs({"put", Local("big.bin", data), "/big.bin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  const std::string on_ufs = ReadWholeFile(ufs_ + "/big.bin");
  EXPECT_EQ(on_ufs.size(), data.size());
  EXPECT_TRUE(on_ufs == data) << "the UFS holds other bytes";

  r = Fs({"cat", "/big.bin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_EQ(r.out.size(), data.size());
  EXPECT_TRUE(r.out == data) << "cat gave other bytes";

  r = Fs({"stat", "/big.bin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::vector<std::string> f = Fields(r.out);
  ASSERT_EQ(f.size(), 8u) << r.out;
  EXPECT_EQ(f[0], "-");
  EXPECT_EQ(f[4], std::to_string(data.size()));
  EXPECT_EQ(f[6], "/big.bin");
  EXPECT_EQ(f[7], "file://" + ufs_ + "/big.bin");

  // Positioned reads (openPositionRead; the 313 client picks their worker
  // by an unrelated string, so any worker must serve any file): across a
  // packet boundary, and running past the end.
  const size_t off = 1024 * 1024 - 100;
  const size_t len = 2 * 1024 * 1024 + 300;
  r = Fs({"pread", "/big.bin", std::to_string(off), std::to_string(len)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_EQ(r.out.size(), len);
  EXPECT_TRUE(r.out == data.substr(off, len)) << "pread gave other bytes";
  r = Fs({"pread", "/big.bin", std::to_string(data.size() - 10), "100"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_TRUE(r.out == data.substr(data.size() - 10)) << r.out.size() << " bytes";

  // Not replaced without overwrite: an error, and the UFS file as it was.
  r = Fs({"put", Local("other.bin", "other"), "/big.bin"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(ReadWholeFile(ufs_ + "/big.bin") == data) << "the UFS file changed";
}

TEST_F(AlluxioFsTest, EmptyFile) {
  ProbeResult r = Fs({"put", Local("empty", ""), "/empty"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  struct stat st;
  ASSERT_EQ(::stat((ufs_ + "/empty").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
  r = Fs({"cat", "/empty"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_EQ(r.out, "");
}

TEST_F(AlluxioFsTest, CatOfAFileWrittenIntoTheUfs) {
  const std::string data = RandomBytes(1500 * 1024 + 3, 2);
  ASSERT_TRUE(WriteWholeFile(ufs_ + "/direct.bin", data));
  ProbeResult r = Fs({"cat", "/direct.bin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_EQ(r.out.size(), data.size());
  EXPECT_TRUE(r.out == data) << "cat gave other bytes";
}

TEST_F(AlluxioFsTest, MkdirLsMvRm) {
  ProbeResult r = Fs({"mkdir", "/d/e"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  struct stat st;
  ASSERT_EQ(::stat((ufs_ + "/d/e").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));

  r = Fs({"put", Local("a", "alpha\n"), "/d/a"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  ASSERT_TRUE(WriteWholeFile(ufs_ + "/d/b", "bravo!\n"));

  r = Fs({"exists", "/d/b"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, "true\n");
  r = Fs({"exists", "/d/nothing"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, "false\n");

  r = Fs({"chmod", "600", "/d/b"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  ASSERT_EQ(::stat((ufs_ + "/d/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  r = Fs({"ls", "/"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  ASSERT_EQ(Lines(r.out).size(), 1u) << r.out;
  EXPECT_EQ(Fields(r.out).at(6), "/d") << r.out;

  r = Fs({"stat", "/d"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::vector<std::string> f = Fields(r.out);
  ASSERT_EQ(f.size(), 8u) << r.out;
  EXPECT_EQ(f[0], "d");
  EXPECT_EQ(f[6], "/d");

  r = Fs({"ls", "/d"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::vector<std::vector<std::string>> entries;
  for (const auto& l : lines) entries.push_back(Fields(l));
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return x.at(6) < y.at(6); });
  ASSERT_EQ(entries[0].size(), 8u) << r.out;
  EXPECT_EQ(entries[0][0], "-");
  EXPECT_EQ(entries[0][4], "6");
  EXPECT_EQ(entries[0][6], "/d/a");
  ASSERT_EQ(entries[1].size(), 8u) << r.out;
  EXPECT_EQ(entries[1][0], "-");
  EXPECT_EQ(entries[1][4], "7");
  EXPECT_EQ(entries[1][1], "600");
  EXPECT_EQ(entries[1][6], "/d/b");
  EXPECT_EQ(entries[1][7], "file://" + ufs_ + "/d/b");
  ASSERT_EQ(entries[2].size(), 8u) << r.out;
  EXPECT_EQ(entries[2][0], "d");
  EXPECT_EQ(entries[2][6], "/d/e");

  r = Fs({"mv", "/d/a", "/d/c"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_NE(::access((ufs_ + "/d/a").c_str(), F_OK), 0);
  EXPECT_EQ(ReadWholeFile(ufs_ + "/d/c"), "alpha\n");
  r = Fs({"cat", "/d/c"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, "alpha\n");

  r = Fs({"rm", "/d/c"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_NE(::access((ufs_ + "/d/c").c_str(), F_OK), 0);

  r = Fs({"rm", "/d/missing"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("/d/missing"), std::string::npos) << r.err;

  r = Fs({"stat", "/d/c"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);

  r = Fs({"rm", "-r", "/d"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r) << "\n" << worker_.log();
  EXPECT_NE(::access((ufs_ + "/d").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace alluxio::worker

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new alluxio::testing::ReportEveryTestSkipped);
  return RUN_ALL_TESTS();
}
