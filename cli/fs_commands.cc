// `alluxio fs` commands on metadata: ls, stat, touch, mkdir, rm, mv, chmod,
// chown, chgrp, du, count, test, mount, unmount.
#include <sys/stat.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "alluxio/path.h"
#include "cli.h"

namespace alluxio::cli {

namespace {

// Number of entries of a directory, as Alluxio's ls shows for folders.
uint64_t ChildCount(FileSystem& fs, const std::string& dir) {
  auto entries = fs.ListStatus(dir);
  return entries.ok() ? entries->size() : 0;
}

// ---- ls -------------------------------------------------------------------

int Ls(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  const bool recursive = args.Has("R");
  const bool human = args.Has("h");
  const bool dir_as_file = args.Has("d");
  const bool long_layout = args.Has("l");
  int rc = kExitOk;
  auto print = [&](const std::string& path, const FileAttr& attr) {
    uint64_t size = attr.is_dir ? ChildCount(fs, path) : attr.size;
    std::string line = FormatLsLine(path, attr, size, human, long_layout);
    WriteOut(line.data(), line.size());
    return Status::OK();
  };
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    if (!path.ok()) {
      rc = Fail(arg, path.status());
      continue;
    }
    auto attr = fs.GetStatus(*path);
    if (!attr.ok()) {
      rc = Fail(*path, attr.status());
      continue;
    }
    if (!attr->is_dir || dir_as_file) {
      (void)print(*path, *attr);
      continue;
    }
    Status st = ForEachBelow(fs, *path, recursive, print);
    if (!st.ok()) rc = Fail(*path, st);
  }
  return rc;
}

// ---- stat -----------------------------------------------------------------

std::string StatFormat(const std::string& format, const std::string& path, const FileAttr& attr,
                       bool* ok) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    char spec = format[++i];
    switch (spec) {
      case 'N':
        out += path == "/" ? "/" : std::string(BaseName(path));
        break;
      case 'z':
        out += attr.is_dir ? "NA" : std::to_string(attr.size);
        break;
      case 'u':
        out += UserName(attr.uid);
        break;
      case 'g':
        out += GroupName(attr.gid);
        break;
      case 'Y':
        out += std::to_string(attr.mtime_ns / 1000000);
        break;
      case 'y': {
        time_t secs = static_cast<time_t>(attr.mtime_ns / 1000000000);
        struct tm tm;
        localtime_r(&secs, &tm);
        char buf[32];
        std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
        out += buf;
        break;
      }
      case 'a': {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "%04o", attr.mode & 07777);
        out += buf;
        break;
      }
      case 'A':
        out += FormatMode(attr.mode, attr.is_dir);
        break;
      case 'F':
        out += attr.is_dir ? "directory" : "regular file";
        break;
      case '%':
        out += '%';
        break;
      default:
        *ok = false;
        return "unknown format specifier %" + std::string(1, spec);
    }
  }
  return out;
}

int Stat(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  int rc = kExitOk;
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    if (!path.ok()) {
      rc = Fail(arg, path.status());
      continue;
    }
    auto attr = fs.GetStatus(*path);
    if (!attr.ok()) {
      rc = Fail(*path, attr.status());
      continue;
    }
    if (args.Has("f")) {
      bool ok = true;
      std::string text = StatFormat(args.Value("f"), *path, *attr, &ok);
      if (!ok) {
        std::fprintf(stderr, "alluxio fs stat: %s\n", text.c_str());
        return kExitUsage;
      }
      std::printf("%s\n", text.c_str());
      continue;
    }
    const FileAttr& a = *attr;
    std::printf("%s is a %s path.\n", path->c_str(), a.is_dir ? "directory" : "file");
    std::printf("path: %s\n", path->c_str());
    std::printf("type: %s\n", a.is_dir ? "directory" : "file");
    if (a.is_dir) {
      std::printf("children: %" PRIu64 "\n", ChildCount(fs, *path));
    } else {
      std::printf("size: %" PRIu64 "\n", a.size);
    }
    std::printf("mode: %s (%04o)\n", FormatMode(a.mode, a.is_dir).c_str(), a.mode & 07777);
    std::printf("owner: %s (%u)\n", UserName(a.uid).c_str(), a.uid);
    std::printf("group: %s (%u)\n", GroupName(a.gid).c_str(), a.gid);
    std::printf("lastModified: %s (%" PRId64 " ms)\n", FormatDate(a.mtime_ns).c_str(),
                a.mtime_ns / 1000000);
    std::printf("inode: %" PRIu64 "\n", a.ino);
    std::printf("version: %" PRIu64 "\n", a.version);
  }
  return rc;
}

// ---- touch, mkdir, rm, mv -------------------------------------------------

int Touch(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  int rc = kExitOk;
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    if (!path.ok()) {
      rc = Fail(arg, path.status());
      continue;
    }
    auto attr = fs.GetStatus(*path);
    Status st;
    if (attr.ok()) {
      SetAttributeOptions opts;
      opts.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      st = fs.SetAttribute(*path, opts);
    } else if (attr.status().code() == Code::kNotFound) {
      OpenOptions opts;
      opts.read = false;
      opts.write = true;
      opts.create = true;
      opts.exclusive = true;
      opts.mode = 0666 & ~CurrentUmask();
      auto handle = fs.OpenFile(*path, opts);
      st = handle.ok() ? (*handle)->Close() : handle.status();
    } else {
      st = attr.status();
    }
    if (!st.ok()) rc = Fail(*path, st);
  }
  return rc;
}

int Mkdir(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  int rc = kExitOk;
  CreateDirectoryOptions opts;
  opts.recursive = args.Has("p");
  opts.allow_exists = args.Has("p");
  opts.mode = 0777 & ~CurrentUmask();
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    Status st = path.ok() ? fs.CreateDirectory(*path, opts) : path.status();
    if (!st.ok()) rc = Fail(path.ok() ? *path : arg, st);
  }
  return rc;
}

int Rm(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  const bool recursive = args.Has("R") || args.Has("r");
  const bool force = args.Has("f");
  int rc = kExitOk;
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    if (!path.ok()) {
      rc = Fail(arg, path.status());
      continue;
    }
    auto attr = fs.GetStatus(*path);
    if (!attr.ok()) {
      if (!(force && attr.status().code() == Code::kNotFound)) rc = Fail(*path, attr.status());
      continue;
    }
    if (attr->is_dir && !recursive) {
      rc = Fail(*path,
                Status(Code::kIsDirectory, *path + " is a directory; use rm -R to remove it"));
      continue;
    }
    DeleteOptions opts;
    opts.recursive = recursive;
    Status st = fs.Delete(*path, opts);
    if (!st.ok() && !(force && st.code() == Code::kNotFound)) rc = Fail(*path, st);
  }
  return rc;
}

int Mv(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  auto dst = AlluxioPath(args.positional.back());
  if (!dst.ok()) return Fail(args.positional.back(), dst.status());
  auto dst_attr = fs.GetStatus(*dst);
  const bool into_dir = dst_attr.ok() && dst_attr->is_dir;
  const size_t num_src = args.positional.size() - 1;
  if (num_src > 1 && !into_dir) {
    return Fail(*dst, Status(Code::kNotDirectory,
                             "moving several sources needs a directory as destination"));
  }
  int rc = kExitOk;
  for (size_t i = 0; i < num_src; ++i) {
    auto src = AlluxioPath(args.positional[i]);
    if (!src.ok()) {
      rc = Fail(args.positional[i], src.status());
      continue;
    }
    std::string target = into_dir ? JoinPath(*dst, BaseName(*src)) : *dst;
    if (*src == "/" || target == *src) {
      rc = Fail(*src,
                Status::InvalidArgument("cannot move " + *src + " onto itself (" + target + ")"));
      continue;
    }
    // Like Alluxio's mv, an existing destination is never replaced.
    Status st = fs.Rename(*src, target, /*no_replace=*/true);
    if (!st.ok()) rc = Fail(*src, st);
  }
  return rc;
}

// ---- chmod, chown, chgrp --------------------------------------------------

// Applies `change(path, attr)` to each path argument from `first_path` on,
// and below it with -R.
int ForEachTarget(Env& env, const Args& args, size_t first_path,
                  const std::function<SetAttributeOptions(const FileAttr&)>& change) {
  CLI_FS_OR_EXIT(fs, env);
  const bool recursive = args.Has("R");
  int rc = kExitOk;
  auto apply = [&](const std::string& path, const FileAttr& attr) {
    Status st = fs.SetAttribute(path, change(attr));
    return st.ok() ? st : st.WithContext(path);
  };
  for (size_t i = first_path; i < args.positional.size(); ++i) {
    auto path = AlluxioPath(args.positional[i]);
    if (!path.ok()) {
      rc = Fail(args.positional[i], path.status());
      continue;
    }
    auto attr = fs.GetStatus(*path);
    Status st = attr.ok() ? apply(*path, *attr) : attr.status();
    if (st.ok() && recursive && attr->is_dir) st = ForEachBelow(fs, *path, true, apply);
    if (!st.ok()) rc = Fail(*path, st);
  }
  return rc;
}

int Chmod(Env& env, const Args& args) {
  auto change = ModeChange::Parse(args.positional[0]);
  if (!change.ok()) {
    std::fprintf(stderr, "alluxio fs chmod: %s\n", change.status().message().c_str());
    return kExitUsage;
  }
  return ForEachTarget(env, args, 1, [&](const FileAttr& attr) {
    SetAttributeOptions o;
    o.mode = change->Apply(attr.mode, attr.is_dir);
    return o;
  });
}

int Chown(Env& env, const Args& args) {
  const std::string& spec = args.positional[0];
  size_t colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::optional<uint32_t> uid, gid;
  if (!user.empty()) {
    auto u = ParseUser(user);
    if (!u.ok()) return Fail(user, u.status());
    uid = *u;
  }
  if (colon != std::string::npos && colon + 1 < spec.size()) {
    auto g = ParseGroup(spec.substr(colon + 1));
    if (!g.ok()) return Fail(spec.substr(colon + 1), g.status());
    gid = *g;
  }
  if (!uid && !gid) return Fail(spec, Status::InvalidArgument("no owner or group given"));
  return ForEachTarget(env, args, 1, [&](const FileAttr&) {
    SetAttributeOptions o;
    o.uid = uid;
    o.gid = gid;
    return o;
  });
}

int Chgrp(Env& env, const Args& args) {
  auto g = ParseGroup(args.positional[0]);
  if (!g.ok()) return Fail(args.positional[0], g.status());
  uint32_t gid = *g;
  return ForEachTarget(env, args, 1, [gid](const FileAttr&) {
    SetAttributeOptions o;
    o.gid = gid;
    return o;
  });
}

// ---- du, count, test --------------------------------------------------------

void PrintDuLine(const std::string& size, const std::string& in_alluxio, const std::string& path) {
  std::printf("%-13s %-16s %s\n", size.c_str(), in_alluxio.c_str(), path.c_str());
}

std::string SizeText(uint64_t bytes, bool human) {
  return human ? HumanSize(bytes) : std::to_string(bytes);
}

// The "In Alluxio" column: data is served through the client (and its cache)
// from the UFS, so all of it is reachable; 100% unless empty, as Alluxio
// computes it.
std::string InAlluxioText(uint64_t bytes, bool human) {
  return SizeText(bytes, human) + (bytes == 0 ? " (0%)" : " (100%)");
}

int Du(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  const bool human = args.Has("h");
  const bool summarize = args.Has("s");
  int rc = kExitOk;
  PrintDuLine("File Size", "In Alluxio", "Path");
  for (const std::string& arg : args.positional) {
    auto path = AlluxioPath(arg);
    if (!path.ok()) {
      rc = Fail(arg, path.status());
      continue;
    }
    auto attr = fs.GetStatus(*path);
    if (!attr.ok()) {
      rc = Fail(*path, attr.status());
      continue;
    }
    if (!attr->is_dir) {
      PrintDuLine(SizeText(attr->size, human), InAlluxioText(attr->size, human), *path);
      continue;
    }
    uint64_t total = 0;
    Status st = ForEachBelow(fs, *path, true, [&](const std::string& p, const FileAttr& a) {
      if (a.is_dir) return Status::OK();
      total += a.size;
      if (!summarize) PrintDuLine(SizeText(a.size, human), InAlluxioText(a.size, human), p);
      return Status::OK();
    });
    if (!st.ok()) {
      rc = Fail(*path, st);
      continue;
    }
    if (summarize) PrintDuLine(SizeText(total, human), InAlluxioText(total, human), *path);
  }
  return rc;
}

int Count(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  auto attr = fs.GetStatus(*path);
  if (!attr.ok()) return Fail(*path, attr.status());
  uint64_t files = 0, folders = 0, bytes = 0;
  if (attr->is_dir) {
    folders = 1;
    Status st = ForEachBelow(fs, *path, true, [&](const std::string&, const FileAttr& a) {
      if (a.is_dir) {
        ++folders;
      } else {
        ++files;
        bytes += a.size;
      }
      return Status::OK();
    });
    if (!st.ok()) return Fail(*path, st);
  } else {
    files = 1;
    bytes = attr->size;
  }
  std::printf("%-25s%-25s%-15s\n", "File Count", "Folder Count", "Total Bytes");
  std::printf("%-25" PRIu64 "%-25" PRIu64 "%-15" PRIu64 "\n", files, folders, bytes);
  return kExitOk;
}

int Test(Env& env, const Args& args) {
  static constexpr const char* kTests[] = {"e", "d", "f", "s", "z"};
  std::string which;
  for (const char* t : kTests) {
    if (!args.Has(t)) continue;
    if (!which.empty() || args.Values(t).size() > 1) {
      std::fprintf(stderr, "alluxio fs test: give exactly one of -e -d -f -s -z\n");
      return kExitUsage;
    }
    which = t;
  }
  if (which.empty()) {
    std::fprintf(stderr, "alluxio fs test: give one of -e -d -f -s -z\n");
    return kExitUsage;
  }
  CLI_FS_OR_EXIT(fs, env);
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  auto attr = fs.GetStatus(*path);
  if (!attr.ok()) {
    Code c = attr.status().code();
    // Absent is a plain "false"; anything else is worth a message.
    if (c != Code::kNotFound && c != Code::kNotDirectory) Fail(*path, attr.status());
    return kExitFailed;
  }
  bool result = false;
  switch (which[0]) {
    case 'e':
      result = true;
      break;
    case 'd':
      result = attr->is_dir;
      break;
    case 'f':
      result = !attr->is_dir;
      break;
    case 's':
      result = attr->is_dir ? ChildCount(fs, *path) > 0 : attr->size > 0;
      break;
    case 'z':
      result = !attr->is_dir && attr->size == 0;
      break;
  }
  return result ? kExitOk : kExitFailed;
}

// ---- mount, unmount ---------------------------------------------------------

bool IsSecretKey(const std::string& key) {
  return key.find("secret") != std::string::npos || key.find("Secret") != std::string::npos ||
         key.find("password") != std::string::npos;
}

int Mount(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  if (args.positional.empty()) {
    if (args.Has("option")) {
      std::fprintf(stderr, "alluxio fs mount: --option needs <alluxio-path> <ufs-uri>\n");
      return kExitUsage;
    }
    std::vector<MountInfo> mounts = fs.GetMountTable();
    size_t ufs_w = 0, path_w = 0;
    for (const MountInfo& m : mounts) {
      ufs_w = std::max(ufs_w, m.ufs_uri.size());
      path_w = std::max(path_w, m.alluxio_path.size());
    }
    for (const MountInfo& m : mounts) {
      size_t colon = m.ufs_uri.find("://");
      std::string type = colon == std::string::npos ? "local" : m.ufs_uri.substr(0, colon);
      if (type == "file") type = "local";
      std::string props;
      for (const auto& [k, v] : m.options) {
        if (!props.empty()) props += ", ";
        props += k + "=" + (IsSecretKey(k) ? "******" : v);
      }
      std::printf("%-*s  on  %-*s  (%s, properties={%s})\n", static_cast<int>(ufs_w),
                  m.ufs_uri.c_str(), static_cast<int>(path_w), m.alluxio_path.c_str(), type.c_str(),
                  props.c_str());
    }
    return kExitOk;
  }
  if (args.positional.size() != 2) {
    std::fprintf(stderr, "alluxio fs mount: expected <alluxio-path> <ufs-uri>\n");
    return kExitUsage;
  }
  std::map<std::string, std::string> options;
  for (const std::string& kv : args.Values("option")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "alluxio fs mount: --option expects key=value, got '%s'\n", kv.c_str());
      return kExitUsage;
    }
    options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  Status st = fs.Mount(*path, args.positional[1], options);
  if (!st.ok()) return Fail(*path, st);
  std::printf("Mounted %s at %s\n", args.positional[1].c_str(), path->c_str());
  return kExitOk;
}

int Unmount(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  auto path = AlluxioPath(args.positional[0]);
  if (!path.ok()) return Fail(args.positional[0], path.status());
  Status st = fs.Unmount(*path);
  if (!st.ok()) return Fail(*path, st);
  std::printf("Unmounted %s\n", path->c_str());
  return kExitOk;
}

}  // namespace

std::vector<Command> MetadataCommands() {
  return {
      {"ls", "ls [-R] [-h] [-d] [-l] <path>...",
       "Lists the entries of directories (or the paths themselves, for files or with -d) "
       "as Alluxio 3.x does: size (bytes of a file, number of children of a directory), "
       "last modification time, FILE or DIR, and path. -l adds permission, owner and group "
       "first and the persistence and in-Alluxio states (Alluxio 2.x's layout). -R lists "
       "subdirectories recursively, -h prints human-readable sizes.",
       "R h d l", 1, -1, Ls},
      {"stat", "stat [-f <format>] <path>...",
       "Displays the metadata of files and directories. -f prints only the given format: "
       "%N name, %z size (NA for directories), %u owner, %g group, %y modification time "
       "(yyyy-MM-dd HH:mm:ss), %Y modification time in ms since the epoch, %a octal mode, "
       "%A symbolic mode, %F type, %% a percent sign.",
       "f:", 1, -1, Stat},
      {"touch", "touch <path>...",
       "Creates empty files; sets the modification time of existing ones to now.", "", 1, -1,
       Touch},
      {"mkdir", "mkdir [-p] <path>...",
       "Creates directories. -p creates missing parents and accepts existing directories.", "p", 1,
       -1, Mkdir},
      {"rm", "rm [-R|-r] [-f] <path>...",
       "Removes files. Directories need -R (everything below them is removed too). -f "
       "ignores missing paths.",
       "R r f", 1, -1, Rm},
      {"mv", "mv <src>... <dst>",
       "Moves (renames) files and directories. When <dst> is an existing directory the "
       "sources move into it. An existing destination file is never replaced.",
       "", 2, -1, Mv},
      {"chmod", "chmod [-R] <mode> <path>...",
       "Changes permission bits: octal (755, 1777) or symbolic ([ugoa]*[+-=][rwxXst]*, "
       "comma-separated, e.g. u+x,go-w). -R applies it to everything below directories.",
       "R", 2, -1, Chmod},
      {"chown", "chown [-R] <owner>[:<group>] <path>...",
       "Changes the owner (and group) of files and directories; names or numbers. -R "
       "applies it to everything below directories.",
       "R", 2, -1, Chown},
      {"chgrp", "chgrp [-R] <group> <path>...",
       "Changes the group of files and directories; a name or a number. -R applies it to "
       "everything below directories.",
       "R", 2, -1, Chgrp},
      {"du", "du [-s] [-h] <path>...",
       "Displays the size of each file below the paths, or with -s one total per path. -h "
       "prints human-readable sizes.",
       "s h", 1, -1, Du},
      {"count", "count <path>",
       "Displays the number of files, the number of folders (the path itself included) and "
       "the total bytes below a path.",
       "", 1, 1, Count},
      {"test", "test (-e|-d|-f|-s|-z) <path>",
       "Exits 0 when the test holds and 1 otherwise: -e the path exists, -d it is a "
       "directory, -f it is a file, -s it is not empty (a file with data, or a directory "
       "with entries), -z it is a file of length zero.",
       "e d f s z", 1, 1, Test},
      {"mount", "mount [--option <key>=<value>]... [<alluxio-path> <ufs-uri>]",
       "Mounts a UFS (a local directory, file:///dir, or s3://bucket/prefix) at a new "
       "Alluxio path whose parent exists; the mount is seen by every process of this node. "
       "Without arguments lists the mount table.",
       "--option:", 0, 2, Mount},
      {"unmount", "unmount <alluxio-path>", "Removes a mount point; the data in its UFS stays.", "",
       1, 1, Unmount},
  };
}

}  // namespace alluxio::cli
