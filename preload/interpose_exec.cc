// Interposed exec and spawn: served fds a new program inherits are handed
// over as real files (see Desc::backed), and the environment tells a shim
// in the new program which fds and working directory it serves.
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include <vector>

#include "dispatch.h"

extern char** environ;

namespace alluxio::preload {
namespace {

// `envp` plus the hand-over entries, replacing older ones of the same name.
class ExecEnv {
 public:
  explicit ExecEnv(char* const* envp) {
    if (Bypass()) {
      passthrough_ = envp;
      return;
    }
    Guard guard;
    extra_ = Protect(std::vector<std::string>(), [] { return PrepareExec(); });
    for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
      if (strncmp(*e, "ALLUXIO_POSIX_FDS=", 18) == 0 ||
          strncmp(*e, "ALLUXIO_POSIX_CWD=", 18) == 0) {
        continue;
      }
      ptrs_.push_back(*e);
    }
    for (auto& s : extra_) ptrs_.push_back(s.data());
    ptrs_.push_back(nullptr);
  }
  char* const* get() const {
    return passthrough_ != nullptr || ptrs_.empty() ? passthrough_ : ptrs_.data();
  }

 private:
  char* const* passthrough_ = nullptr;
  std::vector<std::string> extra_;
  std::vector<char*> ptrs_;
};

// Collects execl-style arguments (up to the terminating NULL).
std::vector<char*> ArgList(const char* first, va_list ap) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(first));
  while (char* a = va_arg(ap, char*)) argv.push_back(a);
  argv.push_back(nullptr);
  return argv;
}

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below
using alluxio::Status;

SHIM_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  ExecEnv env(envp);
  return real::execve(path, argv, env.get());
}

SHIM_EXPORT int execv(const char* path, char* const argv[]) {
  ExecEnv env(environ);
  return real::execve(path, argv, env.get());
}

SHIM_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  ExecEnv env(envp);
  return real::execvpe(file, argv, env.get());
}

SHIM_EXPORT int execvp(const char* file, char* const argv[]) {
  ExecEnv env(environ);
  return real::execvpe(file, argv, env.get());
}

SHIM_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  ExecEnv env(envp);
  return real::fexecve(fd, argv, env.get());
}

SHIM_EXPORT int execl(const char* path, const char* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  std::vector<char*> argv = ArgList(arg, ap);
  va_end(ap);
  return execv(path, argv.data());
}

SHIM_EXPORT int execlp(const char* file, const char* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  std::vector<char*> argv = ArgList(arg, ap);
  va_end(ap);
  return execvp(file, argv.data());
}

SHIM_EXPORT int execle(const char* path, const char* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  std::vector<char*> argv = ArgList(arg, ap);
  char* const* envp = va_arg(ap, char* const*);
  va_end(ap);
  return execve(path, argv.data(), envp);
}

SHIM_EXPORT int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                            const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  ExecEnv env(envp);
  return real::posix_spawn(pid, path, actions, attr, argv, env.get());
}

SHIM_EXPORT int posix_spawnp(pid_t* pid, const char* file,
                             const posix_spawn_file_actions_t* actions,
                             const posix_spawnattr_t* attr, char* const argv[],
                             char* const envp[]) {
  ExecEnv env(envp);
  return real::posix_spawnp(pid, file, actions, attr, argv, env.get());
}

// --- memory maps ------------------------------------------------------------

static void* MmapServed(int fd, Desc& d, void* addr, size_t len, int prot, int flags, off_t off) {
  // What the kernel checks first: the descriptor must be readable, and
  // writable for a shared writable map.
  const int acc = d.flags & O_ACCMODE;
  if (acc == O_WRONLY || ((prot & PROT_WRITE) && (flags & MAP_SHARED) && acc != O_RDWR)) {
    return (errno = EACCES, MAP_FAILED);
  }
  if (d.is_dir) return (errno = ENODEV, MAP_FAILED);
  // Writes through a shared map would bypass the commit on close.
  if ((prot & PROT_WRITE) && (flags & MAP_SHARED)) return (errno = ENODEV, MAP_FAILED);
  Status st = MakeBacked(d);
  if (!st.ok()) return (errno = st.ToErrno(), MAP_FAILED);
  return real::mmap(addr, len, prot, flags, fd, off);
}

SHIM_EXPORT void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  if ((flags & MAP_ANONYMOUS) || fd < 0) return real::mmap(addr, len, prot, flags, fd, off);
  return ByFd<void*>(
      MAP_FAILED, fd, [&] { return real::mmap(addr, len, prot, flags, fd, off); },
      [&](Desc& d) { return MmapServed(fd, d, addr, len, prot, flags, off); });
}

SHIM_EXPORT void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off64_t off) {
  if ((flags & MAP_ANONYMOUS) || fd < 0) return real::mmap64(addr, len, prot, flags, fd, off);
  return ByFd<void*>(
      MAP_FAILED, fd, [&] { return real::mmap64(addr, len, prot, flags, fd, off); },
      [&](Desc& d) { return MmapServed(fd, d, addr, len, prot, flags, off); });
}
