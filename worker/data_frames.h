// The frames of Alluxio's data protocol (the worker's data port), for both
// ends: DataServer and the client's DataConnection.
//
// A frame is an int64 length (including itself), an int32 message type, an
// int32 message length, a protobuf message (proto/alluxio/dataserver/
// protocol.proto), then raw payload bytes to the frame's end; all
// big-endian. Blocking I/O on a connected socket.
#ifndef ALLUXIO_WORKER_DATA_FRAMES_H_
#define ALLUXIO_WORKER_DATA_FRAMES_H_

#include <google/protobuf/message_lite.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace alluxio::worker {

enum DataMessageType : int32_t {
  kReadRequestFrame = 100,
  kWriteRequestFrame = 101,
  kResponseFrame = 102,
  kHeartbeatFrame = 104,
  kReadResponseFrame = 111,
};

// Largest frame accepted: a 1 MiB chunk is what clients send; this leaves
// room and bounds what a bad peer can make the other end allocate.
inline constexpr uint64_t kMaxFrameBytes = 64ull << 20;

struct DataFrame {
  int32_t type = 0;
  std::string message;  // the serialized protobuf message
  std::string payload;
};

// Reads one frame. False at the end of the connection, on an I/O error, or
// on a frame that breaks the protocol (the caller then closes it).
bool ReadDataFrame(int fd, DataFrame* f);

// Sends one frame; false on an I/O error.
bool SendDataFrame(int fd, int32_t type, const google::protobuf::MessageLite& m,
                   const char* payload, size_t n);

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_DATA_FRAMES_H_
