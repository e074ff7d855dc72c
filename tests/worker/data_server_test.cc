// Alluxio's data port (DataServer) and the write path around it, in-process:
// a real DataServer and gRPC server over a FileSystem on a local directory,
// spoken to frame by frame as Alluxio's Java client does.
#include "data_server.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>

#include "alluxio/dataserver/protocol.pb.h"
#include "alluxio/file_system.h"
#include "alluxio/grpc/block_worker.grpc.pb.h"
#include "alluxio/grpc/sasl_server.grpc.pb.h"
#include "testing/bytes.h"
#include "testing/temp_dir.h"
#include "wire.h"

namespace alluxio::worker {
namespace {

namespace dpb = ::alluxio::proto::dataserver;
namespace fpb = ::alluxio::grpc::file;
using alluxio::testing::TempDir;

constexpr int32_t kReadRequest = 100, kWriteRequest = 101, kResponse = 102, kHeartbeat = 104;

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A client connection to the data port, framing by hand (big-endian).
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~Conn() { ::close(fd_); }
  bool ok() const { return ok_; }

  void Send(int32_t type, const google::protobuf::MessageLite& m, const std::string& payload = "") {
    std::string body = m.SerializeAsString();
    std::string frame(16, '\0');
    Store(&frame[0], 16 + body.size() + payload.size(), 8);
    Store(&frame[8], static_cast<uint32_t>(type), 4);
    Store(&frame[12], body.size(), 4);
    frame += body;
    frame += payload;
    ASSERT_EQ(::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(frame.size()));
  }

  // The next RESPONSE frame; false when the connection ends.
  bool Receive(dpb::Response* r, std::string* payload) {
    char head[16];
    if (!Full(head, 16)) return false;
    uint64_t total = Load(head, 8);
    int32_t type = static_cast<int32_t>(Load(head + 8, 4));
    uint64_t len = Load(head + 12, 4);
    std::string body(len, '\0');
    payload->assign(total - 16 - len, '\0');
    if (!Full(body.data(), body.size()) || !Full(payload->data(), payload->size())) return false;
    EXPECT_EQ(type, kResponse);
    return r->ParseFromString(body);
  }

 private:
  static void Store(char* p, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
  }
  static uint64_t Load(const char* p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
    return v;
  }
  bool Full(char* buf, size_t n) {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::recv(fd_, buf + done, n - done, 0);
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  bool ok_ = false;
};

class DataServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ufs_dir_ = tmp_.Sub("ufs");
    auto conf = Configuration::FromMap({
        {"alluxio.work.dir", tmp_.path() + "/worker"},
        {"alluxio.master.mount.table.root.ufs", ufs_dir_},
    });
    ASSERT_TRUE(conf.ok()) << conf.status().ToString();
    auto fs = FileSystem::Create(*conf);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = *fs;
    writes_ = std::make_unique<OpenWrites>(fs_);
    block_ = std::make_unique<BlockWorkerService>(fs_, writes_.get(), 4);
    data_ = std::make_unique<DataServer>(block_.get(), writes_.get(), 8);
    ASSERT_TRUE(data_->Start("127.0.0.1", 0).ok());
    ::grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(block_.get());
    builder.RegisterService(&sasl_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = ::grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     ::grpc::InsecureChannelCredentials());
    stub_ = ::alluxio::grpc::block::BlockWorker::NewStub(channel_);
  }

  void TearDown() override {
    data_->Stop();
    server_->Shutdown();
    block_.reset();
  }

  std::string Uri(const std::string& path) { return "file://" + ufs_dir_ + path; }

  dpb::ReadRequest ReadOf(const std::string& path, int64_t offset, int64_t length, int64_t chunk) {
    dpb::ReadRequest r;
    r.set_block_id(-1);
    r.set_offset(offset);
    r.set_length(length);
    r.set_chunk_size(chunk);
    r.mutable_open_ufs_block_options()->set_ufs_path(Uri(path));
    r.mutable_open_ufs_block_options()->set_offset_in_file(0);
    struct stat st {};
    ::stat((ufs_dir_ + path).c_str(), &st);
    r.mutable_open_ufs_block_options()->set_block_size(st.st_size);
    return r;
  }

  // Reads a whole answer: the chunks' sizes and bytes, and the final status.
  ::alluxio::proto::status::PStatus Drain(Conn& c, std::string* bytes,
                                          std::vector<size_t>* sizes = nullptr) {
    while (true) {
      dpb::Response r;
      std::string payload;
      if (!c.Receive(&r, &payload)) return ::alluxio::proto::status::UNKNOWN;
      if (r.status() != ::alluxio::proto::status::OK || payload.empty()) return r.status();
      if (sizes != nullptr) sizes->push_back(payload.size());
      *bytes += payload;
    }
  }

  Result<std::string> CreateFile(const std::string& path, bool overwrite = false) {
    fpb::CreateFilePRequest req;
    req.set_path(Uri(path));
    req.mutable_options()->set_overwrite(overwrite);
    ToProto(0640, req.mutable_options()->mutable_mode());
    fpb::CreateFilePResponse resp;
    ::grpc::ClientContext ctx;
    ::grpc::Status st = stub_->CreateFile(&ctx, req, &resp);
    RETURN_IF_ERROR(FromGrpc(st, ctx, "test"));
    EXPECT_EQ(resp.fileinfo().ufspath(), Uri(path));
    EXPECT_FALSE(resp.fileinfo().completed());
    return resp.uuid();
  }

  Status CompleteFile(const std::string& path, const std::string& uuid, int64_t length) {
    fpb::CompleteFilePRequest req;
    req.set_path(Uri(path));
    req.set_uuid(uuid);
    req.mutable_options()->set_ufslength(length);
    req.mutable_options()->set_contenthash("HASH-256");
    fpb::CompleteFilePResponse resp;
    ::grpc::ClientContext ctx;
    ::grpc::Status st = stub_->CompleteFile(&ctx, req, &resp);
    return FromGrpc(st, ctx, "test");
  }

  dpb::WriteRequest Chunk(const std::string& path, int64_t offset) {
    dpb::WriteRequest w;
    w.set_type(dpb::ALLUXIO_BLOCK);
    w.set_offset(offset);
    w.mutable_create_ufs_file_options()->set_ufs_path(Uri(path));
    w.mutable_create_ufs_file_options()->set_mode(0640);
    return w;
  }

  TempDir tmp_;
  std::string ufs_dir_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<OpenWrites> writes_;
  std::unique_ptr<BlockWorkerService> block_;
  std::unique_ptr<DataServer> data_;
  SaslAuthService sasl_;
  std::unique_ptr<::grpc::Server> server_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<::alluxio::grpc::block::BlockWorker::Stub> stub_;
};

TEST_F(DataServerTest, ReadsComeInChunksThenAnEmptyOk) {
  std::string data = testing::PseudoRandomBytes((7 << 19) + 3, 1);
  WriteFile(ufs_dir_ + "/f", data);
  Conn c(data_->port());
  ASSERT_TRUE(c.ok());
  c.Send(kReadRequest, ReadOf("/f", 100, (2 << 20) + 5, 1 << 20));
  std::string got;
  std::vector<size_t> sizes;
  EXPECT_EQ(Drain(c, &got, &sizes), ::alluxio::proto::status::OK);
  EXPECT_TRUE(got == data.substr(100, (2 << 20) + 5));
  EXPECT_EQ(sizes, (std::vector<size_t>{1 << 20, 1 << 20, 5}));

  // The connection serves the next request; a heartbeat in between is
  // ignored; a read running past the end stops at the end.
  c.Send(kHeartbeat, dpb::Heartbeat());
  got.clear();
  c.Send(kReadRequest, ReadOf("/f", static_cast<int64_t>(data.size()) - 10, 1 << 20, 1 << 20));
  EXPECT_EQ(Drain(c, &got), ::alluxio::proto::status::OK);
  EXPECT_EQ(got, data.substr(data.size() - 10));
}

TEST_F(DataServerTest, ErrorsNameTheFileAndKeepTheConnection) {
  WriteFile(ufs_dir_ + "/f", "x");
  Conn c(data_->port());
  ASSERT_TRUE(c.ok());
  c.Send(kReadRequest, ReadOf("/missing", 0, 10, 1 << 20));
  dpb::Response r;
  std::string payload;
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::NOT_FOUND);
  EXPECT_NE(r.message().find("missing"), std::string::npos) << r.message();
  auto outside = ReadOf("/f", 0, 1, 1 << 20);
  outside.mutable_open_ufs_block_options()->set_ufs_path("file:///elsewhere/f");
  c.Send(kReadRequest, outside);
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::UNIMPLEMENTED) << r.message();
  std::string got;
  c.Send(kReadRequest, ReadOf("/f", 0, 10, 1 << 20));
  EXPECT_EQ(Drain(c, &got), ::alluxio::proto::status::OK);
  EXPECT_EQ(got, "x");
}

TEST_F(DataServerTest, CancelStopsAReadAndIsAnswered) {
  std::string data = testing::PseudoRandomBytes(8 << 20, 2);
  WriteFile(ufs_dir_ + "/big", data);
  Conn c(data_->port());
  ASSERT_TRUE(c.ok());
  c.Send(kReadRequest, ReadOf("/big", 0, 8 << 20, 64 << 10));
  auto cancel = ReadOf("/big", 0, 8 << 20, 64 << 10);
  cancel.set_cancel(true);
  c.Send(kReadRequest, cancel);
  // Data may come first (the end too, if the read won the race); the
  // answer to the cancel is CANCELLED.
  ::alluxio::proto::status::PStatus last;
  std::string got;
  do {
    last = Drain(c, &got);
  } while (last == ::alluxio::proto::status::OK);
  EXPECT_EQ(last, ::alluxio::proto::status::CANCELLED);
  EXPECT_TRUE(got == data.substr(0, got.size()));
  got.clear();
  c.Send(kReadRequest, ReadOf("/big", 5, 5, 1 << 20));
  EXPECT_EQ(Drain(c, &got), ::alluxio::proto::status::OK);
  EXPECT_EQ(got, data.substr(5, 5));
}

TEST_F(DataServerTest, CreateFileChunksAndCompleteFilePublishTheFile) {
  auto uuid = CreateFile("/new");
  ASSERT_TRUE(uuid.ok()) << uuid.status().ToString();
  EXPECT_EQ(uuid->size(), 36u);
  std::string a = testing::PseudoRandomBytes(1 << 20, 3), b = "tail";
  Conn c(data_->port());
  ASSERT_TRUE(c.ok());
  c.Send(kWriteRequest, Chunk("/new", 0), a);
  c.Send(kWriteRequest, Chunk("/new", static_cast<int64_t>(a.size())), b);
  auto eof = Chunk("/new", static_cast<int64_t>(a.size() + b.size()));
  eof.set_eof(true);
  c.Send(kWriteRequest, eof);
  dpb::Response r;
  std::string payload;
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::OK) << r.message();
  EXPECT_FALSE(Exists(ufs_dir_ + "/new")) << "not published before CompleteFile";
  ASSERT_TRUE(CompleteFile("/new", *uuid, static_cast<int64_t>(a.size() + b.size())).ok());
  EXPECT_TRUE(ReadLocal(ufs_dir_ + "/new") == a + b);
  struct stat st {};
  ASSERT_EQ(::stat((ufs_dir_ + "/new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  // Not again without overwrite; with it, the new content replaces the old.
  EXPECT_EQ(CreateFile("/new").status().code(), Code::kAlreadyExists);
  auto again = CreateFile("/new", true);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  c.Send(kWriteRequest, Chunk("/new", 0), "v2");
  // As a client does: the end of the data is answered before CompleteFile.
  eof = Chunk("/new", 2);
  eof.set_eof(true);
  c.Send(kWriteRequest, eof);
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::OK) << r.message();
  ASSERT_TRUE(CompleteFile("/new", *again, 2).ok());
  EXPECT_EQ(ReadLocal(ufs_dir_ + "/new"), "v2");
}

TEST_F(DataServerTest, AWriteNotCompletedLeavesNothingBehind) {
  Conn c(data_->port());
  ASSERT_TRUE(c.ok());
  // Cancelled.
  auto u1 = CreateFile("/cancelled");
  ASSERT_TRUE(u1.ok());
  c.Send(kWriteRequest, Chunk("/cancelled", 0), "partial");
  auto cancel = Chunk("/cancelled", 7);
  cancel.set_cancel(true);
  c.Send(kWriteRequest, cancel);
  dpb::Response r;
  std::string payload;
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::CANCELLED);
  EXPECT_EQ(CompleteFile("/cancelled", *u1, 7).code(), Code::kInvalidArgument);
  EXPECT_FALSE(Exists(ufs_dir_ + "/cancelled"));
  // Completed with a length the worker did not receive (a chunk was lost).
  auto u2 = CreateFile("/short");
  ASSERT_TRUE(u2.ok());
  c.Send(kWriteRequest, Chunk("/short", 0), "abc");
  auto short_eof = Chunk("/short", 3);
  short_eof.set_eof(true);
  c.Send(kWriteRequest, short_eof);
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::OK) << r.message();
  EXPECT_FALSE(CompleteFile("/short", *u2, 10).ok());
  EXPECT_FALSE(Exists(ufs_dir_ + "/short"));
  // Chunks out of order: the error is the answer to the end.
  auto u3 = CreateFile("/gap");
  ASSERT_TRUE(u3.ok());
  c.Send(kWriteRequest, Chunk("/gap", 5), "late");
  auto eof = Chunk("/gap", 9);
  eof.set_eof(true);
  c.Send(kWriteRequest, eof);
  ASSERT_TRUE(c.Receive(&r, &payload));
  EXPECT_EQ(r.status(), ::alluxio::proto::status::INVALID_ARGUMENT);
  EXPECT_FALSE(CompleteFile("/gap", *u3, 9).ok());
  EXPECT_FALSE(Exists(ufs_dir_ + "/gap"));
  // Never completed: the worker going away abandons it.
  auto u4 = CreateFile("/orphan");
  ASSERT_TRUE(u4.ok());
  c.Send(kWriteRequest, Chunk("/orphan", 0), "data");
  TearDown();
  writes_.reset();
  EXPECT_FALSE(Exists(ufs_dir_ + "/orphan"));
}

TEST_F(DataServerTest, SaslChallengesAreAnsweredAndTheStreamStaysOpen) {
  auto sasl = ::alluxio::grpc::sasl::SaslAuthenticationService::NewStub(channel_);
  ::grpc::ClientContext ctx;
  auto stream = sasl->authenticate(&ctx);
  ::alluxio::grpc::sasl::SaslMessage m;
  m.set_messagetype(::alluxio::grpc::sasl::CHALLENGE);
  m.set_authenticationscheme(::alluxio::grpc::sasl::SIMPLE);
  m.set_clientid("client-1");
  m.set_message(std::string("\0alice\0noPassword", 17));
  ASSERT_TRUE(stream->Write(m));
  ::alluxio::grpc::sasl::SaslMessage reply;
  ASSERT_TRUE(stream->Read(&reply));
  EXPECT_EQ(reply.messagetype(), ::alluxio::grpc::sasl::SUCCESS);
  // Calls on the channel work while the authentication stream is open.
  fpb::ExistsPRequest req;
  req.set_path(Uri("/nothing"));
  fpb::ExistsPResponse resp;
  ::grpc::ClientContext call;
  ASSERT_TRUE(stub_->Exists(&call, req, &resp).ok());
  EXPECT_FALSE(resp.exists());
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace alluxio::worker
