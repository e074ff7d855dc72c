// AlluxioJava: Alluxio's own 313 Java client, driven through
// tests/cluster/java/AlluxioProbe.java, for tests that check our ring,
// identities, etcd membership and worker against Alluxio's code.
//
//   std::string why;
//   if (!AlluxioJava::Ready(&why)) ALLUXIO_SKIP_UNLESS_REQUIRED("alluxio", why);
//   ProbeResult r = AlluxioJava::Run({"identity", "localhost"});
//
// Ready() finds java and javac on PATH, asks ci/alluxio-java.sh for the
// client's classpath (jars cached outside the repository; fetched from Maven
// Central the first time), and compiles the probe into the build directory
// (ALLUXIO_PROBE_DIR), once per change of its source, under a file lock so
// that test processes running side by side compile it once. Processes are
// started and ended by pid; nothing else is ever signalled.
#ifndef ALLUXIO_TESTS_CLUSTER_ALLUXIO_JAVA_H_
#define ALLUXIO_TESTS_CLUSTER_ALLUXIO_JAVA_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/wait.h"

namespace alluxio::testing {

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool WriteWholeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out.flush());
}

// The first `name` on PATH that is executable, or "".
inline std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string d;
  while (std::getline(dirs, d, ':')) {
    if (!d.empty() && ::access((d + "/" + name).c_str(), X_OK) == 0) return d + "/" + name;
  }
  return "";
}

// A child process with stdin from a file and stdout, stderr to files.
class Child {
 public:
  Child() = default;
  ~Child() { Kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Starts argv[0] (a path) with `in` as stdin ("" = /dev/null); false when
  // it cannot fork.
  bool Start(const std::vector<std::string>& argv, const std::string& in, const std::string& out,
             const std::string& err) {
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    int in_fd = ::open(in.empty() ? "/dev/null" : in.c_str(), O_RDONLY | O_CLOEXEC);
    int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) {
      for (int fd : {in_fd, out_fd, err_fd}) {
        if (fd >= 0) ::close(fd);
      }
      return false;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in_fd, STDIN_FILENO);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      // Java decodes its arguments by the locale: UTF-8, as our side reads them.
      ::setenv("LC_ALL", "C.UTF-8", 1);
      ::execv(args[0], args.data());
      _exit(127);
    }
    for (int fd : {in_fd, out_fd, err_fd}) ::close(fd);
    return pid_ > 0;
  }

  // Waits up to `seconds` for it to exit; its exit status (128 + signal when
  // killed), or -1 after killing it for taking too long.
  int Wait(double seconds) {
    if (pid_ <= 0) return status_;
    int st = 0;
    bool done = WaitFor(
        [&] {
          pid_t r = ::waitpid(pid_, &st, WNOHANG);
          return r == pid_ || (r < 0 && errno != EINTR);
        },
        seconds, 20);
    if (!done) {
      Kill();
      status_ = -1;
      return status_;
    }
    pid_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
  }

  // SIGKILL and reap (when still running).
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

struct ProbeResult {
  int exit_code = -1;  // -1: killed after the timeout
  std::string out;
  std::string err;
};

class AlluxioJava {
 public:
  // See the file comment; false with the reason when something is missing.
  static bool Ready(std::string* why) {
    *why = Get().why;
    return why->empty();
  }

  // java -cp <probe>:<client jars> AlluxioProbe args..., stdin `in`.
  static ProbeResult Run(const std::vector<std::string>& args, const std::string& in = "",
                         double timeout_s = 180) {
    const std::string dir = ScratchDir();
    const std::string in_file = dir + "/stdin";
    WriteWholeFile(in_file, in);
    Child c;
    ProbeResult r;
    if (!c.Start(Command(args), in_file, dir + "/stdout", dir + "/stderr")) {
      r.err = "cannot start java";
      return r;
    }
    r.exit_code = c.Wait(timeout_s);
    r.out = ReadWholeFile(dir + "/stdout");
    r.err = ReadWholeFile(dir + "/stderr");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return r;
  }

  // The command line Run() runs.
  static std::vector<std::string> Command(const std::vector<std::string>& args) {
    // Small and quick to start: each probe run is a fresh JVM.
    std::vector<std::string> argv = {Get().java,    "-Xmx256m", "-XX:TieredStopAtLevel=1",
                                     "-Xss1m",      "-cp",      Get().classes + ":" + Get().cp,
                                     "AlluxioProbe"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

 private:
  struct State {
    std::string why;
    std::string java;
    std::string classes;
    std::string cp;
  };

  static const State& Get() {
    static const State s = Prepare();
    return s;
  }

  static std::string ScratchDir() {
    std::string tmpl = std::string(ALLUXIO_PROBE_DIR) + "/run.XXXXXX";
    std::filesystem::create_directories(ALLUXIO_PROBE_DIR);
    char* p = ::mkdtemp(tmpl.data());
    return p != nullptr ? std::string(p) : std::string(ALLUXIO_PROBE_DIR);
  }

  // Runs argv to completion; its exit status, stdout and stderr.
  static ProbeResult Exec(const std::vector<std::string>& argv, double timeout_s) {
    const std::string dir = ScratchDir();
    Child c;
    ProbeResult r;
    if (!c.Start(argv, "", dir + "/stdout", dir + "/stderr")) return r;
    r.exit_code = c.Wait(timeout_s);
    r.out = ReadWholeFile(dir + "/stdout");
    r.err = ReadWholeFile(dir + "/stderr");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return r;
  }

  static State Prepare() {
    State s;
    s.java = FindOnPath("java");
    const std::string javac = FindOnPath("javac");
    if (s.java.empty() || javac.empty()) {
      s.why = "no java/javac on PATH (ci/install-deps.sh installs default-jdk-headless)";
      return s;
    }
    // The classpath: fetched once into ~/.cache, then offline.
    const std::string script = std::string(ALLUXIO_SOURCE_DIR) + "/ci/alluxio-java.sh";
    ProbeResult cp = Exec({FindOnPath("bash"), script}, 1800);
    if (cp.exit_code != 0) {
      s.why = script + " found no Alluxio client jars (exit " + std::to_string(cp.exit_code) +
              "): " + cp.err;
      return s;
    }
    std::string cp_file = cp.out.substr(0, cp.out.find('\n'));
    s.cp = ReadWholeFile(cp_file);
    while (!s.cp.empty() && (s.cp.back() == '\n' || s.cp.back() == '\r')) s.cp.pop_back();
    if (s.cp.empty()) {
      s.why = "ci/alluxio-java.sh printed " + cp_file + ", which holds no classpath";
      return s;
    }
    s.why = Compile(javac, s.cp, &s.classes);
    return s;
  }

  // Compiles the probe into ALLUXIO_PROBE_DIR/classes unless the source
  // compiled there is the current one; "" or what went wrong.
  static std::string Compile(const std::string& javac, const std::string& cp,
                             std::string* classes) {
    namespace fs = std::filesystem;
    const std::string dir = ALLUXIO_PROBE_DIR;
    const std::string src =
        std::string(ALLUXIO_SOURCE_DIR) + "/tests/cluster/java/AlluxioProbe.java";
    fs::create_directories(dir);
    *classes = dir + "/classes";
    int lock = ::open((dir + "/.lock").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
      if (lock >= 0) ::close(lock);
      return "cannot lock " + dir + "/.lock";
    }
    std::string source = ReadWholeFile(src);
    std::string result;
    if (source.empty()) {
      result = "cannot read " + src;
    } else if (ReadWholeFile(*classes + "/AlluxioProbe.java") != source ||
               !fs::exists(*classes + "/AlluxioProbe.class")) {
      const std::string fresh = dir + "/classes.new";
      std::error_code ec;
      fs::remove_all(fresh, ec);
      fs::create_directories(fresh);
      ProbeResult r =
          Exec({javac, "-nowarn", "-encoding", "UTF-8", "-cp", cp, "-d", fresh, src}, 600);
      if (r.exit_code != 0) {
        result = "javac of " + src + " failed (exit " + std::to_string(r.exit_code) +
                 "): " + r.err + r.out;
      } else {
        WriteWholeFile(fresh + "/AlluxioProbe.java", source);
        fs::remove_all(*classes, ec);
        fs::rename(fresh, *classes, ec);
        if (ec) result = "cannot rename " + fresh + ": " + ec.message();
      }
    }
    ::close(lock);
    return result;
  }
};

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_CLUSTER_ALLUXIO_JAVA_H_
