// Translation between alluxio types and Alluxio's worker wire
// (proto/alluxio/grpc/*.proto: the BlockWorker service's messages).
//
// Errors travel as gRPC status codes, as Alluxio's own worker sends them
// (NOT_FOUND, ALREADY_EXISTS, ...). Alluxio's codes are coarser than errno,
// so alluxio-worker also sends the exact errno in the trailing metadata
// kErrnoKey; a client that finds it there knows the error is the
// application's, exactly. Without it (Alluxio's worker), UNAVAILABLE and
// DEADLINE_EXCEEDED mean the worker could not be reached or did not answer
// in time, and the other codes map to the nearest Code.
//
// A FileInfo carries what Alluxio's clients read (path, length, folder,
// times in ms, mode, owner and group names, contentHash) and, in xattr
// entries under "alluxio.posix.", the exact attributes of FileAttr (ns
// times, uid/gid, ino, nlink, version), which Alluxio's clients ignore.
#ifndef ALLUXIO_WORKER_WIRE_H_
#define ALLUXIO_WORKER_WIRE_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <cstddef>
#include <string>

#include "alluxio/file_info.h"
#include "alluxio/grpc/file_system_master.pb.h"
#include "alluxio/status.h"

// Alluxio's proto package alluxio.grpc is the C++ namespace alluxio::grpc:
// inside namespace alluxio, gRPC's own namespace is spelled ::grpc.
namespace alluxio::worker {

inline constexpr char kErrnoKey[] = "x-alluxio-posix-errno";
// Request metadata of a Remove: "file" or "directory", the kind to remove.
inline constexpr char kKindKey[] = "x-alluxio-posix-kind";
// Request metadata of a ReadBlock: the content version the client saw.
inline constexpr char kVersionKey[] = "x-alluxio-posix-version";

// Largest chunk of a ReadBlock or WriteBlock stream; readers ask for it.
inline constexpr size_t kChunkBytes = 1u << 20;
// Largest message a channel accepts: one chunk plus framing, or a listing
// batch.
inline constexpr int kMaxMessageBytes = 16 << 20;
// Block size reported in FileInfo (Alluxio's default, 64 MiB).
inline constexpr int64_t kBlockSizeBytes = 64ll << 20;

// The gRPC status code Alluxio's worker would send for `code` (the data
// port's PStatus uses the same numbers).
::grpc::StatusCode GrpcCodeOf(Code code);

// Server side: the ::grpc::Status for an application error, with its errno
// in ctx's trailing metadata.
::grpc::Status ToGrpc(const Status& st, ::grpc::ServerContextBase* ctx);

// Client side: the Status of a finished call. A transport failure becomes
// kUnavailable (or kTimedOut for an expired deadline) naming the worker;
// IsTransportFailure tells the two kinds apart.
Status FromGrpc(const ::grpc::Status& st, const ::grpc::ClientContext& ctx,
                const std::string& address);
bool IsTransportFailure(const ::grpc::Status& st, const ::grpc::ClientContext& ctx);

// `path` and `ufs_path` are the entry's full UFS URI.
void ToProto(const FileInfo& info, const std::string& ufs_uri,
             ::alluxio::grpc::file::FileInfo* out);
FileInfo FromProto(const ::alluxio::grpc::file::FileInfo& in);

// The owner and group names Alluxio's clients see: the account's name, or
// the number when the id has none on this machine.
std::string UserName(uint32_t uid);
std::string GroupName(uint32_t gid);

// The contentHash of a FileInfo: the content version, 16 hex digits.
std::string ContentHash(uint64_t version);

// The rwx bits of a mode, as Alluxio's PMode.
void ToProto(uint32_t mode, ::alluxio::grpc::PMode* out);
uint32_t FromProto(const ::alluxio::grpc::PMode& in);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WIRE_H_
