// WorkerUfs: a UFS decorator that reads file data through the cache workers.
//
// OpenRead opens the wrapped UFS as before (so size, version and errors are
// exactly the UFS's), and the returned reader fetches ranges from the worker
// that owns the path on the ring, asking for that content version. When the
// worker is down, unreachable, or refuses (it sees another version, or does
// not mount this UFS), the reader reads the wrapped UFS itself: a worker can
// make reads faster, never wrong. Metadata and every write go to the wrapped
// UFS directly.
#ifndef ALLUXIO_WORKER_WORKER_UFS_H_
#define ALLUXIO_WORKER_WORKER_UFS_H_

#include <memory>
#include <string>

#include "alluxio/ufs.h"
#include "worker_client.h"

namespace alluxio::worker {

class WorkerUfs : public ForwardingUfs {
 public:
  WorkerUfs(std::shared_ptr<Ufs> target, std::shared_ptr<WorkerPool> pool)
      : ForwardingUfs(std::move(target)), pool_(std::move(pool)), uri_(target_->Uri()) {}

  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override;

  WorkerPool* pool() const { return pool_.get(); }

 private:
  std::shared_ptr<WorkerPool> pool_;
  const std::string uri_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_UFS_H_
