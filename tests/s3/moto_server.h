// Test helper: a moto_server (S3 API) on a free loopback port, started and
// stopped by the test process.
#ifndef ALLUXIO_TESTS_S3_MOTO_SERVER_H_
#define ALLUXIO_TESTS_S3_MOTO_SERVER_H_

#include <sys/types.h>

#include <map>
#include <string>

#include "testing/loopback.h"

namespace alluxio::testing {

class MotoServer {
 public:
  MotoServer() = default;
  ~MotoServer() { Stop(); }
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  // The moto_server executable: on PATH or in /root/.pyenv/shims; "" when
  // absent.
  static std::string FindExecutable();

  // Starts the server with extra environment and waits (up to 30 s) until it
  // answers. False with *error set when it cannot start.
  bool Start(const std::map<std::string, std::string>& env, std::string* error);
  // Kills the server (its process group) and reaps it; removes its log
  // unless keep_log. Idempotent.
  void Stop(bool keep_log = false);

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Creates a bucket with an unsigned PUT (moto accepts those by default).
  bool CreateBucket(const std::string& name, std::string* error) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;  // the server's stdout and stderr
};

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_S3_MOTO_SERVER_H_
