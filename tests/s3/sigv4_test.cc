// SigV4 against the examples of AWS's "Signature Calculations for the
// Authorization Header" (S3 API reference), and key encoding.
#include "s3/sigv4.h"

#include <gtest/gtest.h>

#include "s3/s3_client.h"

namespace alluxio::s3 {
namespace {

const Credentials kCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4Test, GetObjectExample) {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/test.txt";
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Range", "bytes=0-9"},
                {"x-amz-content-sha256", kEmptySha256},
                {"x-amz-date", "20130524T000000Z"}};
  in.payload_sha256 = kEmptySha256;
  in.amz_date = "20130524T000000Z";
  in.region = "us-east-1";
  std::string signed_headers;
  EXPECT_EQ(
      CanonicalRequest(in, &signed_headers),
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(AuthorizationHeader(in, kCreds),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, PutObjectExample) {
  std::string body = "Welcome to Amazon S3.";
  std::string sha = Sha256Hex(body);
  EXPECT_EQ(sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigningInput in;
  in.method = "PUT";
  in.canonical_uri = "/" + UriEncode("test$file.text", true);
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                {"x-amz-content-sha256", sha}};
  in.payload_sha256 = sha;
  in.amz_date = "20130524T000000Z";
  in.region = "us-east-1";
  EXPECT_EQ(in.canonical_uri, "/test%24file.text");
  EXPECT_EQ(AuthorizationHeader(in, kCreds),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, ListObjectsExampleSortsQuery) {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/";
  in.query = {{"prefix", "J"}, {"max-keys", "2"}};
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", kEmptySha256}};
  in.payload_sha256 = kEmptySha256;
  in.amz_date = "20130524T000000Z";
  in.region = "us-east-1";
  EXPECT_EQ(CanonicalQueryString(in.query), "max-keys=2&prefix=J");
  EXPECT_EQ(AuthorizationHeader(in, kCreds),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, GetBucketLifecycleExampleEmptyValue) {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/";
  in.query = {{"lifecycle", ""}};
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", kEmptySha256}};
  in.payload_sha256 = kEmptySha256;
  in.amz_date = "20130524T000000Z";
  in.region = "us-east-1";
  EXPECT_EQ(CanonicalQueryString(in.query), "lifecycle=");
  EXPECT_EQ(AuthorizationHeader(in, kCreds),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, HeaderValuesAreTrimmedAndCollapsed) {
  SigningInput in;
  in.method = "GET";
  in.canonical_uri = "/";
  in.headers = {{"X-Amz-Meta-A", "  a   b  c "}, {"host", "h"}};
  in.payload_sha256 = kEmptySha256;
  std::string signed_headers;
  std::string c = CanonicalRequest(in, &signed_headers);
  EXPECT_NE(c.find("x-amz-meta-a:a b c\n"), std::string::npos) << c;
  EXPECT_EQ(signed_headers, "host;x-amz-meta-a");
}

TEST(UriEncodeTest, KeysKeepSlashesAndEncodeEverythingElse) {
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(UriEncode("q?x", true), "q%3Fx");
  EXPECT_EQ(UriEncode("back\\slash", true), "back%5Cslash");
  EXPECT_EQ(UriEncode("plus+sign", true), "plus%2Bsign");
  EXPECT_EQ(UriEncode("per%cent", true), "per%25cent");
  EXPECT_EQ(UriEncode("unreserved-_.~AZaz09", true), "unreserved-_.~AZaz09");
  EXPECT_EQ(UriEncode("\xc3\xbc", true), "%C3%BC");  // ü in UTF-8
  EXPECT_EQ(UriEncode("*'()!=&#", true), "%2A%27%28%29%21%3D%26%23");
  EXPECT_EQ(UriEncode(std::string("a\0b", 3), true), "a%00b");
}

TEST(UriEncodeTest, QueryValuesEncodeEqualsAndAmpersand) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a=b&c/d "}, {"delimiter", "/"}}),
            "delimiter=%2F&prefix=a%3Db%26c%2Fd%20");
}

TEST(DateTest, ParsesHttpAndIsoDates) {
  EXPECT_EQ(AmzDate(1369353600), "20130524T000000Z");
  EXPECT_EQ(ParseHttpDate("Fri, 24 May 2013 00:00:00 GMT"), 1369353600LL * 1000000000);
  EXPECT_EQ(ParseIsoDate("2013-05-24T00:00:00.250Z"), 1369353600LL * 1000000000 + 250000000);
  EXPECT_EQ(ParseIsoDate("garbage"), 0);
}

}  // namespace
}  // namespace alluxio::s3
