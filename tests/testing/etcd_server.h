// EtcdServer: a real etcd (Debian's etcd-server, /usr/bin/etcd) for a test,
// on 127.0.0.1 with free ports and a data directory of its own, started and
// stopped by this object (by pid; nothing else is ever signalled).
//
//   EtcdServer etcd(tmp.Sub("etcd"));
//   std::string why;
//   if (!etcd.Start(&why)) ALLUXIO_SKIP_UNLESS_REQUIRED("etcd", why);
//   ... etcd.endpoint() is "http://127.0.0.1:PORT" ...
//
// Stop() and Start() again keep the ports and the data, so a test can take
// etcd away and bring the same one back. The binary is $ALLUXIO_TEST_ETCD
// when set, else etcd on PATH, else /usr/bin/etcd.
#ifndef ALLUXIO_TESTS_TESTING_ETCD_SERVER_H_
#define ALLUXIO_TESTS_TESTING_ETCD_SERVER_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/loopback.h"
#include "testing/wait.h"

namespace alluxio::testing {

class EtcdServer {
 public:
  explicit EtcdServer(std::string dir) : dir_(std::move(dir)) {}
  ~EtcdServer() { Stop(); }
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // The etcd binary, or "" when there is none.
  static std::string Binary() {
    const char* env = std::getenv("ALLUXIO_TEST_ETCD");
    if (env != nullptr && *env != '\0') return env;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "");
    std::string d;
    while (std::getline(dirs, d, ':')) {
      if (!d.empty() && ::access((d + "/etcd").c_str(), X_OK) == 0) return d + "/etcd";
    }
    return ::access("/usr/bin/etcd", X_OK) == 0 ? "/usr/bin/etcd" : "";
  }

  // Starts etcd and waits (up to 60 s) until it accepts client connections;
  // false with the reason in `why` (no binary, it exited, it never listened).
  bool Start(std::string* why) {
    if (pid_ > 0) return true;
    std::string bin = Binary();
    if (bin.empty()) {
      *why = "no etcd binary (apt-get install etcd-server, or set ALLUXIO_TEST_ETCD)";
      return false;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (client_port_ == 0 || attempt > 0) {
        client_port_ = FreeLoopbackPort();
        peer_port_ = FreeLoopbackPort();
      }
      if (Launch(bin, why)) return true;
    }
    return false;
  }

  // SIGTERM, then waits for it to exit.
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  bool running() const { return pid_ > 0; }
  int client_port() const { return client_port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }
  std::string log() const {
    std::ifstream in(dir_ + "/etcd.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  bool Launch(const std::string& bin, std::string* why) {
    const std::string client = endpoint();
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    std::vector<std::string> argv = {bin,
                                     "--name=test",
                                     "--data-dir=" + dir_ + "/data",
                                     "--listen-client-urls=" + client,
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer,
                                     "--initial-advertise-peer-urls=" + peer,
                                     "--initial-cluster=test=" + peer,
                                     "--initial-cluster-state=new",
                                     "--log-level=warn"};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int log_fd =
        ::open((dir_ + "/etcd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      // Not the machine's own etcd configuration.
      ::unsetenv("ETCD_CONFIG_FILE");
      ::unsetenv("ETCD_DATA_DIR");
      ::execv(args[0], args.data());
      _exit(127);
    }
    ::close(log_fd);
    if (pid < 0) {
      *why = "cannot fork etcd";
      return false;
    }
    pid_ = pid;
    bool exited = false;
    bool up = WaitFor(
        [&] {
          int status = 0;
          if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited = true;
            return true;
          }
          return LoopbackListening(client_port_);
        },
        60);
    if (exited) {
      pid_ = -1;
      *why = "etcd exited at start: " + log();
      return false;
    }
    if (!up) {
      Stop();
      *why = "etcd did not listen on " + client + " within 60 s: " + log();
      return false;
    }
    return true;
  }

  std::string dir_;
  pid_t pid_ = -1;
  int client_port_ = 0;
  int peer_port_ = 0;
};

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_ETCD_SERVER_H_
