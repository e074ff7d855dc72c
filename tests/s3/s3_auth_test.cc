// Credentials against a moto_server that checks signatures: its first four
// requests are unauthenticated (they create an IAM user, its access key and
// policy, and the bucket); every later request must be signed correctly.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <ctime>

#include "s3/s3_client.h"
#include "s3/sigv4.h"
#include "s3_test_util.h"

namespace alluxio::testing {
namespace {

struct Keys {
  std::string access_key;
  std::string secret_key;
};
Keys g_keys;
std::string g_bucket;
std::string g_setup_error;

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  size_t b = s.find(open);
  if (b == std::string::npos) return "";
  b += open.size();
  size_t e = s.find(close, b);
  return e == std::string::npos ? "" : s.substr(b, e - b);
}

// One IAM query-API call, signed for service "iam" with throwaway keys
// (moto does not check the first calls, but routes them by the scope).
bool IamCall(const std::string& form, std::string* reply) {
  std::string host = "127.0.0.1:" + std::to_string(g_moto->port());
  std::string date = s3::AmzDate(std::time(nullptr));
  std::string sha = s3::Sha256Hex(form);
  s3::SigningInput in;
  in.method = "POST";
  in.canonical_uri = "/";
  in.headers = {{"host", host},
                {"content-type", "application/x-www-form-urlencoded"},
                {"x-amz-date", date},
                {"x-amz-content-sha256", sha}};
  in.payload_sha256 = sha;
  in.amz_date = date;
  in.region = "us-east-1";
  in.service = "iam";
  std::string auth = s3::AuthorizationHeader(in, {"AKIAIOSFODNN7EXAMPLE", "x", ""});
  curl_slist* h = nullptr;
  h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
  h = curl_slist_append(h, ("x-amz-date: " + date).c_str());
  h = curl_slist_append(h, ("x-amz-content-sha256: " + sha).c_str());
  h = curl_slist_append(h, ("Authorization: " + auth).c_str());
  CURL* c = curl_easy_init();
  std::string url = "http://" + host + "/";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* ud) -> size_t {
        static_cast<std::string*>(ud)->append(p, s * n);
        return s * n;
      });
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  return rc == CURLE_OK && code == 200;
}

class AuthMotoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto* m = new MotoServer();
    if (!m->Start({{"INITIAL_NO_AUTH_ACTION_COUNT", "4"}}, &g_moto_error)) {
      delete m;
      return;
    }
    g_moto = m;
    std::string reply;
    // %2A = "*": allow everything.
    const std::string policy =
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22"
        "Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
    if (!IamCall("Action=CreateUser&UserName=alluxio&Version=2010-05-08", &reply)) {
      g_setup_error = "CreateUser failed: " + reply;
      return;
    }
    reply.clear();
    if (!IamCall("Action=CreateAccessKey&UserName=alluxio&Version=2010-05-08", &reply)) {
      g_setup_error = "CreateAccessKey failed: " + reply;
      return;
    }
    g_keys.access_key = Between(reply, "<AccessKeyId>", "</AccessKeyId>");
    g_keys.secret_key = Between(reply, "<SecretAccessKey>", "</SecretAccessKey>");
    reply.clear();
    if (!IamCall("Action=PutUserPolicy&UserName=alluxio&PolicyName=all&PolicyDocument=" + policy +
                     "&Version=2010-05-08",
                 &reply)) {
      g_setup_error = "PutUserPolicy failed: " + reply;
      return;
    }
    g_bucket = "alluxio-auth-bucket";
    if (!g_moto->CreateBucket(g_bucket, &g_setup_error)) g_bucket.clear();
  }
  void TearDown() override {
    delete g_moto;
    g_moto = nullptr;
  }
};

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new AuthMotoEnvironment);

class S3AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_MOTO();
    ASSERT_FALSE(g_bucket.empty()) << g_setup_error;
    ASSERT_FALSE(g_keys.access_key.empty());
  }
  Result<std::shared_ptr<Ufs>> Mount(const std::string& access, const std::string& secret) {
    return MountS3("s3://" + g_bucket, {{"s3a.accessKeyId", access}, {"s3a.secretKey", secret}});
  }
};

TEST_F(S3AuthTest, SignedRequestsAreAccepted) {
  // The mount's probe is a signed listing of the bucket root.
  auto ufs = Mount(g_keys.access_key, g_keys.secret_key);
  ASSERT_TRUE(ufs.ok()) << ufs.status().ToString();
  // Object requests, signed and checked by the server. moto checks the URL
  // as werkzeug rebuilds it, partly decoded, so it cannot verify correctly
  // encoded query values ("prefix=a%2F") or keys with characters such as
  // '?', '+', '*' or unicode: botocore signs those exactly as we do (checked
  // by hand). Hence the client directly, on requests moto can verify.
  s3::S3Options o;
  o.endpoint = g_moto->endpoint();
  o.bucket = g_bucket;
  o.creds = {g_keys.access_key, g_keys.secret_key, ""};
  auto client = s3::S3Client::Create(o);
  ASSERT_TRUE(client.ok());
  s3::S3Client* c = client->get();
  // Only keys werkzeug re-quotes the way SigV4 encodes them (it turns %3F,
  // %2B, %2A, %C3%BC, ... back into raw characters before moto checks).
  for (const std::string key : {"plain", "dir/with space", "unreserved-_.~", "x/y/z", "a b"}) {
    Status st = c->loop().Run<Status>([&]() -> Status {
      RETURN_IF_ERROR(c->Put(key, "data", 4, {{"mode", "33188"}}));
      ASSIGN_OR_RETURN(s3::ObjectMeta m, c->Head(key));
      if (m.size != 4 || m.user["mode"] != "33188") return Status::IoError("bad HEAD");
      char buf[4];
      RETURN_IF_ERROR(c->GetRange(key, 0, buf, 4, m.etag));
      if (std::string(buf, 4) != "data") return Status::IoError("bad GET");
      RETURN_IF_ERROR(c->Copy(key, key + ".copy", std::nullopt));
      return c->Delete(key + ".copy");
    });
    EXPECT_TRUE(st.ok()) << key << ": " << st.ToString();
  }
  auto page = c->loop().Run<Result<s3::ListPage>>([&] { return c->List("", "", "", 100); });
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->objects.size(), 5u);
}

TEST_F(S3AuthTest, BadCredentialsFailTheMountWithoutLeakingThem) {
  auto wrong_secret = Mount(g_keys.access_key, "WRONG-SECRET-do-not-print");
  ASSERT_FALSE(wrong_secret.ok());
  EXPECT_EQ(wrong_secret.status().code(), Code::kPermissionDenied)
      << wrong_secret.status().ToString();
  const std::string& msg = wrong_secret.status().message();
  EXPECT_NE(msg.find(g_bucket), std::string::npos) << msg;
  EXPECT_NE(msg.find(g_moto->endpoint()), std::string::npos) << msg;
  EXPECT_EQ(msg.find("WRONG-SECRET"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(g_keys.access_key), std::string::npos) << msg;

  auto unknown_key = Mount("AKIDONOTEXIST0000000", "whatever-secret");
  ASSERT_FALSE(unknown_key.ok());
  EXPECT_EQ(unknown_key.status().code(), Code::kPermissionDenied)
      << unknown_key.status().ToString();
  EXPECT_EQ(unknown_key.status().message().find("AKIDONOTEXIST"), std::string::npos);
  EXPECT_EQ(unknown_key.status().message().find("whatever-secret"), std::string::npos);
}

}  // namespace
}  // namespace alluxio::testing
