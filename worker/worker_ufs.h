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
// Writes go to the owning worker too (CreateFile, one WriteBlock stream,
// CompleteFile): the worker stages the file and publishes it whole on
// CompleteFile, so a writer or worker that dies mid-way leaves nothing
// behind; the writer then fails, it never moves to another worker
// half-way. mkdir, unlink, rmdir, rename (placed by the source) and
// chmod/chown go to the owner as well. Where no worker can take an
// operation, it goes to the UFS directly, with the same guarantees as
// without workers. What Alluxio's protocol cannot say goes to the UFS
// directly: mtimes (utimens), setuid/setgid/sticky bits, listing slices
// (ListFrom) and local staging files (CreateStaging: not supported here, so
// the client writes through Create).
#ifndef ALLUXIO_WORKER_WORKER_UFS_H_
#define ALLUXIO_WORKER_WORKER_UFS_H_

#include <memory>
#include <string>

#include "alluxio/ufs.h"
#include "hash_ring.h"
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
  Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                            const UfsCreateOptions& opts) override;
  Result<int> CreateStaging(const std::string& path) override;
  Status LinkStaging(const std::string& path, int fd, const UfsCreateOptions& opts) override;
  Status CreateDirectory(const std::string& path, uint32_t mode) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteDirectory(const std::string& path) override;
  Status Rename(const std::string& src, const std::string& dst) override;
  Status SetMode(const std::string& path, uint32_t mode) override;
  Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                  std::optional<uint32_t> gid) override;

  WorkerPool* pool() const { return pool_.get(); }

 private:
  std::shared_ptr<WorkerPool> pool_;
  const std::string uri_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_WORKER_UFS_H_
