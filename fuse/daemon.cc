#include "daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
#include "fuse_fs.h"
#include "log.h"

namespace alluxio::fuse {
namespace {

// Writes the readiness message once and closes the descriptor.
void Notify(int* fd, const std::string& message) {
  if (*fd < 0) return;
  std::string line = message + "\n";
  ssize_t ignored = ::write(*fd, line.data(), line.size());
  (void)ignored;
  ::close(*fd);
  *fd = -1;
}

// Reports a start-up failure on stderr and through the readiness pipe.
int FailStart(int* ready_fd, const std::string& message) {
  Log("%s", message.c_str());
  Notify(ready_fd, "ERR " + message);
  return 1;
}

// Reads the readiness message (up to EOF or the first newline).
std::string ReadMessage(int fd) {
  std::string msg;
  char buf[512];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
    if (msg.find('\n') != std::string::npos) break;
  }
  size_t nl = msg.find('\n');
  if (nl != std::string::npos) msg.resize(nl);
  return msg;
}

std::string UnescapeMountinfo(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7') octal = false;
        v = v * 8 + (c - '0');
      }
      if (octal) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// A dead mount (its daemon died) answers every call with ENOTCONN and would
// sit under the new one: clear it. A live mount is left alone.
void ClearStaleMount(const std::string& mount_point) {
  if (!IsMounted(mount_point)) return;
  struct stat st;
  if (::stat(mount_point.c_str(), &st) == 0 || errno != ENOTCONN) return;
  int err = Unmount(mount_point, /*lazy=*/true);
  if (err != 0) {
    Log("could not clear the old mount at %s: %s", mount_point.c_str(), std::strerror(err));
  } else {
    Log("cleared the old mount at %s", mount_point.c_str());
  }
}

double Seconds(const struct timespec& a, const struct timespec& b) {
  return static_cast<double>(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

struct timespec Monotonic() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) {
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped";
}

// The device (st_dev of its files) of the mount at `path`, from
// /proc/self/mountinfo (the last one, if mounts are stacked), or 0. Asking
// the mount itself (stat) would wait for this daemon to answer.
dev_t MountDevice(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  dev_t dev = 0;
  while (std::getline(in, line)) {
    // "id parent major:minor root mount-point options ..."
    std::istringstream fields(line);
    std::string id, parent, majmin, root, mount_point;
    fields >> id >> parent >> majmin >> root >> mount_point;
    unsigned major = 0, minor = 0;
    if (UnescapeMountinfo(mount_point) == path &&
        std::sscanf(majmin.c_str(), "%u:%u", &major, &minor) == 2) {
      dev = makedev(major, minor);
    }
  }
  return dev;
}

}  // namespace

bool IsMounted(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // "id parent major:minor root mount-point options ..."
    size_t pos = 0;
    for (int field = 0; field < 4 && pos != std::string::npos; ++field) {
      pos = line.find(' ', pos);
      if (pos != std::string::npos) ++pos;
    }
    if (pos == std::string::npos) continue;
    size_t end = line.find(' ', pos);
    if (UnescapeMountinfo(line.substr(pos, end - pos)) == path) return true;
  }
  return false;
}

int Unmount(const std::string& mount_point, bool lazy) {
  if (::umount2(mount_point.c_str(), lazy ? MNT_DETACH : 0) == 0) return 0;
  int err = errno;
  if (err != EPERM) return err;
  // Not root: the setuid helper unmounts what this user mounted.
  pid_t pid = ::fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    if (lazy) {
      ::execlp("fusermount3", "fusermount3", "-u", "-z", "--", mount_point.c_str(),
               static_cast<char*>(nullptr));
    } else {
      ::execlp("fusermount3", "fusermount3", "-u", "--", mount_point.c_str(),
               static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EPERM;
}

int Daemonize(const std::string& log_file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("alluxio-fuse: pipe");
    std::exit(1);
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("alluxio-fuse: fork");
    std::exit(1);
  }
  if (pid > 0) {
    ::close(fds[1]);
    std::string msg = ReadMessage(fds[0]);
    if (msg == "OK") std::exit(0);
    if (msg.rfind("ERR ", 0) == 0) msg = msg.substr(4);
    if (msg.empty()) msg = "the daemon exited before the mount was ready (see " + log_file + ")";
    std::fprintf(stderr, "alluxio-fuse: %s\n", msg.c_str());
    std::exit(1);
  }
  ::close(fds[0]);
  ::setsid();
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
  }
  if (null_fd > STDERR_FILENO) ::close(null_fd);
  if (log_fd > STDERR_FILENO) ::close(log_fd);
  // Do not keep any directory (possibly on another mount) busy.
  if (::chdir("/") != 0) Log("chdir /: %s", std::strerror(errno));
  return fds[1];
}

int RunDaemon(const MountRequest& req, int ready_fd) {
  auto conf = Configuration::Load(req.conf_overrides);
  if (!conf.ok()) return FailStart(&ready_fd, "configuration: " + conf.status().ToString());
  for (const std::string& w : conf->warnings()) Log("configuration: %s", w.c_str());
  auto fs = FileSystem::Create(*conf);
  if (!fs.ok()) return FailStart(&ready_fd, "client: " + fs.status().ToString());
  auto root = (*fs)->GetStatus(req.alluxio_path);
  if (!root.ok()) {
    return FailStart(&ready_fd,
                     "cannot serve " + req.alluxio_path + ": " + root.status().ToString());
  }
  if (!root->is_dir) {
    return FailStart(&ready_fd, "cannot serve " + req.alluxio_path + ": not a directory");
  }

  ClearStaleMount(req.mount_point);
  FuseFs fuse_fs(*fs, req.alluxio_path, req.options);

  std::vector<std::string> arg_storage = {"alluxio-fuse", "-o", req.options.KernelOptionString()};
  if (req.options.debug) arg_storage.emplace_back("-d");
  std::vector<char*> argv;
  for (std::string& a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(arg_storage.size()), argv.data());

  fuse_session* se =
      fuse_session_new(&args, &FuseFs::Operations(), sizeof(fuse_lowlevel_ops), &fuse_fs);
  fuse_opt_free_args(&args);
  if (se == nullptr) {
    return FailStart(&ready_fd, "invalid mount options: " + req.options.KernelOptionString());
  }
  if (fuse_set_signal_handlers(se) != 0) {
    fuse_session_destroy(se);
    return FailStart(&ready_fd, "cannot install signal handlers");
  }
  if (fuse_session_mount(se, req.mount_point.c_str()) != 0) {
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return FailStart(&ready_fd, "cannot mount at " + req.mount_point +
                                    " (is /dev/fuse available, and the mount point an "
                                    "existing directory you may mount on?)");
  }
  fuse_fs.StartSession(se, MountDevice(req.mount_point));
  Log("serving %s at %s (pid %d)", req.alluxio_path.c_str(), req.mount_point.c_str(),
      static_cast<int>(getpid()));
  Notify(&ready_fd, "OK");

  fuse_loop_config loop = {};
  loop.clone_fd = 0;
  loop.max_idle_threads = req.options.max_idle_threads;
  int rc = fuse_session_loop_mt(se, &loop);

  fuse_fs.StopSession();
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  if (rc < 0) {
    Log("session ended with error: %s", std::strerror(-rc));
    return 1;
  }
  Log("unmounted %s%s", req.mount_point.c_str(),
      rc > 0 ? (std::string(" on signal ") + strsignal(rc)).c_str() : "");
  return 0;
}

int Supervise(const MountRequest& req, int ready_fd) {
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGTERM);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGHUP);
  sigaddset(&watched, SIGCHLD);
  sigset_t previous;
  sigprocmask(SIG_BLOCK, &watched, &previous);

  bool first = true;
  double backoff = 0.5;
  while (true) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return FailStart(&ready_fd, std::string("pipe: ") + std::strerror(errno));
    }
    pid_t child = ::fork();
    if (child < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return FailStart(&ready_fd, std::string("fork: ") + std::strerror(errno));
    }
    if (child == 0) {
      ::close(fds[0]);
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      ::_exit(RunDaemon(req, fds[1]));
    }
    ::close(fds[1]);
    std::string msg = ReadMessage(fds[0]);
    ::close(fds[0]);
    struct timespec started = Monotonic();
    if (first) {
      if (msg != "OK") {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        if (msg.rfind("ERR ", 0) == 0) msg = msg.substr(4);
        if (msg.empty()) msg = "the daemon " + DescribeExit(status) + " before the mount was ready";
        return FailStart(&ready_fd, msg);
      }
      Notify(&ready_fd, "OK");
      first = false;
    }
    Log("supervising daemon pid %d on %s", static_cast<int>(child), req.mount_point.c_str());

    // Wait for the daemon to end, or for a request to stop.
    int status = 0;
    bool stop = false;
    while (true) {
      siginfo_t info;
      int sig = sigwaitinfo(&watched, &info);
      if (sig < 0) continue;
      if (sig == SIGCHLD) {
        pid_t r = ::waitpid(child, &status, WNOHANG);
        if (r == child) break;
        continue;
      }
      Log("received %s: unmounting %s", strsignal(sig), req.mount_point.c_str());
      ::kill(child, SIGTERM);
      // The daemon unmounts and exits; give it time to finish requests.
      struct timespec deadline = Monotonic();
      bool exited = false;
      while (!exited && Seconds(deadline, Monotonic()) < 10.0) {
        struct timespec tick = {0, 100 * 1000 * 1000};
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        (void)sigtimedwait(&chld, &info, &tick);
        exited = ::waitpid(child, &status, WNOHANG) == child;
      }
      if (!exited) {
        ::kill(child, SIGKILL);
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
      }
      ClearStaleMount(req.mount_point);
      stop = true;
      break;
    }
    if (stop) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      Log("daemon pid %d ended cleanly: supervision ends", static_cast<int>(child));
      return 0;
    }
    Log("daemon pid %d %s: restarting", static_cast<int>(child), DescribeExit(status).c_str());
    ClearStaleMount(req.mount_point);
    // A daemon that keeps dying at once is restarted less and less often.
    backoff = Seconds(started, Monotonic()) > 30.0 ? 0.5 : std::min(backoff * 2, 10.0);
    struct timespec pause = {
        static_cast<time_t>(backoff / 2),
        static_cast<long>((backoff / 2 - static_cast<time_t>(backoff / 2)) * 1e9)};
    siginfo_t info;
    sigset_t stop_signals = watched;
    sigdelset(&stop_signals, SIGCHLD);
    int sig = sigtimedwait(&stop_signals, &info, &pause);
    if (sig > 0) {
      Log("received %s while restarting: stopping", strsignal(sig));
      return 0;
    }
  }
}

}  // namespace alluxio::fuse
