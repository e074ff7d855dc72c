// Interposed exec and spawn: served fds a new program inherits are handed
// over as real files (see Desc::backed), and the environment tells a shim
// in the new program which fds and working directory it serves.
#include <elf.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <vector>

#include "dispatch.h"

extern char** environ;

namespace alluxio::preload {
namespace {

// Whether a program started with `envp` loads this shim: LD_PRELOAD names
// it, and `path` (when known; nullptr for a PATH search) is a dynamically
// linked ELF or a script (whose interpreter is assumed to be).
bool ShimFollows(const char* path, char* const* envp) {
  bool preloaded = false;
  for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) == 0) preloaded = strstr(*e, "liballuxio_posix") != nullptr;
  }
  if (!preloaded || path == nullptr) return preloaded;
  int fd = real::open(path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return true;  // exec fails too, or the path is served: assume the usual
  Elf64_Ehdr eh;
  bool dynamic = true;
  if (real::pread(fd, &eh, sizeof(eh), 0) == static_cast<ssize_t>(sizeof(eh)) &&
      memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64) {
    dynamic = false;
    for (int i = 0; i < eh.e_phnum && !dynamic; ++i) {
      Elf64_Phdr ph;
      off_t at = static_cast<off_t>(eh.e_phoff + static_cast<uint64_t>(i) * sizeof(ph));
      if (real::pread(fd, &ph, sizeof(ph), at) != static_cast<ssize_t>(sizeof(ph))) break;
      dynamic = ph.p_type == PT_INTERP;
    }
  }
  real::close(fd);
  return dynamic;
}

// `envp` plus the hand-over entries, replacing older ones of the same name.
class ExecEnv {
 public:
  ExecEnv(const char* path, char* const* envp) {
    if (Bypass()) {
      passthrough_ = envp;
      return;
    }
    Guard guard;
    extra_ =
        Protect(std::vector<std::string>(), [&] { return PrepareExec(ShimFollows(path, envp)); });
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

// Before a child is made: inherited descriptions read in-process get
// backing copies (BackInheritables).
void BeforeChild() {
  if (Bypass()) return;
  Protect(0, [] {
    Guard guard;
    BackInheritables();
    return 0;
  });
}

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below
using alluxio::Status;

SHIM_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  ExecEnv env(path, envp);
  return real::execve(path, argv, env.get());
}

SHIM_EXPORT int execv(const char* path, char* const argv[]) {
  ExecEnv env(path, environ);
  return real::execve(path, argv, env.get());
}

SHIM_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  ExecEnv env(strchr(file, '/') ? file : nullptr, envp);
  return real::execvpe(file, argv, env.get());
}

SHIM_EXPORT int execvp(const char* file, char* const argv[]) {
  ExecEnv env(strchr(file, '/') ? file : nullptr, environ);
  return real::execvpe(file, argv, env.get());
}

SHIM_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  ExecEnv env(nullptr, envp);
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
  ExecEnv env(path, envp);
  return real::posix_spawn(pid, path, actions, attr, argv, env.get());
}

SHIM_EXPORT int posix_spawnp(pid_t* pid, const char* file,
                             const posix_spawn_file_actions_t* actions,
                             const posix_spawnattr_t* attr, char* const argv[],
                             char* const envp[]) {
  ExecEnv env(strchr(file, '/') ? file : nullptr, envp);
  return real::posix_spawnp(pid, file, actions, attr, argv, env.get());
}

// A vfork child shares its parent's memory, so a close or dup2 of a served
// fd in it (Python's subprocess closes fds there before exec) would change
// the parent's fd table. vfork may be a fork (POSIX allows it): the child
// gets a table of its own. (A wrapper cannot forward to the real vfork: the
// child would return through the parent's stack frame.)
SHIM_EXPORT pid_t vfork(void) { return fork(); }

// Descriptions read in-process that the child inherits get backing copies
// first, so parent and child share their offsets (BackInheritables).
SHIM_EXPORT pid_t fork(void) {
  BeforeChild();
  return real::fork();
}

// A process that ends with _exit (dash does; multiprocessing workers and
// fork children do) still lets go of what it writes: where it is the last
// holder, the file is committed before it goes. exit() runs the shim's
// destructor instead, which does the same.
SHIM_EXPORT void _exit(int status) {
  if (!Bypass()) {
    Protect(0, [] {
      FinishAtExit();
      return 0;
    });
  }
  // What glibc's _exit does.
  for (;;) real::syscall(SYS_exit_group, status);
}

SHIM_EXPORT void _Exit(int status) { _exit(status); }

// glibc starts system() and popen() children with internal calls (a clone
// and an exec the shim does not see): descriptors they inherit are made
// real first, as for fork.
SHIM_EXPORT int system(const char* command) {
  BeforeChild();
  return real::system(command);
}

SHIM_EXPORT FILE* popen(const char* command, const char* type) {
  BeforeChild();
  return real::popen(command, type);
}

// --- memory maps ------------------------------------------------------------

static void* MmapServed(int fd, Desc& d, void* addr, size_t len, int prot, int flags, off_t off) {
  // A file being written is a local file: shared writable maps write it.
  if (d.staged) {
    void* p = real::mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED) {
      int saved = errno;
      NoteStagedMap(Fds().Get(fd), p, len);
      errno = saved;
    }
    return p;
  }
  // What the kernel checks first: the descriptor must be readable, and
  // writable for a shared writable map.
  const int acc = d.flags & O_ACCMODE;
  if (acc == O_WRONLY || ((prot & PROT_WRITE) && (flags & MAP_SHARED) && acc != O_RDWR)) {
    return (errno = EACCES, MAP_FAILED);
  }
  if (d.is_dir) return (errno = ENODEV, MAP_FAILED);
  // A kept file without the random-access switch cannot be written.
  if ((prot & PROT_WRITE) && (flags & MAP_SHARED)) return (errno = ENOTSUP, MAP_FAILED);
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
SHIM_TWIN(mmap64, mmap);

SHIM_EXPORT int munmap(void* addr, size_t len) {
  int rc = real::munmap(addr, len);
  if (rc == 0 && !t_in_shim) {
    int saved = errno;
    Protect(0, [&] {
      NoteUnmap(addr, len);
      return 0;
    });
    errno = saved;
  }
  return rc;
}
