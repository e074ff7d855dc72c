// Status and Result<T>: the error currency of alluxio-posix.
//
// A Status is OK or an error with a code and a human-readable message. The
// codes form a closed set, each with one POSIX errno meaning, so a front end
// (the shim, FUSE) turns any Status into an errno with Status::ToErrno(), and
// code that has an errno in hand (from a libc call) turns it into a Status
// with Status::FromErrno(). Those two functions are the only places where the
// mapping lives.
#ifndef ALLUXIO_STATUS_H_
#define ALLUXIO_STATUS_H_

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace alluxio {

// Every code, once: X(name, errno it means, other errnos that map to it).
// The enum, the names, Status::ToErrno and Status::FromErrno are all made
// from this table.
#define ALLUXIO_STATUS_CODES(X)                                             \
  X(Ok, 0)                                                                  \
  X(NotFound, ENOENT)                                                       \
  X(AlreadyExists, EEXIST)                                                  \
  X(NotDirectory, ENOTDIR)                                                  \
  X(IsDirectory, EISDIR)                                                    \
  X(NotEmpty, ENOTEMPTY)                                                    \
  X(PermissionDenied, EACCES)                                               \
  X(NotPermitted, EPERM)                                                    \
  X(InvalidArgument, EINVAL)                                                \
  X(NotSupported, ENOTSUP, ENOSYS) /* ENOTSUP == EOPNOTSUPP on Linux */     \
  X(Busy, EBUSY, ETXTBSY)          /* e.g. a second writer to one file */   \
  X(CrossDevice, EXDEV)            /* rename across mounts */               \
  X(NameTooLong, ENAMETOOLONG)                                              \
  X(NoSpace, ENOSPC, EDQUOT)                                                \
  X(ReadOnly, EROFS)                                                        \
  X(BadDescriptor, EBADF)                                                   \
  X(NoMemory, ENOMEM)                                                       \
  X(TimedOut, ETIMEDOUT)                                                    \
  X(Unavailable, ECONNREFUSED, EHOSTUNREACH, ENETUNREACH) /* unreachable */ \
  X(TooLarge, EFBIG)                                                        \
  X(OutOfRange, ERANGE)                                                     \
  X(Loop, ELOOP)                                                            \
  X(TooManyFiles, EMFILE, ENFILE)                                           \
  X(Aborted, ECANCELED) /* gave up; may be retried */                       \
  X(IoError, EIO)       /* anything without a better meaning */

enum class Code : uint8_t {
#define ALLUXIO_STATUS_ENUM(name, ...) k##name,
  ALLUXIO_STATUS_CODES(ALLUXIO_STATUS_ENUM)
#undef ALLUXIO_STATUS_ENUM
};

// Number of codes, for tests that walk all of them.
inline constexpr int kNumCodes = static_cast<int>(Code::kIoError) + 1;

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status OK() { return Status(); }
  Status(Code code, std::string_view msg);

  // The one errno -> Status mapping. An errno with no code of its own maps to
  // kIoError, and the message keeps strerror() of the original value.
  static Status FromErrno(int err, std::string_view context);

  // Shorthands for the common codes.
  static Status NotFound(std::string_view msg) { return {Code::kNotFound, msg}; }
  static Status AlreadyExists(std::string_view msg) { return {Code::kAlreadyExists, msg}; }
  static Status InvalidArgument(std::string_view msg) { return {Code::kInvalidArgument, msg}; }
  static Status NotSupported(std::string_view msg) { return {Code::kNotSupported, msg}; }
  static Status IoError(std::string_view msg) { return {Code::kIoError, msg}; }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  const std::string& message() const;

  // The one Status -> errno mapping (0 for OK).
  int ToErrno() const { return CodeToErrno(code()); }
  static int CodeToErrno(Code code);
  static std::string_view CodeName(Code code);

  // "NotFound: /a/b does not exist".
  std::string ToString() const;

  // A copy with more context in front of the message, same code.
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    Code code;
    std::string message;
  };
  // Shared so copying a Status is cheap; a State is never mutated.
  std::shared_ptr<const State> state_;
};

// A value or an error Status. Never holds an OK status without a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(runtime/explicit)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    if (std::get<Status>(v_).ok()) {
      v_ = Status(Code::kIoError, "internal: Result built from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // On a temporary, yields the value itself so `for (x : *F())` is safe.
  T operator*() && { return std::get<T>(std::move(v_)); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace alluxio

// The two propagation macros.
#define ALLUXIO_CONCAT_INNER_(a, b) a##b
#define ALLUXIO_CONCAT_(a, b) ALLUXIO_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)       \
  do {                              \
    ::alluxio::Status _st = (expr); \
    if (!_st.ok()) return _st;      \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns
// its error.
#define ASSIGN_OR_RETURN(lhs, expr)                                                             \
  auto ALLUXIO_CONCAT_(_res_, __LINE__) = (expr);                                               \
  if (!ALLUXIO_CONCAT_(_res_, __LINE__).ok()) return ALLUXIO_CONCAT_(_res_, __LINE__).status(); \
  lhs = std::move(ALLUXIO_CONCAT_(_res_, __LINE__)).value()

#endif  // ALLUXIO_STATUS_H_
