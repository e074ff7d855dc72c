// S3Writer: a new object, atomically visible at Commit.
//
// A writer buffers one part. An object smaller than one part is a single
// PUT at Commit. A larger one becomes a multipart upload: each full part is
// uploaded in the background (at most kMaxInflightParts in flight) while the
// writer fills the next; Commit uploads the last part and completes the
// upload. On any failure, and on Abort or destruction without Commit, the
// upload is aborted, so no half object ever appears and the previous object
// stays as it was. One writer is used by one thread at a time.
#ifndef ALLUXIO_CLIENT_S3_S3_WRITER_H_
#define ALLUXIO_CLIENT_S3_S3_WRITER_H_

#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "alluxio/ufs.h"
#include "s3/s3_namespace.h"

namespace alluxio::s3 {

class S3Writer : public UfsWriter {
 public:
  static constexpr size_t kMaxInflightParts = 4;

  // Writes the object of `path` with mode, owner and mtime from opts (the
  // caller's uid/gid and now when unset).
  S3Writer(std::shared_ptr<S3Namespace> ns, std::string path, const UfsCreateOptions& opts);
  ~S3Writer() override;

  // BadDescriptor after Commit or Abort; the first failure of a part upload
  // is returned from then on.
  Status Append(const char* data, size_t n) override;
  Status Commit() override;
  void Abort() override;

 private:
  UserMeta Meta() const;
  void AbortUpload();
  // Sends buf_ as the next part; starts the multipart upload first if needed.
  Status FlushPart();

  std::shared_ptr<S3Namespace> ns_;
  std::string path_;
  std::string key_;
  UfsCreateOptions opts_;
  std::string buf_;
  std::string upload_id_;
  int next_part_ = 1;
  std::deque<std::future<Result<std::string>>> inflight_;  // in part order
  std::vector<std::string> done_etags_;                    // parts 1..k
  Status error_;
  bool closed_ = false;
};

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_S3_WRITER_H_
