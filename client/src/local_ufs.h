// A UFS over a local (or network-mounted) directory.
#ifndef ALLUXIO_CLIENT_LOCAL_UFS_H_
#define ALLUXIO_CLIENT_LOCAL_UFS_H_

#include <memory>
#include <string>

#include "alluxio/ufs.h"

namespace alluxio {

// Files being written live next to their destination under this prefix until
// they are committed by rename; listings hide them. The rest of the name
// says which process writes it (see RemoveAbandonedWrites).
inline constexpr char kLocalTempPrefix[] = ".alluxio_tmp.";

class LocalUfs : public UfsBase {
 public:
  // `root` is an absolute directory path without trailing '/'.
  static Result<std::shared_ptr<Ufs>> Open(const std::string& root);

  std::string Uri() const override { return root_; }
  Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) override;
  Result<std::vector<FileInfo>> ListStatus(const std::string& path) override;
  Status CreateDirectory(const std::string& path, uint32_t mode) override;
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override;
  Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                            const UfsCreateOptions& opts) override;
  Result<int> CreateStaging(const std::string& path) override;
  Status LinkStaging(const std::string& path, int fd, const UfsCreateOptions& opts) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteDirectory(const std::string& path) override;
  Status Rename(const std::string& src, const std::string& dst) override;
  Status SetMode(const std::string& path, uint32_t mode) override;
  Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                  std::optional<uint32_t> gid) override;
  Status SetMtime(const std::string& path, int64_t mtime_ns) override;
  Status GetSpace(uint64_t* total, uint64_t* free) override;
  // Staging files whose writer (named in the file name) is a process of this
  // boot and pid namespace that no longer runs, and whose lock nobody holds.
  // Staging files of other namespaces and hosts, and of older versions, are
  // left alone.
  Result<uint64_t> RemoveAbandonedWrites(const std::atomic<bool>* cancel) override;

 private:
  explicit LocalUfs(std::string root) : root_(std::move(root)) {}
  std::string Full(const std::string& path) const { return path == "/" ? root_ : root_ + path; }
  std::string root_;
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_LOCAL_UFS_H_
