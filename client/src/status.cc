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

Status Status::FromErrno(int err, std::string_view context) {
  Code code;
  switch (err) {
    case 0:
      return Status();
    case ENOENT:
      code = Code::kNotFound;
      break;
    case EEXIST:
      code = Code::kAlreadyExists;
      break;
    case ENOTDIR:
      code = Code::kNotDirectory;
      break;
    case EISDIR:
      code = Code::kIsDirectory;
      break;
    case ENOTEMPTY:
      code = Code::kNotEmpty;
      break;
    case EACCES:
      code = Code::kPermissionDenied;
      break;
    case EPERM:
      code = Code::kNotPermitted;
      break;
    case EINVAL:
      code = Code::kInvalidArgument;
      break;
    case ENOTSUP:
      code = Code::kNotSupported;
      break;
    case ENOSYS:
      code = Code::kNotSupported;
      break;
    case EBUSY:
      code = Code::kBusy;
      break;
    case ETXTBSY:
      code = Code::kBusy;
      break;
    case EXDEV:
      code = Code::kCrossDevice;
      break;
    case ENAMETOOLONG:
      code = Code::kNameTooLong;
      break;
    case ENOSPC:
      code = Code::kNoSpace;
      break;
    case EDQUOT:
      code = Code::kNoSpace;
      break;
    case EROFS:
      code = Code::kReadOnly;
      break;
    case EBADF:
      code = Code::kBadDescriptor;
      break;
    case ENOMEM:
      code = Code::kNoMemory;
      break;
    case ETIMEDOUT:
      code = Code::kTimedOut;
      break;
    case ECONNREFUSED:
      code = Code::kUnavailable;
      break;
    case EHOSTUNREACH:
      code = Code::kUnavailable;
      break;
    case ENETUNREACH:
      code = Code::kUnavailable;
      break;
    case EFBIG:
      code = Code::kTooLarge;
      break;
    case ERANGE:
      code = Code::kOutOfRange;
      break;
    case ELOOP:
      code = Code::kLoop;
      break;
    case EMFILE:
      code = Code::kTooManyFiles;
      break;
    case ENFILE:
      code = Code::kTooManyFiles;
      break;
    case ECANCELED:
      code = Code::kAborted;
      break;
    default:
      code = Code::kIoError;
      break;
  }
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return Status(code, msg);
}

int Status::CodeToErrno(Code code) {
  switch (code) {
    case Code::kOk:
      return 0;
    case Code::kNotFound:
      return ENOENT;
    case Code::kAlreadyExists:
      return EEXIST;
    case Code::kNotDirectory:
      return ENOTDIR;
    case Code::kIsDirectory:
      return EISDIR;
    case Code::kNotEmpty:
      return ENOTEMPTY;
    case Code::kPermissionDenied:
      return EACCES;
    case Code::kNotPermitted:
      return EPERM;
    case Code::kInvalidArgument:
      return EINVAL;
    case Code::kNotSupported:
      return ENOTSUP;
    case Code::kBusy:
      return EBUSY;
    case Code::kCrossDevice:
      return EXDEV;
    case Code::kNameTooLong:
      return ENAMETOOLONG;
    case Code::kNoSpace:
      return ENOSPC;
    case Code::kReadOnly:
      return EROFS;
    case Code::kBadDescriptor:
      return EBADF;
    case Code::kNoMemory:
      return ENOMEM;
    case Code::kTimedOut:
      return ETIMEDOUT;
    case Code::kUnavailable:
      return ECONNREFUSED;
    case Code::kTooLarge:
      return EFBIG;
    case Code::kOutOfRange:
      return ERANGE;
    case Code::kLoop:
      return ELOOP;
    case Code::kTooManyFiles:
      return EMFILE;
    case Code::kAborted:
      return ECANCELED;
    case Code::kIoError:
      return EIO;
  }
  return EIO;
}

std::string_view Status::CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      return "NotFound";
    case Code::kAlreadyExists:
      return "AlreadyExists";
    case Code::kNotDirectory:
      return "NotDirectory";
    case Code::kIsDirectory:
      return "IsDirectory";
    case Code::kNotEmpty:
      return "NotEmpty";
    case Code::kPermissionDenied:
      return "PermissionDenied";
    case Code::kNotPermitted:
      return "NotPermitted";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kNotSupported:
      return "NotSupported";
    case Code::kBusy:
      return "Busy";
    case Code::kCrossDevice:
      return "CrossDevice";
    case Code::kNameTooLong:
      return "NameTooLong";
    case Code::kNoSpace:
      return "NoSpace";
    case Code::kReadOnly:
      return "ReadOnly";
    case Code::kBadDescriptor:
      return "BadDescriptor";
    case Code::kNoMemory:
      return "NoMemory";
    case Code::kTimedOut:
      return "TimedOut";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kTooLarge:
      return "TooLarge";
    case Code::kOutOfRange:
      return "OutOfRange";
    case Code::kLoop:
      return "Loop";
    case Code::kTooManyFiles:
      return "TooManyFiles";
    case Code::kAborted:
      return "Aborted";
    case Code::kIoError:
      return "IoError";
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
