// WorkerUfs: a UFS decorator that serves metadata and file data through the
// cache workers (Alluxio's BlockWorker protocol), so a node's clients share
// the workers' caches.
//
// Every file is named to the workers by its full UFS URI (FullUfsUri), which
// is also the key the ring places it by. GetStatus, ListStatus and reads go
// to the owning worker; when it is down, unreachable, or cannot serve this
// UFS, to the next replica in ring order (at most kCandidates workers), then
// to the wrapped UFS directly: a worker can make reads faster, never wrong.
// A reader keeps to one content version: a worker that has another answers
// ABORTED and the read goes to the UFS. An application error from a worker
// (NotFound, NotDirectory, ...) is the answer, as the UFS's would be.
//
// Writes and the other mutations go to the wrapped UFS directly, with the
// same atomic commit as without workers; listing slices (ListFrom) too.
#ifndef ALLUXIO_WORKER_WORKER_UFS_H_
#define ALLUXIO_WORKER_WORKER_UFS_H_

#include <memory>
#include <string>

#include "alluxio/ufs.h"
#include "ufs_uri.h"
#include "worker_client.h"

namespace alluxio::worker {

class WorkerUfs : public ForwardingUfs {
 public:
  // Workers asked for one file before the UFS: the owner and two replicas.
  static constexpr size_t kCandidates = 3;

  WorkerUfs(std::shared_ptr<Ufs> target, std::shared_ptr<WorkerPool> pool)
      : ForwardingUfs(std::move(target)), pool_(std::move(pool)), uri_(target_->Uri()) {}

  Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) override;
  Result<std::vector<FileInfo>> ListStatus(const std::string& path) override;
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override;

  WorkerPool* pool() const { return pool_.get(); }

 private:
  std::shared_ptr<WorkerPool> pool_;
  const std::string uri_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_UFS_H_
