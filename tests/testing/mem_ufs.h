// MemUfs: an in-memory Ufs for unit tests. FaultyUfs: a decorator that makes
// chosen operations fail. CountingUfs: a decorator that counts calls.
#ifndef ALLUXIO_TESTS_TESTING_MEM_UFS_H_
#define ALLUXIO_TESTS_TESTING_MEM_UFS_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "alluxio/ufs.h"

namespace alluxio::testing {

class MemUfs : public UfsBase {
 public:
  MemUfs();
  std::string Uri() const override { return "mem://"; }
  Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) override;
  Result<std::vector<FileInfo>> ListStatus(const std::string& path) override;
  // Entries in byte order of their names; NotFound, NotDirectory.
  Result<UfsListSlice> ListFrom(const std::string& dir, const std::string& from,
                                size_t max) override;
  Status CreateDirectory(const std::string& path, uint32_t mode) override;
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override;
  Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                            const UfsCreateOptions& opts) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteDirectory(const std::string& path) override;
  Status Rename(const std::string& src, const std::string& dst) override;
  Status SetMode(const std::string& path, uint32_t mode) override;
  Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                  std::optional<uint32_t> gid) override;
  Status SetMtime(const std::string& path, int64_t mtime_ns) override;
  bool ListingHasFullAttributes() const override { return !partial_listings_; }

  // Makes listings behave as an object store's: only type, size and version
  // are real; mode, owner and mtime are placeholders (0644 or 0755, 0, 0).
  // Set before use.
  void set_partial_listings(bool partial) { partial_listings_ = partial; }

  // Test access: the committed bytes of a file ("" when absent).
  std::string Contents(const std::string& path);

  struct Node {
    bool is_dir = false;
    std::shared_ptr<const std::string> data;  // files: shared with readers
    FileAttr attr;
  };

 private:
  Status CheckParent(const std::string& path);  // requires mu_
  // Entries of a directory, in name order; requires mu_.
  Result<std::vector<FileInfo>> Children(const std::string& path);
  friend class MemWriter;
  bool partial_listings_ = false;
  std::mutex mu_;  // guards nodes_
  std::map<std::string, Node> nodes_;
  int64_t clock_ = 1'000'000'000;
};

// Fails the named operation (GetStatus, ListStatus, ListFrom,
// CreateDirectory, OpenRead, Read, Create, Append, Commit, DeleteFile,
// DeleteDirectory, Rename, SetMode) with `status` the next `times` calls.
class FaultyUfs : public ForwardingUfs {
 public:
  explicit FaultyUfs(std::shared_ptr<Ufs> target) : ForwardingUfs(std::move(target)) {}
  void InjectFault(const std::string& op, Status status, int times = 1);
  // Returns the injected failure for `op`, consuming one, or OK.
  Status Take(const std::string& op);

  Result<FileAttr> Stat(const std::string& p, size_t head_max, std::string* head) override;
  Result<std::vector<FileInfo>> ListStatus(const std::string& p) override;
  Result<UfsListSlice> ListFrom(const std::string& d, const std::string& from, size_t max) override;
  Status CreateDirectory(const std::string& p, uint32_t mode) override;
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& p,
                                                const FileAttr* known) override;
  Result<std::unique_ptr<UfsWriter>> Create(const std::string& p,
                                            const UfsCreateOptions& o) override;
  Status DeleteFile(const std::string& p) override;
  Status DeleteDirectory(const std::string& p) override;
  Status Rename(const std::string& s, const std::string& d) override;
  Status SetMode(const std::string& p, uint32_t m) override;

 private:
  std::mutex mu_;  // guards faults_
  std::map<std::string, std::pair<Status, int>> faults_;
};

// Counts the metadata calls that reach the UFS (GetStatus, ListStatus,
// ListFrom) and the opens (OpenRead, either form), whatever they return.
class CountingUfs : public ForwardingUfs {
 public:
  explicit CountingUfs(std::shared_ptr<Ufs> target) : ForwardingUfs(std::move(target)) {}
  // Calls of `op` so far.
  int Count(const std::string& op);
  void Reset();

  Result<FileAttr> Stat(const std::string& p, size_t head_max, std::string* head) override;
  Result<std::vector<FileInfo>> ListStatus(const std::string& p) override;
  Result<UfsListSlice> ListFrom(const std::string& d, const std::string& from, size_t max) override;
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& p,
                                                const FileAttr* known) override;

 private:
  void Add(const std::string& op);
  std::mutex mu_;  // guards counts_
  std::map<std::string, int> counts_;
};

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_MEM_UFS_H_
