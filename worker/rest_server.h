// RestServer: the worker REST API that Alluxio's Python client (fsspec's
// `alluxiofs`) speaks, on alluxio.worker.http.server.port, over the
// worker's alluxio::FileSystem (so reads go through its page cache, as the
// gRPC service's do).
//
// A file is named by its full UFS URI (`s3://bucket/key`, `file:///dir/f`),
// resolved to the worker's Alluxio path as the gRPC service does
// (ResolveUfsUri). `{id}` in a URL is the client's name for the file (the
// SHA-256 of the URI); the URI in the query is what is served.
//
//   GET  /v1/files?path=URI              the directory's entries: a JSON list
//   GET  /v1/info?path=URI               the entry: a JSON list of one
//   GET  /v1/node?path=URI               the worker owning URI: JSON with Host,
//                                        RpcPort, HttpServerPort, ...
//   GET  /v1/file/{id}/page/{i}?ufsFullPath=URI[&offset=O&length=L]
//                                        page i (page size
//                                        alluxio.worker.page.store.page.size),
//                                        or L bytes at O within it; short
//                                        or empty past the end of the file
//   GET  /v1/chunk/{id}?ufsFullPath=URI[&chunkSize=N]
//                                        the whole file, chunked transfer
//   GET  /v1/head/{id}, /v1/tail/{id}?ufsFullPath=URI[&numOfBytes=N]
//                                        the first or last N bytes (1024)
//   POST /v1/chunk/{id}?ufsFullPath=URI  writes the request body as the
//                                        file, committed atomically when the
//                                        body ends (nothing appears, and an
//                                        old file stays, if it does not)
//   POST /v1/mkdir/{id}?ufsFullPath=URI  creates the directory and parents
//   POST /v1/touch/{id}?ufsFullPath=URI  creates an empty file, or sets the
//                                        mtime of an existing one
//   POST /v1/mv/{id}?srcPath=URI&dstPath=URI   POSIX rename
//   POST /v1/rm/{id}?ufsFullPath=URI[&recursive=True]
//
// Entries carry alluxiofs's keys: mType ("file"/"directory"), mName, mPath
// (the worker's Alluxio path), mUfsPath, mLength, mHumanReadableFileSize,
// mCompleted, mOwner, mGroup, mMode ("-rw-r--r--"), mCreationTimeMs,
// mLastModificationTimeMs, mLastAccessTimeMs, mPersisted, mContentHash.
//
// Errors are JSON {"error": code, "message": text} with the HTTP status of
// the code: 404 for a missing file (but 500 from /v1/info, which alluxiofs
// turns into FileNotFoundError), 400 for a bad request or a URI under no
// mount, 409 for exists / not empty / is a directory, 403, 501 for what is
// not served (page writes, /v1/load, /v1/copy), 500 otherwise.
#ifndef ALLUXIO_WORKER_REST_SERVER_H_
#define ALLUXIO_WORKER_REST_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "alluxio/file_system.h"
#include "alluxio/status.h"
#include "http_server.h"

namespace alluxio::worker {

// A worker as /v1/node names it (Alluxio's WorkerNetAddress).
struct RestNodeAddress {
  std::string host;
  int rpc_port = 0;
  int http_port = 0;
};

struct RestServerOptions {
  HttpServerOptions http;
  uint64_t page_size = 1 << 20;
  // This worker, as /v1/node answers it; http_port 0 means the bound port.
  RestNodeAddress self;
  // The worker owning a full UFS URI, for /v1/node; unset: this worker.
  std::function<Result<RestNodeAddress>(const std::string& ufs_uri)> owner;
};

class RestServer {
 public:
  // Listening once it returns (Unavailable when it cannot listen).
  static Result<std::unique_ptr<RestServer>> Start(std::shared_ptr<FileSystem> fs,
                                                   RestServerOptions opts);
  ~RestServer();

  int port() const { return http_->port(); }

  // Finishes the requests in flight and closes every connection.
  void Stop() { http_->Stop(); }

 private:
  class Handlers;
  RestServer() = default;
  std::unique_ptr<Handlers> handlers_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_REST_SERVER_H_
