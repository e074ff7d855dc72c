// Page cache commands: fs load, fs free and cache stats.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "cli.h"

namespace alluxio::cli {
namespace {

// Files to work on: the named files, and the files below named directories
// (recursively when `recursive`).
Status CollectFiles(FileSystem& fs, const std::string& path, bool recursive,
                    std::vector<std::pair<std::string, uint64_t>>* out) {
  ASSIGN_OR_RETURN(FileAttr attr, fs.GetStatus(path));
  if (!attr.is_dir) {
    out->emplace_back(path, attr.size);
    return Status::OK();
  }
  return ForEachBelow(fs, path, recursive, [&](const std::string& p, const FileAttr& a) {
    if (!a.is_dir) out->emplace_back(p, a.size);
    return Status::OK();
  });
}

// Progress on stderr: redrawn in place on a terminal, a final line otherwise.
class Progress {
 public:
  Progress(size_t files, uint64_t bytes) : total_files_(files), total_bytes_(bytes) {
    tty_ = isatty(STDERR_FILENO);
  }
  void Add(uint64_t bytes, bool file_done) {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ += bytes;
    if (file_done) ++files_;
    auto now = std::chrono::steady_clock::now();
    if (tty_ && now - last_ > std::chrono::milliseconds(200)) {
      last_ = now;
      Draw('\r');
    }
  }
  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    Draw(tty_ ? '\r' : '\0');
    std::fputc('\n', stderr);
  }

 private:
  void Draw(char lead) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double rate = secs > 0 ? static_cast<double>(bytes_) / secs : 0;
    int width = 30;
    int filled = total_bytes_ ? static_cast<int>(width * bytes_ / total_bytes_) : width;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(static_cast<size_t>(width), '.');
    if (lead) std::fputc(lead, stderr);
    std::fprintf(stderr, "[%s] %zu/%zu files, %s/%s, %s/s", bar.c_str(), files_, total_files_,
                 HumanSize(bytes_).c_str(), HumanSize(total_bytes_).c_str(),
                 HumanSize(static_cast<uint64_t>(rate)).c_str());
    std::fflush(stderr);
  }

  std::mutex mu_;  // guards the counters and stderr
  const size_t total_files_;
  const uint64_t total_bytes_;
  size_t files_ = 0;
  uint64_t bytes_ = 0;
  bool tty_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_;
};

Status LoadFile(FileSystem& fs, const std::string& path, Progress* progress) {
  ASSIGN_OR_RETURN(auto h, fs.OpenFile(path, OpenOptions::FromFlags(0, 0)));
  std::vector<char> buf(8 << 20);
  uint64_t off = 0;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, h->Read(off, buf.data(), buf.size()));
    if (n == 0) break;
    off += n;
    progress->Add(n, false);
  }
  progress->Add(0, true);
  return h->Close();
}

int Load(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  std::vector<std::pair<std::string, uint64_t>> files;
  for (const std::string& arg : args.positional) {
    auto p = AlluxioPath(arg);
    if (!p.ok()) return Fail(arg, p.status());
    // Like Alluxio's load, directories are loaded with everything below
    // them; -R is accepted for symmetry with the other commands.
    Status st = CollectFiles(fs, *p, true, &files);
    if (!st.ok()) return Fail(*p, st);
  }
  uint64_t total = 0;
  for (auto& f : files) total += f.second;
  Progress progress(files.size(), total);
  // Several files at once: small files are latency-bound on object stores.
  std::atomic<size_t> next{0};
  std::mutex err_mu;
  std::string err_path;
  Status err;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < files.size(); i = next++) {
        Status st = LoadFile(fs, files[i].first, &progress);
        if (!st.ok()) {
          std::lock_guard<std::mutex> lock(err_mu);
          if (err.ok()) {
            err = st;
            err_path = files[i].first;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  progress.Finish();
  if (!err.ok()) return Fail(err_path, err);
  std::printf("Loaded %zu files (%s) into the cache\n", files.size(), HumanSize(total).c_str());
  return kExitOk;
}

int Free(Env& env, const Args& args) {
  CLI_FS_OR_EXIT(fs, env);
  for (const std::string& arg : args.positional) {
    auto p = AlluxioPath(arg);
    if (!p.ok()) return Fail(arg, p.status());
    Status st = fs.Free(*p, true);
    if (!st.ok()) return Fail(*p, st);
    std::printf("%s was successfully freed from the cache.\n", p->c_str());
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> CacheCommands() {
  return {
      {"load", "load [-R] <path>...",
       "Reads files, and everything below directories, into this node's page cache, with a "
       "progress bar (files, bytes, rate) on stderr.",
       "R", 1, -1, Load},
      {"free", "free <path>...",
       "Drops the cached pages of files, and of everything below directories. The data in "
       "the UFS stays.",
       "", 1, -1, Free},
  };
}

int CacheStatsCommand(Env& env, const Args& args) {
  if (args.positional[0] != "stats") {
    std::fprintf(stderr, "alluxio cache: unknown subcommand '%s' (try 'stats')\n",
                 args.positional[0].c_str());
    return kExitUsage;
  }
  CLI_FS_OR_EXIT(fs, env);
  auto stats = fs.GetCacheStats();
  if (!stats.ok()) return Fail("cache", stats.status());
  const CacheStats& s = *stats;
  uint64_t pages = s.hits + s.misses;
  std::printf("Cache capacity:  %s\n", HumanSize(s.capacity).c_str());
  std::printf(
      "Cache used:      %s (%.1f%%)\n", HumanSize(s.used).c_str(),
      s.capacity ? 100.0 * static_cast<double>(s.used) / static_cast<double>(s.capacity) : 0.0);
  std::printf("Page hits:       %llu (%s)\n", static_cast<unsigned long long>(s.hits),
              HumanSize(s.bytes_hit).c_str());
  std::printf("Page misses:     %llu (%s)\n", static_cast<unsigned long long>(s.misses),
              HumanSize(s.bytes_missed).c_str());
  std::printf("Hit ratio:       %.1f%%\n",
              pages ? 100.0 * static_cast<double>(s.hits) / static_cast<double>(pages) : 0.0);
  std::printf("Evictions:       %llu\n", static_cast<unsigned long long>(s.evictions));
  std::printf("Corrupt pages:   %llu\n", static_cast<unsigned long long>(s.corrupt));
  return kExitOk;
}

}  // namespace alluxio::cli
