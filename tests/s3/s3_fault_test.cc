// The S3 UFS through a fault-injecting proxy in front of moto_server: reads
// return the right bytes or a clear error, and an interrupted upload leaves
// the previous object intact and no upload behind.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
#include "s3_fault_proxy.h"
#include "s3_test_util.h"
#include "testing/fs_read.h"
#include "testing/temp_dir.h"

namespace alluxio::testing {
namespace {

const auto* const kMotoEnv = ::testing::AddGlobalTestEnvironment(new MotoEnvironment);

// Multipart uploads in progress in a bucket, asked of moto directly.
int UploadsInProgress(const std::string& bucket) {
  CURL* c = curl_easy_init();
  std::string url = g_moto->endpoint() + "/" + bucket + "?uploads";
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* ud) -> size_t {
        static_cast<std::string*>(ud)->append(p, s * n);
        return s * n;
      });
  CURLcode rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) return -1;
  int count = 0;
  for (size_t pos = 0; (pos = body.find("<Upload>", pos)) != std::string::npos; ++pos) ++count;
  return count;
}

class S3FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_MOTO();
    bucket_ = NewBucket();
    proxy_ = std::make_unique<S3FaultProxy>(g_moto->port());
    std::string err;
    ASSERT_TRUE(proxy_->Start(&err)) << err;
    Mount({});
  }
  void TearDown() override {
    ufs_.reset();
    if (proxy_) proxy_->Stop();
  }
  void Mount(std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> opts = {{"alluxio.underfs.s3.retry.max", "6"},
                                               {"alluxio.underfs.s3.request.timeout", "5s"}};
    for (auto& [k, v] : extra) opts[k] = v;
    auto ufs = MountS3("s3://" + bucket_ + "/data", opts, proxy_->endpoint());
    ASSERT_TRUE(ufs.ok()) << ufs.status().ToString();
    ufs_ = *ufs;
  }
  FaultRule Rule(const std::string& method, Fault f, int count, const std::string& target = "") {
    FaultRule r;
    r.method = method;
    r.fault = f;
    r.count = count;
    r.target_contains = target;
    return r;
  }

  std::string bucket_;
  std::unique_ptr<S3FaultProxy> proxy_;
  std::shared_ptr<Ufs> ufs_;
};

TEST_F(S3FaultTest, ServerErrorsAndSlowDownAreRetried) {
  FaultRule slow = Rule("PUT", Fault::kStatus, 2);
  proxy_->AddRule(slow);
  FaultRule internal = Rule("HEAD", Fault::kStatus, 3);
  internal.status = 500;
  internal.s3_code = "InternalError";
  proxy_->AddRule(internal);
  proxy_->AddRule(Rule("GET", Fault::kStatus, 2, "list-type"));
  proxy_->AddRule(Rule("GET", Fault::kStatus, 2));
  std::string data = Pattern(200000, 1);
  ASSERT_TRUE(WriteFile(*ufs_, "/f", data).ok());
  auto a = ufs_->GetStatus("/f");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->size, data.size());
  auto list = ufs_->ListStatus("/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->size(), 1u);
  auto content = ReadUfsFile(*ufs_, "/f");
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_TRUE(*content == data);
  EXPECT_EQ(proxy_->faults_injected(), 9);
}

TEST_F(S3FaultTest, ResetAndTruncatedBodiesAreRetried) {
  std::string data = Pattern(1 << 20, 2);
  ASSERT_TRUE(WriteFile(*ufs_, "/f", data).ok());
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  proxy_->AddRule(Rule("GET", Fault::kResetMidBody, 2));
  proxy_->AddRule(Rule("GET", Fault::kTruncateBody, 2));
  proxy_->AddRule(Rule("GET", Fault::kShortBody, 1));
  proxy_->AddRule(Rule("GET", Fault::kResetBeforeResponse, 1));
  std::string out(data.size(), '\0');
  auto n = (*r)->ReadAt(0, out.data(), out.size());
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, data.size());
  EXPECT_TRUE(out == data);
  EXPECT_EQ(proxy_->faults_injected(), 6);
}

// Reads a whole stream in `chunk`-byte reads.
Result<std::string> ReadStream(UfsStream& stream, size_t chunk = 100000) {
  std::string out;
  std::string buf(chunk, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, stream.Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

TEST_F(S3FaultTest, BrokenStreamsResumeWhereTheyStopped) {
  std::string data = Pattern(3 << 20, 4);
  ASSERT_TRUE(WriteFile(*ufs_, "/f", data).ok());
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->PrefersStreams());
  proxy_->AddRule(Rule("GET", Fault::kResetMidBody, 2));
  proxy_->AddRule(Rule("GET", Fault::kTruncateBody, 1));
  proxy_->AddRule(Rule("GET", Fault::kShortBody, 1));
  proxy_->AddRule(Rule("GET", Fault::kResetBeforeResponse, 1));
  proxy_->AddRule(Rule("GET", Fault::kStatus, 1));
  const uint64_t offset = 12345;
  auto stream = (*r)->OpenStream(offset, data.size() - offset);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto got = ReadStream(**stream, 77777);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), data.size() - offset);
  EXPECT_TRUE(*got == data.substr(offset));
  EXPECT_EQ(proxy_->faults_injected(), 6);
}

TEST_F(S3FaultTest, StreamThatKeepsFailingGivesAClearError) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(1 << 20, 5)).ok());
  Mount({{"alluxio.underfs.s3.retry.max", "2"}});
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  proxy_->AddRule(Rule("GET", Fault::kStatus, -1));
  auto stream = (*r)->OpenStream(0, 1 << 20);
  ASSERT_TRUE(stream.ok());
  auto got = ReadStream(**stream);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kUnavailable) << got.status().ToString();
  EXPECT_NE(got.status().message().find("s3://" + bucket_ + "/data/f"), std::string::npos)
      << got.status().ToString();
  EXPECT_NE(got.status().message().find("after 3 attempts"), std::string::npos)
      << got.status().ToString();
}

TEST_F(S3FaultTest, ObjectChangedUnderAStreamIsAnError) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(1 << 20, 6)).ok());
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(1 << 20, 7)).ok());
  auto stream = (*r)->OpenStream(0, 1 << 20);
  ASSERT_TRUE(stream.ok());
  auto got = ReadStream(**stream);
  ASSERT_FALSE(got.ok()) << "read bytes of another version";
  EXPECT_NE(got.status().message().find("changed"), std::string::npos) << got.status().ToString();
}

TEST_F(S3FaultTest, CancelEndsAStalledStreamAtOnce) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(1 << 20, 8)).ok());
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  FaultRule slow = Rule("GET", Fault::kDelay, -1);
  slow.delay_ms = 3000;
  proxy_->AddRule(slow);
  auto stream = (*r)->OpenStream(0, 1 << 20);
  ASSERT_TRUE(stream.ok());
  auto start = std::chrono::steady_clock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*stream)->Cancel();
  });
  char buf[100];
  auto n = (*stream)->Read(buf, sizeof(buf));
  canceller.join();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kAborted);
  stream->reset();  // waits for the transfer to end
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

// Through the client's page cache, as the shim and FUSE read: a sequential
// reader of a large object costs one GET, even when the transfer breaks.
TEST_F(S3FaultTest, SequentialReadThroughTheCacheIsOneStreamedGet) {
  std::string data = Pattern(12 << 20, 9);
  ASSERT_TRUE(WriteFile(*ufs_, "/big", data).ok());
  TempDir tmp;
  auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp.path()}});
  ASSERT_TRUE(conf.ok());
  auto fs = FileSystem::CreateWithRoot(*conf, ufs_);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto read_all = [&]() -> std::string {
    auto data = ReadWhole(**fs, "/big", 1 << 20);
    return data.ok() ? *data : data.status().ToString();
  };
  int gets = proxy_->requests("GET");
  EXPECT_TRUE(read_all() == data);
  EXPECT_EQ(proxy_->requests("GET") - gets, 1);
  // A reset in the middle of the body is resumed by a second GET.
  ASSERT_TRUE((*fs)->Free("/big", false).ok());
  proxy_->AddRule(Rule("GET", Fault::kResetMidBody, 1));
  gets = proxy_->requests("GET");
  EXPECT_TRUE(read_all() == data);
  EXPECT_EQ(proxy_->faults_injected(), 1);
  EXPECT_EQ(proxy_->requests("GET") - gets, 2);
}

TEST_F(S3FaultTest, PersistentFailureGivesAClearError) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(100000, 3)).ok());
  Mount({{"alluxio.underfs.s3.retry.max", "2"}});
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  proxy_->AddRule(Rule("GET", Fault::kResetMidBody, -1));
  char buf[1000];
  auto n = (*r)->ReadAt(0, buf, sizeof(buf));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kIoError);
  const std::string& msg = n.status().message();
  EXPECT_NE(msg.find("s3://" + bucket_ + "/data/f"), std::string::npos) << msg;
  EXPECT_NE(msg.find(proxy_->endpoint()), std::string::npos) << msg;
  EXPECT_NE(msg.find("after 3 attempts"), std::string::npos) << msg;
  EXPECT_EQ(proxy_->faults_injected(), 3);
  // Credentials never appear in messages.
  EXPECT_EQ(msg.find("testing-secret"), std::string::npos);
  EXPECT_EQ(msg.find("testing"), std::string::npos);

  proxy_->ClearRules();
  FaultRule down = Rule("GET", Fault::kStatus, -1);
  proxy_->AddRule(down);
  n = (*r)->ReadAt(0, buf, sizeof(buf));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kUnavailable);
  EXPECT_NE(n.status().message().find("SlowDown"), std::string::npos);
}

TEST_F(S3FaultTest, SlowResponsesTimeOutAndAreRetried) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", "payload").ok());
  Mount({{"alluxio.underfs.s3.request.timeout", "300ms"}, {"alluxio.underfs.s3.retry.max", "1"}});
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  FaultRule slow = Rule("GET", Fault::kDelay, 1);
  slow.delay_ms = 1000;
  proxy_->AddRule(slow);
  char buf[7];
  auto n = (*r)->ReadAt(0, buf, sizeof(buf));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(std::string(buf, 7), "payload");
  proxy_->ClearRules();
  slow.count = -1;
  proxy_->AddRule(slow);
  auto start = std::chrono::steady_clock::now();
  n = (*r)->ReadAt(0, buf, sizeof(buf));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kTimedOut) << n.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(S3FaultTest, InterruptedSinglePutKeepsPreviousObject) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", "version one").ok());
  proxy_->AddRule(Rule("PUT", Fault::kDropRequest, -1));
  Status st = WriteFile(*ufs_, "/f", "version two");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kIoError) << st.ToString();
  proxy_->ClearRules();
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/f"), "version one");
}

class S3MultipartFaultTest : public S3FaultTest {
 protected:
  void SetUp() override {
    S3FaultTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Mount({{"alluxio.underfs.s3.multipart.upload.partition.size", "128KB"},
           {"alluxio.underfs.s3.retry.max", "2"}});
    old_ = Pattern(300000, 10);
    ASSERT_TRUE(WriteFile(*ufs_, "/f", old_).ok());
    ASSERT_EQ(UploadsInProgress(bucket_), 0);
  }
  void ExpectIntact() {
    proxy_->ClearRules();
    auto content = ReadUfsFile(*ufs_, "/f");
    ASSERT_TRUE(content.ok()) << content.status().ToString();
    EXPECT_TRUE(*content == old_);
    EXPECT_EQ(UploadsInProgress(bucket_), 0);
  }
  std::string old_;
};

TEST_F(S3MultipartFaultTest, TransientPartFailuresAreRetried) {
  proxy_->AddRule(Rule("PUT", Fault::kDropRequest, 1, "partNumber=2"));
  proxy_->AddRule(Rule("PUT", Fault::kResetBeforeResponse, 1, "partNumber=3"));
  proxy_->AddRule(Rule("POST", Fault::kStatus, 1, "uploadId"));
  std::string next = Pattern(700000, 11);
  ASSERT_TRUE(WriteFile(*ufs_, "/f", next).ok());
  proxy_->ClearRules();
  EXPECT_TRUE(*ReadUfsFile(*ufs_, "/f") == next);
  EXPECT_EQ(UploadsInProgress(bucket_), 0);
}

TEST_F(S3MultipartFaultTest, ExactlyOnePartIsASinglePut) {
  int posts = proxy_->requests("POST");
  std::string one = Pattern(128 * 1024, 16);
  ASSERT_TRUE(WriteFile(*ufs_, "/one", one).ok());
  EXPECT_EQ(proxy_->requests("POST"), posts);  // no multipart upload started
  EXPECT_TRUE(*ReadUfsFile(*ufs_, "/one") == one);
  ASSERT_TRUE(WriteFile(*ufs_, "/two", one + "x").ok());
  EXPECT_EQ(proxy_->requests("POST"), posts + 2);  // create and complete
  EXPECT_TRUE(*ReadUfsFile(*ufs_, "/two") == one + "x");
}

TEST_F(S3MultipartFaultTest, FailedPartAbortsTheUpload) {
  proxy_->AddRule(Rule("PUT", Fault::kDropRequest, -1, "partNumber=3"));
  Status st = WriteFile(*ufs_, "/f", Pattern(700000, 12));
  ASSERT_FALSE(st.ok());
  ExpectIntact();
}

TEST_F(S3MultipartFaultTest, FailedCompleteAbortsTheUpload) {
  FaultRule r = Rule("POST", Fault::kStatus, -1, "uploadId");
  r.status = 500;
  r.s3_code = "InternalError";
  proxy_->AddRule(r);
  Status st = WriteFile(*ufs_, "/f", Pattern(700000, 13));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("InternalError"), std::string::npos) << st.ToString();
  ExpectIntact();
}

TEST_F(S3MultipartFaultTest, FailedStartLeavesNothing) {
  proxy_->AddRule(Rule("POST", Fault::kDropRequest, -1, "uploads"));
  Status st = WriteFile(*ufs_, "/f", Pattern(700000, 14));
  ASSERT_FALSE(st.ok());
  ExpectIntact();
}

TEST_F(S3MultipartFaultTest, AbandonedWriterAbortsTheUpload) {
  {
    auto w = ufs_->Create("/f", {});
    ASSERT_TRUE(w.ok());
    std::string data = Pattern(500000, 15);
    ASSERT_TRUE((*w)->Append(data.data(), data.size()).ok());
    EXPECT_EQ(UploadsInProgress(bucket_), 1);
  }
  ExpectIntact();
}

}  // namespace
}  // namespace alluxio::testing
