// alluxio-bench: the workload driver of bench/run.sh.
//
// Plain libc calls in tight loops timed with clock_gettime, so the same
// binary measures a directory natively, under the LD_PRELOAD shim and on a
// FUSE mount without any interpreter overhead. Prints one JSON object per run
// on stdout; failures go to stderr with exit status 1.
//
//   alluxio-bench gen <dir> --files N [--file-size B] [--big-size B]
//   alluxio-bench stat <path> [--min-time S]
//   alluxio-bench statmany <dir> --files N [--passes P]
//   alluxio-bench smallread <dir> --files N [--passes P]
//   alluxio-bench seqread <file> [--block B] [--passes P]
//   alluxio-bench randread <file> [--block B] [--min-time S] [--prewarm]
//   alluxio-bench seqwrite <file> --size B [--block B]
//   alluxio-bench list <dir> [--passes P]
//
// Small files are <dir>/fNNNNN (NNNNN from 00000). Each pass is timed on its
// own; a first pass in a fresh process is "cold" for anything that caches in
// the process, later passes are "warm". --tag k=v adds a field to the output.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Options {
  std::string workload;
  std::string path;
  long files = 0;
  long passes = 1;
  size_t block = 1 << 20;
  bool block_set = false;
  uint64_t size = 0;
  uint64_t file_size = 128 << 10;
  uint64_t big_size = 0;
  double min_time = 0.5;
  bool prewarm = false;
  std::vector<std::pair<std::string, std::string>> tags;
};

struct Result {
  uint64_t ops_per_pass = 0;
  uint64_t bytes_per_pass = 0;
  std::vector<double> pass_seconds;
};

[[noreturn]] void Die(const char* what, const std::string& path) {
  fprintf(stderr, "alluxio-bench: %s %s: %s\n", what, path.c_str(), strerror(errno));
  exit(1);
}

[[noreturn]] void Usage(const char* msg) {
  fprintf(stderr,
          "alluxio-bench: %s\n"
          "usage: alluxio-bench gen|stat|statmany|smallread|seqread|randread|seqwrite|list "
          "<path> [--files N] [--passes P] [--block B] [--size B] [--file-size B] "
          "[--big-size B] [--min-time S] [--prewarm] [--tag k=v]...\n",
          msg);
  exit(2);
}

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string SmallName(const std::string& dir, long i) {
  char name[32];
  snprintf(name, sizeof(name), "/f%05ld", i);
  return dir + name;
}

std::vector<std::string> SmallNames(const Options& o) {
  if (o.files <= 0) Usage("--files N is required");
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(o.files));
  for (long i = 0; i < o.files; ++i) names.push_back(SmallName(o.path, i));
  return names;
}

// Deterministic, cheap filler so data is not all zeros.
void Fill(char* buf, size_t n, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    memcpy(buf + i, &x, 8);
  }
}

void WriteFile(const std::string& path, uint64_t size, size_t block, uint64_t seed) {
  std::vector<char> buf(block);
  Fill(buf.data(), buf.size(), seed);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Die("open", path);
  uint64_t done = 0;
  while (done < size) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(block, size - done));
    ssize_t w = write(fd, buf.data(), n);
    if (w < 0) Die("write", path);
    done += static_cast<uint64_t>(w);
  }
  if (close(fd) != 0) Die("close", path);
}

Result Gen(const Options& o) {
  Result r;
  double t0 = Now();
  if (mkdir(o.path.c_str(), 0755) != 0 && errno != EEXIST) Die("mkdir", o.path);
  if (o.files > 0) {
    std::string small = o.path + "/small";
    if (mkdir(small.c_str(), 0755) != 0 && errno != EEXIST) Die("mkdir", small);
    for (long i = 0; i < o.files; ++i) {
      WriteFile(SmallName(small, i), o.file_size, o.file_size, static_cast<uint64_t>(i));
    }
  }
  if (o.big_size > 0) WriteFile(o.path + "/big", o.big_size, 1 << 20, 42);
  r.ops_per_pass = static_cast<uint64_t>(o.files) + (o.big_size > 0 ? 1 : 0);
  r.bytes_per_pass = static_cast<uint64_t>(o.files) * o.file_size + o.big_size;
  r.pass_seconds.push_back(Now() - t0);
  return r;
}

// Repeats stat of one path in batches until min_time has passed.
Result StatHot(const Options& o) {
  struct stat st;
  if (stat(o.path.c_str(), &st) != 0) Die("stat", o.path);  // untimed first call
  Result r;
  uint64_t ops = 0;
  double t0 = Now(), t = t0;
  while (t - t0 < o.min_time) {
    for (int i = 0; i < 1000; ++i) {
      if (stat(o.path.c_str(), &st) != 0) Die("stat", o.path);
    }
    ops += 1000;
    t = Now();
  }
  r.ops_per_pass = ops;
  r.pass_seconds.push_back(t - t0);
  return r;
}

Result StatMany(const Options& o) {
  std::vector<std::string> names = SmallNames(o);
  Result r;
  r.ops_per_pass = names.size();
  struct stat st;
  for (long p = 0; p < o.passes; ++p) {
    double t0 = Now();
    for (const auto& n : names) {
      if (stat(n.c_str(), &st) != 0) Die("stat", n);
    }
    r.pass_seconds.push_back(Now() - t0);
  }
  return r;
}

// open + read until EOF + close of each file, as a program reading whole
// files does (the final read returns 0).
Result SmallRead(const Options& o) {
  std::vector<std::string> names = SmallNames(o);
  size_t block = o.block_set ? o.block : 128 << 10;
  std::vector<char> buf(block);
  Result r;
  r.ops_per_pass = names.size();
  for (long p = 0; p < o.passes; ++p) {
    uint64_t bytes = 0;
    double t0 = Now();
    for (const auto& n : names) {
      int fd = open(n.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) Die("open", n);
      for (;;) {
        ssize_t got = read(fd, buf.data(), buf.size());
        if (got < 0) Die("read", n);
        if (got == 0) break;
        bytes += static_cast<uint64_t>(got);
      }
      if (close(fd) != 0) Die("close", n);
    }
    r.pass_seconds.push_back(Now() - t0);
    r.bytes_per_pass = bytes;
  }
  return r;
}

uint64_t ReadWhole(const std::string& path, std::vector<char>& buf) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Die("open", path);
  uint64_t bytes = 0;
  for (;;) {
    ssize_t got = read(fd, buf.data(), buf.size());
    if (got < 0) Die("read", path);
    if (got == 0) break;
    bytes += static_cast<uint64_t>(got);
  }
  if (close(fd) != 0) Die("close", path);
  return bytes;
}

Result SeqRead(const Options& o) {
  std::vector<char> buf(o.block);
  Result r;
  for (long p = 0; p < o.passes; ++p) {
    double t0 = Now();
    uint64_t bytes = ReadWhole(o.path, buf);
    r.pass_seconds.push_back(Now() - t0);
    r.bytes_per_pass = bytes;
    r.ops_per_pass = (bytes + o.block - 1) / o.block;
  }
  return r;
}

// Aligned preads at pseudo-random offsets of one open file, in batches until
// min_time has passed.
Result RandRead(const Options& o) {
  size_t block = o.block_set ? o.block : 4096;
  std::vector<char> buf(std::max<size_t>(block, 1 << 20));
  if (o.prewarm) ReadWhole(o.path, buf);
  int fd = open(o.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Die("open", o.path);
  struct stat st;
  if (fstat(fd, &st) != 0) Die("fstat", o.path);
  uint64_t blocks = static_cast<uint64_t>(st.st_size) / block;
  if (blocks == 0) Usage("file smaller than one block");
  uint64_t x = 88172645463325252ull, ops = 0;
  Result r;
  double t0 = Now(), t = t0;
  while (t - t0 < o.min_time) {
    for (int i = 0; i < 256; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      off_t off = static_cast<off_t>((x % blocks) * block);
      ssize_t got = pread(fd, buf.data(), block, off);
      if (got != static_cast<ssize_t>(block)) Die("pread", o.path);
    }
    ops += 256;
    t = Now();
  }
  close(fd);
  r.ops_per_pass = ops;
  r.bytes_per_pass = ops * block;
  r.pass_seconds.push_back(t - t0);
  return r;
}

// Writes a new file sequentially; the time includes close (the commit).
Result SeqWrite(const Options& o) {
  if (o.size == 0) Usage("--size B is required");
  Result r;
  double t0 = Now();
  WriteFile(o.path, o.size, o.block, 7);
  r.pass_seconds.push_back(Now() - t0);
  r.ops_per_pass = (o.size + o.block - 1) / o.block;
  r.bytes_per_pass = o.size;
  if (unlink(o.path.c_str()) != 0) Die("unlink", o.path);
  return r;
}

// opendir + readdir to the end + closedir; ops are entries (without . and ..).
Result List(const Options& o) {
  Result r;
  for (long p = 0; p < o.passes; ++p) {
    uint64_t n = 0;
    double t0 = Now();
    DIR* d = opendir(o.path.c_str());
    if (d == nullptr) Die("opendir", o.path);
    errno = 0;
    while (dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) ++n;
    }
    if (errno != 0) Die("readdir", o.path);
    closedir(d);
    r.pass_seconds.push_back(Now() - t0);
    r.ops_per_pass = n;
  }
  return r;
}

// A field of /proc/self/status in kB (VmHWM: peak resident; RssAnon: the
// private, non-file part now), or -1.
long StatusKb(const char* field) {
  FILE* f = fopen("/proc/self/status", "re");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  size_t n = strlen(field);
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') kb = strtol(line + n + 1, nullptr, 10);
  }
  fclose(f);
  return kb;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      snprintf(esc, sizeof(esc), "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

uint64_t ParseBytes(const char* s) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s) Usage("bad byte count");
  std::string unit(end);
  if (unit.empty() || unit == "B") return v;
  if (unit == "K" || unit == "KiB") return v << 10;
  if (unit == "M" || unit == "MiB") return v << 20;
  if (unit == "G" || unit == "GiB") return v << 30;
  Usage("bad byte unit (B, K, M, G)");
}

Options Parse(int argc, char** argv) {
  if (argc < 3) Usage("missing workload or path");
  Options o;
  o.workload = argv[1];
  o.path = argv[2];
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage("missing value of an option");
      return argv[++i];
    };
    if (a == "--files") {
      o.files = strtol(value(), nullptr, 10);
    } else if (a == "--passes") {
      o.passes = strtol(value(), nullptr, 10);
    } else if (a == "--block") {
      o.block = static_cast<size_t>(ParseBytes(value()));
      o.block_set = true;
    } else if (a == "--size") {
      o.size = ParseBytes(value());
    } else if (a == "--file-size") {
      o.file_size = ParseBytes(value());
    } else if (a == "--big-size") {
      o.big_size = ParseBytes(value());
    } else if (a == "--min-time") {
      o.min_time = strtod(value(), nullptr);
    } else if (a == "--prewarm") {
      o.prewarm = true;
    } else if (a == "--tag") {
      std::string kv = value();
      size_t eq = kv.find('=');
      if (eq == std::string::npos) Usage("--tag wants key=value");
      o.tags.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else {
      Usage(("unknown option " + a).c_str());
    }
  }
  if (o.passes < 1 || o.block == 0) Usage("--passes and --block must be positive");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  Result r;
  if (o.workload == "gen") {
    r = Gen(o);
  } else if (o.workload == "stat") {
    r = StatHot(o);
  } else if (o.workload == "statmany") {
    r = StatMany(o);
  } else if (o.workload == "smallread") {
    r = SmallRead(o);
  } else if (o.workload == "seqread") {
    r = SeqRead(o);
  } else if (o.workload == "randread") {
    r = RandRead(o);
  } else if (o.workload == "seqwrite") {
    r = SeqWrite(o);
  } else if (o.workload == "list") {
    r = List(o);
  } else {
    Usage(("unknown workload " + o.workload).c_str());
  }
  std::string out = "{\"workload\":" + JsonString(o.workload) + ",\"path\":" + JsonString(o.path);
  for (const auto& [k, v] : o.tags) out += "," + JsonString(k) + ":" + JsonString(v);
  out += ",\"ops_per_pass\":" + std::to_string(r.ops_per_pass);
  out += ",\"bytes_per_pass\":" + std::to_string(r.bytes_per_pass);
  out += ",\"pass_seconds\":[";
  for (size_t i = 0; i < r.pass_seconds.size(); ++i) {
    char num[32];
    snprintf(num, sizeof(num), "%s%.9f", i ? "," : "", r.pass_seconds[i]);
    out += num;
  }
  out += "],\"rss_hwm_kb\":" + std::to_string(StatusKb("VmHWM"));
  out += ",\"rss_anon_kb\":" + std::to_string(StatusKb("RssAnon")) + "}\n";
  fputs(out.c_str(), stdout);
  return 0;
}
