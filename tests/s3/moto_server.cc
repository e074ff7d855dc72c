#include "moto_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace alluxio::testing {

namespace {

bool IsExecutable(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// The last `max` bytes of the file at `path`, so that an error names the
// server's own complaint (a missing module, a pyenv shim without moto).
std::string Tail(const std::string& path, size_t max = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max) s = "..." + s.substr(s.size() - max);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string MotoServer::FindExecutable() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t i = 0;
  while (i <= dirs.size()) {
    size_t c = dirs.find(':', i);
    if (c == std::string::npos) c = dirs.size();
    std::string d = dirs.substr(i, c - i);
    if (!d.empty() && IsExecutable(d + "/moto_server")) return d + "/moto_server";
    i = c + 1;
  }
  if (IsExecutable("/root/.pyenv/shims/moto_server")) return "/root/.pyenv/shims/moto_server";
  return "";
}

bool MotoServer::Start(const std::map<std::string, std::string>& env, std::string* error) {
  std::string exe = FindExecutable();
  if (exe.empty()) {
    *error = "moto_server not found on PATH or in /root/.pyenv/shims";
    return false;
  }
  port_ = FreeLoopbackPort();
  if (port_ == 0) {
    *error = "no free loopback port";
    return false;
  }
  std::string port = std::to_string(port_);
  std::string log = "/tmp/alluxio-moto-" + port + ".log";
  log_ = log;
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    // Own process group (so Stop() reaches the interpreter and any helper it
    // spawns), and die with the test process even if it crashes.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execl(exe.c_str(), exe.c_str(), "-H", "127.0.0.1", "-p", port.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (LoopbackListening(port_)) return true;
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      // Its complaint goes into the error, so its log need not stay behind.
      *error = exe + " exited at start-up: " + Tail(log);
      ::unlink(log.c_str());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Stop(/*keep_log=*/true);
  *error = "moto_server did not answer on port " + port + " within 30 s; see " + log;
  return false;
}

void MotoServer::Stop(bool keep_log) {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  bool reaped = false;
  for (int i = 0; i < 50 && !reaped; ++i) {
    int status;
    reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!reaped) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  if (!keep_log && !log_.empty()) ::unlink(log_.c_str());
}

bool MotoServer::CreateBucket(const std::string& name, std::string* error) const {
  CURL* c = curl_easy_init();
  std::string url = endpoint() + "/" + name;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) -> size_t { return s * n; });
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK || code != 200) {
    *error =
        "create bucket " + name + ": curl " + std::to_string(rc) + ", HTTP " + std::to_string(code);
    return false;
  }
  return true;
}

}  // namespace alluxio::testing
