#include "integration_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/bytes.h"
#include "testing/local_files.h"

extern char** environ;

namespace alluxio::testing {
namespace {

class MotoHolder : public ::testing::Environment {
 public:
  void TearDown() override { server.reset(); }
  std::unique_ptr<MotoServer> server;
  std::string error;
  bool tried = false;
};

MotoHolder* Holder() {
  static MotoHolder* h = [] {
    auto* m = new MotoHolder();
    ::testing::AddGlobalTestEnvironment(m);  // gtest owns it and tears it down
    return m;
  }();
  return h;
}

// Registered before main() so that gtest calls TearDown (stopping moto).
const MotoHolder* const kRegistered = Holder();

}  // namespace

MotoServer* SharedMoto(std::string* why) {
  MotoHolder* h = Holder();
  if (!h->tried) {
    h->tried = true;
    if (MotoServer::FindExecutable().empty()) {
      h->error = "no moto_server on PATH or in /root/.pyenv/shims";
    } else {
      auto m = std::make_unique<MotoServer>();
      if (m->Start({}, &h->error)) h->server = std::move(m);
    }
  }
  if (h->server == nullptr && why != nullptr) *why = h->error;
  return h->server.get();
}

S3Root NewS3Root(const std::string& prefix) {
  static std::atomic<int> n{0};
  S3Root r;
  MotoServer* moto = SharedMoto(nullptr);
  if (moto == nullptr) {
    ADD_FAILURE() << "NewS3Root without a moto_server";
    return r;
  }
  r.bucket = "alluxio-it-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  std::string err;
  if (!moto->CreateBucket(r.bucket, &err)) {
    ADD_FAILURE() << "cannot create bucket " << r.bucket << ": " << err;
    return r;
  }
  r.uri = "s3://" + r.bucket + "/" + prefix;
  r.conf = {{"alluxio.master.mount.table.root.ufs", r.uri},
            {"alluxio.underfs.s3.endpoint", moto->endpoint()},
            {"s3a.accessKeyId", "testing"},
            {"s3a.secretKey", "testing-secret"},
            {"alluxio.underfs.s3.retry.base.sleep", "5ms"}};
  return r;
}

std::map<std::string, std::string> AsEnvironment(const std::map<std::string, std::string>& conf) {
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : conf) env[Configuration::EnvName(k)] = v;
  return env;
}

std::map<std::string, std::string> ShimEnvironment(const std::string& prefixes,
                                                   const std::string& work_dir,
                                                   std::map<std::string, std::string> conf) {
  conf["alluxio.work.dir"] = work_dir;
  auto env = AsEnvironment(conf);
  env["LD_PRELOAD"] = ShimLibrary();
  env["ALLUXIO_POSIX_PREFIXES"] = prefixes;
  return env;
}

RunResult RunProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env, const std::string& input) {
  RunResult r;
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LD_PRELOAD=", 11) == 0 || std::strncmp(*e, "ALLUXIO_", 8) == 0) {
      continue;
    }
    envs.emplace_back(*e);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out[2], err[2], in[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) {
    r.err = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    r.err = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  // Feed stdin and drain both outputs without deadlocking.
  size_t fed = 0;
  if (input.empty()) {
    ::close(in[1]);
    in[1] = -1;
  }
  struct pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_outputs = 2;
  while (open_outputs > 0 || fds[2].fd >= 0) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[65536];
        ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
        if (n > 0) {
          sinks[i]->append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_outputs;
        }
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(fds[2].fd, input.data() + fed, input.size() - fed);
      if (n > 0) fed += static_cast<size_t>(n);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || fed == input.size()) {
        ::close(fds[2].fd);
        fds[2].fd = -1;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  size_t at = 0;
  while ((at = s.find(from, at)) != std::string::npos) {
    s.replace(at, from.size(), to);
    at += to.size();
  }
  return s;
}

std::string Md5Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string ReadLocal(const std::string& path) { return ReadLocalFile(path); }

void WriteLocal(const std::string& path, const std::string& data) {
  (void)WriteLocalFile(path, data);
}

std::string Bytes(size_t n, unsigned seed) {
  return ::alluxio::testing::PseudoRandomBytes(n, seed);
}

std::map<std::string, std::string> LocalTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string p = e.path().string().substr(dir.size());
    struct stat st;
    if (::lstat(e.path().c_str(), &st) != 0) {
      out[p] = std::string("lstat failed: ") + std::strerror(errno);
    } else if (S_ISDIR(st.st_mode)) {
      out[p] = "d:" + std::to_string(st.st_mode & 07777);
    } else {
      std::string data = ReadLocal(e.path().string());
      out[p] = "f:" + std::to_string(st.st_mode & 07777) + ":" + std::to_string(st.st_size) + ":" +
               Md5Hex(data);
    }
  }
  return out;
}

namespace {
void FsTreeInto(FileSystem& fs, const std::string& dir, const std::string& base,
                std::map<std::string, std::string>* out) {
  auto l = fs.ListStatus(dir);
  if (!l.ok()) {
    (*out)[dir + " (list)"] = l.status().ToString();
    return;
  }
  for (auto& f : *l) {
    std::string p = (dir == "/" ? "" : dir) + "/" + f.name;
    std::string rel = p.substr(base == "/" ? 0 : base.size());
    auto st = fs.GetStatus(p);  // S3 listings carry no mode: ask
    if (!st.ok()) {
      (*out)[rel] = "stat failed: " + st.status().ToString();
      continue;
    }
    if (st->is_dir) {
      (*out)[rel] = "d:" + std::to_string(st->mode & 07777);
      FsTreeInto(fs, p, base, out);
      continue;
    }
    std::string data;
    auto h = fs.OpenFile(p, OpenOptions::FromFlags(O_RDONLY, 0));
    if (h.ok()) {
      data.resize(st->size);
      auto n = (*h)->Read(0, data.data(), data.size());
      data.resize(n.ok() ? *n : 0);
      (void)(*h)->Close();
    }
    (*out)[rel] = "f:" + std::to_string(st->mode & 07777) + ":" + std::to_string(st->size) + ":" +
                  (h.ok() ? Md5Hex(data) : "open failed: " + h.status().ToString());
  }
}
}  // namespace

std::map<std::string, std::string> FsTree(FileSystem& fs, const std::string& dir) {
  std::map<std::string, std::string> out;
  FsTreeInto(fs, dir, dir, &out);
  return out;
}

Result<std::shared_ptr<FileSystem>> NewFileSystem(std::map<std::string, std::string> conf,
                                                  const std::string& work_dir) {
  conf["alluxio.work.dir"] = work_dir;
  auto c = Configuration::FromMap(conf);
  if (!c.ok()) return c.status();
  return FileSystem::Create(*c);
}

std::string ShimLibrary() {
  const char* env = std::getenv("ALLUXIO_POSIX_SHIM");
  if (env != nullptr && *env != '\0') return env;
  return ALLUXIO_POSIX_SHIM;
}

std::string ProbeBinary() { return ALLUXIO_POSIX_PROBE; }

}  // namespace alluxio::testing

namespace alluxio::testing {
namespace {

std::string Transcribe(const std::vector<std::string>& argv, const RunResult& r,
                       const std::string& root) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  std::string out = "$ " + cmd + "\n" + r.out;
  if (!r.err.empty()) out += "stderr: " + r.err;
  out += "exit " + std::to_string(r.status) + "\n";
  return ReplaceAll(out, root, "ROOT");
}

std::string Python() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

}  // namespace

void MakeCoreutilsInputs(const std::string& src) {
  WriteLocal(src + "/big.bin", Bytes(3 * 1000 * 1000 + 17, 3));
  WriteLocal(src + "/notes.txt", "first line\nsecond line\n");
  WriteLocal(src + "/with space.txt", "spaced out\n");
  WriteLocal(src + "/nested/deep.txt", "deep\n");
  WriteLocal(src + "/empty", "");
}

std::string CoreutilsTranscript(const std::string& root, const std::string& src,
                                const std::map<std::string, std::string>& env) {
  const std::string R = root;
  const std::vector<std::vector<std::string>> steps = {
      {"mkdir", "-p", R + "/x/y/z"},
      {"mkdir", R + "/x"},
      {"cp", src + "/big.bin", src + "/notes.txt", R + "/x/y/"},
      {"cp", "-r", src, R + "/x/copy"},
      {"cat", R + "/x/y/notes.txt", R + "/x/copy/with space.txt"},
      {"cat", R + "/x/missing"},
      {"md5sum", R + "/x/y/big.bin", R + "/x/copy/big.bin", R + "/x/copy/nested/deep.txt",
       R + "/x/copy/empty"},
      {"ls", R + "/x"},
      {"ls", "-R", R},
      // Files only: directory sizes differ between file systems.
      {"ls", "-ln", "--time-style=+T", R + "/x/copy/big.bin", R + "/x/copy/empty",
       R + "/x/copy/notes.txt", R + "/x/copy/with space.txt"},
      {"ls", "-d", R + "/x/y/z"},
      {"mv", R + "/x/y/notes.txt", R + "/x/moved.txt"},
      {"mv", R + "/x/copy/nested", R + "/x/y/z/"},
      {"chmod", "600", R + "/x/moved.txt"},
      {"stat", "-c", "%n %F %s %a", R + "/x/moved.txt", R + "/x/y/big.bin"},
      {"stat", "-c", "%n %F %a", R + "/x/y/z"},
      {"cp", R + "/x/y/big.bin", src + "/../roundtrip.bin"},
      {"cmp", src + "/big.bin", src + "/../roundtrip.bin"},
      {"rm", src + "/../roundtrip.bin"},
      {"rm", "-r", R + "/x/copy"},
      {"rm", R + "/x/y"},
      {"rmdir", R + "/x/y/z"},
      {"ls", "-R", R},
      {"find", R, "-type", "f"},
  };
  std::string out;
  for (const auto& argv : steps) {
    RunResult r = RunProgram(argv, env);
    if (argv[0] == "find") {  // directory order differs between file systems
      std::vector<std::string> lines;
      std::stringstream ss(r.out);
      for (std::string l; std::getline(ss, l);) lines.push_back(l);
      std::sort(lines.begin(), lines.end());
      r.out.clear();
      for (const auto& l : lines) r.out += l + "\n";
    }
    std::string t = Transcribe(argv, r, R);
    // `ls -l` totals count blocks, which differ between file systems.
    std::string filtered;
    size_t at = 0;
    while (at < t.size()) {
      size_t nl = t.find('\n', at);
      std::string line = t.substr(at, nl == std::string::npos ? std::string::npos : nl - at + 1);
      if (line.rfind("total ", 0) != 0) filtered += line;
      at = nl == std::string::npos ? t.size() : nl + 1;
    }
    out += filtered;
  }
  return out;
}

std::string PythonTranscript(const std::string& root,
                             const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {
      Python(), std::string(ALLUXIO_INTEGRATION_SOURCE_DIR) + "/workload.py", root};
  return Transcribe(argv, RunProgram(argv, env), root);
}

std::string ProbeTranscript(const std::string& mode, const std::string& root,
                            const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {ProbeBinary(), mode, root};
  return Transcribe(argv, RunProgram(argv, env), root);
}

}  // namespace alluxio::testing

namespace alluxio::testing {

::testing::AssertionResult SameTranscript(const std::string& expected, const std::string& actual) {
  if (expected == actual) return ::testing::AssertionSuccess();
  auto lines = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string line;
    while (std::getline(ss, line)) out.push_back(line);
    return out;
  };
  std::vector<std::string> a = lines(expected), b = lines(actual);
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  auto r = ::testing::AssertionFailure();
  r << "transcripts differ at line " << i + 1 << " (- expected, + actual):\n";
  for (size_t k = i >= 8 ? i - 8 : 0; k < i; ++k) r << "  " << a[k] << "\n";
  for (size_t k = i; k < a.size() && k < i + 6; ++k) r << "- " << a[k] << "\n";
  for (size_t k = i; k < b.size() && k < i + 6; ++k) r << "+ " << b[k] << "\n";
  return r;
}

}  // namespace alluxio::testing
