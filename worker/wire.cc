#include "wire.h"

namespace alluxio::worker {

void ToProto(const Status& st, proto::Error* out) {
  out->set_code(st.ToErrno());
  if (!st.ok()) out->set_message(st.message());
}

Status FromProto(const proto::Error& e) {
  if (e.code() == 0) return Status::OK();
  // FromErrno is the one errno -> code mapping; the worker's message is kept
  // as it is.
  return Status(Status::FromErrno(e.code(), "").code(), e.message());
}

void ToProto(const FileAttr& a, proto::FileAttr* out) {
  out->set_is_dir(a.is_dir);
  out->set_size(a.size);
  out->set_mtime_ns(a.mtime_ns);
  out->set_mode(a.mode);
  out->set_uid(a.uid);
  out->set_gid(a.gid);
  out->set_ino(a.ino);
  out->set_version(a.version);
}

FileAttr FromProto(const proto::FileAttr& a) {
  FileAttr out;
  out.is_dir = a.is_dir();
  out.size = a.size();
  out.mtime_ns = a.mtime_ns();
  out.mode = a.mode();
  out.uid = a.uid();
  out.gid = a.gid();
  out.ino = a.ino();
  out.version = a.version();
  return out;
}

Status FromGrpc(const grpc::Status& st, const std::string& address) {
  if (st.ok()) return Status::OK();
  Code code =
      st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? Code::kTimedOut : Code::kUnavailable;
  return Status(code, "worker " + address + ": " + st.error_message() + " (grpc code " +
                          std::to_string(static_cast<int>(st.error_code())) + ")");
}

}  // namespace alluxio::worker
