// OpenWrites: the files Alluxio's clients are writing through this worker.
//
// Alluxio 3.x writes a file in three steps: CreateFile (gRPC) names it by
// full UFS URI and gets back a handle uuid; the data arrives on the data
// port (or gRPC WriteBlock) in chunks naming the file by the same URI; then
// CompleteFile (gRPC) with the uuid publishes it. Here the first step opens
// the worker FileSystem's staged write, chunks go into it in order, and
// Complete commits it (the FileSystem's atomic commit: the file appears
// whole or not at all); Cancel, a failed chunk, or a second CreateFile of
// the same URI abandons it and nothing is published. Thread-safe.
#ifndef ALLUXIO_WORKER_OPEN_WRITES_H_
#define ALLUXIO_WORKER_OPEN_WRITES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "alluxio/file_system.h"
#include "alluxio/status.h"

namespace alluxio::worker {

class OpenWrites {
 public:
  explicit OpenWrites(std::shared_ptr<FileSystem> fs) : fs_(std::move(fs)) {}
  // Abandons whatever is still open.
  ~OpenWrites();

  // Opens `path` (the worker's Alluxio path of `uri`) for writing; returns
  // the handle's uuid.
  Result<std::string> Create(const std::string& uri, const std::string& path,
                             const OpenOptions& opts);

  // Writes a chunk at `offset` of the file open under `uri`; chunks come in
  // order (offset = the bytes so far). FailedPrecondition when nothing is
  // open under `uri`.
  Status Write(const std::string& uri, uint64_t offset, const char* data, size_t n);

  // The first error a chunk of `uri` met (OK when none), for the answer to
  // the stream's end.
  Status Error(const std::string& uri);

  // Publishes the file open under `uri` with handle `uuid` (empty: any),
  // which must hold `length` bytes when length >= 0.
  Status Complete(const std::string& uri, const std::string& uuid, int64_t length);

  // Abandons the write of `uri`, if any.
  void Cancel(const std::string& uri);

 private:
  struct Open {
    std::string uuid;
    std::shared_ptr<FileHandle> handle;
    uint64_t written = 0;
    Status error;
    std::mutex mu;  // orders this file's chunks; taken without mu_ held
  };
  std::shared_ptr<Open> Find(const std::string& uri);

  const std::shared_ptr<FileSystem> fs_;
  std::mutex mu_;  // guards open_
  std::map<std::string, std::shared_ptr<Open>> open_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_OPEN_WRITES_H_
