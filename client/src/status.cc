#include "alluxio/status.h"

#include <cerrno>
#include <cstring>

namespace alluxio {

Status::Status(Code code, std::string_view msg) {
  if (code != Code::kOk) {
    state_ = std::make_shared<const State>(State{code, std::string(msg)});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

namespace {

template <typename... E>
bool OneOf(int err, E... errs) {
  return ((err == errs) || ...);
}

}  // namespace

Status Status::FromErrno(int err, std::string_view context) {
  if (err == 0) return Status();
  Code code = Code::kIoError;
#define ALLUXIO_STATUS_FROM_ERRNO(name, ...)                                           \
  if (code == Code::kIoError && Code::k##name != Code::kOk && OneOf(err, __VA_ARGS__)) \
    code = Code::k##name;
  ALLUXIO_STATUS_CODES(ALLUXIO_STATUS_FROM_ERRNO)
#undef ALLUXIO_STATUS_FROM_ERRNO
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return Status(code, msg);
}

int Status::CodeToErrno(Code code) {
  switch (code) {
#define ALLUXIO_STATUS_TO_ERRNO(name, errno_value, ...) \
  case Code::k##name:                                   \
    return errno_value;
    ALLUXIO_STATUS_CODES(ALLUXIO_STATUS_TO_ERRNO)
#undef ALLUXIO_STATUS_TO_ERRNO
  }
  return EIO;
}

std::string_view Status::CodeName(Code code) {
  switch (code) {
#define ALLUXIO_STATUS_NAME(name, ...) \
  case Code::k##name:                  \
    return Code::k##name == Code::kOk ? "OK" : #name;
    ALLUXIO_STATUS_CODES(ALLUXIO_STATUS_NAME)
#undef ALLUXIO_STATUS_NAME
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(CodeName(code()));
  s += ": ";
  s += message();
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message();
  return Status(code(), msg);
}

}  // namespace alluxio
