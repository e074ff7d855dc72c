// Translation between alluxio types and the wire messages of proto/
// worker.proto. grpc::Status never leaves the RPC boundary: a transport
// failure becomes Code::kUnavailable here, an application error travels as
// proto::Error (an errno value) and becomes the matching Status again.
#ifndef ALLUXIO_WORKER_WIRE_H_
#define ALLUXIO_WORKER_WIRE_H_

#include <grpcpp/support/status.h>

#include <cstddef>
#include <string>

#include "alluxio/file_info.h"
#include "alluxio/proto/worker.pb.h"
#include "alluxio/status.h"

namespace alluxio::worker {

// Largest ReadRange a worker answers; clients split bigger reads.
inline constexpr size_t kMaxReadRange = 4u << 20;
// Largest message a channel accepts: one range plus framing.
inline constexpr int kMaxMessageBytes = static_cast<int>(kMaxReadRange) + (64 << 10);

void ToProto(const Status& st, proto::Error* out);
// The Status an Error carries (OK for code 0).
Status FromProto(const proto::Error& e);

void ToProto(const FileAttr& a, proto::FileAttr* out);
FileAttr FromProto(const proto::FileAttr& a);

// A failed RPC (the call itself, not the application) as kUnavailable, or
// kTimedOut for an expired deadline, naming the worker.
Status FromGrpc(const grpc::Status& st, const std::string& address);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WIRE_H_
