#include "http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace alluxio::worker {

struct HttpExchange::Conn {
  int fd = -1;
  std::string buf;  // bytes read and not yet consumed
  std::chrono::steady_clock::time_point idle_since;
  ~Conn() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

const char* Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// A whole short response on a connection that then closes.
void SendAndForget(int fd, int status, std::string_view message) {
  std::string r =
      "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(message.size()) +
      "\r\nConnection: close\r\n\r\n";
  r += message;
  (void)!::send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Before closing a connection the server ends: a close with unread input
// makes the kernel reset the connection, and a reset can destroy the
// response the peer has not read yet. So: end our side, and read what the
// peer still sends for a moment (bounded in time and bytes).
void LingeringShutdown(int fd) {
  ::shutdown(fd, SHUT_WR);
  char tmp[16 << 10];
  size_t drained = 0;
  while (drained < (1u << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) return;
    ssize_t n = ::recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
    if (n <= 0) return;
    drained += static_cast<size_t>(n);
  }
}

void SetTimeouts(int fd, int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? nullptr : &it->second;
}

std::optional<std::string> HttpRequest::Param(std::string_view key, bool form) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    size_t eq = kv.find('=');
    std::string_view k = kv.substr(0, eq);
    if (Decode(k, true) != key) continue;
    return eq == std::string_view::npos ? std::string() : Decode(kv.substr(eq + 1), form);
  }
  return std::nullopt;
}

HttpExchange::HttpExchange(Conn* conn, HttpRequest req, int64_t body_length, bool chunked)
    : conn_(conn),
      req_(std::move(req)),
      body_left_(chunked ? 0 : body_length),
      chunked_(chunked),
      body_done_(!chunked && body_length == 0) {}

Status HttpExchange::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(conn_->fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      return Status::FromErrno(n < 0 ? errno : EPIPE, "sending an HTTP response");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Result<size_t> HttpExchange::Fill() {
  char tmp[64 << 10];
  for (;;) {
    ssize_t n = ::recv(conn_->fd, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      if (n == 0) return Status(Code::kAborted, "the peer closed the connection mid-request");
      return Status::FromErrno(errno, "reading an HTTP request body");
    }
    conn_->buf.append(tmp, static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }
}

Result<size_t> HttpExchange::ReadBody(char* buf, size_t n) {
  if (body_done_ || n == 0) return size_t{0};
  if (!sent_continue_) {
    sent_continue_ = true;
    const std::string* expect = req_.Header("expect");
    if (expect != nullptr && Lower(*expect) == "100-continue") {
      RETURN_IF_ERROR(Send("HTTP/1.1 100 Continue\r\n\r\n"));
    }
  }
  if (chunked_ && body_left_ == 0) {
    // The next chunk's size line ("1a;ext\r\n"), after the previous chunk's CRLF.
    for (;;) {
      size_t eol = conn_->buf.find("\r\n");
      if (eol == 0) {
        conn_->buf.erase(0, 2);  // the CRLF that ends a chunk's data
        continue;
      }
      if (eol != std::string::npos) {
        std::string_view line(conn_->buf.data(), eol);
        line = line.substr(0, line.find(';'));
        line = Trim(line);
        uint64_t size = 0;
        if (line.empty() || line.size() > 15) {
          broken_ = true;
          return Status::InvalidArgument("malformed chunk size in a chunked request body");
        }
        for (char c : line) {
          int v = HexValue(c);
          if (v < 0) {
            broken_ = true;
            return Status::InvalidArgument("malformed chunk size in a chunked request body");
          }
          size = size * 16 + static_cast<uint64_t>(v);
        }
        conn_->buf.erase(0, eol + 2);
        if (size == 0) {
          // Trailers up to an empty line.
          for (;;) {
            size_t end = conn_->buf.find("\r\n");
            if (end == 0) {
              conn_->buf.erase(0, 2);
              break;
            }
            if (end != std::string::npos) {
              conn_->buf.erase(0, end + 2);
              continue;
            }
            ASSIGN_OR_RETURN(size_t got, Fill());
            (void)got;
          }
          body_done_ = true;
          return size_t{0};
        }
        body_left_ = static_cast<int64_t>(size);
        break;
      }
      if (conn_->buf.size() > 1024) {
        broken_ = true;
        return Status::InvalidArgument("chunk size line too long in a chunked request body");
      }
      ASSIGN_OR_RETURN(size_t got, Fill());
      (void)got;
    }
  }
  if (conn_->buf.empty()) {
    ASSIGN_OR_RETURN(size_t got, Fill());
    (void)got;
  }
  size_t take = std::min({n, conn_->buf.size(), static_cast<size_t>(body_left_)});
  std::memcpy(buf, conn_->buf.data(), take);
  conn_->buf.erase(0, take);
  body_left_ -= static_cast<int64_t>(take);
  if (!chunked_ && body_left_ == 0) body_done_ = true;
  return take;
}

Status HttpExchange::DrainBody() {
  char tmp[16 << 10];
  uint64_t drained = 0;
  while (!body_done_) {
    // A handler that did not want the body: read a little of it so the
    // connection can serve the next request; close it rather than read much.
    if (drained > (1u << 20)) {
      broken_ = true;
      return Status(Code::kAborted, "unread request body");
    }
    ASSIGN_OR_RETURN(size_t n, ReadBody(tmp, sizeof tmp));
    if (n == 0 && !body_done_) return Status(Code::kAborted, "unread request body");
    drained += n;
  }
  return Status::OK();
}

void HttpExchange::AddHeader(std::string_view name, std::string_view value) {
  extra_headers_.append(name);
  extra_headers_ += ": ";
  extra_headers_.append(value);
  extra_headers_ += "\r\n";
}

void HttpExchange::RespondHead(int status, std::string_view content_type, uint64_t content_length) {
  if (responded_) return;
  responded_ = true;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                     "\r\nContent-Type: " + std::string(content_type) +
                     "\r\nContent-Length: " + std::to_string(content_length) + "\r\n" +
                     extra_headers_;
  if (!req_.keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  (void)Send(head);
}

void HttpExchange::Respond(int status, std::string_view content_type, std::string_view body) {
  if (responded_) return;
  responded_ = true;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                     "\r\nContent-Type: " + std::string(content_type) +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers_;
  if (!req_.keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  // The answer to a HEAD request has no body (its length is the GET's).
  if (req_.method == "HEAD") {
    (void)Send(head);
    return;
  }
  if (body.size() < (64 << 10)) {
    head.append(body.data(), body.size());
    (void)Send(head);
  } else if (Send(head).ok()) {
    (void)Send(body);
  }
}

Status HttpExchange::BeginChunked(int status, std::string_view content_type) {
  if (responded_) return Status::InvalidArgument("HTTP response already sent");
  responded_ = true;
  chunking_ = true;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                     "\r\nContent-Type: " + std::string(content_type) +
                     "\r\nTransfer-Encoding: chunked\r\n" + extra_headers_;
  if (!req_.keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return Send(head);
}

Status HttpExchange::WriteChunk(std::string_view data) {
  if (data.empty()) return Status::OK();  // an empty chunk would end the body
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  RETURN_IF_ERROR(Send(size));
  RETURN_IF_ERROR(Send(data));
  return Send("\r\n");
}

Status HttpExchange::EndChunked() {
  chunking_ = false;
  return Send("0\r\n\r\n");
}

void HttpExchange::AbortChunked() {
  chunking_ = false;
  broken_ = true;
}

HttpServer::HttpServer(const HttpServerOptions& opts, Handler handler)
    : opts_(opts),
      handler_(std::move(handler)),
      pool_(opts.threads, TaskPool::AtStop::kRunPending) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& opts,
                                                      Handler handler) {
  std::unique_ptr<HttpServer> s(new HttpServer(opts, std::move(handler)));
  std::string host = opts.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string where = opts.host + ":" + std::to_string(opts.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(opts.port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return Status(Code::kUnavailable,
                  "cannot resolve HTTP address " + where + ": " + ::gai_strerror(rc));
  }
  int err = 0;
  for (addrinfo* a = res; a != nullptr && s->listen_fd_ < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      err = errno;
      ::close(fd);
      continue;
    }
    s->listen_fd_ = fd;
  }
  ::freeaddrinfo(res);
  if (s->listen_fd_ < 0) {
    return Status(Code::kUnavailable, "cannot listen for HTTP on " + where + ": " +
                                          std::strerror(err != 0 ? err : EADDRNOTAVAIL));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  s->port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (::pipe2(s->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::FromErrno(errno, "HTTP server wake-up pipe");
  }
  s->loop_ = std::thread([srv = s.get()] { srv->Loop(); });
  return s;
}

HttpServer::~HttpServer() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
}

void HttpServer::Wake() {
  char c = 1;
  (void)!::write(wake_[1], &c, 1);
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  Wake();
  if (loop_.joinable()) loop_.join();
  {
    // Requests in flight waiting on a peer end now; those computing finish.
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : busy_) ::shutdown(fd, SHUT_RD);
  }
  pool_.Stop();
  std::lock_guard<std::mutex> lock(mu_);
  returned_.clear();
}

void HttpServer::Loop() {
  std::vector<std::unique_ptr<Conn>> idle;
  std::vector<pollfd> fds;
  while (!stopping_.load()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : returned_) idle.push_back(std::move(c));
      returned_.clear();
    }
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : idle) fds.push_back({c->fd, POLLIN, 0});
    int n = ::poll(fds.data(), fds.size(), 1000);
    if (n < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    if (fds[1].revents != 0) {
      for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) break;
        if (connections_.load() >= opts_.max_connections) {
          SendAndForget(fd, 503, "too many connections to this worker's HTTP server\n");
          ::close(fd);
          continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        SetTimeouts(fd, opts_.io_timeout_ms);
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        c->idle_since = std::chrono::steady_clock::now();
        connections_.fetch_add(1);
        idle.push_back(std::move(c));
      }
    }
    // Connections with a request (or a hang-up) go to the pool; those idle
    // too long close.
    auto now = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<Conn>> keep;
    for (size_t i = 0; i < idle.size(); ++i) {
      std::unique_ptr<Conn>& c = idle[i];
      short ev = i + 2 < fds.size() && fds[i + 2].fd == c->fd ? fds[i + 2].revents : 0;
      if (ev != 0) {
        Serve(std::move(c));
      } else if (now - c->idle_since > std::chrono::milliseconds(opts_.idle_timeout_ms)) {
        connections_.fetch_sub(1);
        c.reset();
      } else {
        keep.push_back(std::move(c));
      }
    }
    idle = std::move(keep);
  }
  connections_.fetch_sub(idle.size());
  idle.clear();
}

void HttpServer::Serve(std::unique_ptr<Conn> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_.push_back(conn->fd);
  }
  // TaskPool tasks are copyable functions: the connection travels as a
  // pointer owned by the task.
  Conn* raw = conn.release();
  pool_.Submit([this, raw] {
    std::unique_ptr<Conn> c(raw);
    bool open = true;
    // Pipelined requests already buffered are served before polling again.
    do {
      open = !stopping_.load() && ServeOne(c.get());
    } while (open && !c->buf.empty());
    std::unique_lock<std::mutex> lock(mu_);
    busy_.erase(std::find(busy_.begin(), busy_.end(), c->fd));
    if (open && !stopping_.load()) {
      c->idle_since = std::chrono::steady_clock::now();
      returned_.push_back(std::move(c));
      lock.unlock();
      Wake();
      return;
    }
    lock.unlock();
    // Uncounted before it closes: a peer that sees the close may connect
    // again at once.
    connections_.fetch_sub(1);
    LingeringShutdown(c->fd);
    c.reset();
  });
}

bool HttpServer::ServeOne(Conn* conn) {
  // The request head.
  size_t end;
  for (;;) {
    end = conn->buf.find("\r\n\r\n");
    if (end != std::string::npos) break;
    if (conn->buf.size() > opts_.max_header_bytes) {
      SendAndForget(conn->fd, 431, "request head larger than the worker accepts\n");
      return false;
    }
    char tmp[16 << 10];
    ssize_t n = ::recv(conn->fd, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // closed, or silent too long
    conn->buf.append(tmp, static_cast<size_t>(n));
  }
  if (end > opts_.max_header_bytes) {
    SendAndForget(conn->fd, 431, "request head larger than the worker accepts\n");
    return false;
  }
  std::string head = conn->buf.substr(0, end);
  conn->buf.erase(0, end + 4);

  HttpRequest req;
  size_t eol = head.find("\r\n");
  std::string_view line(head.data(), eol == std::string::npos ? head.size() : eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    SendAndForget(conn->fd, 400, "malformed HTTP request line\n");
    return false;
  }
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    SendAndForget(conn->fd, 505, "only HTTP/1.0 and HTTP/1.1 are served\n");
    return false;
  }
  size_t pos = eol == std::string::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string_view h(head.data() + pos, e - pos);
    pos = e + 2;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      SendAndForget(conn->fd, 400, "malformed HTTP header line\n");
      return false;
    }
    std::string name = Lower(Trim(h.substr(0, colon)));
    std::string value(Trim(h.substr(colon + 1)));
    auto [it, fresh] = req.headers.emplace(name, value);
    if (!fresh) it->second += ", " + value;
  }
  size_t q = req.target.find('?');
  req.path = Decode(std::string_view(req.target).substr(0, q), false);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  const std::string* connection = req.Header("connection");
  std::string conn_value = connection ? Lower(*connection) : "";
  req.keep_alive = version == "HTTP/1.1" ? conn_value.find("close") == std::string::npos
                                         : conn_value.find("keep-alive") != std::string::npos;

  bool chunked = false;
  int64_t length = 0;
  if (const std::string* te = req.Header("transfer-encoding"); te != nullptr) {
    if (Lower(*te) != "chunked") {
      SendAndForget(conn->fd, 501, "only the chunked transfer coding is accepted\n");
      return false;
    }
    chunked = true;
  } else if (const std::string* cl = req.Header("content-length"); cl != nullptr) {
    char* endp = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(cl->c_str(), &endp, 10);
    if (cl->empty() || *endp != '\0' || errno != 0 || (*cl)[0] == '-') {
      SendAndForget(conn->fd, 400, "malformed Content-Length\n");
      return false;
    }
    if (v > opts_.max_body_bytes) {
      SendAndForget(conn->fd, 413, "request body larger than the worker accepts\n");
      return false;
    }
    length = static_cast<int64_t>(v);
  }

  HttpExchange ex(conn, std::move(req), length, chunked);
  try {
    handler_(ex);
  } catch (const std::exception& e) {
    if (!ex.responded())
      ex.Respond(500, "text/plain", std::string("unexpected error: ") + e.what());
    ex.broken_ = true;
  } catch (...) {
    if (!ex.responded()) ex.Respond(500, "text/plain", "unexpected error\n");
    ex.broken_ = true;
  }
  if (!ex.responded()) ex.Respond(500, "text/plain", "the request was not answered\n");
  if (ex.chunking_) ex.broken_ = true;  // a chunked response left unfinished
  if (ex.broken_ || !ex.request().keep_alive) return false;
  return ex.DrainBody().ok() && !ex.broken_;
}

}  // namespace alluxio::worker
