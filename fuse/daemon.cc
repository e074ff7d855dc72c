#include "daemon.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
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
  // statfs always asks the daemon (stat of the root may be answered from
  // the kernel's attribute cache even when the daemon is gone).
  struct statfs sf;
  if (::statfs(mount_point.c_str(), &sf) == 0 || errno != ENOTCONN) return;
  int err = Unmount(mount_point, /*lazy=*/true);
  if (err != 0) {
    Log("could not clear the old mount at %s: %s", mount_point.c_str(), std::strerror(err));
  } else {
    Log("cleared the old mount at %s", mount_point.c_str());
  }
}

// Clears a dead mount at `mount_point`; returns why the mount point cannot
// take a new mount (a live one is there already: stacking a second daemon
// over it would hide the first, which keeps running), or "".
std::string PrepareMountPoint(const std::string& mount_point) {
  ClearStaleMount(mount_point);
  if (!IsMounted(mount_point)) return "";
  return "cannot mount at " + mount_point + ": something is mounted there already (unmount it " +
         "first: alluxio-fuse unmount " + mount_point + ")";
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

// ---- the mount's descriptor, shared by the supervisor and its daemons ------
//
// The supervisor opens /dev/fuse and mounts; the kernel's first request on
// the new mount is INIT, which the supervisor reads and keeps without
// answering. Each daemon gets the descriptor (inherited across fork) and the
// INIT request, and makes the descriptor its session's (libfuse's
// "/dev/fd/N" mount point). It processes the saved INIT as if it had just
// read it: for the first daemon the reply completes the handshake; a later
// daemon's reply finds the handshake done (the kernel answers ENOENT, which
// libfuse ignores) but sets up its session exactly as the first one's was,
// since the request, the options and the code are the same. Then the daemon
// serves through its own clone of the descriptor (FUSE_DEV_IOC_CLONE), never
// through the supervisor's: the kernel ends the requests a clone holds when
// its last holder dies, so the requests a killed daemon had read fail (with
// ECONNABORTED) instead of waiting for ever, while the requests nobody had
// read yet stay queued for the next daemon.

// From the kernel's FUSE ABI (linux/fuse.h; libfuse does not export it).
constexpr uint32_t kFuseInitOpcode = 26;
constexpr unsigned long kFuseDevIocClone = _IOR(229, 0, uint32_t);
struct FuseInHeader {
  uint32_t len;
  uint32_t opcode;
  uint64_t unique;
  uint64_t nodeid;
  uint32_t uid;
  uint32_t gid;
  uint32_t pid;
  uint16_t total_extlen;
  uint16_t padding;
};
static_assert(sizeof(FuseInHeader) == 40);

// Restarts: a daemon that served at least kSettledSeconds is replaced at
// once; one that died sooner after kFirstBackoff, doubling up to kMaxBackoff.
constexpr double kSettledSeconds = 1.0;
constexpr double kFirstBackoff = 0.25;
constexpr double kMaxBackoff = 5.0;

struct Handoff {
  int fuse_fd = -1;         // the supervisor's descriptor of the mount
  std::string init;         // the kernel's INIT request, as read
  uint64_t generation = 0;  // this daemon's start count (kGenerationShift)
};

std::string CannotMount(const MountRequest& req) {
  return "cannot mount at " + req.mount_point +
         " (is /dev/fuse available, and the mount point an existing directory you may mount "
         "on?)";
}

// A libfuse session with the request's kernel options.
fuse_session* NewSession(const MountRequest& req, const fuse_lowlevel_ops* ops, void* userdata) {
  std::vector<std::string> arg_storage = {"alluxio-fuse", "-o", req.options.KernelOptionString()};
  if (req.options.debug) arg_storage.emplace_back("-d");
  std::vector<char*> argv;
  for (std::string& a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(arg_storage.size()), argv.data());
  fuse_session* se = fuse_session_new(&args, ops, sizeof(fuse_lowlevel_ops), userdata);
  fuse_opt_free_args(&args);
  return se;
}

// Reads the kernel's first request on a new mount, INIT, into *init; "" or
// what went wrong.
std::string ReadInit(int fd, std::string* init) {
  // The kernel refuses reads into buffers smaller than its largest request.
  std::vector<char> buf((1u << 20) + 4096);
  ssize_t n;
  do {
    n = ::read(fd, buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return std::string("reading the kernel's INIT request: ") + std::strerror(errno);
  FuseInHeader h = {};
  uint32_t major = 0;
  if (static_cast<size_t>(n) >= sizeof(h) + sizeof(major)) {
    std::memcpy(&h, buf.data(), sizeof(h));
    std::memcpy(&major, buf.data() + sizeof(h), sizeof(major));
  }
  if (h.opcode != kFuseInitOpcode || h.len != static_cast<uint32_t>(n) || major != 7) {
    return "the kernel's first request is not a FUSE 7.x INIT (opcode " + std::to_string(h.opcode) +
           ", major " + std::to_string(major) + ")";
  }
  init->assign(buf.data(), static_cast<size_t>(n));
  return "";
}

// Makes `se` serve the supervisor's mount (see above); "" or what went
// wrong. Nothing has been read from the mount when this fails.
std::string TakeOverMount(fuse_session* se, const Handoff& handoff) {
  int clone = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (clone < 0) return std::string("open /dev/fuse: ") + std::strerror(errno);
  uint32_t master = static_cast<uint32_t>(handoff.fuse_fd);
  if (::ioctl(clone, kFuseDevIocClone, &master) != 0) {
    int err = errno;
    ::close(clone);
    return std::string("cannot clone the mount's /dev/fuse descriptor: ") + std::strerror(err);
  }
  std::string dev = "/dev/fd/" + std::to_string(handoff.fuse_fd);
  if (fuse_session_mount(se, dev.c_str()) != 0) {
    ::close(clone);
    return "libfuse refused the mount's descriptor " + dev;
  }
  std::string init = handoff.init;  // libfuse reads it in place
  fuse_buf buf = {};
  buf.mem = init.data();
  buf.size = init.size();
  fuse_session_process_buf(se, &buf);
  if (fuse_session_exited(se)) {
    ::close(clone);
    return "the session refused the kernel's INIT request";
  }
  // The session's descriptor becomes our clone; the supervisor's own copy of
  // the mount's is not affected.
  if (::dup3(clone, handoff.fuse_fd, O_CLOEXEC) < 0) {
    int err = errno;
    ::close(clone);
    return std::string("dup3: ") + std::strerror(err);
  }
  ::close(clone);
  return "";
}

// Removes what writers that died left in the UFS, in the background.
class StagingSweep {
 public:
  explicit StagingSweep(std::shared_ptr<FileSystem> fs) : fs_(std::move(fs)) {
    // The session's signals (SIGTERM, ...) must reach the main thread.
    sigset_t block, old;
    sigfillset(&block);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    thread_ = std::thread([this] { Run(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  ~StagingSweep() {
    cancel_ = true;
    thread_.join();
  }

 private:
  void Run() {
    auto n = fs_->RemoveAbandonedWrites(&cancel_);
    if (n.ok()) {
      Log("staging sweep: removed %llu staging files of writes whose writer died%s",
          static_cast<unsigned long long>(*n), cancel_ ? " (stopped early)" : "");
    } else {
      Log("staging sweep: %s", n.status().ToString().c_str());
    }
  }
  std::shared_ptr<FileSystem> fs_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

// Serves the mount until it ends: mounting it itself, or (`handoff`) the
// supervisor's.
int ServeSession(const MountRequest& req, int ready_fd, const Handoff* handoff) {
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

  // Under a supervisor the mount point is ours and live: anything that
  // looked at it now would wait for this very daemon.
  if (handoff == nullptr) {
    if (std::string why = PrepareMountPoint(req.mount_point); !why.empty()) {
      return FailStart(&ready_fd, why);
    }
  }
  FuseFs fuse_fs(*fs, req.alluxio_path, req.options);
  if (handoff != nullptr) fuse_fs.SetGeneration(handoff->generation);

  fuse_session* se = NewSession(req, &FuseFs::Operations(), &fuse_fs);
  if (se == nullptr) {
    return FailStart(&ready_fd, "invalid mount options: " + req.options.KernelOptionString());
  }
  if (fuse_set_signal_handlers(se) != 0) {
    fuse_session_destroy(se);
    return FailStart(&ready_fd, "cannot install signal handlers");
  }
  std::string mount_error;
  if (handoff != nullptr) {
    mount_error = TakeOverMount(se, *handoff);
  } else if (fuse_session_mount(se, req.mount_point.c_str()) != 0) {
    mount_error = CannotMount(req);
  }
  if (!mount_error.empty()) {
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return FailStart(&ready_fd, mount_error);
  }
  fuse_fs.StartSession(se, MountDevice(req.mount_point));
  Log("serving %s at %s (pid %d)", req.alluxio_path.c_str(), req.mount_point.c_str(),
      static_cast<int>(getpid()));
  Notify(&ready_fd, "OK");

  int rc;
  {
    StagingSweep sweep(*fs);
    fuse_loop_config loop = {};
    loop.clone_fd = 0;
    loop.max_idle_threads = req.options.max_idle_threads;
    rc = fuse_session_loop_mt(se, &loop);
  }

  fuse_fs.StopSession();
  fuse_session_unmount(se);  // nothing to do on the supervisor's mount
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  if (rc < 0) {
    Log("session ended with error: %s", std::strerror(-rc));
    return 1;
  }
  Log("%s %s%s", handoff != nullptr ? "stopped serving" : "unmounted", req.mount_point.c_str(),
      rc > 0 ? (std::string(" on signal ") + strsignal(rc)).c_str() : "");
  return 0;
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
  return ServeSession(req, ready_fd, /*handoff=*/nullptr);
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

  // The supervisor mounts, once, and keeps the mount's descriptor for as
  // long as it runs: the mount outlives every daemon, so between two of them
  // requests wait in the kernel instead of reaching the directory beneath.
  if (std::string why = PrepareMountPoint(req.mount_point); !why.empty()) {
    return FailStart(&ready_fd, why);
  }
  fuse_lowlevel_ops no_ops = {};
  fuse_session* mount_se = NewSession(req, &no_ops, nullptr);
  if (mount_se == nullptr) {
    return FailStart(&ready_fd, "invalid mount options: " + req.options.KernelOptionString());
  }
  if (fuse_session_mount(mount_se, req.mount_point.c_str()) != 0) {
    fuse_session_destroy(mount_se);
    return FailStart(&ready_fd, CannotMount(req));
  }
  // Unmounts (lazily: open files keep their state until closed) and closes
  // the descriptor, which ends the kernel's side of the mount.
  auto finish = [&mount_se](int rc) {
    fuse_session_unmount(mount_se);
    fuse_session_destroy(mount_se);
    return rc;
  };
  Handoff handoff;
  handoff.fuse_fd = fuse_session_fd(mount_se);
  std::string init_error = ReadInit(handoff.fuse_fd, &handoff.init);
  if (!init_error.empty()) return finish(FailStart(&ready_fd, init_error));
  Log("mounted %s; daemons serve it through the descriptor this supervisor keeps",
      req.mount_point.c_str());

  bool first = true;
  double backoff = kFirstBackoff;
  for (uint64_t generation = 0;; ++generation) {
    handoff.generation = generation;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return finish(FailStart(&ready_fd, std::string("pipe: ") + std::strerror(errno)));
    }
    pid_t child = ::fork();
    if (child < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return finish(FailStart(&ready_fd, std::string("fork: ") + std::strerror(errno)));
    }
    if (child == 0) {
      ::close(fds[0]);
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      ::_exit(ServeSession(req, fds[1], &handoff));
    }
    ::close(fds[1]);
    std::string msg = ReadMessage(fds[0]);
    ::close(fds[0]);
    const bool ready = msg == "OK";
    const struct timespec ready_at = Monotonic();
    if (msg.rfind("ERR ", 0) == 0) msg = msg.substr(4);
    if (first) {
      if (!ready) {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        if (msg.empty()) msg = "the daemon " + DescribeExit(status) + " before the mount was ready";
        return finish(FailStart(&ready_fd, msg));
      }
      Notify(&ready_fd, "OK");
      first = false;
    }
    if (ready) {
      Log("supervising daemon pid %d (generation %llu) on %s", static_cast<int>(child),
          static_cast<unsigned long long>(generation), req.mount_point.c_str());
    } else {
      Log("daemon pid %d could not start%s%s", static_cast<int>(child), msg.empty() ? "" : ": ",
          msg.c_str());
    }

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
      // The daemon finishes its requests and exits; give it time.
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
      stop = true;
      break;
    }
    if (stop) return finish(0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      // Unmounted (the daemon saw the mount go), or the daemon itself was
      // asked to stop: either way the mount ends here.
      Log("daemon pid %d ended cleanly: supervision ends", static_cast<int>(child));
      return finish(0);
    }
    // A daemon that served for a while is replaced at once; one that keeps
    // dying right after starting, less and less often.
    double served = ready ? Seconds(ready_at, Monotonic()) : 0.0;
    double delay = 0.0;
    if (served >= kSettledSeconds) {
      backoff = kFirstBackoff;
    } else {
      delay = backoff;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
    char when[32] = "now";
    if (delay > 0) std::snprintf(when, sizeof(when), "in %.2f s", delay);
    Log("daemon pid %d %s after serving %.1f s: restarting %s", static_cast<int>(child),
        DescribeExit(status).c_str(), served, when);
    if (delay > 0) {
      struct timespec pause = {static_cast<time_t>(delay),
                               static_cast<long>((delay - static_cast<time_t>(delay)) * 1e9)};
      siginfo_t info;
      sigset_t stop_signals = watched;
      sigdelset(&stop_signals, SIGCHLD);
      int sig = sigtimedwait(&stop_signals, &info, &pause);
      if (sig > 0) {
        Log("received %s while restarting: unmounting %s", strsignal(sig), req.mount_point.c_str());
        return finish(0);
      }
    }
  }
}

}  // namespace alluxio::fuse
