// Interposed tree walkers: glob, nftw and ftw. glibc runs them with
// internal calls the shim cannot see, so for served paths glob is given the
// shim's directory functions (GLOB_ALTDIRFUNC) and the walks are done here,
// with the public, interposed calls; everything else goes to glibc.
#include <ftw.h>
#include <glob.h>
#include <string.h>

#include <string>
#include <vector>

#include "dispatch.h"

namespace alluxio::preload {
namespace {

// Whether `path` (a path or a glob pattern) is under a served prefix.
bool IsServedPath(const char* path) {
  if (Bypass() || path == nullptr) return false;
  return Protect(false, [&] {
    Served w;
    int err = 0;
    return RoutePath(AT_FDCWD, path, &w, &err) == Route::kServed;
  });
}

using NftwFn = int (*)(const char*, const struct stat*, int, struct FTW*);
using FtwFn = int (*)(const char*, const struct stat*, int);

// One walk, as glibc's nftw/ftw does it: pre-order (or post-order with
// FTW_DEPTH), FTW_CHDIR, FTW_PHYS, FTW_ACTIONRETVAL.
class Walk {
 public:
  Walk(NftwFn nftw_fn, FtwFn ftw_fn, int flags)
      : nftw_fn_(nftw_fn), ftw_fn_(ftw_fn), flags_(flags) {}

  int Run(const char* dir) {
    if (dir[0] == '\0') return Fail(ENOENT);
    char* cwd = getcwd(nullptr, 0);
    if (cwd == nullptr) return -1;
    start_cwd_ = cwd;
    free(cwd);
    std::string path = dir;
    size_t slash = path.find_last_of('/', path.size() > 1 ? path.size() - 2 : 0);
    int base = slash == std::string::npos ? 0 : static_cast<int>(slash) + 1;
    if ((flags_ & FTW_CHDIR) && base > 0 && chdir(Parent(Absolute(path)).c_str()) != 0) return -1;
    int rc = Entry(path, base, 0);
    if (rc == kSkipSiblings) rc = 0;
    if ((flags_ & FTW_ACTIONRETVAL) && (rc == FTW_SKIP_SUBTREE || rc == FTW_CONTINUE)) rc = 0;
    if (flags_ & FTW_CHDIR) {
      int saved = errno;
      if (chdir(start_cwd_.c_str()) == 0) errno = saved;
    }
    return rc;
  }

 private:
  static constexpr int kSkipSiblings = -1000;

  std::string Absolute(const std::string& p) const {
    return p[0] == '/' ? p : start_cwd_ + "/" + p;
  }
  static std::string Parent(const std::string& abs) {
    size_t slash = abs.find_last_of('/');
    return slash == 0 || slash == std::string::npos ? "/" : abs.substr(0, slash);
  }

  int Call(const std::string& path, const struct stat* st, int type, int base, int level) {
    if (nftw_fn_ != nullptr) {
      struct FTW f = {base, level};
      return nftw_fn_(path.c_str(), st, type, &f);
    }
    return ftw_fn_(path.c_str(), st, type);
  }

  // A callback's result: 0 to go on, else what the walk returns (or
  // kSkipSiblings / FTW_SKIP_SUBTREE for FTW_ACTIONRETVAL).
  int Verdict(int r) {
    if (!(flags_ & FTW_ACTIONRETVAL)) return r;
    if (r == FTW_CONTINUE) return 0;
    if (r == FTW_SKIP_SIBLINGS) return kSkipSiblings;
    return r;  // FTW_STOP, FTW_SKIP_SUBTREE
  }

  int Entry(const std::string& path, int base, int level) {
    struct stat st;
    int rc = (flags_ & FTW_PHYS) ? lstat(path.c_str(), &st) : stat(path.c_str(), &st);
    if (rc != 0) {
      if (level == 0) return -1;
      memset(&st, 0, sizeof(st));
      return Verdict(Call(path, &st, FTW_NS, base, level));
    }
    if (!S_ISDIR(st.st_mode)) return Verdict(Call(path, &st, FTW_F, base, level));
    return Directory(path, base, level, st);
  }

  int Directory(const std::string& path, int base, int level, const struct stat& st) {
    if (!(flags_ & FTW_DEPTH) || nftw_fn_ == nullptr) {
      int r = Verdict(Call(path, &st, FTW_D, base, level));
      if (r == FTW_SKIP_SUBTREE && (flags_ & FTW_ACTIONRETVAL)) return 0;
      if (r != 0) return r;
    }
    std::vector<std::string> names;
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) return Verdict(Call(path, &st, FTW_DNR, base, level));
    while (struct dirent* e = readdir(dir)) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    }
    closedir(dir);
    if ((flags_ & FTW_CHDIR) && chdir(Absolute(path).c_str()) != 0) return -1;
    std::string prefix = path.back() == '/' ? path : path + "/";
    int result = 0;
    for (const auto& name : names) {
      int r = Entry(prefix + name, static_cast<int>(prefix.size()), level + 1);
      if (r == kSkipSiblings) break;
      if (r != 0) {
        result = r;
        break;
      }
    }
    if ((flags_ & FTW_CHDIR) && chdir(Parent(Absolute(path)).c_str()) != 0) return -1;
    if (result != 0) return result;
    if ((flags_ & FTW_DEPTH) && nftw_fn_ != nullptr) {
      return Verdict(Call(path, &st, FTW_DP, base, level));
    }
    return 0;
  }

  NftwFn nftw_fn_;
  FtwFn ftw_fn_;
  int flags_;
  std::string start_cwd_;
};

int ShimClosedir(void* dir) { return closedir(static_cast<DIR*>(dir)); }
void ShimClosedirVoid(void* dir) { (void)ShimClosedir(dir); }
struct dirent* ShimReaddir(void* dir) {
  return readdir(static_cast<DIR*>(dir));
}
void* ShimOpendir(const char* path) { return opendir(path); }

}  // namespace
}  // namespace alluxio::preload

using namespace alluxio::preload;  // NOLINT: the exported C entry points below

SHIM_EXPORT int glob(const char* pattern, int flags, int (*errfunc)(const char*, int),
                     glob_t* pglob) {
  if ((flags & GLOB_ALTDIRFUNC) || !IsServedPath(pattern)) {
    return real::glob(pattern, flags, errfunc, pglob);
  }
  pglob->gl_closedir = ShimClosedirVoid;
  pglob->gl_readdir = ShimReaddir;
  pglob->gl_opendir = ShimOpendir;
  pglob->gl_lstat = &lstat;
  pglob->gl_stat = &stat;
  return real::glob(pattern, flags | GLOB_ALTDIRFUNC, errfunc, pglob);
}
SHIM_TWIN(glob64, glob);

SHIM_EXPORT int nftw(const char* dir, NftwFn fn, int nopenfd, int flags) {
  if (!IsServedPath(dir)) return real::nftw(dir, fn, nopenfd, flags);
  Walk walk(fn, nullptr, flags);
  return Protect(-1, [&] { return walk.Run(dir); });
}
SHIM_TWIN(nftw64, nftw);

SHIM_EXPORT int ftw(const char* dir, FtwFn fn, int nopenfd) {
  if (!IsServedPath(dir)) return real::ftw(dir, fn, nopenfd);
  Walk walk(nullptr, fn, 0);
  return Protect(-1, [&] { return walk.Run(dir); });
}
SHIM_TWIN(ftw64, ftw);
