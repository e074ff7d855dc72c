#include "alluxio/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>

namespace alluxio {
namespace {

TEST(StatusTest, OkByDefault) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.ToErrno(), 0);
  EXPECT_EQ(st.ToString(), "OK");
}

// Every code maps to a distinct errno, and that errno maps back to the code.
TEST(StatusTest, EveryCodeRoundTripsThroughErrno) {
  std::set<int> seen;
  for (int i = 1; i < kNumCodes; ++i) {
    Code c = static_cast<Code>(i);
    int err = Status::CodeToErrno(c);
    EXPECT_GT(err, 0) << Status::CodeName(c);
    EXPECT_TRUE(seen.insert(err).second) << "duplicate errno for " << Status::CodeName(c);
    Status back = Status::FromErrno(err, "ctx");
    EXPECT_EQ(back.code(), c) << Status::CodeName(c);
    EXPECT_NE(Status::CodeName(c), "Unknown");
  }
}

TEST(StatusTest, UnknownErrnoBecomesIoErrorKeepingTheCause) {
  Status st = Status::FromErrno(EPROTO, "talking to server");
  EXPECT_EQ(st.code(), Code::kIoError);
  EXPECT_EQ(st.ToErrno(), EIO);
  EXPECT_NE(st.message().find("talking to server"), std::string::npos);
  EXPECT_NE(st.message().find("rotocol"), std::string::npos);
}

TEST(StatusTest, WithContextKeepsCode) {
  Status st = Status::NotFound("/a").WithContext("open");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(), "open: /a");
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, ValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(ResultTest, OkStatusIsNotAValue) {
  Result<int> r{Status::OK()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIoError);
}

}  // namespace
}  // namespace alluxio
