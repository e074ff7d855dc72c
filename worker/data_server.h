// DataServer: Alluxio's framed data protocol on the worker's data port
// (alluxio.worker.data.port, 29997), which Alluxio 3.x's Java client uses
// for file data (its metadata goes over gRPC: BlockWorkerService).
//
// A frame is an int64 length (including itself), an int32 message type, an
// int32 message length, a protobuf message of proto/alluxio/dataserver/
// protocol.proto, and raw payload to the frame's end; all big-endian.
//   READ_REQUEST (100) ReadRequest: the worker answers RESPONSE frames
//     (102) Response{OK} carrying the data as payload, at most chunk_size
//     each, then Response{OK} without payload at the end; an error is
//     Response{status, message}. A ReadRequest with cancel = true stops the
//     read in flight, answered Response{CANCELLED}.
//   WRITE_REQUEST (101) WriteRequest: a chunk of a file being created (see
//     OpenWrites), named by create_ufs_file_options.ufs_path, at `offset`;
//     eof = true (no payload) ends it and is answered one Response (the
//     first error its chunks met, or OK); cancel = true abandons it.
//   HEARTBEAT (104): ignored (clients send one after 3 s of silence).
// Connections are long-lived and serve requests one after another; each
// runs on a thread of its own (at most max_connections at once).
#ifndef ALLUXIO_WORKER_DATA_SERVER_H_
#define ALLUXIO_WORKER_DATA_SERVER_H_

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alluxio/dataserver/protocol.pb.h"
#include "alluxio/status.h"
#include "open_writes.h"
#include "worker_service.h"

namespace alluxio::worker {

class DataServer {
 public:
  DataServer(BlockWorkerService* block, OpenWrites* writes, int max_connections);
  // Stops (if still running).
  ~DataServer();

  // Listens on host:port (port 0: any free port) and starts accepting.
  Status Start(const std::string& host, int port);
  int port() const { return port_; }

  // Stops accepting, ends every connection, and waits for their threads.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd);
  // Serves one read; false when the connection is to be closed.
  bool ServeRead(int fd, const ::alluxio::proto::dataserver::ReadRequest& req, std::string* data);

  BlockWorkerService* const block_;
  OpenWrites* const writes_;
  const int max_connections_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;  // guards conns_, threads_ and finished_
  std::set<int> conns_;
  std::vector<std::thread> threads_;
  std::set<std::thread::id> finished_;  // threads done, to be joined
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_DATA_SERVER_H_
