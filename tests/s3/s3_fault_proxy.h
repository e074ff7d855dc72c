// Test helper: a fault-injecting HTTP/1.1 proxy on loopback.
//
// Clients connect to the proxy as if it were the S3 endpoint; it forwards
// each request to the upstream server (one upstream connection per request)
// and relays the response, unless a rule says to fail it: an S3-style error
// status (500, 503 SlowDown) without forwarding, a request dropped with a
// reset, a connection reset before the response or in the middle of the body, a truncated body, a
// body shorter than asked for with a matching (lying) Content-Length, or a delay. Client
// connections are kept alive, as libcurl reuses them.
//
// Rules are matched in the order added; the first matching rule with
// faults left applies. Thread-safe.
#ifndef ALLUXIO_TESTS_S3_S3_FAULT_PROXY_H_
#define ALLUXIO_TESTS_S3_S3_FAULT_PROXY_H_

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace alluxio::testing {

enum class Fault {
  kStatus,               // reply `status` with an S3 <Error> `s3_code`; not forwarded
  kResetBeforeResponse,  // forward, then reset the client connection
  kResetMidBody,         // forward, send headers and half the body, then reset
  kTruncateBody,         // forward, send headers and half the body, then close
  kShortBody,            // forward, send half the body with a matching Content-Length
  kDelay,                // wait delay_ms, then forward normally
  kDropRequest,          // reset the client connection; not forwarded (an upload cut off)
};

struct FaultRule {
  std::string method;           // "" = any
  std::string target_contains;  // substring of the request target; "" = any
  int skip = 0;                 // let this many matching requests through first
  int count = 1;                // then fault this many (-1 = all)
  Fault fault = Fault::kStatus;
  int status = 503;
  std::string s3_code = "SlowDown";
  int delay_ms = 0;
};

class S3FaultProxy {
 public:
  explicit S3FaultProxy(int upstream_port);
  ~S3FaultProxy();  // stops, closing every connection

  bool Start(std::string* error);
  void Stop();

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void AddRule(const FaultRule& rule);
  void ClearRules();
  // Faults injected so far, and requests seen per method.
  int faults_injected() const { return faults_.load(); }
  int requests(const std::string& method) const;

 private:
  struct Rule {
    FaultRule r;
    int seen = 0;
    int fired = 0;
  };
  void AcceptLoop();
  void Serve(int fd);
  // The fault for a request, if any.
  bool PickFault(const std::string& method, const std::string& target, FaultRule* out);

  const int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> faults_{0};

  mutable std::mutex mu_;  // guards everything below
  std::vector<Rule> rules_;
  std::map<std::string, int> requests_;
  std::set<int> conns_;
  std::vector<std::thread> workers_;
};

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_S3_S3_FAULT_PROXY_H_
