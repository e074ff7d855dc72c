#include "s3_fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>

namespace alluxio::testing {

namespace {

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}
bool SendAll(int fd, const std::string& s) { return SendAll(fd, s.data(), s.size()); }

// Appends what the socket has to `buf`; false at EOF or error.
bool RecvSome(int fd, std::string* buf) {
  char tmp[64 * 1024];
  while (true) {
    ssize_t r = ::recv(fd, tmp, sizeof(tmp), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf->append(tmp, static_cast<size_t>(r));
    return true;
  }
}

void Reset(int fd) {
  struct linger l = {1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::shutdown(fd, SHUT_RDWR);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Head {
  std::string first_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Get(const std::string& lower) const {
    for (const auto& [k, v] : headers) {
      if (Lower(k) == lower) return v;
    }
    return "";
  }
};

Head ParseHead(const std::string& text) {
  Head h;
  size_t pos = text.find("\r\n");
  h.first_line = text.substr(0, pos);
  pos += 2;
  while (pos < text.size()) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    std::string line = text.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      h.headers.emplace_back(line.substr(0, colon), v);
    }
    pos = end + 2;
  }
  return h;
}

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Decodes a chunked body; false when incomplete.
bool Dechunk(const std::string& in, std::string* out) {
  size_t pos = 0;
  while (true) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    size_t n = std::strtoul(in.substr(pos, eol - pos).c_str(), nullptr, 16);
    pos = eol + 2;
    if (n == 0) return true;
    if (pos + n > in.size()) return false;
    out->append(in, pos, n);
    pos += n + 2;
  }
}

}  // namespace

S3FaultProxy::S3FaultProxy(int upstream_port) : upstream_port_(upstream_port) {}

S3FaultProxy::~S3FaultProxy() { Stop(); }

bool S3FaultProxy::Start(std::string* error) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    *error = std::string("proxy listen: ") + std::strerror(errno);
    return false;
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return true;
}

void S3FaultProxy::Stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : conns_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

void S3FaultProxy::AddRule(const FaultRule& rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(Rule{rule});
}

void S3FaultProxy::ClearRules() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

int S3FaultProxy::requests(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = requests_.find(method);
  return it == requests_.end() ? 0 : it->second;
}

bool S3FaultProxy::PickFault(const std::string& method, const std::string& target, FaultRule* out) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[method];
  for (Rule& rule : rules_) {
    if (!rule.r.method.empty() && rule.r.method != method) continue;
    if (!rule.r.target_contains.empty() &&
        target.find(rule.r.target_contains) == std::string::npos) {
      continue;
    }
    if (rule.seen++ < rule.r.skip) continue;
    if (rule.r.count >= 0 && rule.fired >= rule.r.count) continue;
    ++rule.fired;
    ++faults_;
    *out = rule.r;
    return true;
  }
  return false;
}

void S3FaultProxy::AcceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    conns_.insert(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void S3FaultProxy::Serve(int fd) {
  std::string in;
  while (!stopping_) {
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!RecvSome(fd, &in)) goto done;
    }
    {
      std::string head_text = in.substr(0, head_end + 4);
      in.erase(0, head_end + 4);
      Head req = ParseHead(head_text);
      size_t sp1 = req.first_line.find(' ');
      size_t sp2 = req.first_line.find(' ', sp1 + 1);
      std::string method = req.first_line.substr(0, sp1);
      std::string target = req.first_line.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t body_len = std::strtoull(req.Get("content-length").c_str(), nullptr, 10);
      while (in.size() < body_len) {
        if (!RecvSome(fd, &in)) goto done;
      }
      std::string body = in.substr(0, body_len);
      in.erase(0, body_len);

      FaultRule fault;
      bool faulty = PickFault(method, target, &fault);
      if (faulty && fault.fault == Fault::kStatus) {
        std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                          fault.s3_code + "</Code><Message>injected by the test proxy" +
                          "</Message></Error>";
        std::string resp = "HTTP/1.1 " + std::to_string(fault.status) + " Injected\r\n" +
                           "Content-Type: application/xml\r\nContent-Length: " +
                           std::to_string(method == "HEAD" ? 0 : xml.size()) + "\r\n\r\n" +
                           (method == "HEAD" ? "" : xml);
        if (!SendAll(fd, resp)) goto done;
        continue;
      }
      if (faulty && fault.fault == Fault::kDropRequest) {
        Reset(fd);
        goto done;
      }
      if (faulty && fault.fault == Fault::kDelay) {
        std::this_thread::sleep_for(std::chrono::milliseconds(fault.delay_ms));
      }

      // Forward with one upstream connection per request.
      std::string up_req = req.first_line + "\r\n";
      for (const auto& [k, v] : req.headers) {
        if (Lower(k) == "connection") continue;
        up_req += k + ": " + v + "\r\n";
      }
      up_req += "Connection: close\r\n\r\n" + body;
      int up = ConnectLoopback(upstream_port_);
      if (up < 0) goto done;
      std::string raw;
      bool sent = SendAll(up, up_req);
      while (sent && RecvSome(up, &raw)) {
      }
      ::close(up);
      size_t rhead_end = raw.find("\r\n\r\n");
      if (rhead_end == std::string::npos) goto done;
      Head resp = ParseHead(raw.substr(0, rhead_end + 4));
      std::string rbody = raw.substr(rhead_end + 4);
      int status = std::atoi(resp.first_line.c_str() + resp.first_line.find(' ') + 1);
      bool no_body = method == "HEAD" || status == 204 || status == 304;
      if (!no_body && Lower(resp.Get("transfer-encoding")) == "chunked") {
        std::string plain;
        Dechunk(rbody, &plain);
        rbody = std::move(plain);
      }
      if (no_body) rbody.clear();

      if (faulty && fault.fault == Fault::kResetBeforeResponse) {
        Reset(fd);
        goto done;
      }
      size_t send_len = rbody.size();
      size_t announced = rbody.size();
      bool cut =
          faulty && (fault.fault == Fault::kResetMidBody || fault.fault == Fault::kTruncateBody ||
                     fault.fault == Fault::kShortBody);
      if (cut) send_len = rbody.size() / 2;
      if (faulty && fault.fault == Fault::kShortBody) announced = send_len;
      std::string out = resp.first_line + "\r\n";
      for (const auto& [k, v] : resp.headers) {
        std::string lk = Lower(k);
        if (lk == "connection" || lk == "transfer-encoding" ||
            (lk == "content-length" && !no_body)) {
          continue;
        }
        out += k + ": " + v + "\r\n";
      }
      if (!no_body) out += "Content-Length: " + std::to_string(announced) + "\r\n";
      out += "\r\n";
      out.append(rbody, 0, send_len);
      if (!SendAll(fd, out)) goto done;
      if (faulty && fault.fault == Fault::kResetMidBody) {
        Reset(fd);
        goto done;
      }
      if (faulty && fault.fault == Fault::kTruncateBody) goto done;
    }
  }
done:
  std::lock_guard<std::mutex> lock(mu_);
  conns_.erase(fd);
  ::close(fd);
}

}  // namespace alluxio::testing
