// Differential scenarios: directory streams, glob/ftw/nftw, stdio, mmap,
// temporary files, fork, exec and spawn.
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "diff_harness.h"

extern char** environ;

// readdir_r is deprecated, and still called by programs the shim serves.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace alluxio::preload_test {
namespace {

const char* C(const std::string& s) { return s.c_str(); }

void MakeTree(Ctx& c) {
  mkdir(C(c.P("d")), 0755);
  mkdir(C(c.P("d/sub")), 0755);
  mkdir(C(c.P("d/sub/deeper")), 0700);
  Spit(c.P("d/a.txt"), "a");
  Spit(c.P("d/b.txt"), "bb");
  Spit(c.P("d/c.log"), "ccc");
  Spit(c.P("d/sub/x.txt"), "xxxx");
  Spit(c.P("d/sub/deeper/y"), "yyyyy");
}

// Every entry of a stream, sorted (the kernel's order is not specified).
void ListStream(const char* label, DIR* dir) {
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = readdir(dir)) {
    names.push_back(std::string(e->d_name) + (e->d_type == DT_DIR ? "/" : "") +
                    (e->d_ino == 0 ? " ino=0" : ""));
  }
  int err = errno;
  std::sort(names.begin(), names.end());
  std::string all;
  for (auto& n : names) all += n + " ";
  g->Log("%s: [%s] errno %d", label, all.c_str(), err);
}

std::vector<std::string>* g_walk = nullptr;

int WalkFn(const char* path, const struct stat* st, int type, struct FTW* ftw) {
  char cwd[PATH_MAX] = "";
  if (getcwd(cwd, sizeof(cwd)) == nullptr) strcpy(cwd, "?");
  char line[PATH_MAX * 2 + 100];
  snprintf(line, sizeof(line), "%s type=%d level=%d base=%s size=%lld", g->Relative(path).c_str(),
           type, ftw->level, path + ftw->base,
           S_ISREG(st->st_mode) ? static_cast<long long>(st->st_size) : -1LL);
  g_walk->push_back(line);
  return 0;
}

int WalkChdirFn(const char* path, const struct stat*, int, struct FTW* ftw) {
  char cwd[PATH_MAX] = "";
  if (getcwd(cwd, sizeof(cwd)) == nullptr) strcpy(cwd, "?");
  g_walk->push_back(std::string(path + ftw->base) + " in " + g->Relative(cwd) +
                    " access=" + std::to_string(access(path + ftw->base, F_OK)));
  return 0;
}

int FtwFn(const char* path, const struct stat* st, int type) {
  g_walk->push_back(g->Relative(path) + " type=" + std::to_string(type) +
                    " mode=" + std::to_string(st->st_mode & 07777));
  return 0;
}

int StopAtB(const char* path, const struct stat*, int, struct FTW*) {
  return strstr(path, "b.txt") ? 42 : 0;
}

void LogWalk(const char* label) {
  std::sort(g_walk->begin(), g_walk->end());
  for (auto& l : *g_walk) g->Log("%s: %s", label, l.c_str());
  g_walk->clear();
}

int NoDots(const struct dirent* e) { return e->d_name[0] != '.'; }

void RunShell(const char* label, const std::string& script, char* const* envp) {
  int p[2];
  if (pipe(p) != 0) return;
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    close(p[0]);
    close(p[1]);
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                    const_cast<char*>(script.c_str()), nullptr};
    execve("/bin/sh", argv, envp);
    _exit(127);
  }
  close(p[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  g->Data(label, out.data(), static_cast<long>(out.size()));
  g->Log("%s: exit %d", label, WEXITSTATUS(status));
}

}  // namespace

SCENARIO(DirStreams) {
  MakeTree(c);
  DIR* dir = static_cast<DIR*>(const_cast<void*>(RP(opendir(C(c.P("d"))))));
  ListStream("readdir d", dir);
  rewinddir(dir);
  ListStream("after rewinddir", dir);
  Spit(c.P("d/new"), "n");
  rewinddir(dir);
  ListStream("rewinddir sees new entries", dir);
  rewinddir(dir);
  // telldir/seekdir: come back to a remembered position.
  std::vector<long> pos;
  std::vector<std::string> names;
  for (;;) {
    long t = telldir(dir);
    struct dirent* e = readdir(dir);
    if (e == nullptr) break;
    pos.push_back(t);
    names.push_back(e->d_name);
  }
  bool same = true;
  for (size_t i = names.size(); i-- > 0;) {
    seekdir(dir, pos[i]);
    struct dirent* e = readdir(dir);
    if (e == nullptr || names[i] != e->d_name) same = false;
  }
  c.Log("seekdir returns to %zu positions: %d", names.size(), same);
  int fd = R(dirfd(dir) >= 0);
  struct stat st;
  R(fstat(dirfd(dir), &st));
  c.Stat("fstat(dirfd)", 0, st);
  rewinddir(dir);
  struct dirent ent, *res = nullptr;
  int count = 0;
  while (readdir_r(dir, &ent, &res) == 0 && res != nullptr) ++count;
  c.Log("readdir_r entries %d", count);
  rewinddir(dir);
  count = 0;
  while (readdir64(dir) != nullptr) ++count;
  c.Log("readdir64 entries %d", count);
  R(closedir(dir));
  (void)fd;
  RP(opendir(C(c.P("missing"))));
  RP(opendir(C(c.P("d/a.txt"))));
  RP(opendir(C(c.P("d/a.txt/x"))));
  int dfd = R(open(C(c.P("d/sub")), O_RDONLY | O_DIRECTORY));
  dir = static_cast<DIR*>(const_cast<void*>(RP(fdopendir(dfd))));
  R(dirfd(dir) == dfd);
  ListStream("fdopendir", dir);
  R(closedir(dir));
  R(fcntl(dfd, F_GETFD));
  int ffd = R(open(C(c.P("d/a.txt")), O_RDONLY));
  RP(fdopendir(ffd));
  R(close(ffd));
  RP(fdopendir(-1));
  // A stream over an empty directory, and after chdir, of ".".
  R(mkdir(C(c.P("empty")), 0755));
  dir = static_cast<DIR*>(const_cast<void*>(RP(opendir(C(c.P("empty"))))));
  ListStream("empty", dir);
  R(closedir(dir));
  R(chdir(C(c.P("d"))));
  dir = static_cast<DIR*>(const_cast<void*>(RP(opendir("."))));
  ListStream("opendir .", dir);
  R(closedir(dir));
  dir = static_cast<DIR*>(const_cast<void*>(RP(opendir("sub"))));
  ListStream("opendir sub", dir);
  R(closedir(dir));
  dir = static_cast<DIR*>(const_cast<void*>(RP(opendir(".."))));
  ListStream("opendir ..", dir);
  R(closedir(dir));
  R(chdir("/"));
}

SCENARIO(ScanDir) {
  MakeTree(c);
  struct dirent** list = nullptr;
  int n = R(scandir(C(c.P("d")), &list, nullptr, alphasort));
  for (int i = 0; i < n; ++i) {
    c.Log("  %s type %d", list[i]->d_name, list[i]->d_type);
    free(list[i]);
  }
  free(list);
  n = R(scandir(C(c.P("d")), &list, NoDots, alphasort));
  for (int i = 0; i < n; ++i) free(list[i]);
  free(list);
  R(scandir(C(c.P("missing")), &list, nullptr, alphasort));
  R(scandir(C(c.P("d/a.txt")), &list, nullptr, alphasort));
  struct dirent64** list64 = nullptr;
  n = R(scandir64(C(c.P("d/sub")), &list64, nullptr, alphasort64));
  for (int i = 0; i < n; ++i) {
    c.Log("  %s", list64[i]->d_name);
    free(list64[i]);
  }
  free(list64);
  int dfd = R(open(C(c.P("d")), O_RDONLY | O_DIRECTORY));
  n = R(scandirat(dfd, "sub", &list, NoDots, alphasort));
  for (int i = 0; i < n; ++i) {
    c.Log("  %s", list[i]->d_name);
    free(list[i]);
  }
  free(list);
  R(close(dfd));
}

SCENARIO(Glob) {
  MakeTree(c);
  auto show = [&](const char* label, int rc, glob_t& gl) {
    c.Log("%s: rc %d count %zu", label, rc, gl.gl_pathc);
    for (size_t i = 0; i < gl.gl_pathc; ++i) c.Log("  %s", c.Relative(gl.gl_pathv[i]).c_str());
    globfree(&gl);
  };
  glob_t gl = {};
  show("*.txt", glob(C(c.P("d/*.txt")), 0, nullptr, &gl), gl);
  show("*/x.txt", glob(C(c.P("d/*/x.txt")), 0, nullptr, &gl), gl);
  show("nomatch", glob(C(c.P("d/nomatch*")), 0, nullptr, &gl), gl);
  show("nocheck", glob(C(c.P("d/nomatch*")), GLOB_NOCHECK, nullptr, &gl), gl);
  show("mark", glob(C(c.P("d/*")), GLOB_MARK, nullptr, &gl), gl);
  show("onlydir", glob(C(c.P("d/*")), GLOB_ONLYDIR, nullptr, &gl), gl);
  show("brace", glob(C(c.P("d/{a,c}.*")), GLOB_BRACE, nullptr, &gl), gl);
  show("no wildcard, exists", glob(C(c.P("d/a.txt")), 0, nullptr, &gl), gl);
  show("no wildcard, missing", glob(C(c.P("d/zz.txt")), 0, nullptr, &gl), gl);
  show("class", glob(C(c.P("d/[ab].txt")), 0, nullptr, &gl), gl);
  show("deep", glob(C(c.P("*/*/*/*")), 0, nullptr, &gl), gl);
  R(chdir(C(c.P("d"))));
  show("relative", glob("*.txt", 0, nullptr, &gl), gl);
  show("relative sub", glob("sub/*", 0, nullptr, &gl), gl);
  gl.gl_offs = 2;
  int rc0 = glob("*.log", GLOB_DOOFFS, nullptr, &gl);
  c.Log("dooffs: rc %d count %zu first %s", rc0, gl.gl_pathc, gl.gl_pathc ? gl.gl_pathv[2] : "-");
  globfree(&gl);
  R(chdir("/"));
  glob64_t g64 = {};
  int rc = glob64(C(c.P("d/*.log")), 0, nullptr, &g64);
  c.Log("glob64: rc %d count %zu", rc, g64.gl_pathc);
  globfree64(&g64);
}

SCENARIO(Ftw) {
  MakeTree(c);
  std::vector<std::string> walk;
  g_walk = &walk;
  R(nftw(C(c.P("d")), WalkFn, 16, FTW_PHYS));
  LogWalk("nftw");
  R(nftw(C(c.P("d")), WalkFn, 16, FTW_PHYS | FTW_DEPTH));
  LogWalk("nftw depth");
  R(nftw(C(c.P("d")), WalkFn, 1, 0));
  LogWalk("nftw 1 fd");
  R(nftw(C(c.P("d")), WalkChdirFn, 16, FTW_CHDIR));
  LogWalk("nftw chdir");
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd))) c.Str("cwd after FTW_CHDIR", cwd);
  R(nftw(C(c.P("d")), StopAtB, 16, 0));
  R(nftw(C(c.P("missing")), WalkFn, 16, 0));
  R(nftw(C(c.P("d/a.txt")), WalkFn, 16, 0));
  LogWalk("nftw file");
  R(ftw(C(c.P("d")), FtwFn, 16));
  LogWalk("ftw");
  R(nftw64(C(c.P("d/sub")),
           reinterpret_cast<int (*)(const char*, const struct stat64*, int, struct FTW*)>(WalkFn),
           16, FTW_PHYS));
  LogWalk("nftw64");
  R(chdir(C(c.P())));
  R(nftw("d/sub", WalkFn, 16, FTW_PHYS));
  LogWalk("nftw relative");
  R(chdir("/"));
}

SCENARIO(Stdio) {
  FILE* f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("s")), "w"))));
  R(fprintf(f, "line %d\n", 1));
  R(fputs("line 2\n", f));
  R(fwrite("line 3\nrest", 1, 11, f));
  R(fputc('!', f));
  R(ftell(f));
  R(fflush(f));
  struct stat st;
  R(fstat(fileno(f), &st));
  c.Stat("fstat(fileno)", 0, st);
  R(fileno(f) > 2);
  R(fclose(f));
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("s")), "r"))));
  char buf[100];
  if (fgets(buf, sizeof(buf), f)) c.Str("fgets", buf);
  char* line = nullptr;
  size_t cap = 0;
  long n = R(getline(&line, &cap, f));
  c.Data("getline", line, n);
  free(line);
  n = R(fread(buf, 1, 4, f));
  c.Data("fread", buf, n);
  R(ftell(f));
  R(fseek(f, 2, SEEK_SET));
  R(fgetc(f));
  R(ungetc('X', f));
  R(fgetc(f));
  R(fseek(f, -3, SEEK_END));
  n = R(fread(buf, 1, 100, f));
  c.Data("tail", buf, n);
  R(feof(f));
  R(ferror(f));
  rewind(f);
  R(ftell(f));
  int a = 0;
  R(fscanf(f, "line %d", &a));
  c.Log("scanned %d", a);
  fpos_t p;
  R(fgetpos(f, &p));
  R(fgetc(f));
  R(fsetpos(f, &p));
  R(fgetc(f));
  R(fseeko(f, 0, SEEK_END));
  R(ftello(f));
  R(fclose(f));
  // Append, read-write, exclusive, errors.
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("s")), "a"))));
  R(fputs("appended\n", f));
  R(fclose(f));
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen64(C(c.P("s")), "r+"))));
  R(fseek(f, 5, SEEK_SET));
  R(fputs("ONE", f));
  R(fseek(f, 0, SEEK_SET));
  n = R(fread(buf, 1, 12, f));
  c.Data("r+", buf, n);
  R(fclose(f));
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("w+")), "w+"))));
  R(fputs("written then read", f));
  R(fseek(f, 8, SEEK_SET));
  n = R(fread(buf, 1, 100, f));
  c.Data("w+", buf, n);
  R(fclose(f));
  RP(fopen(C(c.P("s")), "wx"));
  RP(fopen(C(c.P("missing")), "r"));
  RP(fopen(C(c.P("nodir/x")), "w"));
  R(mkdir(C(c.P("d")), 0755));
  RP(fopen(C(c.P("d")), "w"));
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("d")), "r"))));
  if (f) {
    n = R(fread(buf, 1, 10, f));
    R(ferror(f));
    R(fclose(f));
  }
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("e")), "we"))));
  R(fcntl(fileno(f), F_GETFD));
  R(fclose(f));
  // fdopen over a served descriptor.
  int fd = R(open(C(c.P("s")), O_RDONLY));
  RP(fdopen(fd, "w"));
  f = static_cast<FILE*>(const_cast<void*>(RP(fdopen(fd, "r"))));
  R(fileno(f) == fd);
  if (fgets(buf, sizeof(buf), f)) c.Str("fdopen fgets", buf);
  R(fclose(f));
  R(fcntl(fd, F_GETFD));
  // freopen onto another served file, and stdout redirected to one.
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("s")), "r"))));
  f = static_cast<FILE*>(const_cast<void*>(RP(freopen(C(c.P("w+")), "r", f))));
  if (f) {
    n = R(fread(buf, 1, 7, f));
    c.Data("freopen", buf, n);
    R(fclose(f));
  }
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("s")), "r"))));
  RP(freopen(C(c.P("missing")), "r", f));
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.Scratch("real")), "w"))));
  f = static_cast<FILE*>(const_cast<void*>(RP(freopen(C(c.P("fromreal")), "w", f))));
  if (f) {
    R(fputs("via freopen\n", f));
    R(fclose(f));
  }
  fflush(stdout);
  int saved = R(dup(1));
  fd = R(open(C(c.P("stdout")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(dup2(fd, 1));
  R(close(fd));
  R(printf("to stdout %d\n", 42));
  R(fflush(stdout));
  R(dup2(saved, 1));
  R(close(saved));
  f = static_cast<FILE*>(const_cast<void*>(RP(fopen(C(c.P("s")), "r"))));
  setvbuf(f, nullptr, _IONBF, 0);
  n = R(fread(buf, 1, 6, f));
  c.Data("unbuffered", buf, n);
  R(fclose(f));
  std::string s = Slurp(c.P("stdout"));
  c.Data("stdout file", s.data(), static_cast<long>(s.size()));
  s = Slurp(c.P("s"));
  c.Data("s", s.data(), static_cast<long>(s.size()));
}

SCENARIO(Mmap) {
  std::string data;
  for (int i = 0; i < 3000; ++i) data += "line " + std::to_string(i) + "\n";
  Spit(c.P("m"), data);
  int fd = R(open(C(c.P("m")), O_RDONLY));
  void* p = mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
  R(p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    c.Log("shared read-only map equal: %d", memcmp(p, data.data(), data.size()) == 0);
    R(munmap(p, data.size()));
  }
  p = mmap(nullptr, 100, PROT_READ, MAP_PRIVATE, fd, 4096);
  R(p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    c.Data("at 4096", p, 100);
    R(munmap(p, 100));
  }
  R(close(fd));
  fd = R(open(C(c.P("m")), O_RDWR));
  char* w = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  R(w == MAP_FAILED ? -1 : 0);
  if (w != MAP_FAILED) {
    memcpy(w, "PRIVATE", 7);
    c.Data("private copy", w, 10);
    R(munmap(w, 4096));
  }
  char buf[10];
  long n = R(pread(fd, buf, 10, 0));
  c.Data("file unchanged", buf, n);
  R(close(fd));
  fd = R(open(C(c.P("m")), O_WRONLY));
  R(mmap(nullptr, 10, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
  R(close(fd));
  fd = R(open(C(c.P("m")), O_RDONLY));
  R(mmap(nullptr, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
  void* p64 = mmap64(nullptr, 10, PROT_READ, MAP_PRIVATE, fd, 0);
  R(p64 == MAP_FAILED ? -1 : 0);
  if (p64 != MAP_FAILED) munmap(p64, 10);
  // The descriptor still reads after being mapped.
  R(lseek(fd, 5, SEEK_SET));
  n = R(read(fd, buf, 5));
  c.Data("read after map", buf, n);
  R(close(fd));
  // A file being written, mapped, then written more.
  fd = R(open(C(c.P("w")), O_CREAT | O_RDWR | O_TRUNC, 0644));
  R(write(fd, "0123456789", 10));
  p = mmap(nullptr, 10, PROT_READ, MAP_SHARED, fd, 0);
  R(p == MAP_FAILED ? -1 : 0);
  if (p != MAP_FAILED) {
    c.Data("map of written", p, 10);
    R(pwrite(fd, "AB", 2, 0));
    c.Data("map sees later write", p, 10);
    R(munmap(p, 10));
  }
  R(write(fd, "tail", 4));
  R(close(fd));
  std::string s = Slurp(c.P("w"));
  c.Data("w", s.data(), static_cast<long>(s.size()));
}

SCENARIO(TempFiles) {
  R(mkdir(C(c.P("d")), 0755));
  std::string t = c.P("d/tmpXXXXXX");
  int fd = R(mkstemp(t.data()));
  c.Log("name kept prefix %d, replaced %d", t.rfind(c.P("d/tmp"), 0) == 0,
        t.find("XXXXXX") == std::string::npos);
  StatOf("mkstemp file", t);
  R(write(fd, "temp", 4));
  R(fcntl(fd, F_GETFD));
  R(close(fd));
  R(rename(C(t), C(c.P("d/t1"))));
  t = c.P("d/oXXXXXX");
  fd = R(mkostemp(t.data(), O_CLOEXEC));
  R(fcntl(fd, F_GETFD));
  R(close(fd));
  R(rename(C(t), C(c.P("d/t2"))));
  t = c.P("d/sXXXXXX.txt");
  fd = R(mkstemps(t.data(), 4));
  c.Log("suffix kept %d", t.size() > 4 && t.substr(t.size() - 4) == ".txt");
  R(close(fd));
  R(rename(C(t), C(c.P("d/t3"))));
  t = c.P("d/osXXXXXX.x");
  fd = R(mkostemps(t.data(), 2, O_APPEND));
  R(fcntl(fd, F_GETFL) & O_APPEND);
  R(close(fd));
  R(rename(C(t), C(c.P("d/t4"))));
  t = c.P("d/64XXXXXX");
  fd = R(mkstemp64(t.data()));
  R(close(fd));
  R(rename(C(t), C(c.P("d/t5"))));
  t = c.P("d/dirXXXXXX");
  if (RP(mkdtemp(t.data()))) {
    StatOf("mkdtemp dir", t);
    R(rename(C(t), C(c.P("d/t6"))));
  }
  t = c.P("d/bad");
  R(mkstemp(t.data()));
  t = c.P("missing/XXXXXX");
  R(mkstemp(t.data()));
  RP(mkdtemp(t.data()));
  R(chdir(C(c.P("d"))));
  char rel[] = "relXXXXXX";
  fd = R(mkstemp(rel));
  R(close(fd));
  R(rename(rel, "t7"));
  R(chdir("/"));
}

// A forked child reads through descriptors its parent opened (positioned
// reads: the file offset itself is not shared after the fork, see
// docs/SEMANTICS.md).
SCENARIO(Fork) {
  std::string data(300000, 'x');
  for (size_t i = 0; i < data.size(); i += 1000) data[i] = static_cast<char>('a' + (i / 1000) % 26);
  Spit(c.P("f"), data);
  Spit(c.P("g"), "second file");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  int g2 = R(open(C(c.P("g")), O_RDONLY));
  char b[8];
  R(read(fd, b, 3));
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    std::string back(data.size(), '\0');
    ssize_t n = pread(fd, back.data(), back.size(), 0);
    char s[32] = {};
    ssize_t m = read(g2, s, sizeof(s));
    int fresh = open(C(c.P("g")), O_RDONLY);
    char t[32] = {};
    ssize_t k = fresh >= 0 ? read(fresh, t, sizeof(t)) : -1;
    int ok = n == static_cast<ssize_t>(data.size()) && back == data;
    ok |= (m == 11 && memcmp(s, "second file", 11) == 0) << 1;
    ok |= (k == 11 && memcmp(t, "second file", 11) == 0) << 2;
    ok |= (close(fd) == 0) << 3;
    // A file the child writes is committed by the child.
    int w = open(C(c.P("child")), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ok |= (w >= 0 && write(w, "from child", 10) == 10 && close(w) == 0) << 4;
    _exit(ok);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  c.Log("child result %d (31 = all ok)", WEXITSTATUS(status));
  long n = R(pread(fd, b, 3, 1000));
  c.Data("parent pread", b, n);
  R(close(fd));
  R(close(g2));
  std::string s = Slurp(c.P("child"));
  c.Data("child's file", s.data(), static_cast<long>(s.size()));
}

// Served descriptors inherited across exec, with and without the shim
// loaded in the new program.
SCENARIO(Exec) {
  Spit(c.P("f"), "exec data\n");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  R(dup2(fd, 7));
  R(close(fd));
  RunShell("cat <&7", "cat <&7", environ);
  std::vector<std::string> keep;
  std::vector<char*> bare;
  for (char** e = environ; *e; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) != 0) bare.push_back(*e);
  }
  bare.push_back(nullptr);
  R(lseek(7, 0, SEEK_SET));
  RunShell("cat <&7 without the shim", "cat <&7", bare.data());
  R(lseek(7, 5, SEEK_SET));
  RunShell("offset is shared", "cat <&7", bare.data());
  R(fcntl(7, F_SETFD, FD_CLOEXEC));
  RunShell("close-on-exec", "cat <&7", environ);
  R(close(7));
  // The new program writes to an inherited descriptor.
  fd = R(open(C(c.P("out")), O_CREAT | O_WRONLY | O_TRUNC, 0644));
  R(dup2(fd, 8));
  R(close(fd));
  RunShell("echo >&8", "echo from child >&8", environ);
  R(close(8));
  std::string s = Slurp(c.P("out"));
  c.Data("out", s.data(), static_cast<long>(s.size()));
  // A served working directory is inherited.
  R(mkdir(C(c.P("wd")), 0755));
  Spit(c.P("wd/here"), "here\n");
  R(chdir(C(c.P("wd"))));
  RunShell("cwd", "cat here && ls", environ);
  R(chdir("/"));
  // execve of a served path is not possible: the kernel cannot see it.
}

SCENARIO(Spawn) {
  Spit(c.P("f"), "spawned\n");
  int fd = R(open(C(c.P("f")), O_RDONLY));
  R(dup2(fd, 9));
  R(close(fd));
  int p[2];
  R(pipe(p));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                  const_cast<char*>("cat <&9; echo done"), nullptr};
  pid_t pid = -1;
  RE(posix_spawn(&pid, "/bin/sh", &fa, nullptr, argv, environ));
  close(p[1]);
  char buf[100];
  std::string out;
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  int status;
  waitpid(pid, &status, 0);
  c.Data("posix_spawn output", out.data(), static_cast<long>(out.size()));
  R(close(p[0]));
  char* argv2[] = {const_cast<char*>("true"), nullptr};
  RE(posix_spawnp(&pid, "true", nullptr, nullptr, argv2, environ));
  waitpid(pid, &status, 0);
  c.Log("posix_spawnp true: exit %d", WEXITSTATUS(status));
  posix_spawn_file_actions_destroy(&fa);
  R(close(9));
}

}  // namespace alluxio::preload_test
