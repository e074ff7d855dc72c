#include "fuse_mount.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/local_files.h"
#include "testing/wait.h"

namespace alluxio::testing {
namespace {

// Runs fusermount3 (for a test that is not root); true on success.
bool RunFusermount(const std::string& mount_point, bool lazy) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, STDERR_FILENO);
    execlp("fusermount3", "fusermount3", lazy ? "-uz" : "-u", "--", mount_point.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool UnmountNow(const std::string& mount_point) {
  if (!IsMountPoint(mount_point)) return true;
  if (umount2(mount_point.c_str(), 0) == 0) return true;
  if (errno == EPERM) {
    return RunFusermount(mount_point, false) || RunFusermount(mount_point, true);
  }
  return umount2(mount_point.c_str(), MNT_DETACH) == 0;
}

// Waits for `pid` to end; returns its status or -1 after `seconds`.
int WaitPid(pid_t pid, double seconds) {
  double deadline = MonotonicSeconds() + seconds;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (MonotonicSeconds() > deadline) return -1;
    SleepMs(20);
  }
}

// In the forked child: runs argv in a new PID namespace (as its pid 1) and
// exits with its status, passing on the signals that stop it. Never returns.
[[noreturn]] void RunInOwnPidNamespace(char** argv) {
  if (unshare(CLONE_NEWPID) != 0) {
    std::fprintf(stderr, "unshare(CLONE_NEWPID): %s\n", std::strerror(errno));
    _exit(126);
  }
  sigset_t stop;
  sigemptyset(&stop);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&stop, sig);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  pid_t daemon = fork();
  if (daemon < 0) _exit(126);
  if (daemon == 0) {
    sigprocmask(SIG_UNBLOCK, &stop, nullptr);
    execv(argv[0], argv);
    _exit(127);
  }
  while (true) {
    int status = 0;
    pid_t r = waitpid(daemon, &status, WNOHANG);
    if (r == daemon) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    siginfo_t info;
    int sig = sigwaitinfo(&stop, &info);
    if (sig > 0 && sig != SIGCHLD) kill(daemon, sig);
  }
}

}  // namespace

std::string FuseBinary() {
  const char* env = std::getenv("ALLUXIO_FUSE_BIN");
  if (env != nullptr && *env != '\0') return env;
#ifdef ALLUXIO_FUSE_BIN
  return ALLUXIO_FUSE_BIN;
#else
  return "alluxio-fuse";
#endif
}

bool IsMountPoint(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point == path) return true;  // test paths have no escaped bytes
  }
  return false;
}

bool WaitForMount(const std::string& path, bool mounted, double seconds) {
  double deadline = MonotonicSeconds() + seconds;
  while (MonotonicSeconds() < deadline) {
    if (IsMountPoint(path) == mounted) {
      struct stat st;
      if (!mounted || stat(path.c_str(), &st) == 0) return true;
    }
    SleepMs(20);
  }
  return false;
}

std::unique_ptr<FuseMount> FuseMount::Start(const FuseMountOptions& opts, std::string* skip_reason,
                                            std::string* error) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    *skip_reason = "/dev/fuse is missing or not accessible: cannot mount FUSE here";
    return nullptr;
  }
  const char* root = std::getenv("ALLUXIO_FUSE_TEST_ROOT");
  if (root == nullptr || *root == '\0') root = std::getenv("TMPDIR");
  if (root == nullptr || *root == '\0') root = "/tmp";
  std::filesystem::create_directories(root);
  std::string tmpl = std::string(root) + "/fuse-test.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    *error = "mkdtemp " + tmpl + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<FuseMount> m(new FuseMount());
  m->base_ = tmpl;
  m->mount_point_ = tmpl + "/mnt";
  m->ufs_dir_ = tmpl + "/ufs";
  m->local_dir_ = tmpl + "/local";
  m->log_file_ = tmpl + "/fuse.log";
  for (const std::string& d : {m->mount_point_, m->ufs_dir_, m->local_dir_, tmpl + "/work"}) {
    std::filesystem::create_directories(d);
  }
  for (const std::string& d : opts.ufs_dirs) {
    std::filesystem::create_directories(m->ufs_dir_ + "/" + d);
  }
  for (const auto& [path, content] : opts.ufs_files) {
    if (!WriteLocalFile(m->ufs_dir_ + "/" + path, content)) {
      *error = "cannot write " + path + " in the UFS";
      return nullptr;
    }
  }

  std::vector<std::string> args = {FuseBinary(), "mount", m->mount_point_, opts.alluxio_path, "-f"};
  if (opts.supervise) args.emplace_back("--supervise");
  std::map<std::string, std::string> conf = opts.conf;
  conf.emplace("alluxio.work.dir", tmpl + "/work");
  conf.emplace("alluxio.master.mount.table.root.ufs", m->ufs_dir_);
  for (const auto& [k, v] : conf) {
    args.emplace_back("--conf");
    args.push_back(k + "=" + v);
  }
  for (const std::string& o : opts.mount_options) {
    args.emplace_back("-o");
    args.push_back(o);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    int log_fd = open(m->log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    // The test's own environment must not configure the daemon.
    unsetenv("ALLUXIO_CONF_DIR");
    if (opts.own_pid_namespace) RunInOwnPidNamespace(argv.data());
    execv(argv[0], argv.data());
    _exit(127);
  }
  m->pid_ = pid;
  m->supervise_ = opts.supervise;

  double deadline = MonotonicSeconds() + 20;
  while (MonotonicSeconds() < deadline) {
    if (WaitForMount(m->mount_point_, true, 0.05)) return m;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      m->pid_ = -1;
      std::string log = m->Log();
      if (geteuid() != 0 && log.find("cannot mount") != std::string::npos) {
        *skip_reason = "this user may not mount FUSE file systems: " + log;
      } else {
        *error = "alluxio-fuse exited before mounting: " + log;
      }
      return nullptr;
    }
  }
  *error = "the mount did not come up within 20 s: " + m->Log();
  return nullptr;  // the destructor stops the daemon
}

pid_t FuseMount::DaemonPid() const {
  if (!supervise_) return pid_;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
  pid_t child = -1;
  in >> child;
  return child;
}

std::string FuseMount::Log() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int FuseMount::Stop() {
  int status = -1;
  if (pid_ > 0) {
    UnmountNow(mount_point_);
    status = WaitPid(pid_, 15);
    if (status == -1) {
      kill(pid_, SIGTERM);
      status = WaitPid(pid_, 5);
    }
    if (status == -1) {
      kill(pid_, SIGKILL);
      status = WaitPid(pid_, 5);
    }
    pid_ = -1;
  }
  if (IsMountPoint(mount_point_) && umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
    RunFusermount(mount_point_, true);
  }
  return status;
}

FuseMount::~FuseMount() {
  Stop();
  // Never delete through a mount: only remove the tree once it is gone.
  if (!base_.empty() && !IsMountPoint(mount_point_)) {
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
}

std::unique_ptr<FuseMount> FuseMountTest::Mount(FuseMountOptions opts) {
  if (opts.own_pid_namespace && ::geteuid() != 0) {
    skipped_ = true;
    skip_is_required_ = false;
    skip_reason_ = "a PID namespace of its own for the daemon needs root";
    return nullptr;
  }
  std::string skip, error;
  auto m = FuseMount::Start(opts, &skip, &error);
  if (!m && !skip.empty()) {
    skipped_ = true;
    skip_reason_ = skip;
  }
  if (!m && skip.empty()) ADD_FAILURE() << error;
  return m;
}

}  // namespace alluxio::testing
