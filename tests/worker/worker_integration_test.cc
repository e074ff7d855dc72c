// Real alluxio-worker processes on loopback ports: a FileSystem configured
// with two of them reads every file through the worker that owns it, keeps
// reading correctly (from the UFS) when one is killed, and the LD_PRELOAD
// shim's `cat` reads through them too. The client finds
// liballuxio_worker_client.so where the build put it (the default).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "alluxio/file_system.h"
#include "hash_ring.h"
#include "testing/bytes.h"
#include "testing/temp_dir.h"

namespace alluxio::worker {
namespace {

using alluxio::testing::TempDir;

std::string Pattern(size_t n, unsigned seed) { return testing::PseudoRandomBytes(n, seed); }

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// This process's environment without ALLUXIO_* and LD_PRELOAD, plus `env`.
std::vector<std::string> Environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ALLUXIO_", 8) == 0 || std::strncmp(*e, "LD_PRELOAD=", 11) == 0) {
      continue;
    }
    out.emplace_back(*e);
  }
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Forks and execs argv with env; stdout to `out_fd` (or a file), stderr to
// `err_path`. Returns the pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            int out_fd, const std::string& err_path) {
  std::vector<std::string> envs = Environment(env);
  std::vector<char*> envp, args;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  ::close(err_fd);
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// One alluxio-worker child with its own work directory (page cache).
struct WorkerProcess {
  pid_t pid = -1;
  std::string address;
  std::string log;
};

class WorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ufs_dir_ = tmp_.Sub("ufs");
    conf_dir_ = tmp_.Sub("conf");  // an empty $ALLUXIO_CONF_DIR: no stray site file
    for (int i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(StartWorker(i));
    addresses_ = workers_[0].address + "," + workers_[1].address;
    // The key the client hashes: the UFS URI and the path.
    auto conf = Configuration::FromMap({});
    ASSERT_TRUE(conf.ok());
    auto ufs = CreateUfs(ufs_dir_, {}, *conf);
    ASSERT_TRUE(ufs.ok());
    uri_ = (*ufs)->Uri();
    // The workers as the alluxio.user.worker.addresses shorthand names them.
    ring_ = std::make_unique<ConsistentHashRing>(
        std::vector<WorkerIdentity>{WorkerIdentity::FromName(workers_[0].address),
                                    WorkerIdentity::FromName(workers_[1].address)},
        static_cast<int>(
            conf->GetInt("alluxio.user.consistent.hash.virtual.node.count.per.worker")));
  }

  void TearDown() override {
    for (auto& w : workers_) {
      if (w.pid <= 0) continue;
      ::kill(w.pid, SIGTERM);
      EXPECT_EQ(WaitExit(w.pid), 0) << "worker did not shut down cleanly: " << ReadLocal(w.log);
      w.pid = -1;
    }
  }

  void StartWorker(int i) {
    WorkerProcess w;
    std::string work = tmp_.Sub("worker" + std::to_string(i));
    w.log = work + "/worker.log";
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    w.pid = Spawn(
        {ALLUXIO_WORKER_BINARY, "--port", "0", "--data-port", "0", "--conf",
         "alluxio.work.dir=" + work, "--conf", "alluxio.master.mount.table.root.ufs=" + ufs_dir_},
        {{"ALLUXIO_CONF_DIR", conf_dir_}}, fds[1], w.log);
    ::close(fds[1]);
    ASSERT_GT(w.pid, 0);
    workers_.push_back(w);
    // The first line names the port; EOF means the worker died.
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    const std::string prefix = "alluxio-worker listening on ";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << "worker " << i << " did not start: " << line << "\n"
                                         << ReadLocal(w.log);
    workers_.back().address = line.substr(prefix.size());
  }

  void Kill(int i) {
    ::kill(workers_[i].pid, SIGKILL);
    WaitExit(workers_[i].pid);
    workers_[i].pid = -1;
  }

  // The worker's bytes_read counter, from `alluxio-worker health`, which
  // runs in its own process: this one must not hold a second copy of the
  // generated protobuf code next to the dlopened client library's.
  uint64_t BytesServed(int i) {
    std::string out_path = tmp_.path() + "/health.out";
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t pid = Spawn({ALLUXIO_WORKER_BINARY, "health", workers_[i].address}, {}, out,
                      tmp_.path() + "/health.err");
    ::close(out);
    EXPECT_EQ(WaitExit(pid), 0) << ReadLocal(tmp_.path() + "/health.err");
    std::string text = ReadLocal(out_path);
    size_t at = text.find("\nbytes_read=");
    EXPECT_NE(at, std::string::npos) << text;
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + 12));
  }

  // Which worker owns `path` of the UFS, as every client computes it.
  int OwnerOf(const std::string& path) {
    return static_cast<int>(ring_->Owner(UfsFileUri(uri_, path)));
  }

  std::map<std::string, std::string> ClientConf() {
    return {{"alluxio.work.dir", tmp_.path() + "/client"},
            {"alluxio.master.mount.table.root.ufs", ufs_dir_},
            {"alluxio.user.worker.addresses", addresses_},
            // No client page cache: every read reaches the UFS layer, so the
            // workers' counters account for every byte.
            {"alluxio.user.client.cache.enabled", "false"}};
  }

  TempDir tmp_;
  std::string ufs_dir_, conf_dir_, addresses_, uri_;
  std::vector<WorkerProcess> workers_;
  std::unique_ptr<ConsistentHashRing> ring_;
};

Result<std::string> ReadAll(FileSystem& fs, const std::string& path) {
  ASSIGN_OR_RETURN(auto h, fs.OpenFile(path, OpenOptions{}));
  std::string out;
  std::string buf(1 << 20, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, h->Read(out.size(), buf.data(), buf.size()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  RETURN_IF_ERROR(h->Close());
  return out;
}

TEST_F(WorkersTest, FileSystemReadsThroughTheOwningWorkerAndSurvivesOneDying) {
  std::map<std::string, std::string> files;
  uint64_t share[2] = {0, 0};
  for (int i = 0; i < 24; ++i) {
    std::string name = "/file-" + std::to_string(i) + (i % 3 == 0 ? " with space" : "");
    size_t size = static_cast<size_t>(i) * i * 997 + (i % 7 == 0 ? (9u << 20) / 2 : 0);
    files[name] = Pattern(size, static_cast<unsigned>(i));
    WriteFile(ufs_dir_ + name, files[name]);
    share[OwnerOf(name)] += size;
  }
  ASSERT_GT(share[0], 0u);
  ASSERT_GT(share[1], 0u);

  auto conf = Configuration::FromMap(ClientConf());
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  auto fs = FileSystem::Create(*conf);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  for (const auto& [name, data] : files) {
    auto got = ReadAll(**fs, name);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
    EXPECT_TRUE(*got == data) << name;
  }
  EXPECT_EQ(BytesServed(0), share[0]);
  EXPECT_EQ(BytesServed(1), share[1]);

  // Worker 0 dies: its files move to the next worker in ring order (worker
  // 1, the only one left), all correct; the client says so once on stderr.
  Kill(0);
  std::string log = tmp_.path() + "/client-stderr";
  int saved = ::dup(STDERR_FILENO);
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [name, data] : files) {
      auto got = ReadAll(**fs, name);
      ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
      EXPECT_TRUE(*got == data) << name;
    }
  }
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  EXPECT_EQ(BytesServed(1), share[1] + 2 * (share[0] + share[1]));
  std::string messages = ReadLocal(log);
  std::string line = "alluxio: worker " + workers_[0].address + " failed";
  size_t at = messages.find(line);
  EXPECT_NE(at, std::string::npos) << messages;
  EXPECT_EQ(messages.find(line, at + 1), std::string::npos) << "logged more than once:\n"
                                                            << messages;
}

// The owner dies in the middle of a sequential read, with the client's page
// cache and its streamed readahead on: the application sees every byte, in
// order, and no error.
TEST_F(WorkersTest, AnOwnerDyingMidReadCostsOnlyLatency) {
  std::string name;
  for (int i = 0; name.empty(); ++i) {
    std::string candidate = "/big-" + std::to_string(i);
    if (OwnerOf(candidate) == 0) name = candidate;
  }
  const std::string data = Pattern(48 << 20, 5);
  WriteFile(ufs_dir_ + name, data);
  auto values = ClientConf();
  values["alluxio.user.client.cache.enabled"] = "true";
  values["alluxio.user.client.cache.dirs"] = tmp_.Sub("client-cache");
  // A readahead window far below the file, so that the kill lands with
  // most of it still to fetch.
  values["alluxio.user.file.readahead.max"] = "4MB";
  auto conf = Configuration::FromMap(values);
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  auto fs = FileSystem::Create(*conf);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto h = (*fs)->OpenFile(name, OpenOptions{});
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  std::string got;
  std::string buf(256 << 10, '\0');
  bool killed = false;
  while (true) {
    auto n = (*h)->Read(got.size(), buf.data(), buf.size());
    ASSERT_TRUE(n.ok()) << "at " << got.size() << ": " << n.status().ToString();
    if (*n == 0) break;
    got.append(buf.data(), *n);
    if (!killed && got.size() >= (4u << 20)) {
      // It was reading through the owner, and had not read ahead to the end.
      uint64_t served = BytesServed(0);
      ASSERT_GT(served, 0u);
      ASSERT_LT(served, data.size() / 2);
      Kill(0);
      killed = true;
    }
  }
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_TRUE(killed);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

TEST_F(WorkersTest, ShimCatReadsThroughTheWorkers) {
  std::string a = Pattern(3 << 20, 11), b = "small file\n";
  WriteFile(ufs_dir_ + "/a.bin", a);
  WriteFile(ufs_dir_ + "/b.txt", b);
  std::string served = tmp_.path() + "/served";  // only the shim knows it
  std::map<std::string, std::string> env = {
      {"LD_PRELOAD", ALLUXIO_POSIX_SHIM},
      {"ALLUXIO_POSIX_PREFIXES", served},
      {"ALLUXIO_CONF_DIR", conf_dir_},
  };
  for (const auto& [k, v] : ClientConf()) env[Configuration::EnvName(k)] = v;
  env["ALLUXIO_WORK_DIR"] = tmp_.path() + "/shim";

  std::string out_path = tmp_.path() + "/cat.out";
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid =
      Spawn({"cat", served + "/a.bin", served + "/b.txt"}, env, out, tmp_.path() + "/cat.err");
  ::close(out);
  ASSERT_EQ(WaitExit(pid), 0) << ReadLocal(tmp_.path() + "/cat.err");
  EXPECT_TRUE(ReadLocal(out_path) == a + b);
  uint64_t expect[2] = {0, 0};
  expect[OwnerOf("/a.bin")] += a.size();
  expect[OwnerOf("/b.txt")] += b.size();
  EXPECT_EQ(BytesServed(0), expect[0]);
  EXPECT_EQ(BytesServed(1), expect[1]);
}

TEST_F(WorkersTest, AForkedChildReadsThroughTheWorkers) {
  std::string data = Pattern(1 << 20, 5);
  WriteFile(ufs_dir_ + "/f", data);
  auto conf = Configuration::FromMap(ClientConf());
  ASSERT_TRUE(conf.ok());
  auto fs = FileSystem::Create(*conf);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto got = ReadAll(**fs, "/f");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(*got == data);
  pid_t pid = ::fork();
  if (pid == 0) {
    auto again = ReadAll(**fs, "/f");
    _exit(again.ok() && *again == data ? 0 : 1);
  }
  ASSERT_EQ(WaitExit(pid), 0);
  int owner = OwnerOf("/f");
  EXPECT_EQ(BytesServed(owner), 2 * data.size()) << "the child read through its worker";
}

TEST_F(WorkersTest, BadSettingsAreClearErrors) {
  auto conf = ClientConf();
  conf["alluxio.user.worker.addresses"] = "127.0.0.1:http";
  auto c1 = Configuration::FromMap(conf);
  ASSERT_TRUE(c1.ok());
  auto fs1 = FileSystem::Create(*c1);
  ASSERT_FALSE(fs1.ok());
  EXPECT_NE(fs1.status().message().find("alluxio.user.worker.addresses"), std::string::npos)
      << fs1.status().ToString();

  conf = ClientConf();
  conf["alluxio.user.worker.client.library"] = tmp_.path() + "/no/such/lib.so";
  auto c2 = Configuration::FromMap(conf);
  ASSERT_TRUE(c2.ok());
  auto fs2 = FileSystem::Create(*c2);
  ASSERT_FALSE(fs2.ok());
  EXPECT_NE(fs2.status().message().find("alluxio.user.worker.client.library"), std::string::npos)
      << fs2.status().ToString();
}

}  // namespace
}  // namespace alluxio::worker
