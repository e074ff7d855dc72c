// The BlockWorker service in-process: a real gRPC server on a loopback port
// over a FileSystem on a local directory, called through the client's
// WorkerPool,
// and the WorkerUfs decorator reading through it (and around it when it is
// gone).
#include "worker_service.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "hash_ring.h"
#include "testing/bytes.h"
#include "testing/mem_ufs.h"
#include "testing/temp_dir.h"
#include "wire.h"
#include "worker_client.h"
#include "worker_ufs.h"

namespace alluxio::worker {
namespace {

using alluxio::testing::TempDir;

std::string Pattern(size_t n, unsigned seed) { return testing::PseudoRandomBytes(n, seed); }

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// A port nothing listens on: bound, never listened to, then closed.
int DeadPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class WorkerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ufs_dir_ = tmp_.Sub("ufs");
    std::map<std::string, std::string> values = {
        {"alluxio.work.dir", tmp_.path() + "/worker"},
        {"alluxio.master.mount.table.root.ufs", ufs_dir_},
        {"alluxio.user.client.cache.dirs", tmp_.path() + "/worker/cache"},
        {"alluxio.user.client.cache.size", "64MB"},
    };
    auto conf = Configuration::FromMap(values);
    ASSERT_TRUE(conf.ok()) << conf.status().ToString();
    conf_ = std::make_unique<Configuration>(*conf);
    auto fs = FileSystem::Create(*conf_);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = *fs;
    writes_ = std::make_unique<OpenWrites>(fs_);
    service_ = std::make_unique<BlockWorkerService>(fs_, writes_.get(), 4);
    health_ = std::make_unique<WorkerHealthService>(service_.get());
    ::grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    builder.RegisterService(health_.get());
    builder.SetMaxSendMessageSize(kMaxMessageBytes);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
    WorkerPoolOptions opts;
    opts.addresses = {address_};
    auto pool = WorkerPool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status().ToString();
    pool_ = *pool;
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    health_.reset();
    service_.reset();
  }

  uint64_t VersionOf(const std::string& path) {
    auto ufs = CreateUfs(ufs_dir_, {}, *conf_);
    EXPECT_TRUE(ufs.ok());
    auto r = (*ufs)->OpenRead(path);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)->Version() : 0;
  }

  // Reads through the worker as a client that saw `version` of a file of
  // `size` bytes (by default what the UFS has now).
  Result<std::string> Read(const std::string& path, uint64_t version, uint64_t off, size_t len,
                           const std::string& uri = "", uint64_t size = ~0ull) {
    if (size == ~0ull) {
      struct stat st {};
      size = ::stat((ufs_dir_ + path).c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size)
                                                         : uint64_t{1} << 40;
    }
    std::string buf(len, '\0');
    ASSIGN_OR_RETURN(size_t n, pool_->Read(0, UfsFileUri(uri.empty() ? ufs_dir_ : uri, path),
                                           version, size, off, len, buf.data()));
    buf.resize(n);
    return buf;
  }

  TempDir tmp_;
  std::string ufs_dir_;
  std::unique_ptr<Configuration> conf_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<OpenWrites> writes_;
  std::unique_ptr<BlockWorkerService> service_;
  std::unique_ptr<WorkerHealthService> health_;
  std::unique_ptr<::grpc::Server> server_;
  std::string address_;
  std::shared_ptr<WorkerPool> pool_;
};

TEST_F(WorkerServiceTest, GetStatusAndListStatus) {
  ::mkdir((ufs_dir_ + "/dir").c_str(), 0755);
  WriteFile(ufs_dir_ + "/dir/a", "hello");
  WriteFile(ufs_dir_ + "/dir/b b", "");
  // A DORA worker is asked by full UFS URI; a bare local path works too.
  auto info = pool_->GetStatus(0, "file://" + ufs_dir_ + "/dir/a");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "a");
  EXPECT_FALSE(info->attr.is_dir);
  EXPECT_EQ(info->attr.size, 5u);
  EXPECT_EQ(info->attr.version, VersionOf("/dir/a"));
  struct stat st {};
  ASSERT_EQ(::stat((ufs_dir_ + "/dir/a").c_str(), &st), 0);
  EXPECT_EQ(info->attr.mtime_ns, st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec);
  EXPECT_EQ(info->attr.uid, st.st_uid);
  EXPECT_EQ(info->attr.mode, st.st_mode & 07777);

  auto list = pool_->ListStatus(0, UfsFileUri("file://" + ufs_dir_ + "/", "/dir"));
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[1].name, "b b");

  auto missing = pool_->GetStatus(0, ufs_dir_ + "/dir/nope");
  EXPECT_EQ(missing.status().code(), Code::kNotFound) << missing.status().ToString();
  // Listing a file answers the file itself, as Alluxio's worker does.
  auto self = pool_->ListStatus(0, ufs_dir_ + "/dir/a");
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  ASSERT_EQ(self->size(), 1u);
  EXPECT_EQ((*self)[0].name, "a");
  auto under_file = pool_->GetStatus(0, ufs_dir_ + "/dir/a/x");
  EXPECT_EQ(under_file.status().code(), Code::kNotDirectory) << under_file.status().ToString();
}

TEST_F(WorkerServiceTest, ReadBlockReturnsTheBytes) {
  std::string data = Pattern(5 << 20, 1);
  WriteFile(ufs_dir_ + "/big", data);
  uint64_t v = VersionOf("/big");
  auto head = Read("/big", v, 0, 1000);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(*head, data.substr(0, 1000));
  auto mid = Read("/big", v, 1234567, 3 << 20);  // several chunks
  ASSERT_TRUE(mid.ok()) << mid.status().ToString();
  EXPECT_EQ(*mid, data.substr(1234567, 3 << 20));
  auto any = Read("/big", 0, 10, 10);  // version 0: whatever the worker has
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  EXPECT_EQ(*any, data.substr(10, 10));
  auto tail = Read("/big", v, data.size() - 10, 100);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, data.substr(data.size() - 10));
  auto past = Read("/big", v, data.size() + 5, 100);
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(*past, "");

  auto health = pool_->Health(0);
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->pid, ::getpid());
  EXPECT_EQ(health->read_ranges, 4u);  // the read past the end asks nothing
  EXPECT_EQ(health->bytes_read, 1000u + (3u << 20) + 10u + 10u);
  EXPECT_GT(health->cache_misses, 0u);
}

TEST_F(WorkerServiceTest, RefusesWhatItCannotServeRightly) {
  WriteFile(ufs_dir_ + "/f", "content");
  uint64_t v = VersionOf("/f");
  EXPECT_EQ(Read("/f", v + 1, 0, 7).status().code(), Code::kAborted);
  EXPECT_EQ(Read("/f", v, 0, 7, "/some/other/ufs").status().code(), Code::kNotSupported);
  EXPECT_EQ(Read("/../f", v, 0, 7).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Read("/x/./f", v, 0, 7).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Read("/missing", v, 0, 7, "", 7).status().code(), Code::kNotFound);
  ::mkdir((ufs_dir_ + "/d").c_str(), 0755);
  EXPECT_EQ(Read("/d", v, 0, 7, "", 7).status().code(), Code::kIsDirectory);
}

TEST_F(WorkerServiceTest, FollowsAFileThatChanged) {
  WriteFile(ufs_dir_ + "/f", "first version");
  auto r1 = Read("/f", VersionOf("/f"), 0, 100);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(*r1, "first version");
  // The worker's metadata cache still holds the first version; a client that
  // saw the second one gets the second one's bytes, never a mix.
  WriteFile(ufs_dir_ + "/f", "the second, longer version");
  ::utimensat(AT_FDCWD, (ufs_dir_ + "/f").c_str(), nullptr, 0);
  auto r2 = Read("/f", VersionOf("/f"), 0, 100);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(*r2, "the second, longer version");
}

TEST_F(WorkerServiceTest, WorkerUfsReadsThroughTheWorker) {
  std::string data = Pattern(9 << 20, 2);  // more than two ranges
  WriteFile(ufs_dir_ + "/data", data);
  auto local = CreateUfs(ufs_dir_, {}, *conf_);
  ASSERT_TRUE(local.ok());
  WorkerUfs ufs(*local, pool_);
  auto reader = ufs.OpenRead("/data");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->Size(), data.size());
  std::string got(data.size() + 100, '\0');
  auto n = (*reader)->ReadAt(0, got.data(), got.size());
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  got.resize(*n);
  EXPECT_TRUE(got == data);
  auto health = pool_->Health(0);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->bytes_read, data.size());
  EXPECT_EQ(health->read_ranges, 1u);  // one ReadBlock call, in chunks

  // A sequential reader streams: one ReadBlock call for the whole range.
  ASSERT_TRUE((*reader)->PrefersStreams());
  auto stream = (*reader)->OpenStream(1000, data.size());
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::string streamed;
  char chunk[70000];
  while (true) {
    auto k = (*stream)->Read(chunk, sizeof(chunk));
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    if (*k == 0) break;
    streamed.append(chunk, *k);
  }
  EXPECT_TRUE(streamed == data.substr(1000));
  health = pool_->Health(0);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->read_ranges, 2u);

  // Metadata comes from the worker too.
  auto attr = ufs.GetStatus("/data");
  ASSERT_TRUE(attr.ok()) << attr.status().ToString();
  EXPECT_EQ(attr->size, data.size());
  auto list = ufs.ListStatus("/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "data");
  EXPECT_EQ(ufs.ListStatus("/data").status().code(), Code::kNotDirectory);

  // Errors are the UFS's own.
  EXPECT_EQ(ufs.OpenRead("/missing").status().code(), Code::kNotFound);
}

TEST_F(WorkerServiceTest, WorkerUfsFallsBackWhenTheWorkerIsGone) {
  std::string data = Pattern(3 << 20, 3);
  WriteFile(ufs_dir_ + "/data", data);
  WorkerPoolOptions opts;
  opts.addresses = {"127.0.0.1:" + std::to_string(DeadPort())};
  opts.rpc_timeout_ms = 10000;
  opts.failure_backoff_ms = 60000;
  auto pool = WorkerPool::Create(opts);
  ASSERT_TRUE(pool.ok());
  auto local = CreateUfs(ufs_dir_, {}, *conf_);
  ASSERT_TRUE(local.ok());
  WorkerUfs ufs(*local, *pool);
  for (int i = 0; i < 2; ++i) {
    auto reader = ufs.OpenRead("/data");
    ASSERT_TRUE(reader.ok());
    std::string got(data.size(), '\0');
    auto n = (*reader)->ReadAt(0, got.data(), got.size());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, data.size());
    EXPECT_TRUE(got == data);
    EXPECT_FALSE((*pool)->Available(0)) << "a failed worker is bypassed for the backoff";
  }
}

TEST_F(WorkerServiceTest, WorkerUfsFallsBackWhenTheWorkerRefuses) {
  // The worker does not mount this UFS: reads still succeed, from the UFS.
  std::string other = tmp_.Sub("other");
  WriteFile(other + "/x", "not on the worker");
  auto local = CreateUfs(other, {}, *conf_);
  ASSERT_TRUE(local.ok());
  WorkerUfs ufs(*local, pool_);
  auto reader = ufs.OpenRead("/x");
  ASSERT_TRUE(reader.ok());
  std::string got(100, '\0');
  auto n = (*reader)->ReadAt(0, got.data(), got.size());
  ASSERT_TRUE(n.ok());
  got.resize(*n);
  EXPECT_EQ(got, "not on the worker");
  EXPECT_TRUE(pool_->Available(0)) << "a refusal is not a failure";
}

TEST_F(WorkerServiceTest, WorkerUfsWritesThroughTheWorkerAndPublishesOnCommit) {
  auto local = CreateUfs(ufs_dir_, {}, *conf_);
  ASSERT_TRUE(local.ok());
  WorkerUfs ufs(*local, pool_);
  // Nothing is staged on this side: the worker stages the file.
  EXPECT_EQ(ufs.CreateStaging("/w").status().code(), Code::kNotSupported);
  std::string data = Pattern((5 << 20) / 2, 7);
  UfsCreateOptions opts;
  opts.mode = 0600;
  auto w = ufs.Create("/w", opts);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Append(data.data(), 1000).ok());
  ASSERT_TRUE((*w)->Append(data.data() + 1000, data.size() - 1000).ok());
  struct stat st {};
  EXPECT_NE(::stat((ufs_dir_ + "/w").c_str(), &st), 0) << "visible before Commit";
  ASSERT_TRUE((*w)->Commit().ok());
  std::ifstream in(ufs_dir_ + "/w", std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(got == data);
  ASSERT_EQ(::stat((ufs_dir_ + "/w").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // Abandoned: the old content stays.
  auto w2 = ufs.Create("/w", opts);
  ASSERT_TRUE(w2.ok());
  ASSERT_TRUE((*w2)->Append("junk", 4).ok());
  (*w2)->Abort();
  std::ifstream again(ufs_dir_ + "/w", std::ios::binary);
  std::string still((std::istreambuf_iterator<char>(again)), {});
  EXPECT_TRUE(still == data);
  // A parent that is missing is the worker's answer, as the UFS's would be.
  EXPECT_EQ(ufs.Create("/no/such/dir/f", opts).status().code(), Code::kNotFound);
}

TEST_F(WorkerServiceTest, AWorkerThatDiesMidWriteLeavesNothingBehind) {
  auto local = CreateUfs(ufs_dir_, {}, *conf_);
  ASSERT_TRUE(local.ok());
  WorkerUfs ufs(*local, pool_);
  auto w = ufs.Create("/half", UfsCreateOptions{});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::string data = Pattern(1 << 20, 8);
  ASSERT_TRUE((*w)->Append(data.data(), data.size()).ok());
  server_->Shutdown(std::chrono::system_clock::now());
  server_.reset();
  Status st = (*w)->Append(data.data(), data.size());
  if (st.ok()) st = (*w)->Commit();
  EXPECT_FALSE(st.ok()) << "a write whose worker died must not succeed";
  health_.reset();
  service_.reset();
  writes_.reset();  // the worker's end: what was never completed is dropped
  struct stat sb {};
  EXPECT_NE(::stat((ufs_dir_ + "/half").c_str(), &sb), 0);
}

TEST_F(WorkerServiceTest, WorkerUfsMutationsGoThroughTheWorker) {
  auto local = CreateUfs(ufs_dir_, {}, *conf_);
  ASSERT_TRUE(local.ok());
  // The client's own way to the UFS refuses every mutation: each that
  // succeeds below was done by the worker.
  auto direct = std::make_shared<testing::FaultyUfs>(*local);
  for (const char* op : {"CreateDirectory", "DeleteFile", "DeleteDirectory", "Rename", "SetMode",
                         "Create", "GetStatus", "ListStatus", "OpenRead"}) {
    direct->InjectFault(op, Status(Code::kReadOnly, "the client went to the UFS"), 1000);
  }
  WorkerUfs ufs(direct, pool_);
  {
    auto w = ufs.Create("/made", UfsCreateOptions{});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Append("made", 4).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    auto attr = ufs.GetStatus("/made");
    ASSERT_TRUE(attr.ok()) << attr.status().ToString();
    EXPECT_EQ(attr->size, 4u);
    ASSERT_TRUE(ufs.DeleteFile("/made").ok());
  }
  ASSERT_TRUE(ufs.CreateDirectory("/d", 0750).ok());
  struct stat st {};
  ASSERT_EQ(::stat((ufs_dir_ + "/d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  EXPECT_EQ(ufs.CreateDirectory("/d", 0750).code(), Code::kAlreadyExists);
  EXPECT_EQ(ufs.CreateDirectory("/x/y", 0750).code(), Code::kNotFound);
  WriteFile(ufs_dir_ + "/d/f", "f");
  ASSERT_TRUE(ufs.SetMode("/d/f", 0604).ok());
  ASSERT_EQ(::stat((ufs_dir_ + "/d/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0604u);
  ASSERT_TRUE(ufs.Rename("/d/f", "/d/g").ok());
  EXPECT_NE(::stat((ufs_dir_ + "/d/f").c_str(), &st), 0);
  EXPECT_EQ(::stat((ufs_dir_ + "/d/g").c_str(), &st), 0);
  // unlink refuses a directory, rmdir a file and a non-empty directory.
  EXPECT_EQ(ufs.DeleteFile("/d").code(), Code::kIsDirectory);
  EXPECT_EQ(ufs.DeleteDirectory("/d/g").code(), Code::kNotDirectory);
  EXPECT_EQ(ufs.DeleteDirectory("/d").code(), Code::kNotEmpty);
  ASSERT_TRUE(ufs.DeleteFile("/d/g").ok());
  ASSERT_TRUE(ufs.DeleteDirectory("/d").ok());
  EXPECT_NE(::stat((ufs_dir_ + "/d").c_str(), &st), 0);
  EXPECT_EQ(ufs.DeleteFile("/d").code(), Code::kNotFound);
}

TEST(WorkerPoolTest, ValidatesAddresses) {
  EXPECT_TRUE(ValidateAddress("127.0.0.1:29999").ok());
  EXPECT_TRUE(ValidateAddress("worker-3.example.com:1").ok());
  EXPECT_TRUE(ValidateAddress("[::1]:65535").ok());
  for (const char* bad : {"", "host", ":80", "host:", "host:0", "host:65536", "host:8o", "::1:80",
                          "[::1:80", "host:123456"}) {
    EXPECT_EQ(ValidateAddress(bad).code(), Code::kInvalidArgument) << bad;
  }
}

TEST(WorkerPoolTest, ConfigErrorsNameTheKey) {
  auto conf = Configuration::FromMap({{"alluxio.user.worker.addresses", "a:1, b:x"}});
  ASSERT_TRUE(conf.ok());
  auto pool = WorkerPool::FromConfig(*conf);
  ASSERT_FALSE(pool.ok());
  EXPECT_NE(pool.status().message().find("alluxio.user.worker.addresses"), std::string::npos)
      << pool.status().ToString();
  auto dup = Configuration::FromMap({{"alluxio.user.worker.addresses", "a:1,a:1"}});
  ASSERT_TRUE(dup.ok());
  EXPECT_FALSE(WorkerPool::FromConfig(*dup).ok());
}

// A membership a test changes by hand, as an etcd watch would.
class SettableMembership : public Membership {
 public:
  std::vector<WorkerInfo> Live() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return live_;
  }
  uint64_t Epoch() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return epoch_;
  }
  void Set(std::vector<WorkerInfo> live) {
    std::lock_guard<std::mutex> lock(mu_);
    live_ = std::move(live);
    ++epoch_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<WorkerInfo> live_;
  uint64_t epoch_ = 0;
};

WorkerInfo Info(const std::string& host, int port) {
  WorkerInfo w;
  w.identity = WorkerIdentity::FromName(host + ":" + std::to_string(port));
  w.address.host = host;
  w.address.rpc_port = port;
  return w;
}

TEST(WorkerPoolTest, TheRingFollowsTheMembership) {
  auto members = std::make_shared<SettableMembership>();
  members->Set({Info("10.0.0.1", 29999), Info("10.0.0.2", 29999)});
  WorkerPoolOptions opts;
  opts.membership = members;
  auto pool = WorkerPool::Create(opts);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  WorkerPool& p = **pool;
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.address(0), "10.0.0.1:29999");
  EXPECT_EQ(p.address(1), "10.0.0.2:29999");

  // Keys the ring gives the same owner as a two-worker ConsistentHashRing.
  ConsistentHashRing two({Info("10.0.0.1", 29999).identity, Info("10.0.0.2", 29999).identity}, 5);
  for (int i = 0; i < 50; ++i) {
    std::string key = "s3://b/f" + std::to_string(i);
    EXPECT_EQ(p.Owners(key, 1), std::vector<size_t>{two.Owner(key)}) << key;
  }

  // A third worker joins: it gets the next number and owns a share of keys.
  members->Set({Info("10.0.0.1", 29999), Info("10.0.0.2", 29999), Info("10.0.0.3", 29999)});
  ASSERT_EQ(p.Members().size(), 3u);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.address(2), "10.0.0.3:29999");
  ConsistentHashRing three({Info("10.0.0.1", 29999).identity, Info("10.0.0.2", 29999).identity,
                            Info("10.0.0.3", 29999).identity},
                           5);
  int owned_by_new = 0;
  for (int i = 0; i < 200; ++i) {
    std::string key = "s3://b/f" + std::to_string(i);
    auto owners = p.Owners(key, 3);
    ASSERT_EQ(owners.size(), 3u);
    EXPECT_EQ(owners[0], three.Owner(key)) << key;
    owned_by_new += owners[0] == 2;
  }
  EXPECT_GT(owned_by_new, 0);

  // The first leaves: it keeps its number but owns nothing.
  members->Set({Info("10.0.0.2", 29999), Info("10.0.0.3", 29999)});
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.Members(), (std::vector<size_t>{1, 2}));
  for (int i = 0; i < 200; ++i) {
    auto owners = p.Owners("s3://b/f" + std::to_string(i), 3);
    ASSERT_EQ(owners.size(), 2u);
    for (size_t w : owners) EXPECT_NE(w, 0u);
  }

  // It comes back: the same number as before.
  members->Set({Info("10.0.0.3", 29999), Info("10.0.0.1", 29999)});
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.Members(), (std::vector<size_t>{2, 0}));
}

}  // namespace
}  // namespace alluxio::worker
