// alluxio-fuse: mount the Alluxio namespace with libfuse3.
//
//   alluxio-fuse mount <mount-point> [<alluxio-path>] [-o opt,...] [-f] [-d]
//                [--supervise] [--conf key=value]... [--log-file path]
//   alluxio-fuse unmount [-l] <mount-point>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/path.h"
#include "daemon.h"
#include "mount_options.h"

namespace alluxio::fuse {
namespace {

constexpr char kUsage[] =
    "Usage:\n"
    "  alluxio-fuse mount <mount-point> [<alluxio-path>] [options]\n"
    "  alluxio-fuse unmount [-l] <mount-point>\n"
    "\n"
    "Mount options:\n"
    "  -o opt[,opt...]     mount options (see docs/FUSE.md): allow_other,\n"
    "                      default_permissions, ro, kernel_cache, auto_cache,\n"
    "                      noauto_cache, direct_io, attr_timeout=S, entry_timeout=S,\n"
    "                      negative_timeout=S, max_idle_threads=N, max_background=N\n"
    "  -f                  stay in the foreground\n"
    "  -d                  trace every request on stderr (implies -f)\n"
    "  --supervise         restart the daemon if it dies, on the same mount point\n"
    "  --conf key=value    set an Alluxio property (highest precedence)\n"
    "  --log-file path     log of a background daemon\n"
    "                      (default: <alluxio.work.dir>/logs/alluxio-fuse.log)\n"
    "Unmount options:\n"
    "  -l                  lazy: detach now, even with files open\n";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "alluxio-fuse: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

// mkdir -p for the log directory.
void MakeParentDirs(const std::string& file) {
  for (size_t i = 1; i < file.size(); ++i) {
    if (file[i] == '/') ::mkdir(file.substr(0, i).c_str(), 0755);
  }
}

std::string DefaultLogFile(const Configuration& conf) {
  std::string work = conf.Get("alluxio.work.dir");
  if (work.empty()) {
    const char* home = std::getenv("HOME");
    work = std::string(home != nullptr && *home != '\0' ? home : "/tmp") + "/.alluxio";
  }
  return work + "/logs/alluxio-fuse.log";
}

int MountCommand(const std::vector<std::string>& args) {
  MountRequest req;
  std::vector<std::string> positional;
  std::vector<std::string> option_lists;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)flag;
      return &args[++i];
    };
    if (a == "-o") {
      const std::string* v = value("-o");
      if (v == nullptr) return UsageError("-o needs an option list");
      option_lists.push_back(*v);
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
      option_lists.push_back(a.substr(2));
    } else if (a == "-f" || a == "--foreground") {
      req.foreground = true;
    } else if (a == "-d" || a == "--debug") {
      req.foreground = true;
      option_lists.emplace_back("debug");
    } else if (a == "--supervise") {
      req.supervise = true;
    } else if (a == "--conf" || a.rfind("--conf=", 0) == 0) {
      std::string kv;
      if (a == "--conf") {
        const std::string* v = value("--conf");
        if (v == nullptr) return UsageError("--conf needs key=value");
        kv = *v;
      } else {
        kv = a.substr(7);
      }
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return UsageError("--conf needs key=value, not " + kv);
      req.conf_overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (a == "--log-file") {
      const std::string* v = value("--log-file");
      if (v == nullptr) return UsageError("--log-file needs a path");
      req.log_file = *v;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return UsageError("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty()) return UsageError("mount needs a mount point");
  if (positional.size() > 2) return UsageError("too many arguments");

  // Everything that can be wrong is checked here, where the user sees it.
  auto conf = Configuration::Load(req.conf_overrides);
  if (!conf.ok()) {
    std::fprintf(stderr, "alluxio-fuse: configuration: %s\n", conf.status().ToString().c_str());
    return 1;
  }
  Status st = ParseMountOptions(conf->Get("alluxio.fuse.mount.options"), &req.options);
  for (const std::string& list : option_lists) {
    if (st.ok()) st = ParseMountOptions(list, &req.options);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "alluxio-fuse: %s\n", st.ToString().c_str());
    return 1;
  }
  char real[PATH_MAX];
  if (::realpath(positional[0].c_str(), real) == nullptr) {
    int err = errno;
    if (err == ENOTCONN) {
      // A mount whose daemon died: the daemon clears it before mounting.
      std::string abs = positional[0];
      if (abs[0] != '/') {
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof(cwd)) != nullptr) abs = std::string(cwd) + "/" + abs;
      }
      auto norm = NormalizePath(abs);
      if (!norm.ok()) return UsageError("bad mount point " + positional[0]);
      req.mount_point = *norm;
    } else {
      std::fprintf(stderr, "alluxio-fuse: mount point %s: %s\n", positional[0].c_str(),
                   std::strerror(err));
      return 1;
    }
  } else {
    struct stat sb;
    int rc = ::stat(real, &sb);
    // ENOTCONN: a mount whose daemon died, which the daemon clears.
    if ((rc != 0 && errno != ENOTCONN) || (rc == 0 && !S_ISDIR(sb.st_mode))) {
      std::fprintf(stderr, "alluxio-fuse: mount point %s is not a directory\n",
                   positional[0].c_str());
      return 1;
    }
    req.mount_point = real;
  }
  if (positional.size() == 2) {
    auto p = NormalizePath(positional[1]);
    if (!p.ok()) {
      std::fprintf(stderr, "alluxio-fuse: Alluxio path %s: %s\n", positional[1].c_str(),
                   p.status().ToString().c_str());
      return 1;
    }
    req.alluxio_path = *p;
  }
  if (req.log_file.empty()) req.log_file = DefaultLogFile(*conf);

  int ready_fd = -1;
  if (!req.foreground) {
    MakeParentDirs(req.log_file);
    ready_fd = Daemonize(req.log_file);
  }
  return req.supervise ? Supervise(req, ready_fd) : RunDaemon(req, ready_fd);
}

int UnmountCommand(const std::vector<std::string>& args) {
  bool lazy = false;
  std::string mount_point;
  for (const std::string& a : args) {
    if (a == "-l" || a == "-z" || a == "--lazy") {
      lazy = true;
    } else if (!a.empty() && a[0] == '-') {
      return UsageError("unknown option " + a);
    } else if (mount_point.empty()) {
      mount_point = a;
    } else {
      return UsageError("too many arguments");
    }
  }
  if (mount_point.empty()) return UsageError("unmount needs a mount point");
  char real[PATH_MAX];
  if (::realpath(mount_point.c_str(), real) != nullptr) mount_point = real;
  int err = Unmount(mount_point, lazy);
  if (err != 0) {
    std::fprintf(stderr, "alluxio-fuse: cannot unmount %s: %s%s\n", mount_point.c_str(),
                 std::strerror(err),
                 err == EBUSY ? " (files are open there; -l detaches it anyway)" : "");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace alluxio::fuse

int main(int argc, char** argv) {
  using alluxio::fuse::UsageError;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return UsageError("missing command");
  std::string command = args.front();
  args.erase(args.begin());
  if (command == "mount") return alluxio::fuse::MountCommand(args);
  if (command == "unmount" || command == "umount") return alluxio::fuse::UnmountCommand(args);
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(alluxio::fuse::kUsage, stdout);
    return 0;
  }
  return UsageError("unknown command " + command);
}
