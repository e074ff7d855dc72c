#include "alluxio/file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>
#include <unordered_map>
#include <vector>

#include "alluxio/path.h"
#include "dir_scans.h"
#include "handles.h"
#include "metadata_cache.h"
#include "mount_table.h"
#include "node_state.h"
#include "page_cache.h"

namespace alluxio {

namespace {

// mkdir -p for the client's own state directories.
Status MakeDirs(const std::string& dir, mode_t mode) {
  if (dir.empty()) return Status::OK();
  std::string cur;
  size_t i = 0;
  while (i < dir.size()) {
    size_t j = dir.find('/', i + 1);
    if (j == std::string::npos) j = dir.size();
    cur = dir.substr(0, j);
    i = j;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) {
      return Status::FromErrno(errno, "create directory " + cur);
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return Status::FromErrno(errno, dir);
  if (!S_ISDIR(st.st_mode)) return Status(Code::kNotDirectory, dir + " is not a directory");
  return Status::OK();
}

class FileSystemImpl : public FileSystem,
                       public WriteObserver,
                       public std::enable_shared_from_this<FileSystemImpl> {
 public:
  FileSystemImpl(Configuration conf) : conf_(std::move(conf)) {}
  ~FileSystemImpl() override = default;

  Status Init(std::shared_ptr<Ufs> root_override);

  Result<FileAttr> GetStatus(std::string_view path) override;
  Result<std::vector<FileInfo>> ListStatus(std::string_view path) override;
  Status CreateDirectory(std::string_view path, const CreateDirectoryOptions& opts) override;
  Status Delete(std::string_view path, const DeleteOptions& opts) override;
  Status Rename(std::string_view src, std::string_view dst, bool no_replace) override;
  Status SetAttribute(std::string_view path, const SetAttributeOptions& opts) override;
  Result<std::shared_ptr<FileHandle>> OpenFile(std::string_view path,
                                               const OpenOptions& opts) override;
  Status CommitStagingFile(std::string_view path, int fd, uint32_t mode) override;
  Status Truncate(std::string_view path, uint64_t size) override;
  Status GetSpace(std::string_view path, uint64_t* total, uint64_t* free) override;
  Status Mount(std::string_view path, const std::string& ufs_uri,
               const std::map<std::string, std::string>& options) override;
  Status Unmount(std::string_view path) override;
  std::vector<MountInfo> GetMountTable() override { return mounts_->List(); }
  void InvalidateCache() override { cache_->Clear(); }
  Status Free(std::string_view path, bool recursive) override;
  Result<CacheStats> GetCacheStats() override {
    if (!page_cache_) return Status::NotSupported("the page cache is disabled");
    return page_cache_->Stats();
  }
  const Configuration& conf() const override { return conf_; }
  Result<uint64_t> RemoveAbandonedWrites(const std::atomic<bool>* cancel) override;

  // WriteObserver
  void OnCommitted(const std::string& path) override { Changed(path); }
  void OnClosed(const std::string& path, FileHandle* handle) override;

 private:
  // Marks `path` (and its parent's listing) changed, node-wide.
  void Changed(std::string_view path) {
    node_->Bump(NodeState::SlotOf(path));
    node_->Bump(NodeState::SlotOf(ParentPath(path)));
  }
  // Marks everything changed (recursive operations, mounts).
  void ChangedAll() { node_->Bump(NodeState::kGlobalSlot); }

  // `partial_ok`: type, size and version suffice (an object store's listing
  // gives those, not mode, owner or mtime).
  Result<FileAttr> StatNormalized(const std::string& path, bool partial_ok = false);
  // For an open for reading that missed the cache: the entry from a slice
  // of the parent's listing (Ufs::ListFrom), which fills the cache for the
  // next opens too, when misses in that directory look like a scan. nullopt
  // when the caller should ask GetStatus.
  std::optional<FileAttr> StatFromSlice(const std::string& p, const MountTable::Resolved& r);
  // The UFS part of a stat that missed the cache: GetStatus (with the first
  // page, cached, when `with_head`), remembered in the cache.
  Result<FileAttr> StatFromUfs(const std::string& p, const MountTable::Resolved& r, bool with_head);
  // NotFound / NotDirectory unless the parent of `p` is a directory.
  Status CheckParentIsDirectory(const std::string& p);
  Status DeleteTree(const std::string& path, const MountTable::Resolved& r);
  std::shared_ptr<WriteHandle> OpenWriter(const std::string& path);

  Configuration conf_;
  std::unique_ptr<NodeState> node_;
  std::unique_ptr<MountTable> mounts_;
  std::unique_ptr<MetadataCache> cache_;
  std::unique_ptr<WriterRegistry> writers_registry_;
  std::unique_ptr<PageCache> page_cache_;  // null when disabled
  std::string staging_dir_;
  bool random_access_ = false;

  // Files open for writing in this process, which exist only in their
  // handle until committed: stat and listings answer from them.
  std::mutex writers_mu_;  // guards writers_; leaf lock
  std::unordered_map<std::string, std::weak_ptr<WriteHandle>> writers_;
  std::atomic<int> num_writers_{0};

  // Directories of object stores read file after file.
  DirScans scans_;
  std::mutex no_slices_mu_;                    // guards no_slices_; leaf lock
  std::vector<std::weak_ptr<Ufs>> no_slices_;  // ListFrom said NotSupported
};

Status FileSystemImpl::Init(std::shared_ptr<Ufs> root_override) {
  random_access_ = conf_.GetBool("alluxio.user.fuse.random.access.file.stream.enabled");
  staging_dir_ = conf_.Get("alluxio.user.client.cache.staging.dir");
  std::string work = conf_.Get("alluxio.work.dir");
  std::string warning;
  std::string mount_file;
  if (root_override) {
    node_.reset(NodeState::Open("", &warning));
    writers_registry_ = WriterRegistry::InMemory();
  } else {
    RETURN_IF_ERROR(MakeDirs(work + "/run/locks", 0755));
    node_.reset(NodeState::Open(work + "/run/node_state", &warning));
    writers_registry_ = WriterRegistry::InDirectory(work + "/run/locks");
    std::string journal = conf_.Get("alluxio.master.journal.folder");
    RETURN_IF_ERROR(MakeDirs(journal, 0700));
    mount_file = journal + "/mount_table";
    const std::string root_key = "alluxio.master.mount.table.root.ufs";
    std::string root_uri = conf_.Get(root_key);
    // The default root is created on first use, so nothing needs setting up;
    // a configured one must exist (a typo must not silently make a new one).
    if (conf_.SourceOf(root_key) == "default") RETURN_IF_ERROR(MakeDirs(root_uri, 0755));
    auto root = CreateUfs(root_uri, {}, conf_);
    if (!root.ok()) return root.status().WithContext("root UFS (" + root_key + ")");
    root_override = *root;
  }
  if (node_ == nullptr) return Status(Code::kNoMemory, "cannot map node state");
  RETURN_IF_ERROR(MakeDirs(staging_dir_, 0700));
  mounts_ = std::make_unique<MountTable>(conf_, mount_file, node_.get(), root_override);
  RETURN_IF_ERROR(mounts_->Load());
  if (conf_.GetBool("alluxio.user.client.cache.enabled")) {
    auto pc = PageCache::Open(conf_);
    if (!pc.ok()) return pc.status().WithContext("page cache (alluxio.user.client.cache.*)");
    page_cache_ = std::move(*pc);
  }
  cache_ = std::make_unique<MetadataCache>(
      node_.get(), static_cast<size_t>(conf_.GetInt("alluxio.user.metadata.cache.max.size")),
      conf_.GetDurationMs("alluxio.user.metadata.cache.expiration.time"));
  return Status::OK();
}

std::shared_ptr<WriteHandle> FileSystemImpl::OpenWriter(const std::string& path) {
  if (num_writers_.load(std::memory_order_acquire) == 0) return nullptr;
  std::lock_guard<std::mutex> lock(writers_mu_);
  auto it = writers_.find(path);
  return it == writers_.end() ? nullptr : it->second.lock();
}

void FileSystemImpl::OnClosed(const std::string& path, FileHandle* handle) {
  std::lock_guard<std::mutex> lock(writers_mu_);
  auto it = writers_.find(path);
  if (it == writers_.end()) return;
  auto h = it->second.lock();
  if (h == nullptr || h.get() == handle) {
    writers_.erase(it);
    num_writers_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

Result<FileAttr> FileSystemImpl::StatNormalized(const std::string& p, bool partial_ok) {
  if (auto w = OpenWriter(p)) return w->Stat();
  FileAttr attr;
  int err = 0;
  if (cache_->Lookup(p, &attr, &err, partial_ok)) {
    if (err == 0) return attr;
    return Status::FromErrno(err, p);
  }
  ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
  // Where files are being read after their stats (FUSE looks each one up
  // before opening it), a stat of a file also brings its first page when
  // the UFS gets both with one request.
  bool with_head = false;
  if (partial_ok) {
    if (auto sliced = StatFromSlice(p, r)) return *sliced;
  } else if (page_cache_ && !r.ufs->ListingHasFullAttributes() &&
             scans_.ReadingIn(std::string(ParentPath(p)))) {
    FileAttr known;
    int known_err = 0;
    // A slice tells the UFS which names are files, unless one did already.
    if (!cache_->Lookup(p, &known, &known_err, /*partial_ok=*/true)) (void)StatFromSlice(p, r);
    with_head = true;
  }
  return StatFromUfs(p, r, with_head);
}

std::optional<FileAttr> FileSystemImpl::StatFromSlice(const std::string& p,
                                                      const MountTable::Resolved& r) {
  // Only object stores gain: their GetStatus costs requests a listing page
  // shares among many files, and they cache nothing but partial entries.
  if (p == "/" || !cache_->enabled() || r.ufs->ListingHasFullAttributes()) return std::nullopt;
  const std::string parent(ParentPath(p));
  const std::string name(BaseName(p));
  // The parent must be served by the same mount (p is no mount point).
  auto rp = mounts_->Resolve(parent);
  if (!rp.ok() || rp->ufs != r.ufs || rp->mount_point != r.mount_point) return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(no_slices_mu_);
    for (const auto& w : no_slices_) {
      if (w.lock() == r.ufs) return std::nullopt;
    }
  }
  size_t window = scans_.SliceSize(parent);  // 0: the first miss in a while
  // A slice of more than a fair share of the cache would evict itself.
  window = std::min(window, cache_->capacity() / 4);
  if (window == 0) return std::nullopt;
  // Stamped before asking, as listings are: a change racing with the slice
  // leaves its entries stale, never wrongly fresh.
  const auto stamp = cache_->StampFor(parent);
  auto slice = r.ufs->ListFrom(rp->ufs_path, name, window);
  if (!slice.ok()) {
    if (slice.status().code() == Code::kNotSupported) {
      std::lock_guard<std::mutex> lock(no_slices_mu_);
      std::erase_if(no_slices_, [](const std::weak_ptr<Ufs>& w) { return w.expired(); });
      no_slices_.push_back(r.ufs);
    }
    return std::nullopt;  // GetStatus tells what is wrong, if anything
  }
  // Mount points inside the directory hide what the UFS has there.
  std::vector<FileInfo>& entries = slice->entries;
  for (const std::string& m : mounts_->ChildMountPoints(parent)) {
    std::erase_if(entries, [&](const FileInfo& f) { return f.name == m; });
  }
  std::optional<FileAttr> found;
  for (FileInfo& fi : entries) {
    fi.full_attributes = false;
    if (fi.attr.ino == 0) fi.attr.ino = PathHash(JoinPath(parent, fi.name));
    if (fi.name == name) found = fi.attr;
  }
  cache_->PutPartialChildren(parent, entries, stamp);
  if (!found) {
    // A slice says nothing about names it lacks. Opens of missing files are
    // no scan: the next miss here asks GetStatus again.
    scans_.SliceMissed(parent);
  }
  return found;
}

Result<FileAttr> FileSystemImpl::StatFromUfs(const std::string& p, const MountTable::Resolved& r,
                                             bool with_head) {
  const std::string_view parent = ParentPath(p);
  auto stamp = cache_->StampFor(p);
  auto parent_stamp = cache_->StampFor(parent);
  std::string head;
  auto st = with_head ? r.ufs->GetStatusWithHead(r.ufs_path, page_cache_->page_size(), &head)
                      : r.ufs->GetStatus(r.ufs_path);
  if (!st.ok()) {
    const Code code = st.status().code();
    if ((code != Code::kNotFound && code != Code::kNotDirectory) || p == "/") {
      return st.status();
    }
    // Why it is missing depends on the ancestors, so answer as POSIX does
    // whatever the UFS says (ENOTDIR when a parent is a file), and remember
    // the answer only while the parent stays the directory it is now.
    auto pattr = StatNormalized(std::string(parent));
    if (!pattr.ok()) return pattr.status();
    if (!pattr->is_dir) {
      return Status(Code::kNotDirectory, p + ": " + std::string(parent) + " is not a directory");
    }
    cache_->PutError(p, ENOENT, parent_stamp);
    return Status::NotFound(p + " does not exist");
  }
  FileAttr attr = *st;
  if (attr.ino == 0) attr.ino = PathHash(p);
  cache_->Put(p, attr, stamp);
  if (!head.empty() && !attr.is_dir) {
    page_cache_->Seed(PageCache::FileKey(p, attr.version), attr.size, head);
  }
  return attr;
}

Status FileSystemImpl::CheckParentIsDirectory(const std::string& p) {
  if (p == "/") return Status::OK();
  std::string parent(ParentPath(p));
  ASSIGN_OR_RETURN(FileAttr pattr, StatNormalized(parent));
  if (!pattr.is_dir) return Status(Code::kNotDirectory, parent + " is not a directory");
  return Status::OK();
}

Result<FileAttr> FileSystemImpl::GetStatus(std::string_view path) {
  if (IsNormalized(path)) return StatNormalized(std::string(path));
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  return StatNormalized(p);
}

Result<std::vector<FileInfo>> FileSystemImpl::ListStatus(std::string_view path) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  MetadataCache::Listing listing = cache_->LookupListing(p);
  if (listing == nullptr) {
    auto stamp = cache_->StampFor(p);
    ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
    auto entries = r.ufs->ListStatus(r.ufs_path);
    if (!entries.ok()) {
      if (entries.status().code() == Code::kNotFound) {
        return Status::NotFound(p + " does not exist");
      }
      if (entries.status().code() == Code::kNotDirectory) {
        return Status(Code::kNotDirectory, p + " is not a directory");
      }
      return entries.status();
    }
    auto out = std::make_shared<std::vector<FileInfo>>(std::move(*entries));
    if (!r.ufs->ListingHasFullAttributes()) {
      for (FileInfo& fi : *out) fi.full_attributes = false;
    }
    for (const std::string& name : mounts_->ChildMountPoints(p)) {
      std::string child = JoinPath(p, name);
      auto attr = StatNormalized(child);
      if (!attr.ok()) continue;  // an unusable mount is left out of listings
      out->erase(std::remove_if(out->begin(), out->end(),
                                [&](const FileInfo& f) { return f.name == name; }),
                 out->end());
      out->push_back(FileInfo{name, *attr});
    }
    for (FileInfo& fi : *out) {
      if (fi.attr.ino == 0) fi.attr.ino = PathHash(JoinPath(p, fi.name));
    }
    std::sort(out->begin(), out->end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    listing = out;
    cache_->PutListing(p, listing, stamp);
  }
  std::vector<FileInfo> result = *listing;
  if (num_writers_.load(std::memory_order_acquire) > 0) {
    // Files this process is writing exist for it already.
    std::vector<std::shared_ptr<WriteHandle>> mine;
    {
      std::lock_guard<std::mutex> lock(writers_mu_);
      for (auto& [wp, w] : writers_) {
        if (ParentPath(wp) == p) {
          if (auto h = w.lock()) mine.push_back(h);
        }
      }
    }
    for (auto& h : mine) {
      std::string name(BaseName(h->path()));
      auto attr = h->Stat();
      if (!attr.ok()) continue;
      auto it = std::find_if(result.begin(), result.end(),
                             [&](const FileInfo& f) { return f.name == name; });
      if (it != result.end()) {
        it->attr = *attr;
      } else {
        result.push_back(FileInfo{name, *attr});
      }
    }
    std::sort(result.begin(), result.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  }
  return result;
}

Status FileSystemImpl::CreateDirectory(std::string_view path, const CreateDirectoryOptions& opts) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  auto existing = StatNormalized(p);
  if (existing.ok()) {
    if (opts.allow_exists && existing->is_dir) return Status::OK();
    return Status::AlreadyExists(p + " already exists");
  }
  if (existing.status().code() != Code::kNotFound &&
      !(opts.recursive && existing.status().code() == Code::kNotDirectory)) {
    return existing.status();
  }
  std::string parent(ParentPath(p));
  auto pattr = StatNormalized(parent);
  if (!pattr.ok()) {
    if (pattr.status().code() != Code::kNotFound || !opts.recursive) {
      return pattr.status().code() == Code::kNotFound
                 ? Status::NotFound("cannot create " + p + ": parent " + parent + " does not exist")
                 : pattr.status();
    }
    CreateDirectoryOptions popts = opts;
    popts.allow_exists = true;
    RETURN_IF_ERROR(CreateDirectory(parent, popts));
  } else if (!pattr->is_dir) {
    return Status(Code::kNotDirectory, "cannot create " + p + ": " + parent + " is a file");
  }
  ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
  Status st = r.ufs->CreateDirectory(r.ufs_path, opts.mode);
  Changed(p);
  if (st.code() == Code::kAlreadyExists && opts.allow_exists) {
    auto now = StatNormalized(p);
    if (now.ok() && now->is_dir) return Status::OK();
  }
  if (!st.ok()) return st;
  if (opts.uid || opts.gid) {
    Status own = r.ufs->SetOwner(r.ufs_path, opts.uid, opts.gid);
    if (!own.ok() && own.code() != Code::kNotSupported) return own;
  }
  return Status::OK();
}

Status FileSystemImpl::DeleteTree(const std::string& p, const MountTable::Resolved& r) {
  ASSIGN_OR_RETURN(auto entries, r.ufs->ListStatus(r.ufs_path));
  for (const FileInfo& e : entries) {
    std::string child_ufs = JoinPath(r.ufs_path, e.name);
    if (e.attr.is_dir) {
      MountTable::Resolved cr{r.ufs, child_ufs, r.mount_point};
      RETURN_IF_ERROR(DeleteTree(JoinPath(p, e.name), cr));
    } else {
      Status st = r.ufs->DeleteFile(child_ufs);
      if (!st.ok() && st.code() != Code::kNotFound) return st;
    }
  }
  Status st = r.ufs->DeleteDirectory(r.ufs_path);
  if (!st.ok() && st.code() != Code::kNotFound) return st;
  return Status::OK();
}

Status FileSystemImpl::Delete(std::string_view path, const DeleteOptions& opts) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  if (mounts_->IsMountPoint(p)) {
    return Status(Code::kBusy, p + " is a mount point; unmount it instead");
  }
  ASSIGN_OR_RETURN(FileAttr attr, StatNormalized(p));
  if (opts.kind == DeleteOptions::Kind::kFileOnly && attr.is_dir) {
    return Status(Code::kIsDirectory, p + " is a directory");
  }
  if (opts.kind == DeleteOptions::Kind::kDirectoryOnly && !attr.is_dir) {
    return Status(Code::kNotDirectory, p + " is not a directory");
  }
  ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
  if (!attr.is_dir) {
    auto w = OpenWriter(p);
    Status st = r.ufs->DeleteFile(r.ufs_path);
    if (w) {
      w->MarkUnlinked();
      if (st.code() == Code::kNotFound) st = Status::OK();  // never committed yet
    }
    Changed(p);
    return st;
  }
  if (mounts_->HasMountBelow(p)) {
    return Status(Code::kBusy, p + " has mount points below it");
  }
  Status st = opts.recursive ? DeleteTree(p, r) : r.ufs->DeleteDirectory(r.ufs_path);
  Changed(p);
  if (opts.recursive) ChangedAll();
  if (st.code() == Code::kNotEmpty) return Status(Code::kNotEmpty, p + " is not empty");
  return st;
}

Status FileSystemImpl::Rename(std::string_view src_in, std::string_view dst_in, bool no_replace) {
  ASSIGN_OR_RETURN(std::string src, NormalizePath(src_in));
  ASSIGN_OR_RETURN(std::string dst, NormalizePath(dst_in));
  if (mounts_->IsMountPoint(src)) return Status(Code::kBusy, src + " is a mount point");
  // In the order of rename(2): both parents resolve, then the source, then a
  // directory cannot move below itself, then the kinds must agree.
  RETURN_IF_ERROR(CheckParentIsDirectory(src));
  RETURN_IF_ERROR(CheckParentIsDirectory(dst));
  ASSIGN_OR_RETURN(FileAttr sattr, StatNormalized(src));
  if (src == dst) return Status::OK();
  auto dattr = StatNormalized(dst);
  if (!dattr.ok() && dattr.status().code() != Code::kNotFound) return dattr.status();
  if (sattr.is_dir && PathHasPrefix(dst, src)) {
    return Status::InvalidArgument("cannot move directory " + src + " into itself (" + dst + ")");
  }
  if (PathHasPrefix(src, dst)) {  // onto one of its own ancestors
    return Status(Code::kNotEmpty, dst + " is not empty (it contains " + src + ")");
  }
  if (mounts_->IsMountPoint(dst)) return Status(Code::kBusy, dst + " is a mount point");
  ASSIGN_OR_RETURN(auto rs, mounts_->Resolve(src));
  ASSIGN_OR_RETURN(auto rd, mounts_->Resolve(dst));
  if (rs.mount_point != rd.mount_point) {
    return Status(Code::kCrossDevice, "cannot rename across mounts: " + src + " -> " + dst);
  }
  if (sattr.is_dir && mounts_->HasMountBelow(src)) {
    return Status(Code::kBusy, src + " has mount points below it");
  }
  if (dattr.ok()) {
    if (no_replace) return Status::AlreadyExists(dst + " already exists");
    if (sattr.is_dir && !dattr->is_dir) {
      return Status(Code::kNotDirectory, dst + " is not a directory");
    }
    if (!sattr.is_dir && dattr->is_dir) return Status(Code::kIsDirectory, dst + " is a directory");
    if (dattr->is_dir) {
      ASSIGN_OR_RETURN(auto children, ListStatus(dst));
      if (!children.empty()) return Status(Code::kNotEmpty, dst + " is not empty");
    }
  }
  if (!sattr.is_dir && OpenWriter(src)) {
    return Status(Code::kBusy, src + " is open for writing; close it before renaming");
  }
  Status st = rs.ufs->Rename(rs.ufs_path, rd.ufs_path);
  Changed(src);
  Changed(dst);
  if (sattr.is_dir) ChangedAll();
  return st;
}

Status FileSystemImpl::SetAttribute(std::string_view path, const SetAttributeOptions& opts) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  if (auto w = OpenWriter(p)) {
    w->SetPendingAttributes(opts);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(FileAttr attr, StatNormalized(p));
  (void)attr;
  ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
  Status st;
  if (opts.mode) st = r.ufs->SetMode(r.ufs_path, *opts.mode & 07777);
  if (st.ok() && (opts.uid || opts.gid)) st = r.ufs->SetOwner(r.ufs_path, opts.uid, opts.gid);
  if (st.ok() && opts.mtime_ns) st = r.ufs->SetMtime(r.ufs_path, *opts.mtime_ns);
  Changed(p);
  return st;
}

Result<std::shared_ptr<FileHandle>> FileSystemImpl::OpenFile(std::string_view path,
                                                             const OpenOptions& opts) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  // Reading needs only the size and version; writing keeps mode and owner.
  auto attr = StatNormalized(p, /*partial_ok=*/!opts.write);
  if (attr.ok()) {
    if (opts.create && opts.exclusive) return Status::AlreadyExists(p + " already exists");
    if (attr->is_dir) return Status(Code::kIsDirectory, p + " is a directory");
  } else if (attr.status().code() == Code::kNotFound && opts.create) {
    std::string parent(ParentPath(p));
    ASSIGN_OR_RETURN(FileAttr pattr, StatNormalized(parent));
    if (!pattr.is_dir) return Status(Code::kNotDirectory, parent + " is not a directory");
  } else {
    return attr.status();
  }
  ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
  if (!opts.write && !attr.ok()) {
    // open(O_RDONLY | O_CREAT) of a missing file: create it empty first.
    OpenOptions wo = opts;
    wo.read = false;
    wo.write = true;
    ASSIGN_OR_RETURN(auto created, OpenFile(p, wo));
    RETURN_IF_ERROR(created->Close());
    OpenOptions ro = opts;
    ro.create = false;
    return OpenFile(p, ro);
  }
  if (!opts.write && page_cache_) {
    // On object stores, files of a directory being read get their first
    // page with their stat (StatNormalized).
    if (!r.ufs->ListingHasFullAttributes()) scans_.NoteRead(std::string(ParentPath(p)));
    std::weak_ptr<FileSystemImpl> weak = weak_from_this();
    return NewCachedReadHandle(p, r.ufs, r.ufs_path, *attr, page_cache_.get(), [weak, p] {
      if (auto self = weak.lock()) self->Changed(p);
    });
  }
  if (!opts.write) {
    auto reader = r.ufs->OpenRead(r.ufs_path);
    if (!reader.ok()) {
      if (reader.status().code() == Code::kNotFound) Changed(p);  // our cache was stale
      return reader.status();
    }
    return NewReadHandle(p, std::move(*reader), *attr);
  }
  ASSIGN_OR_RETURN(auto token, writers_registry_->Acquire(p));
  WriteHandleParams params;
  params.path = p;
  params.ufs_path = r.ufs_path;
  params.ufs = r.ufs;
  params.opts = opts;
  if (attr.ok()) params.existing = *attr;
  params.random_access = random_access_;
  params.staging_dir = staging_dir_;
  params.token = std::move(token);
  params.observer = this;
  ASSIGN_OR_RETURN(auto handle, WriteHandle::Open(std::move(params)));
  {
    std::lock_guard<std::mutex> lock(writers_mu_);
    auto [it, inserted] = writers_.insert_or_assign(p, handle);
    (void)it;
    if (inserted) num_writers_.fetch_add(1, std::memory_order_acq_rel);
  }
  if (opts.truncate && attr.ok()) Changed(p);
  return std::shared_ptr<FileHandle>(handle);
}

Status FileSystemImpl::Truncate(std::string_view path, uint64_t size) {
  OpenOptions o;
  o.read = false;
  o.write = true;
  o.truncate = size == 0;
  ASSIGN_OR_RETURN(auto h, OpenFile(path, o));
  Status st = size == 0 ? Status::OK() : h->Truncate(size);
  Status cst = h->Close();
  return st.ok() ? cst : st;
}

Result<uint64_t> FileSystemImpl::RemoveAbandonedWrites(const std::atomic<bool>* cancel) {
  uint64_t removed = 0;
  Status first;
  std::vector<Ufs*> done;  // one UFS may serve several mounts
  for (const MountInfo& m : mounts_->List()) {
    auto r = mounts_->Resolve(m.alluxio_path);
    if (!r.ok() || !r->ufs || r->ufs_path != "/") continue;  // unusable mounts: nothing to walk
    if (std::find(done.begin(), done.end(), r->ufs.get()) != done.end()) continue;
    done.push_back(r->ufs.get());
    auto n = r->ufs->RemoveAbandonedWrites(cancel);
    if (n.ok()) {
      removed += *n;
    } else if (first.ok()) {
      first = n.status();
    }
  }
  if (!first.ok()) return first;
  return removed;
}

Status FileSystemImpl::GetSpace(std::string_view path, uint64_t* total, uint64_t* free) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
  return r.ufs->GetSpace(total, free);
}

Status FileSystemImpl::Free(std::string_view path, bool recursive) {
  if (!page_cache_) return Status::OK();
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  ASSIGN_OR_RETURN(FileAttr attr, StatNormalized(p));
  if (!attr.is_dir) {
    page_cache_->FreeFile(PageCache::FileKey(p, attr.version));
    return Status::OK();
  }
  if (!recursive) return Status(Code::kIsDirectory, p + " is a directory (free it recursively)");
  ASSIGN_OR_RETURN(auto entries, ListStatus(p));
  for (const FileInfo& e : entries) RETURN_IF_ERROR(Free(JoinPath(p, e.name), true));
  return Status::OK();
}

Status FileSystemImpl::Mount(std::string_view path, const std::string& ufs_uri,
                             const std::map<std::string, std::string>& options) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  if (p == "/") {
    return Status::InvalidArgument(
        "/ is the root mount; set alluxio.master.mount.table.root.ufs to change it");
  }
  std::string parent(ParentPath(p));
  auto pattr = StatNormalized(parent);
  if (!pattr.ok()) return pattr.status().WithContext("cannot mount at " + p);
  if (!pattr->is_dir)
    return Status(Code::kNotDirectory, "cannot mount at " + p + ": " + parent + " is a file");
  if (mounts_->IsMountPoint(p)) return Status::AlreadyExists(p + " is already a mount point");
  // A misspelt option would otherwise be kept in the mount table and ignored.
  for (const auto& option : options) {
    const std::string& key = option.first;
    const auto& known = KnownProperties();
    if (std::none_of(known.begin(), known.end(),
                     [&](const PropertyKey& k) { return k.name == key; })) {
      return Status::InvalidArgument("cannot mount at " + p + ": unknown option " + key);
    }
  }
  auto existing = StatNormalized(p);
  if (existing.ok()) {
    return Status::AlreadyExists("cannot mount at " + p + ": the path already exists");
  }
  ASSIGN_OR_RETURN(auto ufs, CreateUfs(ufs_uri, options, conf_));
  auto root = ufs->GetStatus("/");
  if (!root.ok()) return root.status().WithContext("cannot mount " + ufs_uri);
  if (!root->is_dir) return Status(Code::kNotDirectory, ufs_uri + " is not a directory");
  RETURN_IF_ERROR(mounts_->Add(p, ufs_uri, options, ufs));
  cache_->Clear();
  return Status::OK();
}

Status FileSystemImpl::Unmount(std::string_view path) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  if (p == "/") return Status::InvalidArgument("cannot unmount the root mount /");
  RETURN_IF_ERROR(mounts_->Remove(p));
  cache_->Clear();
  return Status::OK();
}

}  // namespace

Status FileSystemImpl::CommitStagingFile(std::string_view path, int fd, uint32_t mode) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  Status linked;
  {
    ASSIGN_OR_RETURN(auto token, writers_registry_->Acquire(p));
    auto attr = StatNormalized(p);
    if (attr.ok() && attr->is_dir) return Status(Code::kIsDirectory, p + " is a directory");
    ASSIGN_OR_RETURN(auto r, mounts_->Resolve(p));
    UfsCreateOptions o;
    o.mode = attr.ok() ? attr->mode : mode & 07777;
    if (attr.ok()) {
      o.uid = attr->uid;
      o.gid = attr->gid;
    }
    linked = r.ufs->LinkStaging(r.ufs_path, fd, o);
    if (linked.ok() ||
        (linked.code() != Code::kNotSupported && linked.code() != Code::kCrossDevice)) {
      Changed(p);
      return linked;
    }
  }
  return FileSystem::CommitStagingFile(p, fd, mode);
}

Result<int> FileSystem::OpenLockFile(std::string_view path) {
  ASSIGN_OR_RETURN(std::string p, NormalizePath(path));
  char name[40];
  snprintf(name, sizeof(name), "/run/locks/rec-%016llx",
           static_cast<unsigned long long>(PathHash(p)));
  std::string file = conf().Get("alluxio.work.dir") + name;
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return Status::FromErrno(errno, "lock file " + file);
  return fd;
}

Result<int> FileSystem::CreateScratchFile() {
  std::string dir = conf().Get("alluxio.user.client.cache.staging.dir");
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string tmpl = dir + "/scratch.XXXXXX";
  fd = mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "scratch file in " + dir);
  ::unlink(tmpl.c_str());
  return fd;
}

Status FileSystem::CommitStagingFile(std::string_view path, int fd, uint32_t mode) {
  ASSIGN_OR_RETURN(auto h,
                   OpenFile(path, OpenOptions::FromFlags(O_WRONLY | O_CREAT | O_TRUNC, mode)));
  std::vector<char> buf(1 << 20);
  Status st;
  for (uint64_t off = 0; st.ok();) {
    ssize_t r = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) st = Status::FromErrno(errno, "read the staging file of " + std::string(path));
    if (r <= 0) break;
    auto w = h->Write(off, buf.data(), static_cast<size_t>(r));
    if (!w.ok()) st = w.status();
    off += static_cast<uint64_t>(r);
  }
  if (!st.ok()) {
    h->Abort();
    return st;
  }
  return h->Close();
}

Result<std::shared_ptr<FileSystem>> FileSystem::Create(const Configuration& conf) {
  auto fs = std::make_shared<FileSystemImpl>(conf);
  RETURN_IF_ERROR(fs->Init(nullptr));
  return std::shared_ptr<FileSystem>(fs);
}

Result<std::shared_ptr<FileSystem>> FileSystem::CreateWithRoot(const Configuration& conf,
                                                               std::shared_ptr<Ufs> root) {
  if (!root) return Status::InvalidArgument("CreateWithRoot needs a root UFS");
  auto fs = std::make_shared<FileSystemImpl>(conf);
  RETURN_IF_ERROR(fs->Init(std::move(root)));
  return std::shared_ptr<FileSystem>(fs);
}

}  // namespace alluxio
