#include "mem_ufs.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "alluxio/path.h"

namespace alluxio::testing {

MemUfs::MemUfs() {
  Node root;
  root.is_dir = true;
  root.attr.is_dir = true;
  root.attr.mode = 0755;
  nodes_["/"] = root;
}

Status MemUfs::CheckParent(const std::string& path) {
  auto it = nodes_.find(std::string(ParentPath(path)));
  if (it == nodes_.end()) return Status::NotFound(path + ": parent missing");
  if (!it->second.is_dir) return Status(Code::kNotDirectory, path + ": parent is a file");
  return Status::OK();
}

Result<FileAttr> MemUfs::Stat(const std::string& path, size_t, std::string*) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    if (path != "/") RETURN_IF_ERROR(CheckParent(path));
    return Status::NotFound(path);
  }
  return it->second.attr;
}

Result<std::vector<FileInfo>> MemUfs::Children(const std::string& path) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  if (!it->second.is_dir) return Status(Code::kNotDirectory, path);
  std::vector<FileInfo> out;
  std::string prefix = path == "/" ? "/" : path + "/";
  for (auto c = nodes_.lower_bound(prefix); c != nodes_.end(); ++c) {
    if (c->first.compare(0, prefix.size(), prefix) != 0) break;
    if (c->first == "/") continue;
    std::string rest = c->first.substr(prefix.size());
    if (rest.find('/') != std::string::npos) continue;
    FileInfo fi{rest, c->second.attr};
    if (partial_listings_) {
      fi.attr.mode = fi.attr.is_dir ? 0755 : 0644;
      fi.attr.uid = 0;
      fi.attr.gid = 0;
      fi.attr.mtime_ns = 0;
      fi.full_attributes = false;
    }
    out.push_back(std::move(fi));
  }
  return out;  // in name order, as the map holds "dir/name"
}

Result<std::vector<FileInfo>> MemUfs::ListStatus(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return Children(path);
}

Result<UfsListSlice> MemUfs::ListFrom(const std::string& dir, const std::string& from, size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(std::vector<FileInfo> all, Children(dir));
  UfsListSlice out;
  auto first =
      std::find_if(all.begin(), all.end(), [&](const FileInfo& f) { return f.name >= from; });
  size_t n = std::min<size_t>(std::max<size_t>(max, 1), all.end() - first);
  out.entries.assign(std::make_move_iterator(first), std::make_move_iterator(first + n));
  out.at_end = first + n == all.end();
  return out;
}

Status MemUfs::CreateDirectory(const std::string& path, uint32_t mode) {
  std::lock_guard<std::mutex> lock(mu_);
  if (nodes_.count(path)) return Status::AlreadyExists(path);
  RETURN_IF_ERROR(CheckParent(path));
  Node n;
  n.is_dir = true;
  n.attr.is_dir = true;
  n.attr.mode = mode;
  n.attr.uid = getuid();
  n.attr.gid = getgid();
  n.attr.mtime_ns = ++clock_;
  nodes_[path] = n;
  return Status::OK();
}

namespace {
class MemReader : public UfsReader {
 public:
  MemReader(std::shared_ptr<const std::string> d, uint64_t version)
      : d_(std::move(d)), version_(version) {}
  Result<size_t> ReadAt(uint64_t off, char* buf, size_t n) override {
    if (off >= d_->size()) return size_t{0};
    size_t k = std::min<size_t>(n, d_->size() - off);
    std::memcpy(buf, d_->data() + off, k);
    return k;
  }
  uint64_t Size() const override { return d_->size(); }
  uint64_t Version() const override { return version_; }
  bool PrefersStreams() const override { return false; }
  Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t, uint64_t) override { return NoStreams(); }

 private:
  std::shared_ptr<const std::string> d_;
  uint64_t version_;
};
}  // namespace

class MemWriter : public UfsWriter {
 public:
  MemWriter(MemUfs* ufs, std::string path, UfsCreateOptions o)
      : ufs_(ufs), path_(std::move(path)), o_(o) {}
  Status Append(const char* d, size_t n) override {
    data_.append(d, n);
    return Status::OK();
  }
  Status Commit() override {
    std::lock_guard<std::mutex> lock(ufs_->mu_);
    RETURN_IF_ERROR(ufs_->CheckParent(path_));
    MemUfs::Node n;
    n.attr.size = data_.size();
    n.attr.mode = o_.mode;
    n.attr.uid = o_.uid ? *o_.uid : getuid();
    n.attr.gid = o_.gid ? *o_.gid : getgid();
    n.attr.mtime_ns = o_.mtime_ns ? *o_.mtime_ns : ++ufs_->clock_;
    n.attr.version = ContentVersion(n.attr.size, ++ufs_->clock_);
    n.data = std::make_shared<const std::string>(std::move(data_));
    ufs_->nodes_[path_] = n;
    return Status::OK();
  }
  void Abort() override { data_.clear(); }

 private:
  MemUfs* ufs_;
  std::string path_;
  UfsCreateOptions o_;
  std::string data_;
};

Result<std::unique_ptr<UfsReader>> MemUfs::OpenReader(const std::string& path, const FileAttr*) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  if (it->second.is_dir) return Status(Code::kIsDirectory, path);
  return std::unique_ptr<UfsReader>(new MemReader(it->second.data, it->second.attr.version));
}

Result<std::unique_ptr<UfsWriter>> MemUfs::Create(const std::string& path,
                                                  const UfsCreateOptions& opts) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(CheckParent(path));
  auto it = nodes_.find(path);
  if (it != nodes_.end() && it->second.is_dir) return Status(Code::kIsDirectory, path);
  return std::unique_ptr<UfsWriter>(new MemWriter(this, path, opts));
}

Status MemUfs::DeleteFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  if (it->second.is_dir) return Status(Code::kIsDirectory, path);
  nodes_.erase(it);
  return Status::OK();
}

Status MemUfs::DeleteDirectory(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  if (!it->second.is_dir) return Status(Code::kNotDirectory, path);
  auto next = std::next(it);
  if (next != nodes_.end() && next->first.compare(0, path.size() + 1, path + "/") == 0) {
    return Status(Code::kNotEmpty, path);
  }
  nodes_.erase(it);
  return Status::OK();
}

Status MemUfs::Rename(const std::string& src, const std::string& dst) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!nodes_.count(src)) return Status::NotFound(src);
  RETURN_IF_ERROR(CheckParent(dst));
  std::map<std::string, Node> moved;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (PathHasPrefix(it->first, src)) {
      moved[dst + it->first.substr(src.size())] = it->second;
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  nodes_.erase(dst);
  for (auto& [k, v] : moved) nodes_[k] = v;
  return Status::OK();
}

Status MemUfs::SetMode(const std::string& path, uint32_t mode) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  it->second.attr.mode = mode;
  return Status::OK();
}

Status MemUfs::SetOwner(const std::string& path, std::optional<uint32_t> uid,
                        std::optional<uint32_t> gid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  if (uid) it->second.attr.uid = *uid;
  if (gid) it->second.attr.gid = *gid;
  return Status::OK();
}

Status MemUfs::SetMtime(const std::string& path, int64_t mtime_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return Status::NotFound(path);
  it->second.attr.mtime_ns = mtime_ns;
  return Status::OK();
}

std::string MemUfs::Contents(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(path);
  if (it == nodes_.end() || it->second.is_dir) return "";
  return *it->second.data;
}

void FaultyUfs::InjectFault(const std::string& op, Status status, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_[op] = {std::move(status), times};
}

Status FaultyUfs::Take(const std::string& op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = faults_.find(op);
  if (it == faults_.end() || it->second.second <= 0) return Status::OK();
  --it->second.second;
  return it->second.first;
}

namespace {
class FaultyWriter : public UfsWriter {
 public:
  FaultyWriter(FaultyUfs* f, std::unique_ptr<UfsWriter> w) : f_(f), w_(std::move(w)) {}
  Status Append(const char* d, size_t n) override {
    RETURN_IF_ERROR(f_->Take("Append"));
    return w_->Append(d, n);
  }
  Status Commit() override {
    Status st = f_->Take("Commit");
    if (!st.ok()) {
      w_->Abort();
      return st;
    }
    return w_->Commit();
  }
  void Abort() override { w_->Abort(); }

 private:
  FaultyUfs* f_;
  std::unique_ptr<UfsWriter> w_;
};

class FaultyReader : public ForwardingReader {
 public:
  FaultyReader(FaultyUfs* f, std::unique_ptr<UfsReader> r)
      : ForwardingReader(std::move(r)), f_(f) {}
  Result<size_t> ReadAt(uint64_t off, char* buf, size_t n) override {
    RETURN_IF_ERROR(f_->Take("Read"));
    return target_->ReadAt(off, buf, n);
  }

 private:
  FaultyUfs* f_;
};
}  // namespace

Result<FileAttr> FaultyUfs::Stat(const std::string& p, size_t head_max, std::string* head) {
  RETURN_IF_ERROR(Take("GetStatus"));
  return target_->Stat(p, head_max, head);
}
Result<std::vector<FileInfo>> FaultyUfs::ListStatus(const std::string& p) {
  RETURN_IF_ERROR(Take("ListStatus"));
  return target_->ListStatus(p);
}
Result<UfsListSlice> FaultyUfs::ListFrom(const std::string& d, const std::string& from,
                                         size_t max) {
  RETURN_IF_ERROR(Take("ListFrom"));
  return target_->ListFrom(d, from, max);
}
Status FaultyUfs::CreateDirectory(const std::string& p, uint32_t mode) {
  RETURN_IF_ERROR(Take("CreateDirectory"));
  return target_->CreateDirectory(p, mode);
}
Result<std::unique_ptr<UfsReader>> FaultyUfs::OpenReader(const std::string& p,
                                                         const FileAttr* known) {
  RETURN_IF_ERROR(Take("OpenRead"));
  ASSIGN_OR_RETURN(auto r, target_->OpenReader(p, known));
  return std::unique_ptr<UfsReader>(new FaultyReader(this, std::move(r)));
}
Result<std::unique_ptr<UfsWriter>> FaultyUfs::Create(const std::string& p,
                                                     const UfsCreateOptions& o) {
  RETURN_IF_ERROR(Take("Create"));
  ASSIGN_OR_RETURN(auto w, target_->Create(p, o));
  return std::unique_ptr<UfsWriter>(new FaultyWriter(this, std::move(w)));
}
Status FaultyUfs::DeleteFile(const std::string& p) {
  RETURN_IF_ERROR(Take("DeleteFile"));
  return target_->DeleteFile(p);
}
Status FaultyUfs::DeleteDirectory(const std::string& p) {
  RETURN_IF_ERROR(Take("DeleteDirectory"));
  return target_->DeleteDirectory(p);
}
Status FaultyUfs::Rename(const std::string& s, const std::string& d) {
  RETURN_IF_ERROR(Take("Rename"));
  return target_->Rename(s, d);
}
Status FaultyUfs::SetMode(const std::string& p, uint32_t m) {
  RETURN_IF_ERROR(Take("SetMode"));
  return target_->SetMode(p, m);
}

int CountingUfs::Count(const std::string& op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}
void CountingUfs::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.clear();
}
void CountingUfs::Add(const std::string& op) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[op];
}
Result<FileAttr> CountingUfs::Stat(const std::string& p, size_t head_max, std::string* head) {
  Add("GetStatus");
  return target_->Stat(p, head_max, head);
}
Result<std::vector<FileInfo>> CountingUfs::ListStatus(const std::string& p) {
  Add("ListStatus");
  return target_->ListStatus(p);
}
Result<UfsListSlice> CountingUfs::ListFrom(const std::string& d, const std::string& from,
                                           size_t max) {
  Add("ListFrom");
  return target_->ListFrom(d, from, max);
}
Result<std::unique_ptr<UfsReader>> CountingUfs::OpenReader(const std::string& p,
                                                           const FileAttr* known) {
  Add("OpenRead");
  return target_->OpenReader(p, known);
}

}  // namespace alluxio::testing
