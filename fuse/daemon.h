// Running alluxio-fuse: the daemon that serves one mount, the supervisor
// that restarts it, and unmounting.
#ifndef ALLUXIO_FUSE_DAEMON_H_
#define ALLUXIO_FUSE_DAEMON_H_

#include <map>
#include <string>

#include "mount_options.h"

namespace alluxio::fuse {

struct MountRequest {
  std::string mount_point;         // absolute
  std::string alluxio_path = "/";  // the Alluxio directory served as the root
  MountOptions options;
  // --conf key=value: the highest-precedence configuration.
  std::map<std::string, std::string> conf_overrides;
  bool foreground = false;
  bool supervise = false;
  std::string log_file;  // where a background daemon writes; "" = default
};

// Mounts and serves until unmounted or signalled (SIGTERM, SIGINT, SIGHUP
// unmount cleanly), then returns the exit status: 0 after a clean end, 1
// when it could not start. `ready_fd` (or -1) receives "OK\n" once the mount
// is up or "ERR <message>\n" when it fails to come up, and is closed.
int RunDaemon(const MountRequest& req, int ready_fd);

// Mounts `req.mount_point` itself and keeps the mount's /dev/fuse
// descriptor while it runs; serves it with a daemon (as RunDaemon, in a child
// process, through that descriptor) and starts a new daemon whenever one
// dies abnormally (killed, or an error exit): at once after a daemon that
// served for a while, with a growing delay (up to 5 s) after one that died
// right after starting. The mount stays up throughout: requests made while
// no daemon runs wait for the next one; those a daemon held when it died
// fail (ECONNABORTED). A daemon that exits 0 (the mount was unmounted, or it
// was told to stop) ends supervision; SIGTERM/SIGINT/SIGHUP stop the daemon
// and end it too. Either way the supervisor unmounts before it returns.
// `ready_fd` is answered once the first daemon serves.
int Supervise(const MountRequest& req, int ready_fd);

// Unless foreground: forks, and in the original process waits for the
// child's readiness message, prints any error and exits with 0 or 1. In the
// child (a new session, stdio on /dev/null and `log_file`), returns the
// write end of the readiness pipe. Must run before any thread is started.
int Daemonize(const std::string& log_file);

// True when `path` is currently a mount point (per /proc/self/mountinfo).
bool IsMounted(const std::string& path);

// Unmounts `mount_point` (umount2, or fusermount3 when not root). `lazy`
// detaches even while files are open, and always clears a mount whose daemon
// died. Returns 0 or an errno.
int Unmount(const std::string& mount_point, bool lazy);

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_DAEMON_H_
