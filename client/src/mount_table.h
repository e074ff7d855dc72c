// The mount table: which UFS serves which part of the Alluxio namespace.
//
// "/" is served by the root UFS (alluxio.master.mount.table.root.ufs); more
// mounts are persisted in a file under alluxio.master.journal.folder so every
// process of the node (CLI, shim, FUSE) sees the same table. A change bumps
// the node-wide mount counter and other processes reload the file the next
// time they resolve a path.
#ifndef ALLUXIO_CLIENT_MOUNT_TABLE_H_
#define ALLUXIO_CLIENT_MOUNT_TABLE_H_

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
#include "alluxio/ufs.h"
#include "node_state.h"

namespace alluxio {

class MountTable {
 public:
  struct Resolved {
    std::shared_ptr<Ufs> ufs;
    std::string ufs_path;     // path within the UFS, normalized
    std::string mount_point;  // Alluxio path of the mount serving it
  };

  // `file` == "" keeps the table in memory only.
  MountTable(const Configuration& conf, std::string file, NodeState* node,
             std::shared_ptr<Ufs> root);

  // Loads the persisted mounts. A mount whose UFS cannot be created now is
  // kept in the table (so it can be unmounted) but fails when resolved.
  Status Load();

  // The UFS and UFS path serving a normalized Alluxio path.
  Result<Resolved> Resolve(std::string_view path);

  bool IsMountPoint(std::string_view path);
  bool HasMountBelow(std::string_view path);  // strictly below `path`
  // Names of the mount points directly inside `dir`.
  std::vector<std::string> ChildMountPoints(std::string_view dir);

  Status Add(const std::string& path, const std::string& uri,
             const std::map<std::string, std::string>& options, const std::shared_ptr<Ufs>& ufs);
  Status Remove(const std::string& path);
  std::vector<MountInfo> List();

  // The mounts persisted in `file` (not "/"); none when it does not exist.
  static Result<std::vector<MountInfo>> ReadMountFile(const std::string& file);

 private:
  struct Mount {
    MountInfo info;
    std::shared_ptr<Ufs> ufs;  // null when it could not be created
    std::string error;         // why, when ufs is null
  };
  Status ReloadIfChanged();
  Result<std::vector<MountInfo>> ReadFile() const;
  Status WriteFile(const std::vector<MountInfo>& mounts) const;
  // Runs fn(mounts) under the file lock and persists what it leaves.
  Status Modify(const std::function<Status(std::vector<MountInfo>*)>& fn);
  void Install(const std::vector<MountInfo>& infos, const std::shared_ptr<Ufs>& fresh_ufs,
               const std::string& fresh_path);

  const Configuration& conf_;
  const std::string file_;
  NodeState* node_;

  std::shared_mutex mu_;  // guards mounts_ and loaded_gen_
  std::shared_ptr<Ufs> root_;
  std::vector<Mount> mounts_;  // excluding "/"
  uint64_t loaded_gen_ = 0;
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_MOUNT_TABLE_H_
