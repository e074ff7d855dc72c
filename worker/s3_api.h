// S3ObjectServer: the object reads of Alluxio's worker S3 API
// (alluxio.worker.s3.api.enabled, on alluxio.worker.rest.port, 29998), over
// the worker's alluxio::FileSystem.
//
// Alluxio's Python client (alluxiofs 1.1.x) reads byte ranges of a file this
// way: fsspec's open() and cat_file() send `GET http://HOST:29998<path>`
// with a `Range: bytes=A-B` header, <path> being the file's Alluxio path as
// /v1/info names it (mPath), on port 29998 whatever the configuration. So,
// as Alluxio's S3 API does, /bucket/key is the Alluxio path /bucket/key.
//
//   GET  /<path>   the file; with one `Range: bytes=A-B`, `bytes=A-` or
//                  `bytes=-N`, 206 with Content-Range and those bytes (B
//                  past the end is the end), or 416 with `Content-Range:
//                  bytes */SIZE` when A is at or past the end; a Range header
//                  it does not parse (several ranges, another unit, B < A) is
//                  ignored, as RFC 9110 says: 200 and the whole file.
//                  Bodies are streamed (chunked transfer coding).
//   HEAD /<path>   the same head without the body (Content-Length the size).
//
// Both carry `Accept-Ranges: bytes`, `ETag` (the content version) and
// `Last-Modified`. Requests are not authenticated (an Authorization header
// is ignored); only reads are served. Errors are S3's XML <Error> with its
// codes: NoSuchKey 404 (a missing file, or a directory: S3 objects are
// files), InvalidURI 400 (a path with empty, "." or ".." components),
// AccessDenied 403, MethodNotAllowed 405 (anything but GET and HEAD),
// InternalError 500 otherwise.
#ifndef ALLUXIO_WORKER_S3_API_H_
#define ALLUXIO_WORKER_S3_API_H_

#include <memory>

#include "alluxio/file_system.h"
#include "alluxio/status.h"
#include "http_server.h"

namespace alluxio::worker {

class S3ObjectServer {
 public:
  // Listening on opts.host:opts.port once it returns (Unavailable naming the
  // address when it cannot listen there).
  static Result<std::unique_ptr<S3ObjectServer>> Start(std::shared_ptr<FileSystem> fs,
                                                       const HttpServerOptions& opts);
  ~S3ObjectServer();

  int port() const { return http_->port(); }

  // Finishes the requests in flight and closes every connection.
  void Stop() { http_->Stop(); }

 private:
  S3ObjectServer() = default;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_S3_API_H_
