// Reading objects: S3Reader (ranged GETs, parallel for large reads) and
// S3Stream (one flow-controlled GET for a sequential read).
//
// Both are pinned to the ETag seen at open: every request carries If-Match,
// so an object changed meanwhile fails the read (IoError) instead of mixing
// two versions. Both keep the namespace (and so the client and its I/O loop)
// alive while they exist.
#ifndef ALLUXIO_CLIENT_S3_S3_STREAM_H_
#define ALLUXIO_CLIENT_S3_S3_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "alluxio/ufs.h"
#include "s3/s3_namespace.h"

namespace alluxio::s3 {

class S3Reader : public UfsReader {
 public:
  S3Reader(std::shared_ptr<S3Namespace> ns, std::string key, uint64_t size, std::string etag,
           uint64_t version);

  // Any thread, concurrently. Reads past the size seen at open are short.
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override;
  uint64_t Size() const override { return size_; }

  // One GET for a whole sequential read: every request to an object store
  // costs a round trip (and some servers read the whole object for each).
  bool PrefersStreams() const override { return true; }
  // An S3Stream of [offset, offset + length), clamped to the size.
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) override;

  // As GetStatus computes it for this object.
  uint64_t Version() const override { return version_; }

 private:
  std::shared_ptr<S3Namespace> ns_;
  std::string key_;
  uint64_t size_;
  std::string etag_;
  uint64_t version_;
};

// Creates the stream of [offset, offset + length) of `key`: a transfer
// buffered at most about 8 MiB ahead of its reader (beyond that it pauses
// until the reader catches up) and resumed where a failure breaks it off.
// Read blocks until bytes come; Cancel (any thread) ends the transfer;
// the destructor cancels and waits for the transfer to finish.
std::unique_ptr<UfsStream> NewS3Stream(std::shared_ptr<S3Namespace> ns, const std::string& key,
                                       const std::string& etag, uint64_t offset, uint64_t length);

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_S3_STREAM_H_
