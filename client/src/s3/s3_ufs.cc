#include "s3/s3_ufs.h"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "alluxio/config.h"
#include "s3/s3_client.h"
#include "s3/s3_metadata.h"
#include "s3/s3_namespace.h"
#include "s3/s3_settings.h"
#include "s3/s3_stream.h"
#include "s3/s3_writer.h"

namespace alluxio {

namespace {

using s3::ListPage;
using s3::ObjectMeta;
using s3::Probe;
using s3::S3Namespace;
using s3::UserMeta;

// Every operation runs its body on a fiber of the client's loop, over the
// namespace (which readers and writers share, so the loop outlives them).
class S3Ufs : public UfsBase {
 public:
  explicit S3Ufs(std::shared_ptr<S3Namespace> ns) : ns_(std::move(ns)) {}

  std::string Uri() const override { return ns_->uri(); }

  Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) override {
    return Run<Result<FileAttr>>([&] {
      return head != nullptr ? ns_->StatWithHead(path, head_max, head) : ns_->Stat(path);
    });
  }

  Result<std::vector<FileInfo>> ListStatus(const std::string& path) override {
    return Run<Result<std::vector<FileInfo>>>(
        [&]() -> Result<std::vector<FileInfo>> { return ns_->List(path); });
  }

  // One ListObjectsV2 request with start-after (more only when a page holds
  // nothing at or after `from`, see S3Namespace::Slice). A missing
  // directory, or a file, lists nothing: that gives an empty slice at its end
  // rather than asking more to tell NotFound from NotDirectory; callers that
  // need to know ask GetStatus.
  Result<UfsListSlice> ListFrom(const std::string& dir, const std::string& from,
                                size_t max) override {
    return Run<Result<UfsListSlice>>(
        [&]() -> Result<UfsListSlice> { return ns_->Slice(dir, from, max); });
  }

  Status CreateDirectory(const std::string& path, uint32_t mode) override {
    return Run<Status>([&]() -> Status {
      if (path == "/") return Status::AlreadyExists("/ exists in " + ns_->uri());
      Status parent;
      Result<FileAttr> self = Status::IoError("not probed");
      ns_->loop().ParallelFor(2, 2, [&](size_t i) {
        if (i == 0)
          parent = ns_->CheckParent(path);
        else
          self = ns_->Stat(path);
      });
      RETURN_IF_ERROR(parent);
      if (self.ok()) return Status::AlreadyExists(path + " already exists in " + ns_->uri());
      if (self.status().code() != Code::kNotFound) return self.status();
      return ns_->client().Put(ns_->DirKey(path), nullptr, 0,
                               s3::MetaFor(true, mode, static_cast<uint32_t>(getuid()),
                                           static_cast<uint32_t>(getgid()), s3::NowNs()));
    });
  }

  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override {
    if (known != nullptr && !known->is_dir) {
      if (auto seen = ns_->seen().Recall(path, known->version, known->size)) {
        // Every ranged GET carries If-Match with this ETag, so a changed
        // object fails the read instead of mixing versions.
        return std::unique_ptr<UfsReader>(
            new s3::S3Reader(ns_, seen->key, seen->size, seen->etag, known->version));
      }
    }
    return Run<Result<std::unique_ptr<UfsReader>>>([&]() -> Result<std::unique_ptr<UfsReader>> {
      if (path == "/") return Status(Code::kIsDirectory, "/ is a directory");
      ASSIGN_OR_RETURN(Probe p, ns_->ProbePath(path));
      if (p.kind == Probe::kDir) {
        return Status(Code::kIsDirectory, path + " is a directory in " + ns_->uri());
      }
      if (p.kind == Probe::kNone) return ns_->Missing(path);
      uint64_t version = ns_->Attr(p.file, false).version;
      return std::unique_ptr<UfsReader>(
          new s3::S3Reader(ns_, p.file.key, p.file.size, p.file.etag, version));
    });
  }

  Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                            const UfsCreateOptions& opts) override {
    Status st = Run<Status>([&]() -> Status {
      if (path == "/") return Status(Code::kIsDirectory, "/ is a directory");
      Status parent;
      Result<Probe> self = Status::IoError("not probed");
      ns_->loop().ParallelFor(2, 2, [&](size_t i) {
        if (i == 0)
          parent = ns_->CheckParent(path);
        else
          self = ns_->ProbePath(path);
      });
      RETURN_IF_ERROR(parent);
      RETURN_IF_ERROR(self.status());
      if (self->kind == Probe::kDir) {
        return Status(Code::kIsDirectory, path + " is a directory in " + ns_->uri());
      }
      return Status::OK();
    });
    RETURN_IF_ERROR(st);
    return std::unique_ptr<UfsWriter>(new s3::S3Writer(ns_, path, opts));
  }

  Status DeleteFile(const std::string& path) override {
    return Run<Status>([&]() -> Status {
      if (path == "/") return Status(Code::kIsDirectory, "/ is a directory");
      ASSIGN_OR_RETURN(FileAttr a, ns_->Stat(path));
      if (a.is_dir) return Status(Code::kIsDirectory, path + " is a directory in " + ns_->uri());
      RETURN_IF_ERROR(ns_->client().Delete(ns_->Key(path)));
      return ns_->KeepParent(path);
    });
  }

  Status DeleteDirectory(const std::string& path) override {
    return Run<Status>([&]() -> Status {
      if (path == "/") return Status(Code::kBusy, "cannot remove the root of " + ns_->uri());
      ASSIGN_OR_RETURN(FileAttr a, ns_->Stat(path));
      if (!a.is_dir) return Status(Code::kNotDirectory, path + " is a file in " + ns_->uri());
      std::string dir = ns_->DirKey(path);
      ASSIGN_OR_RETURN(ListPage page, ns_->client().List(dir, "", "", 2));
      for (const auto& o : page.objects) {
        if (o.key != dir) return Status(Code::kNotEmpty, path + " is not empty");
      }
      if (!page.prefixes.empty()) return Status(Code::kNotEmpty, path + " is not empty");
      RETURN_IF_ERROR(ns_->client().Delete(dir));
      return ns_->KeepParent(path);
    });
  }

  Status Rename(const std::string& src, const std::string& dst) override {
    return Run<Status>([&]() -> Status {
      if (src == dst) return Status::OK();
      if (src == "/" || dst == "/") {
        return Status(Code::kBusy, "cannot rename the root of " + ns_->uri());
      }
      ASSIGN_OR_RETURN(Probe p, ns_->ProbePath(src));
      if (p.kind == Probe::kNone) return ns_->Missing(src);
      if (p.kind == Probe::kFile) {
        RETURN_IF_ERROR(CopyObject(p.file, ns_->Key(dst), std::nullopt));
        RETURN_IF_ERROR(ns_->client().Delete(p.file.key));
        return ns_->KeepParent(src);
      }
      return RenameDirectory(src, dst);
    });
  }

  Status SetMode(const std::string& path, uint32_t mode) override {
    return UpdateMeta(path, [mode](UserMeta& m, bool is_dir) {
      m[s3::kMetaMode] = s3::EncodeMode(is_dir, mode);
    });
  }

  Status SetOwner(const std::string& path, std::optional<uint32_t> uid,
                  std::optional<uint32_t> gid) override {
    return UpdateMeta(path, [uid, gid](UserMeta& m, bool) {
      if (uid) m[s3::kMetaUid] = std::to_string(*uid);
      if (gid) m[s3::kMetaGid] = std::to_string(*gid);
    });
  }

  Status SetMtime(const std::string& path, int64_t mtime_ns) override {
    return UpdateMeta(
        path, [mtime_ns](UserMeta& m, bool) { m[s3::kMetaMtime] = s3::FormatMtime(mtime_ns); });
  }

  // Listings carry no user metadata (mode, owner, mtime).
  bool ListingHasFullAttributes() const override { return false; }

  Status GetSpace(uint64_t* total, uint64_t* free) override {
    // A bucket has no capacity limit; report 1 PiB free of 1 PiB so tools
    // that check free space (df, cp) proceed.
    *total = 1ull << 50;
    *free = 1ull << 50;
    return Status::OK();
  }

 private:
  template <typename T>
  T Run(const std::function<T()>& fn) {
    return ns_->loop().Run<T>(fn);
  }

  // On a fiber. Copies one object; multipart (UploadPartCopy) above the
  // copy threshold. Without `meta` the copy keeps the source's metadata.
  Status CopyObject(const ObjectMeta& src, const std::string& dst,
                    const std::optional<UserMeta>& meta) {
    s3::ObjectClient& client = ns_->client();
    const s3::S3UfsSettings& s = ns_->settings();
    if (src.size <= s.copy_threshold) return client.Copy(src.key, dst, meta, src.content_type);
    UserMeta m;
    std::string content_type = src.content_type;
    if (meta) {
      m = *meta;
    } else {
      ASSIGN_OR_RETURN(ObjectMeta head, client.Head(src.key));
      m = head.user;
      content_type = head.content_type;
    }
    uint64_t part = std::max<uint64_t>(s.part_size, (src.size + s3::kMaxParts - 1) / s3::kMaxParts);
    part = std::min(part, s3::kMaxPartSize);
    size_t parts = static_cast<size_t>((src.size + part - 1) / part);
    ASSIGN_OR_RETURN(std::string upload_id, client.CreateMultipart(dst, m, content_type));
    std::vector<std::string> etags(parts);
    std::vector<Status> errors(parts);
    ns_->loop().ParallelFor(parts, s.width, [&](size_t i) {
      uint64_t first = i * part;
      uint64_t last = std::min(src.size, first + part) - 1;
      auto r = client.UploadPartCopy(src.key, dst, upload_id, static_cast<int>(i + 1), first, last);
      if (r.ok())
        etags[i] = std::move(*r);
      else
        errors[i] = r.status();
    });
    Status st;
    for (const Status& e : errors) {
      if (!e.ok()) {
        st = e;
        break;
      }
    }
    if (st.ok()) st = client.CompleteMultipart(dst, upload_id, etags);
    if (!st.ok()) (void)client.AbortMultipart(dst, upload_id);
    return st;
  }

  // On a fiber: copies every key below src/ to dst/, then deletes the
  // sources in batches. A failed copy deletes the copies made and leaves
  // the source whole.
  Status RenameDirectory(const std::string& src, const std::string& dst) {
    std::string from = ns_->DirKey(src), to = ns_->DirKey(dst);
    ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, ns_->ListAll(from));
    std::vector<Status> errors(objects.size());
    ns_->loop().ParallelFor(objects.size(), ns_->settings().width, [&](size_t i) {
      errors[i] = CopyObject(objects[i], to + objects[i].key.substr(from.size()), std::nullopt);
    });
    Status failed;
    std::vector<std::string> copied, sources;
    for (size_t i = 0; i < objects.size(); ++i) {
      sources.push_back(objects[i].key);
      if (errors[i].ok())
        copied.push_back(to + objects[i].key.substr(from.size()));
      else if (failed.ok())
        failed = errors[i];
    }
    if (!failed.ok()) {
      (void)ns_->client().DeleteMany(copied);
      return failed.WithContext("rename " + src + " to " + dst);
    }
    RETURN_IF_ERROR(ns_->client().DeleteMany(sources));
    return ns_->KeepParent(src);
  }

  Status UpdateMeta(const std::string& path,
                    const std::function<void(UserMeta&, bool is_dir)>& change) {
    return Run<Status>([&]() -> Status {
      if (path == "/" && ns_->prefix().empty()) {
        return Status::NotSupported("the root of bucket " + ns_->uri() +
                                    " has no object to keep attributes in");
      }
      ASSIGN_OR_RETURN(Probe p, ns_->ProbePath(path));
      if (p.kind == Probe::kNone) return ns_->Missing(path);
      bool is_dir = p.kind == Probe::kDir;
      // Start from what stat shows, so unset fields keep their shown values
      // (an object without metadata would otherwise jump to the copy time).
      FileAttr cur = is_dir ? ns_->DirAttr(p) : ns_->Attr(p.file, false);
      UserMeta meta = is_dir ? p.marker.user : p.file.user;
      UserMeta base = s3::MetaFor(is_dir, cur.mode, cur.uid, cur.gid, cur.mtime_ns);
      for (auto& [k, v] : base) meta.emplace(k, v);
      change(meta, is_dir);
      if (is_dir) {
        // A marker is empty: rewriting it is a copy in place.
        return ns_->client().Put(ns_->DirKey(path), nullptr, 0, meta);
      }
      return CopyObject(p.file, p.file.key, meta);
    });
  }

  std::shared_ptr<S3Namespace> ns_;
};

}  // namespace

std::shared_ptr<Ufs> NewS3Ufs(std::shared_ptr<s3::ObjectClient> client, s3::S3Location where,
                              const s3::S3UfsSettings& settings) {
  return std::make_shared<S3Ufs>(
      std::make_shared<S3Namespace>(std::move(client), std::move(where), settings));
}

Result<std::shared_ptr<Ufs>> CreateS3Ufs(const std::string& uri,
                                         const std::map<std::string, std::string>& options,
                                         const Configuration& conf) {
  ASSIGN_OR_RETURN(s3::S3Location where, s3::ParseS3Uri(uri));
  ASSIGN_OR_RETURN(s3::S3Settings s, s3::ParseS3Settings(where, options, conf));
  ASSIGN_OR_RETURN(std::unique_ptr<s3::S3Client> made, s3::S3Client::Create(std::move(s.client)));
  std::shared_ptr<s3::ObjectClient> client = std::move(made);
  // Fail at mount time, not at first use, with few retries so an
  // unreachable endpoint is reported promptly.
  s3::ObjectClient* c = client.get();
  const std::string& prefix = where.prefix;
  const int retries = s.ufs.probe_retries;
  Status st = c->loop().Run<Status>([&] { return c->Probe(prefix, retries); });
  if (!st.ok()) return st.WithContext("mount " + where.uri);
  return NewS3Ufs(std::move(client), std::move(where), s.ufs);
}

}  // namespace alluxio
