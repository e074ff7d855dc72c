// WorkerIdentity: who a cache worker is, as Alluxio names it.
//
// Alluxio 3.x identifies a worker by 16 bytes and a format version (version
// 1: the bytes of a UUID, most significant first). The consistent-hash ring
// hashes those bytes, so every client that agrees on the identities agrees
// on every file's owner, whatever addresses the workers have today.
//
// In STATIC membership a worker's identity is the name-based UUID of its
// hostname (Java's UUID.nameUUIDFromBytes: MD5 of the UTF-8 name with the
// version-3 and IETF-variant bits set); under etcd it is the identity the
// worker registered. Printed as Alluxio prints it: "worker-<uuid>".
#ifndef ALLUXIO_WORKER_WORKER_IDENTITY_H_
#define ALLUXIO_WORKER_WORKER_IDENTITY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "alluxio/status.h"

namespace alluxio::worker {

struct WorkerIdentity {
  std::array<uint8_t, 16> id{};
  int32_t version = 1;

  // UUID.nameUUIDFromBytes(name's UTF-8 bytes), version 1.
  static WorkerIdentity FromName(std::string_view name);
  // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (case-insensitive), version 1;
  // InvalidArgument otherwise.
  static Result<WorkerIdentity> FromUuid(std::string_view uuid);

  // The lower-case UUID text of the 16 bytes.
  std::string Uuid() const;
  // "worker-<uuid>", as Alluxio's WorkerIdentity.toString().
  std::string ToString() const { return "worker-" + Uuid(); }

  bool operator==(const WorkerIdentity& o) const { return id == o.id && version == o.version; }
  bool operator!=(const WorkerIdentity& o) const { return !(*this == o); }
  bool operator<(const WorkerIdentity& o) const {
    return version != o.version ? version < o.version : id < o.id;
  }
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_IDENTITY_H_
