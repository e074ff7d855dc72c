#include "wire.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace alluxio::worker {
namespace {

namespace fpb = ::alluxio::grpc::file;

constexpr char kXattrPrefix[] = "alluxio.posix.";

}  // namespace

::grpc::StatusCode GrpcCodeOf(Code code) {
  switch (code) {
    case Code::kOk:
      return ::grpc::StatusCode::OK;
    case Code::kNotFound:
      return ::grpc::StatusCode::NOT_FOUND;
    case Code::kAlreadyExists:
      return ::grpc::StatusCode::ALREADY_EXISTS;
    case Code::kPermissionDenied:
    case Code::kNotPermitted:
      return ::grpc::StatusCode::PERMISSION_DENIED;
    case Code::kInvalidArgument:
    case Code::kNameTooLong:
      return ::grpc::StatusCode::INVALID_ARGUMENT;
    case Code::kNotSupported:
      return ::grpc::StatusCode::UNIMPLEMENTED;
    case Code::kTimedOut:
      return ::grpc::StatusCode::DEADLINE_EXCEEDED;
    case Code::kUnavailable:
      return ::grpc::StatusCode::UNAVAILABLE;
    case Code::kBusy:
    case Code::kNoSpace:
    case Code::kTooManyFiles:
    case Code::kNoMemory:
      return ::grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Code::kAborted:
      return ::grpc::StatusCode::ABORTED;
    case Code::kOutOfRange:
    case Code::kTooLarge:
      return ::grpc::StatusCode::OUT_OF_RANGE;
    case Code::kNotDirectory:
    case Code::kIsDirectory:
    case Code::kNotEmpty:
    case Code::kCrossDevice:
    case Code::kReadOnly:
    case Code::kBadDescriptor:
    case Code::kLoop:
      return ::grpc::StatusCode::FAILED_PRECONDITION;
    case Code::kIoError:
      return ::grpc::StatusCode::INTERNAL;
  }
  return ::grpc::StatusCode::UNKNOWN;
}

namespace {

// The nearest Code of a gRPC code from a worker that did not say the errno.
Code FromGrpcCode(::grpc::StatusCode code) {
  switch (code) {
    case ::grpc::StatusCode::NOT_FOUND:
      return Code::kNotFound;
    case ::grpc::StatusCode::ALREADY_EXISTS:
      return Code::kAlreadyExists;
    case ::grpc::StatusCode::PERMISSION_DENIED:
    case ::grpc::StatusCode::UNAUTHENTICATED:
      return Code::kPermissionDenied;
    case ::grpc::StatusCode::INVALID_ARGUMENT:
      return Code::kInvalidArgument;
    case ::grpc::StatusCode::UNIMPLEMENTED:
      return Code::kNotSupported;
    case ::grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Code::kBusy;
    case ::grpc::StatusCode::ABORTED:
    case ::grpc::StatusCode::CANCELLED:
      return Code::kAborted;
    case ::grpc::StatusCode::OUT_OF_RANGE:
      return Code::kOutOfRange;
    default:
      return Code::kIoError;
  }
}

// The errno alluxio-worker put in the trailing metadata, or 0.
int TrailerErrno(const ::grpc::ClientContext& ctx) {
  const auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find(kErrnoKey);
  if (it == md.end()) return 0;
  std::string text(it->second.data(), it->second.size());
  return std::atoi(text.c_str());
}

bool ParseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// A uid for an owner name: the name's, a number as itself, or ours.
uint32_t UserId(const std::string& name) {
  uint64_t n = 0;
  if (ParseNumber(name, &n)) return static_cast<uint32_t>(n);
  std::vector<char> buf(4096);
  passwd pw{};
  passwd* found = nullptr;
  if (!name.empty() && getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) == 0 &&
      found != nullptr) {
    return found->pw_uid;
  }
  return static_cast<uint32_t>(getuid());
}

uint32_t GroupId(const std::string& name) {
  uint64_t n = 0;
  if (ParseNumber(name, &n)) return static_cast<uint32_t>(n);
  std::vector<char> buf(4096);
  group gr{};
  group* found = nullptr;
  if (!name.empty() && getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) == 0 &&
      found != nullptr) {
    return found->gr_gid;
  }
  return static_cast<uint32_t>(getgid());
}

void PutNumber(fpb::FileInfo* out, const char* key, int64_t v) {
  (*out->mutable_xattr())[std::string(kXattrPrefix) + key] = std::to_string(v);
}

bool GetNumber(const fpb::FileInfo& in, const char* key, int64_t* v) {
  auto it = in.xattr().find(std::string(kXattrPrefix) + key);
  if (it == in.xattr().end()) return false;
  const std::string& s = it->second;
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size()) return false;
  *v = n;
  return true;
}

::alluxio::grpc::Bits ToBits(uint32_t rwx) {
  // Alluxio's Bits: NONE=1 .. ALL=8, i.e. rwx + 1.
  return static_cast<::alluxio::grpc::Bits>((rwx & 7) + 1);
}

uint32_t FromBits(::alluxio::grpc::Bits b) {
  int v = static_cast<int>(b) - 1;
  return v < 0 ? 0 : static_cast<uint32_t>(v) & 7;
}

}  // namespace

std::string UserName(uint32_t uid) {
  std::vector<char> buf(4096);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

std::string GroupName(uint32_t gid) {
  std::vector<char> buf(4096);
  group gr{};
  group* found = nullptr;
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->gr_name;
  }
  return std::to_string(gid);
}

std::string ContentHash(uint64_t v) {
  char s[17];
  static const char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kDigits[v & 15];
  s[16] = '\0';
  return s;
}

::grpc::Status ToGrpc(const Status& st, ::grpc::ServerContextBase* ctx) {
  if (st.ok()) return ::grpc::Status::OK;
  if (ctx != nullptr) ctx->AddTrailingMetadata(kErrnoKey, std::to_string(st.ToErrno()));
  return ::grpc::Status(GrpcCodeOf(st.code()), st.message());
}

bool IsTransportFailure(const ::grpc::Status& st, const ::grpc::ClientContext& ctx) {
  if (st.ok() || TrailerErrno(ctx) != 0) return false;
  return st.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
         st.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED;
}

Status FromGrpc(const ::grpc::Status& st, const ::grpc::ClientContext& ctx,
                const std::string& address) {
  if (st.ok()) return Status::OK();
  if (int err = TrailerErrno(ctx); err != 0) {
    // FromErrno is the one errno -> code mapping; the worker's message is
    // kept as it is.
    return Status(Status::FromErrno(err, "").code(), st.error_message());
  }
  if (IsTransportFailure(st, ctx)) {
    Code code = st.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED ? Code::kTimedOut
                                                                         : Code::kUnavailable;
    return Status(code, "worker " + address + ": " + st.error_message() + " (grpc code " +
                            std::to_string(static_cast<int>(st.error_code())) + ")");
  }
  return Status(FromGrpcCode(st.error_code()), "worker " + address + ": " + st.error_message());
}

void ToProto(const FileInfo& info, const std::string& ufs_uri, fpb::FileInfo* out) {
  const FileAttr& a = info.attr;
  out->set_fileid(static_cast<int64_t>(a.ino));
  out->set_name(info.name);
  out->set_path(ufs_uri);
  out->set_ufspath(ufs_uri);
  out->set_length(static_cast<int64_t>(a.size));
  out->set_blocksizebytes(kBlockSizeBytes);
  out->set_creationtimems(a.mtime_ns / 1000000);
  out->set_completed(true);
  out->set_folder(a.is_dir);
  out->set_cacheable(true);
  out->set_persisted(true);
  out->set_lastmodificationtimems(a.mtime_ns / 1000000);
  out->set_lastaccesstimems((a.atime_ns != 0 ? a.atime_ns : a.mtime_ns) / 1000000);
  out->set_owner(UserName(a.uid));
  out->set_group(GroupName(a.gid));
  out->set_mode(static_cast<int32_t>(a.mode & 07777));
  out->set_persistencestate("PERSISTED");
  out->set_contenthash(ContentHash(a.version));
  PutNumber(out, "mtime_ns", a.mtime_ns);
  PutNumber(out, "atime_ns", a.atime_ns);
  PutNumber(out, "ctime_ns", a.ctime_ns);
  PutNumber(out, "uid", a.uid);
  PutNumber(out, "gid", a.gid);
  PutNumber(out, "ino", static_cast<int64_t>(a.ino));
  PutNumber(out, "nlink", a.nlink);
  PutNumber(out, "version", static_cast<int64_t>(a.version));
  PutNumber(out, "full", info.full_attributes ? 1 : 0);
}

FileInfo FromProto(const fpb::FileInfo& in) {
  FileInfo info;
  info.name = in.name();
  FileAttr& a = info.attr;
  a.is_dir = in.folder();
  a.size = a.is_dir ? 0 : static_cast<uint64_t>(std::max<int64_t>(0, in.length()));
  a.mode = static_cast<uint32_t>(in.mode()) & 07777;
  int64_t v = 0;
  a.mtime_ns = GetNumber(in, "mtime_ns", &v) ? v : in.lastmodificationtimems() * 1000000;
  a.atime_ns = GetNumber(in, "atime_ns", &v) ? v : 0;
  a.ctime_ns = GetNumber(in, "ctime_ns", &v) ? v : 0;
  a.uid = GetNumber(in, "uid", &v) ? static_cast<uint32_t>(v) : UserId(in.owner());
  a.gid = GetNumber(in, "gid", &v) ? static_cast<uint32_t>(v) : GroupId(in.group());
  a.ino = GetNumber(in, "ino", &v) ? static_cast<uint64_t>(v) : 0;
  a.nlink = GetNumber(in, "nlink", &v) ? static_cast<uint32_t>(v) : 0;
  if (GetNumber(in, "version", &v)) {
    a.version = static_cast<uint64_t>(v);
  } else if (!in.contenthash().empty()) {
    // Alluxio's worker: the UFS's fingerprint (an ETag, or its own
    // size-and-time text) stands for the content.
    a.version = ContentVersion(in.contenthash() + "/" + std::to_string(in.length()));
  } else {
    a.version = ContentVersion(a.size, a.mtime_ns);
  }
  info.full_attributes = !GetNumber(in, "full", &v) || v != 0;
  if (info.name.empty()) {
    const std::string& p = in.path();
    size_t slash = p.find_last_of('/');
    info.name = slash == std::string::npos ? p : p.substr(slash + 1);
  }
  return info;
}

void ToProto(uint32_t mode, ::alluxio::grpc::PMode* out) {
  out->set_ownerbits(ToBits(mode >> 6));
  out->set_groupbits(ToBits(mode >> 3));
  out->set_otherbits(ToBits(mode));
}

uint32_t FromProto(const ::alluxio::grpc::PMode& in) {
  return FromBits(in.ownerbits()) << 6 | FromBits(in.groupbits()) << 3 | FromBits(in.otherbits());
}

}  // namespace alluxio::worker
