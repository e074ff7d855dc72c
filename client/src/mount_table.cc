#include "mount_table.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>

#include "alluxio/path.h"

namespace alluxio {

namespace {

constexpr char kHeader[] = "# alluxio-posix mount table v1";

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '\t' || c == '\n' || c == '=') {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(line);
  while (std::getline(in, cur, '\t')) out.push_back(cur);
  return out;
}

}  // namespace

MountTable::MountTable(const Configuration& conf, std::string file, NodeState* node,
                       std::shared_ptr<Ufs> root)
    : conf_(conf), file_(std::move(file)), node_(node), root_(std::move(root)) {}

Result<std::vector<MountInfo>> MountTable::ReadFile() const { return ReadMountFile(file_); }

Result<std::vector<MountInfo>> MountTable::ReadMountFile(const std::string& file) {
  std::vector<MountInfo> out;
  if (file.empty()) return out;
  std::ifstream in(file);
  if (!in) {
    if (errno == ENOENT) return out;
    return Status::FromErrno(errno, "mount table " + file);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = SplitTabs(line);
    if (fields.size() < 2) {
      return Status::IoError("mount table " + file + " has a malformed line: " + line);
    }
    MountInfo mi;
    mi.alluxio_path = Unescape(fields[0]);
    mi.ufs_uri = Unescape(fields[1]);
    for (size_t i = 2; i < fields.size(); ++i) {
      size_t eq = fields[i].find('=');
      if (eq == std::string::npos) continue;
      mi.options[Unescape(fields[i].substr(0, eq))] = Unescape(fields[i].substr(eq + 1));
    }
    out.push_back(std::move(mi));
  }
  return out;
}

Status MountTable::WriteFile(const std::vector<MountInfo>& mounts) const {
  std::string tmp = file_ + ".tmp." + std::to_string(getpid());
  {
    // The table may hold credentials in mount options: owner-only.
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::FromErrno(errno, "write mount table " + tmp);
    std::string text = std::string(kHeader) + "\n";
    for (const auto& m : mounts) {
      text += Escape(m.alluxio_path) + "\t" + Escape(m.ufs_uri);
      for (const auto& [k, v] : m.options) text += "\t" + Escape(k) + "=" + Escape(v);
      text += "\n";
    }
    ssize_t w = ::write(fd, text.data(), text.size());
    int err = errno;
    bool ok = w == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(tmp.c_str());
      return Status::FromErrno(w < 0 ? err : EIO, "write mount table " + tmp);
    }
  }
  if (::rename(tmp.c_str(), file_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, "write mount table " + file_);
  }
  return Status::OK();
}

void MountTable::Install(const std::vector<MountInfo>& infos, const std::shared_ptr<Ufs>& fresh_ufs,
                         const std::string& fresh_path) {
  std::vector<Mount> next;
  for (const auto& mi : infos) {
    Mount m{mi, nullptr, ""};
    if (fresh_ufs && mi.alluxio_path == fresh_path) {
      m.ufs = fresh_ufs;
    } else {
      for (const auto& old : mounts_) {
        if (old.info.alluxio_path == mi.alluxio_path && old.info.ufs_uri == mi.ufs_uri &&
            old.info.options == mi.options && old.ufs) {
          m.ufs = old.ufs;
        }
      }
    }
    if (!m.ufs) {
      auto ufs = CreateUfs(mi.ufs_uri, mi.options, conf_);
      if (ufs.ok()) {
        m.ufs = *ufs;
      } else {
        m.error = ufs.status().ToString();
      }
    }
    next.push_back(std::move(m));
  }
  // Longest mount point first, so the first prefix match is the deepest.
  std::sort(next.begin(), next.end(), [](const Mount& a, const Mount& b) {
    return a.info.alluxio_path.size() > b.info.alluxio_path.size();
  });
  mounts_ = std::move(next);
}

Status MountTable::Load() {
  uint64_t gen = node_->Get(NodeState::kMountSlot);
  ASSIGN_OR_RETURN(auto infos, ReadFile());
  std::unique_lock lock(mu_);
  Install(infos, nullptr, "");
  loaded_gen_ = gen;
  return Status::OK();
}

Status MountTable::ReloadIfChanged() {
  if (file_.empty()) return Status::OK();
  uint64_t gen = node_->Get(NodeState::kMountSlot);
  {
    std::shared_lock lock(mu_);
    if (gen == loaded_gen_) return Status::OK();
  }
  ASSIGN_OR_RETURN(auto infos, ReadFile());
  std::unique_lock lock(mu_);
  Install(infos, nullptr, "");
  loaded_gen_ = gen;
  return Status::OK();
}

Result<MountLocation> LocateMount(const Configuration& conf, std::string_view path) {
  const char* root_key = "alluxio.master.mount.table.root.ufs";
  ASSIGN_OR_RETURN(auto mounts, MountTable::ReadMountFile(
                                    conf.Get("alluxio.master.journal.folder") + "/mount_table"));
  // The deepest mount point that is a prefix of the path, as Resolve finds it.
  const MountInfo* best = nullptr;
  for (const auto& m : mounts) {
    if (PathHasPrefix(path, m.alluxio_path) &&
        (best == nullptr || m.alluxio_path.size() > best->alluxio_path.size())) {
      best = &m;
    }
  }
  if (best != nullptr) {
    std::string rest(path.substr(best->alluxio_path.size()));
    return MountLocation{*best, rest.empty() ? "/" : rest};
  }
  std::string root = conf.Get(root_key);
  if (root.empty()) {
    return Status::NotFound(std::string(path) + " is under no mount (" + root_key + " is empty)");
  }
  return MountLocation{MountInfo{"/", root, {}}, std::string(path)};
}

Result<MountTable::Resolved> MountTable::Resolve(std::string_view path) {
  RETURN_IF_ERROR(ReloadIfChanged());
  std::shared_lock lock(mu_);
  for (const auto& m : mounts_) {
    if (PathHasPrefix(path, m.info.alluxio_path)) {
      if (!m.ufs) {
        return Status(Code::kUnavailable, "mount " + m.info.alluxio_path + " (" + m.info.ufs_uri +
                                              ") is unusable: " + m.error);
      }
      std::string rest(path.substr(m.info.alluxio_path.size()));
      return Resolved{m.ufs, rest.empty() ? "/" : rest, m.info.alluxio_path};
    }
  }
  return Resolved{root_, std::string(path), "/"};
}

bool MountTable::IsMountPoint(std::string_view path) {
  (void)ReloadIfChanged();
  if (path == "/") return true;
  std::shared_lock lock(mu_);
  for (const auto& m : mounts_) {
    if (m.info.alluxio_path == path) return true;
  }
  return false;
}

bool MountTable::HasMountBelow(std::string_view path) {
  (void)ReloadIfChanged();
  std::shared_lock lock(mu_);
  for (const auto& m : mounts_) {
    if (m.info.alluxio_path != path && PathHasPrefix(m.info.alluxio_path, path)) return true;
  }
  return false;
}

std::vector<std::string> MountTable::ChildMountPoints(std::string_view dir) {
  (void)ReloadIfChanged();
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  for (const auto& m : mounts_) {
    if (ParentPath(m.info.alluxio_path) == dir) out.emplace_back(BaseName(m.info.alluxio_path));
  }
  return out;
}

Status MountTable::Modify(const std::function<Status(std::vector<MountInfo>*)>& fn) {
  int lock_fd = -1;
  if (!file_.empty()) {
    std::string lock_file = file_ + ".lock";
    lock_fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) return Status::FromErrno(errno, "lock mount table " + lock_file);
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  Status st;
  std::vector<MountInfo> infos;
  if (file_.empty()) {
    std::shared_lock lock(mu_);
    for (const auto& m : mounts_) infos.push_back(m.info);
  } else {
    auto r = ReadFile();
    if (r.ok()) infos = std::move(*r);
    st = r.status();
  }
  if (st.ok()) st = fn(&infos);
  if (st.ok() && !file_.empty()) st = WriteFile(infos);
  if (lock_fd >= 0) ::close(lock_fd);
  return st;
}

Status MountTable::Add(const std::string& path, const std::string& uri,
                       const std::map<std::string, std::string>& options,
                       const std::shared_ptr<Ufs>& ufs) {
  std::vector<MountInfo> result;
  Status st = Modify([&](std::vector<MountInfo>* infos) {
    for (const auto& mi : *infos) {
      if (mi.alluxio_path == path) {
        return Status::AlreadyExists(path + " is already a mount point (of " + mi.ufs_uri + ")");
      }
    }
    infos->push_back(MountInfo{path, uri, options});
    result = *infos;
    return Status::OK();
  });
  if (!st.ok()) return st;
  {
    std::unique_lock lock(mu_);
    Install(result, ufs, path);
  }
  node_->Bump(NodeState::kMountSlot);
  node_->Bump(NodeState::kGlobalSlot);
  std::unique_lock lock(mu_);
  loaded_gen_ = node_->Get(NodeState::kMountSlot);
  return Status::OK();
}

Status MountTable::Remove(const std::string& path) {
  std::vector<MountInfo> result;
  Status st = Modify([&](std::vector<MountInfo>* infos) {
    for (auto it = infos->begin(); it != infos->end(); ++it) {
      if (it->alluxio_path == path) {
        for (const auto& other : *infos) {
          if (other.alluxio_path != path && PathHasPrefix(other.alluxio_path, path)) {
            return Status(Code::kBusy, "cannot unmount " + path + ": " + other.alluxio_path +
                                           " is mounted below it");
          }
        }
        infos->erase(it);
        result = *infos;
        return Status::OK();
      }
    }
    return Status::InvalidArgument(path + " is not a mount point");
  });
  if (!st.ok()) return st;
  {
    std::unique_lock lock(mu_);
    Install(result, nullptr, "");
  }
  node_->Bump(NodeState::kMountSlot);
  node_->Bump(NodeState::kGlobalSlot);
  std::unique_lock lock(mu_);
  loaded_gen_ = node_->Get(NodeState::kMountSlot);
  return Status::OK();
}

std::vector<MountInfo> MountTable::List() {
  (void)ReloadIfChanged();
  std::vector<MountInfo> out;
  out.push_back(MountInfo{"/", root_ ? root_->Uri() : "", {}});
  std::shared_lock lock(mu_);
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) out.push_back(it->info);
  std::sort(out.begin(), out.end(),
            [](const MountInfo& a, const MountInfo& b) { return a.alluxio_path < b.alluxio_path; });
  return out;
}

}  // namespace alluxio
