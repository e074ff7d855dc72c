// The worker REST API in-process: a RestServer (and the S3 API's object
// reads, S3ObjectServer) on a loopback port over a FileSystem on a local
// directory, spoken to over plain sockets, so that
// the HTTP framing itself (keep-alive, pipelining, chunked bodies, limits)
// is checked as well as each endpoint. tests/worker/alluxiofs_test.py runs
// Alluxio's own Python client against the real daemon.
#include "rest_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "alluxio/file_system.h"
#include "s3_api.h"
#include "testing/bytes.h"
#include "testing/temp_dir.h"

namespace alluxio::worker {
namespace {

using alluxio::testing::TempDir;

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// One client connection, speaking HTTP/1.1 by hand.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }

  bool Send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // The next response; nullopt when the server closed the connection first.
  // `head_request`: the answer to a HEAD request, which has no body.
  std::optional<Response> Read(bool head_request = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    Response r;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    r.status = std::atoi(line.substr(9, 3).c_str());
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (r.status == 100) return Read(head_request);
    if (head_request) return r;
    if (r.headers["transfer-encoding"] == "chunked") {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) return std::nullopt;
        }
        size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        buf_.erase(0, eol + 2);
        while (buf_.size() < size + 2) {
          if (!Fill()) return std::nullopt;
        }
        r.body += buf_.substr(0, size);
        buf_.erase(0, size + 2);
        if (size == 0) break;
      }
    } else {
      size_t length = std::stoul(r.headers["content-length"]);
      while (buf_.size() < length) {
        if (!Fill()) return std::nullopt;
      }
      r.body = buf_.substr(0, length);
      buf_.erase(0, length);
    }
    return r;
  }

  // Whether the server closed the connection (reads EOF).
  bool ClosedByServer() { return buf_.empty() && !Fill(); }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

class RestServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(HttpServerOptions http) {
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
    RestServerOptions opts;
    opts.http = http;
    opts.http.host = "127.0.0.1";
    opts.http.port = 0;
    opts.http.threads = 4;
    opts.page_size = 1 << 20;
    opts.self.host = "127.0.0.1";
    opts.self.rpc_port = 29999;
    auto server = RestServer::Start(fs_, opts);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    port_ = server_->port();
  }

  std::string Uri(const std::string& rel) { return "file://" + ufs_dir_ + rel; }

  Response Call(const std::string& request) {
    Client c(port_);
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(request));
    auto r = c.Read();
    EXPECT_TRUE(r.has_value()) << request;
    return r.value_or(Response{});
  }

  Response Query(const std::string& method, const std::string& endpoint, const std::string& key,
                 const std::string& rel, const std::string& more = "") {
    return Call(method + " " + endpoint + "?" + key + "=" + Escape(Uri(rel)) + more +
                " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  }

  TempDir tmp_;
  std::string ufs_dir_;
  std::unique_ptr<Configuration> conf_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<RestServer> server_;
  int port_ = 0;
};

TEST_F(RestServerTest, InfoOfAFileCarriesAlluxiofsKeys) {
  WriteFile(ufs_dir_ + "/f.txt", "hello");
  ::chmod((ufs_dir_ + "/f.txt").c_str(), 0640);
  Response r = Query("GET", "/v1/info", "path", "/f.txt");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body.front(), '[');
  EXPECT_NE(r.body.find("\"mType\":\"file\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mName\":\"f.txt\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mPath\":\"/f.txt\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mUfsPath\":\"" + Uri("/f.txt") + "\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mLength\":5,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mHumanReadableFileSize\":\"5B\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mMode\":\"-rw-r-----\""), std::string::npos) << r.body;
  struct stat st {};
  ASSERT_EQ(::stat((ufs_dir_ + "/f.txt").c_str(), &st), 0);
  int64_t mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  EXPECT_NE(r.body.find("\"mLastModificationTimeMs\":" + std::to_string(mtime_ms)),
            std::string::npos)
      << r.body;
}

TEST_F(RestServerTest, MissingFileIs500FromInfoAnd404Elsewhere) {
  // alluxiofs turns /v1/info's 500, and only that, into FileNotFoundError.
  Response info = Query("GET", "/v1/info", "path", "/nope");
  EXPECT_EQ(info.status, 500);
  EXPECT_NE(info.body.find("\"error\":\"NotFound\""), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("/nope"), std::string::npos) << info.body;
  EXPECT_EQ(Query("GET", "/v1/files", "path", "/nope").status, 404);
  EXPECT_EQ(Query("GET", "/v1/chunk/x", "ufsFullPath", "/nope").status, 404);
  EXPECT_EQ(Query("GET", "/v1/file/x/page/0", "ufsFullPath", "/nope").status, 404);
}

TEST_F(RestServerTest, ListsADirectory) {
  std::filesystem::create_directories(ufs_dir_ + "/d/sub");
  WriteFile(ufs_dir_ + "/d/a \"q\".bin", std::string(6000, 'x'));
  Response r = Query("GET", "/v1/files", "path", "/d");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"mName\":\"a \\\"q\\\".bin\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mHumanReadableFileSize\":\"5.86KB\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"mType\":\"directory\",\"mName\":\"sub\",\"mPath\":\"/d/sub\","
                        "\"mUfsPath\":\"" +
                        Uri("/d/sub") + "\""),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"mMode\":\"drwx"), std::string::npos) << r.body;
}

TEST_F(RestServerTest, UriUnderNoMountIsABadRequest) {
  Response r = Call(Get("/v1/info?path=" + Escape("s3://elsewhere/x")));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("under no UFS"), std::string::npos) << r.body;
  EXPECT_EQ(Call(Get("/v1/info?path=" + Escape(Uri("/a/../../etc")))).status, 400);
  EXPECT_EQ(Call(Get("/v1/info")).status, 400);
}

TEST_F(RestServerTest, PagesWholePartialAndPastTheEnd) {
  std::string data = testing::PseudoRandomBytes((2 << 20) + 1000, 7);
  WriteFile(ufs_dir_ + "/big", data);
  Response p1 = Query("GET", "/v1/file/id/page/1", "ufsFullPath", "/big");
  ASSERT_EQ(p1.status, 200);
  EXPECT_EQ(p1.body, data.substr(1 << 20, 1 << 20));
  Response last = Query("GET", "/v1/file/id/page/2", "ufsFullPath", "/big");
  EXPECT_EQ(last.body, data.substr(2 << 20));
  Response part = Query("GET", "/v1/file/id/page/1", "ufsFullPath", "/big", "&offset=10&length=99");
  EXPECT_EQ(part.body, data.substr((1 << 20) + 10, 99));
  // A length beyond the page stops at the page's end.
  Response clipped =
      Query("GET", "/v1/file/id/page/0", "ufsFullPath", "/big", "&offset=1048570&length=100");
  EXPECT_EQ(clipped.body, data.substr(1048570, 6));
  Response past = Query("GET", "/v1/file/id/page/9", "ufsFullPath", "/big");
  EXPECT_EQ(past.status, 200);
  EXPECT_EQ(past.body, "");
  EXPECT_EQ(Query("GET", "/v1/file/id/page/x", "ufsFullPath", "/big").status, 400);
  EXPECT_EQ(Query("GET", "/v1/file/id/page/0", "ufsFullPath", "/big", "&offset=3").status, 400);
}

TEST_F(RestServerTest, ChunkedReadIsByteExact) {
  std::string data = testing::PseudoRandomBytes((3 << 20) + 17, 9);
  WriteFile(ufs_dir_ + "/big", data);
  Response r = Query("GET", "/v1/chunk/id", "ufsFullPath", "/big", "&chunkSize=65536");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(r.body, data);
  WriteFile(ufs_dir_ + "/empty", "");
  EXPECT_EQ(Query("GET", "/v1/chunk/id", "ufsFullPath", "/empty").body, "");
  EXPECT_EQ(Query("GET", "/v1/head/id", "ufsFullPath", "/big", "&numOfBytes=1kb").body,
            data.substr(0, 1024));
  EXPECT_EQ(Query("GET", "/v1/tail/id", "ufsFullPath", "/big", "&numOfBytes=10").body,
            data.substr(data.size() - 10));
}

TEST_F(RestServerTest, KeepAliveAndPipelinedRequests) {
  WriteFile(ufs_dir_ + "/f", "content");
  Client c(port_);
  ASSERT_TRUE(c.connected());
  std::string target = "/v1/chunk/id?ufsFullPath=" + Escape(Uri("/f"));
  // Two requests in one write, then a third on the same connection.
  ASSERT_TRUE(c.Send(Get(target) + Get("/v1/info?path=" + Escape(Uri("/f")))));
  auto a = c.Read();
  auto b = c.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "content");
  EXPECT_NE(b->body.find("\"mLength\":7"), std::string::npos);
  ASSERT_TRUE(c.Send(Get(target)));
  auto d = c.Read();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body, "content");
  // Connection: close is honoured.
  ASSERT_TRUE(c.Send("GET " + target + " HTTP/1.1\r\nConnection: close\r\n\r\n"));
  auto e = c.Read();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->headers["connection"], "close");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(RestServerTest, ChunkedWriteCommitsTheWholeBody) {
  Client c(port_);
  std::string body1(300000, 'a');
  std::string body2 = "tail";
  char size1[16];
  std::snprintf(size1, sizeof size1, "%zx", body1.size());
  ASSERT_TRUE(c.Send("POST /v1/chunk/id?ufsFullPath=" + Escape(Uri("/w.bin")) +
                     " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + size1 + "\r\n" + body1 +
                     "\r\n4;ext=1\r\n" + body2 + "\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(ReadFile(ufs_dir_ + "/w.bin"), body1 + body2);
  // And by Content-Length, replacing it.
  ASSERT_TRUE(c.Send("POST /v1/chunk/id?ufsFullPath=" + Escape(Uri("/w.bin")) +
                     " HTTP/1.1\r\nContent-Length: 5\r\n\r\nfresh"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(ReadFile(ufs_dir_ + "/w.bin"), "fresh");
}

TEST_F(RestServerTest, AWriteCutShortLeavesTheOldFile) {
  WriteFile(ufs_dir_ + "/keep", "old content");
  // Half of a 32 MiB body: more than the sockets buffer, so once it is sent
  // the server is inside the write, reading it.
  const std::string half(16 << 20, 'n');
  {
    Client c(port_);
    ASSERT_TRUE(c.Send("POST /v1/chunk/id?ufsFullPath=" + Escape(Uri("/keep")) +
                       " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2000000\r\n" + half));
    EXPECT_EQ(ReadFile(ufs_dir_ + "/keep"), "old content");
  }
  {
    Client c(port_);
    ASSERT_TRUE(c.Send("POST /v1/chunk/id?ufsFullPath=" + Escape(Uri("/new")) +
                       " HTTP/1.1\r\nContent-Length: 33554432\r\n\r\n" + half));
    EXPECT_FALSE(std::filesystem::exists(ufs_dir_ + "/new"));
  }
  // Both connections are closed mid-body; Stop returns once the requests
  // in flight have ended.
  server_->Stop();
  EXPECT_EQ(ReadFile(ufs_dir_ + "/keep"), "old content");
  EXPECT_FALSE(std::filesystem::exists(ufs_dir_ + "/new"));
  for (const auto& e : std::filesystem::directory_iterator(ufs_dir_)) {
    EXPECT_TRUE(e.path().filename() == "keep") << "left behind: " << e.path();
  }
}

TEST_F(RestServerTest, MkdirTouchMoveRemove) {
  EXPECT_EQ(Query("POST", "/v1/mkdir/id", "ufsFullPath", "/m/n").status, 200);
  EXPECT_TRUE(std::filesystem::is_directory(ufs_dir_ + "/m/n"));
  EXPECT_EQ(Query("POST", "/v1/mkdir/id", "ufsFullPath", "/m/n").status, 409);
  EXPECT_EQ(Query("POST", "/v1/touch/id", "ufsFullPath", "/m/t").status, 200);
  EXPECT_TRUE(std::filesystem::is_regular_file(ufs_dir_ + "/m/t"));
  EXPECT_EQ(Query("POST", "/v1/touch/id", "ufsFullPath", "/m/t").status, 200);
  Response mv = Call("POST /v1/mv/id?srcPath=" + Escape(Uri("/m/t")) +
                     "&dstPath=" + Escape(Uri("/m/u")) + " HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(mv.status, 200) << mv.body;
  EXPECT_TRUE(std::filesystem::exists(ufs_dir_ + "/m/u"));
  EXPECT_FALSE(std::filesystem::exists(ufs_dir_ + "/m/t"));
  EXPECT_EQ(Query("POST", "/v1/rm/id", "ufsFullPath", "/m").status, 409);  // not empty
  EXPECT_EQ(Query("POST", "/v1/rm/id", "ufsFullPath", "/m", "&recursive=True").status, 200);
  EXPECT_FALSE(std::filesystem::exists(ufs_dir_ + "/m"));
  EXPECT_EQ(Query("POST", "/v1/rm/id", "ufsFullPath", "/m").status, 404);
}

TEST_F(RestServerTest, NodeNamesThisWorker) {
  Response r = Call(Get("/v1/node?path=" + Uri("/any")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"Host\":\"127.0.0.1\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"RpcPort\":29999"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"HttpServerPort\":" + std::to_string(port_)), std::string::npos)
      << r.body;
}

TEST_F(RestServerTest, WhatIsNotServedSaysSo) {
  Response none = Call(Get("/v1/nothing"));
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("/v1/nothing"), std::string::npos);
  EXPECT_EQ(Call(Get("/index.html")).status, 404);
  EXPECT_EQ(Query("GET", "/v1/mkdir/id", "ufsFullPath", "/x").status, 405);
  Response page = Query("POST", "/v1/file/id/page/0", "ufsFullPath", "/x");
  EXPECT_EQ(page.status, 501);
  EXPECT_NE(page.body.find("atomically"), std::string::npos) << page.body;
  EXPECT_EQ(Query("GET", "/v1/load", "path", "/x").status, 501);
}

TEST_F(RestServerTest, MalformedRequestsAreRefused) {
  EXPECT_EQ(Call("NONSENSE\r\n\r\n").status, 400);
  EXPECT_EQ(Call("GET / HTTP/2.0\r\n\r\n").status, 505);
  EXPECT_EQ(Call("GET / HTTP/1.1\r\nbad header\r\n\r\n").status, 400);
  EXPECT_EQ(Call("POST /v1/chunk/x HTTP/1.1\r\nContent-Length: -1\r\n\r\n").status, 400);
  EXPECT_EQ(Call("POST /v1/chunk/x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").status, 501);
  EXPECT_EQ(Call("GET /" + std::string(70000, 'a') + " HTTP/1.1\r\n\r\n").status, 431);
}

class RestServerLimitsTest : public RestServerTest {
 protected:
  void SetUp() override {
    HttpServerOptions http;
    http.max_body_bytes = 1000;
    http.max_connections = 1;
    Start(http);
  }
};

TEST_F(RestServerLimitsTest, BodyAndConnectionLimits) {
  Client first(port_);
  ASSERT_TRUE(first.Send("POST /v1/chunk/x?ufsFullPath=" + Escape(Uri("/b")) +
                         " HTTP/1.1\r\nContent-Length: 1001\r\n\r\n"));
  auto r = first.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(first.ClosedByServer());
  first.Close();
  // One connection at a time: the second of two open ones is turned away.
  // (The first, closed above, may still count until its request has
  // ended; the one held here does until the end.)
  Client held(port_);
  ASSERT_TRUE(held.Send(Get("/v1/info?path=" + Escape(Uri("")))));
  ASSERT_TRUE(held.Read());
  Client extra(port_);
  auto busy = extra.Read();
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
}

// The S3 API's object reads (alluxiofs's ranged reads) over the same
// FileSystem.
class S3ObjectServerTest : public RestServerTest {
 protected:
  void SetUp() override {
    RestServerTest::SetUp();
    HttpServerOptions http;
    http.host = "127.0.0.1";
    http.port = 0;
    http.threads = 2;
    auto s3 = S3ObjectServer::Start(fs_, http);
    ASSERT_TRUE(s3.ok()) << s3.status().ToString();
    s3_ = std::move(*s3);
  }

  Response S3(const std::string& target, const std::string& range = "",
              const std::string& method = "GET") {
    Client c(s3_->port());
    EXPECT_TRUE(c.connected());
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
    if (!range.empty()) req += "Range: " + range + "\r\n";
    EXPECT_TRUE(c.Send(req + "Content-Length: 0\r\n\r\n"));
    auto r = c.Read(method == "HEAD");
    EXPECT_TRUE(r.has_value()) << req;
    return r.value_or(Response{});
  }

  std::unique_ptr<S3ObjectServer> s3_;
};

TEST_F(S3ObjectServerTest, RangesAndTheWholeObject) {
  std::filesystem::create_directories(ufs_dir_ + "/bucket/dir");
  const std::string data = testing::PseudoRandomBytes((3 << 20) + 4321, 7);
  WriteFile(ufs_dir_ + "/bucket/dir/f.bin", data);
  const std::string size = std::to_string(data.size());
  Response r = S3("/bucket/dir/f.bin", "bytes=10-19");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.headers["content-range"], "bytes 10-19/" + size);
  EXPECT_EQ(r.headers["accept-ranges"], "bytes");
  EXPECT_EQ(r.body, data.substr(10, 10));
  // Across pages, to the end, clipped at the end, the last N.
  r = S3("/bucket/dir/f.bin", "bytes=1048570-3145735");
  EXPECT_EQ(r.body, data.substr(1048570, 3145735 - 1048570 + 1));
  r = S3("/bucket/dir/f.bin", "bytes=3145000-");
  EXPECT_EQ(r.body, data.substr(3145000));
  r = S3("/bucket/dir/f.bin", "bytes=100-999999999");
  EXPECT_EQ(r.headers["content-range"],
            "bytes 100-" + std::to_string(data.size() - 1) + "/" + size);
  EXPECT_EQ(r.body, data.substr(100));
  r = S3("/bucket/dir/f.bin", "bytes=-7");
  EXPECT_EQ(r.body, data.substr(data.size() - 7));
  r = S3("/bucket/dir/f.bin");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, data);
  // What it does not understand it ignores (RFC 9110), serving the whole
  // file; alluxiofs's cat_file(path) sends "bytes=0--2".
  for (const char* range : {"bytes=5-3", "items=0-1", "bytes=0-1,5-6", "bytes=0--2", "bytes=x-"}) {
    r = S3("/bucket/dir/f.bin", range);
    EXPECT_EQ(r.status, 200) << range;
    EXPECT_EQ(r.body.size(), data.size()) << range;
  }
}

TEST_F(S3ObjectServerTest, RangesPastTheEndAre416) {
  std::filesystem::create_directories(ufs_dir_ + "/b");
  WriteFile(ufs_dir_ + "/b/f", "0123456789");
  WriteFile(ufs_dir_ + "/b/empty", "");
  Response r = S3("/b/f", "bytes=10-");
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.headers["content-range"], "bytes */10");
  EXPECT_NE(r.body.find("<Code>InvalidRange</Code>"), std::string::npos) << r.body;
  EXPECT_EQ(S3("/b/f", "bytes=-0").status, 416);
  EXPECT_EQ(S3("/b/empty", "bytes=0-0").status, 416);
  r = S3("/b/empty");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
}

TEST_F(S3ObjectServerTest, HeadHasTheLengthAndNoBody) {
  std::filesystem::create_directories(ufs_dir_ + "/b");
  WriteFile(ufs_dir_ + "/b/f", "0123456789");
  Client c(s3_->port());
  ASSERT_TRUE(c.Send("HEAD /b/f HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/b/f")));
  auto head = c.Read(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers["content-length"], "10");
  EXPECT_EQ(head->headers["etag"].front(), '"');
  EXPECT_FALSE(head->headers["last-modified"].empty());
  // The next response on the connection starts right after the head.
  auto get = c.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "0123456789");
}

TEST_F(S3ObjectServerTest, ErrorsAreS3s) {
  std::filesystem::create_directories(ufs_dir_ + "/b/dir");
  Response r = S3("/b/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["content-type"], "application/xml");
  EXPECT_NE(r.body.find("<Code>NoSuchKey</Code>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Resource>/b/missing</Resource>"), std::string::npos) << r.body;
  EXPECT_EQ(S3("/b/dir").status, 404);
  EXPECT_EQ(S3("/b/dir", "", "HEAD").status, 404);
  r = S3("/b/../etc/passwd");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>InvalidURI</Code>"), std::string::npos) << r.body;
  EXPECT_EQ(S3("/").status, 400);
  r = S3("/b/x", "", "PUT");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, HEAD");
}

}  // namespace
}  // namespace alluxio::worker
