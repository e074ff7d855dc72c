// HttpServer: a small HTTP/1.1 server on plain sockets, for the worker's
// REST API (rest_server.h).
//
// Keep-alive connections (HTTP/1.1's default; "Connection: close" ends one),
// request bodies by Content-Length or chunked transfer coding, responses
// whole or chunked. A fixed number of threads serves requests; idle
// connections wait in one poll loop and hold no thread, so many pooled
// client connections cost nothing but a descriptor. Limits: a request head
// larger than max_header_bytes is answered 431, a body declared larger than
// max_body_bytes 413, and beyond max_connections a new connection gets 503;
// each then closes. A peer silent for io_timeout_ms in the middle of a
// request, or idle for idle_timeout_ms between requests, is disconnected.
#ifndef ALLUXIO_WORKER_HTTP_SERVER_H_
#define ALLUXIO_WORKER_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "alluxio/status.h"
#include "alluxio/task_pool.h"

namespace alluxio::worker {

struct HttpRequest {
  std::string method;                          // as sent ("GET")
  std::string target;                          // as sent ("/v1/info?path=s3%3A%2F%2Fb")
  std::string path;                            // the target's path, percent-decoded
  std::string query;                           // the target's query (after '?'), as sent
  std::map<std::string, std::string> headers;  // names lower-cased
  bool keep_alive = true;

  // The header's value, or nullptr. `name` lower-case.
  const std::string* Header(std::string_view name) const;

  // The first query parameter `key`, percent-decoded; '+' is a space when
  // `form` (an application/x-www-form-urlencoded value, as Python's
  // requests sends params=), itself otherwise (a value put in the URL as
  // it is). nullopt when absent.
  std::optional<std::string> Param(std::string_view key, bool form = true) const;
};

// One request and its response, handed to the handler. Not thread-safe.
class HttpExchange {
 public:
  const HttpRequest& request() const { return req_; }

  // Reads up to n bytes of the request body; 0 at its end. An error when the
  // peer went away or the chunked coding is malformed.
  Result<size_t> ReadBody(char* buf, size_t n);

  // An extra header line ("Content-Range", ...) of the response to come;
  // before Respond, RespondHead or BeginChunked. `name` and `value` must
  // hold no CR or LF.
  void AddHeader(std::string_view name, std::string_view value);

  // A whole response. Once per exchange.
  void Respond(int status, std::string_view content_type, std::string_view body);

  // The head of a response of `content_length` bytes without its body: the
  // answer to a HEAD request. Once per exchange.
  void RespondHead(int status, std::string_view content_type, uint64_t content_length);

  // A chunked response: BeginChunked, WriteChunk..., EndChunked. An error
  // means the peer went away.
  Status BeginChunked(int status, std::string_view content_type);
  Status WriteChunk(std::string_view data);
  Status EndChunked();
  // Ends a begun chunked response without its last chunk, closing the
  // connection: the peer sees a broken transfer, never a short file.
  void AbortChunked();

  bool responded() const { return responded_; }

 private:
  friend class HttpServer;
  struct Conn;
  HttpExchange(Conn* conn, HttpRequest req, int64_t body_length, bool chunked);
  Status Send(std::string_view data);
  Result<size_t> Fill();  // more bytes into the connection buffer
  Status DrainBody();

  Conn* conn_;
  HttpRequest req_;
  int64_t body_left_;  // Content-Length bytes left; for chunked, of this chunk
  bool chunked_;
  bool body_done_;
  bool sent_continue_ = false;
  bool responded_ = false;
  bool chunking_ = false;
  bool broken_ = false;        // the connection must close after this exchange
  std::string extra_headers_;  // AddHeader's lines, each ending in CRLF
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // "[::1]" or "::1" for IPv6
  int port = 0;                    // 0: any free port
  int threads = 8;
  size_t max_connections = 512;
  size_t max_header_bytes = 64 << 10;
  uint64_t max_body_bytes = 64ull << 30;
  int io_timeout_ms = 30000;
  int idle_timeout_ms = 120000;
};

class HttpServer {
 public:
  // Runs on a server thread; must answer (Respond or a chunked response) or
  // the server answers 500. Exceptions are caught and answered 500.
  using Handler = std::function<void(HttpExchange&)>;

  // Listening once it returns. Unavailable naming the address when it cannot
  // listen there.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& opts, Handler handler);
  // Stops.
  ~HttpServer();

  int port() const { return port_; }

  // Stops listening, lets the requests in flight finish (a peer that does
  // not read or send is cut off), and closes every connection. Idempotent.
  void Stop();

 private:
  using Conn = HttpExchange::Conn;
  HttpServer(const HttpServerOptions& opts, Handler handler);
  void Loop();
  void Serve(std::unique_ptr<Conn> conn);
  // Serves one request of conn; false when the connection must close.
  bool ServeOne(Conn* conn);
  void Wake();

  const HttpServerOptions opts_;
  const Handler handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> connections_{0};

  std::mutex mu_;                                // guards returned_ and busy_; a leaf lock
  std::vector<std::unique_ptr<Conn>> returned_;  // back from a request, to poll again
  std::vector<int> busy_;                        // descriptors being served

  std::thread loop_;
  TaskPool pool_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_HTTP_SERVER_H_
