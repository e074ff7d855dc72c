// integration_posix_probe: a fixed sequence of POSIX calls under a root
// directory, each printed with its result and errno (and the data it read),
// followed by the resulting tree. The tests run it natively on a local
// directory and on the path under test (a FUSE mount, or a prefix served by
// the LD_PRELOAD shim) and compare the transcripts; the root itself is
// printed as ROOT so that they can be.
//
// usage: integration_posix_probe calls <root>   the calls, then the tree
//        integration_posix_probe tree <root>    the tree only
// The calls avoid what legitimately differs between a local file system and
// Alluxio (directory sizes and link counts, times, inode numbers).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "testing/bytes.h"

namespace {

std::string g_root;

std::string P(const std::string& rel) { return rel.empty() ? g_root : g_root + "/" + rel; }

// FNV-1a, enough to tell contents apart in a transcript.
std::string Hash(const std::string& data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  char buf[32];
  snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string Printable(const std::string& data) {
  if (data.size() > 48) return std::to_string(data.size()) + " bytes #" + Hash(data);
  std::string out;
  for (unsigned char c : data) {
    if (c >= 32 && c < 127 && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

void Line(const std::string& label, long rc, const std::string& data = "") {
  int err = errno;
  printf("%s = %ld", label.c_str(), rc);
  if (rc < 0) printf(" %s", strerrorname_np(err) ? strerrorname_np(err) : "?");
  if (!data.empty()) printf(" [%s]", Printable(data).c_str());
  printf("\n");
}

// rc < 0 means failure with errno; fds are printed as 0.
long R(const std::string& label, long rc) {
  Line(label, rc < 0 ? -1 : rc);
  return rc;
}
int Fd(const std::string& label, int fd) {
  int err = errno;
  Line(label, fd < 0 ? -1 : 0);
  errno = err;
  return fd;
}

std::string StatDesc(const struct stat& st) {
  std::string s = S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other";
  char buf[64];
  snprintf(buf, sizeof(buf), " mode=%04o", st.st_mode & 07777);
  s += buf;
  if (S_ISREG(st.st_mode)) {
    s += " size=" + std::to_string(st.st_size) + " nlink=" + std::to_string(st.st_nlink);
  }
  return s;
}

void Stat(const std::string& rel) {
  struct stat st;
  int rc = ::stat(P(rel).c_str(), &st);
  Line("stat " + rel, rc, rc == 0 ? StatDesc(st) : "");
}

void Write(const std::string& rel, const std::string& data, int flags) {
  int fd =
      Fd("open " + rel + " flags=" + std::to_string(flags), ::open(P(rel).c_str(), flags, 0644));
  if (fd < 0) return;
  size_t off = 0;
  long total = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, std::min<size_t>(data.size() - off, 100000));
    if (n < 0) {
      R("write " + rel, -1);
      break;
    }
    off += static_cast<size_t>(n);
    total += n;
  }
  printf("wrote %s = %ld\n", rel.c_str(), total);
  R("close " + rel, ::close(fd));
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void Read(const std::string& rel) {
  int fd = ::open(P(rel).c_str(), O_RDONLY);
  if (fd < 0) {
    Line("read " + rel, -1);
    return;
  }
  std::string data = ReadAll(fd);
  ::close(fd);
  Line("read " + rel, static_cast<long>(data.size()), data);
}

void List(const std::string& rel) {
  DIR* d = ::opendir(P(rel).c_str());
  if (d == nullptr) {
    Line("ls " + rel, -1);
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    names.push_back(n + (e->d_type == DT_DIR ? "/" : e->d_type == DT_REG ? "" : "?"));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::string joined;
  for (auto& n : names) joined += n + " ";
  Line("ls " + rel, static_cast<long>(names.size()), joined);
}

void Tree(const std::string& rel) {
  DIR* d = ::opendir(P(rel).c_str());
  if (d == nullptr) {
    Line("tree " + rel, -1);
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& n : names) {
    std::string child = rel.empty() ? n : rel + "/" + n;
    struct stat st;
    if (::stat(P(child).c_str(), &st) != 0) {
      Line("tree stat " + child, -1);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      printf("tree %s: %s\n", child.c_str(), StatDesc(st).c_str());
      Tree(child);
    } else {
      int fd = ::open(P(child).c_str(), O_RDONLY);
      std::string data = fd < 0 ? "" : ReadAll(fd);
      if (fd >= 0) ::close(fd);
      printf("tree %s: %s #%s\n", child.c_str(), StatDesc(st).c_str(), Hash(data).c_str());
    }
  }
}

std::string Pattern(size_t n, unsigned seed) {
  return ::alluxio::testing::PseudoRandomBytes(n, seed);
}

void Calls() {
  const int kNew = O_WRONLY | O_CREAT | O_TRUNC;
  ::umask(022);
  R("mkdir d", ::mkdir(P("d").c_str(), 0755));
  R("mkdir d again", ::mkdir(P("d").c_str(), 0755));
  R("mkdir missing/x", ::mkdir(P("missing/x").c_str(), 0755));
  Write("d/small", "hello, world\n", kNew);
  Write("d/big", Pattern(1500000, 1), kNew);
  Stat("d/small");
  Stat("d/big");
  Stat("d");
  Read("d/small");
  Read("d/big");

  // Reads at offsets, seeks.
  int fd = Fd("open d/big ro", ::open(P("d/big").c_str(), O_RDONLY));
  if (fd >= 0) {
    char buf[1000];
    ssize_t n = ::pread(fd, buf, sizeof(buf), 1234567);
    Line("pread d/big @1234567", n, n > 0 ? std::string(buf, static_cast<size_t>(n)) : "");
    n = ::pread(fd, buf, sizeof(buf), 1499500);
    Line("pread d/big @1499500", n, n > 0 ? std::string(buf, static_cast<size_t>(n)) : "");
    n = ::pread(fd, buf, sizeof(buf), 2000000);
    Line("pread d/big past end", n);
    R("lseek end", ::lseek(fd, 0, SEEK_END));
    R("lseek 10", ::lseek(fd, 10, SEEK_SET));
    n = ::read(fd, buf, 20);
    Line("read 20 at 10", n, n > 0 ? std::string(buf, static_cast<size_t>(n)) : "");
    R("write on read-only fd", ::write(fd, "x", 1));
    R("close d/big", ::close(fd));
  }

  // Errors.
  Fd("open missing", ::open(P("nope").c_str(), O_RDONLY));
  Fd("open under a file", ::open(P("d/small/x").c_str(), O_WRONLY | O_CREAT, 0644));
  Fd("open dir for writing", ::open(P("d").c_str(), O_WRONLY));
  Fd("open excl existing", ::open(P("d/small").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644));
  R("unlink dir", ::unlink(P("d").c_str()));
  R("rmdir file", ::rmdir(P("d/small").c_str()));
  R("unlink missing", ::unlink(P("d/nope").c_str()));
  R("rmdir non-empty", ::rmdir(P("d").c_str()));
  R("access small R_OK", ::access(P("d/small").c_str(), R_OK));
  R("access missing", ::access(P("d/nope").c_str(), F_OK));
  Line("opendir missing", ::opendir(P("nope").c_str()) == nullptr ? -1 : 0);
  R("stat of a path under a file", [&] {
    struct stat st;
    return ::stat(P("d/small/x").c_str(), &st);
  }());

  // Directories, odd names, listings.
  R("mkdir d/sub", ::mkdir(P("d/sub").c_str(), 0700));
  Write("d/sub/g", "g", kNew);
  Write("d/name with space ü?.txt", "odd", kNew);
  List("");
  List("d");
  List("d/sub");
  Stat("d/sub");
  Stat("d/name with space ü?.txt");

  // Renames.
  R("rename small -> renamed", ::rename(P("d/small").c_str(), P("d/renamed").c_str()));
  Stat("d/small");
  Read("d/renamed");
  Write("d/other", "other content", kNew);
  R("rename over a file", ::rename(P("d/other").c_str(), P("d/renamed").c_str()));
  Read("d/renamed");
  R("rename file over dir", ::rename(P("d/renamed").c_str(), P("d/sub").c_str()));
  R("rename dir into itself", ::rename(P("d").c_str(), P("d/sub/deeper").c_str()));
  R("rename dir", ::rename(P("d/sub").c_str(), P("e").c_str()));
  List("");
  List("e");
  R("rmdir non-empty e", ::rmdir(P("e").c_str()));
  R("unlink e/g", ::unlink(P("e/g").c_str()));
  R("rmdir e", ::rmdir(P("e").c_str()));
  R("rename missing", ::rename(P("nope").c_str(), P("nope2").c_str()));

  // Attributes.
  R("chmod renamed 0600", ::chmod(P("d/renamed").c_str(), 0600));
  Stat("d/renamed");
  R("chmod d 0750", ::chmod(P("d").c_str(), 0750));
  Stat("d");
  R("chmod missing", ::chmod(P("nope").c_str(), 0600));

  // Replace, truncate, append, overwrite in place (the random-access switch
  // is on wherever the probe runs).
  Write("d/renamed", "replaced", kNew);
  Read("d/renamed");
  R("truncate to 0", ::truncate(P("d/renamed").c_str(), 0));
  Stat("d/renamed");
  Write("d/log", "line 1\n", kNew);
  Write("d/log", "line 2\n", O_WRONLY | O_APPEND);
  Read("d/log");
  fd = Fd("open d/log rw", ::open(P("d/log").c_str(), O_RDWR));
  if (fd >= 0) {
    R("pwrite d/log @5", ::pwrite(fd, "X", 1, 5));
    R("ftruncate d/log 10", ::ftruncate(fd, 10));
    R("close d/log", ::close(fd));
  }
  Read("d/log");

  // stdio.
  FILE* f = fopen(P("d/stdio.txt").c_str(), "w");
  Line("fopen w", f == nullptr ? -1 : 0);
  if (f != nullptr) {
    fprintf(f, "number %d\nsecond line\n", 42);
    Line("fclose", fclose(f));
  }
  f = fopen(P("d/stdio.txt").c_str(), "r");
  Line("fopen r", f == nullptr ? -1 : 0);
  if (f != nullptr) {
    char buf[100] = {0};
    std::string got;
    while (fgets(buf, sizeof(buf), f) != nullptr) got += buf;
    Line("fgets", static_cast<long>(got.size()), got);
    Line("fclose", fclose(f));
  }
  R("unlink d/stdio.txt", ::unlink(P("d/stdio.txt").c_str()));
  R("unlink d/name with space", ::unlink(P("d/name with space ü?.txt").c_str()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s calls|tree <root>\n", argv[0]);
    return 2;
  }
  g_root = argv[2];
  setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  std::string mode = argv[1];
  if (mode == "calls") {
    Calls();
  } else if (mode != "tree") {
    fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  Tree("");
  return 0;
}
