// The page cache: its bound, crash safety, corruption detection, sharing
// between processes, version keying and readahead, through FileSystem over a
// local UFS (as users get it) and directly on the stores.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "alluxio/file_system.h"
#include "alluxio/ufs.h"
#include "page_store.h"
#include "testing/temp_dir.h"

namespace alluxio {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Compares without dumping megabytes of binary on failure.
::testing::AssertionResult SameBytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure()
         << "got " << got.size() << " bytes, want " << want.size() << ", first difference at " << i
         << ": " << got.substr(0, std::min<size_t>(got.size(), 80));
}

// Bytes of page files under `dir`. Readahead workers may be creating and
// removing fetch lock files meanwhile: those are skipped, as is anything that
// vanishes while the walk runs.
uint64_t BytesUnder(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const auto& p = it->path();
    if (p.filename() == "meta" || p.extension() == ".lock") continue;
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec) || size_ec) continue;
    uint64_t n = fs::file_size(p, size_ec);
    if (!size_ec) total += n;
  }
  return total;
}

class PageCacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<FileSystem> Client(const std::string& cache_size = "8MB",
                                     const std::string& page_size = "64KB") {
    auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp_.path() + "/work"},
                                        {"alluxio.master.mount.table.root.ufs", ufs_},
                                        {"alluxio.user.client.cache.dirs", cache_},
                                        {"alluxio.user.client.cache.size", cache_size},
                                        {"alluxio.user.client.cache.page.size", page_size},
                                        {"alluxio.user.client.cache.memory.size", "256KB"},
                                        {"alluxio.user.streaming.reader.chunk.size.bytes", "64KB"},
                                        {"alluxio.user.file.readahead.max", "512KB"}});
    EXPECT_TRUE(conf.ok()) << conf.status().ToString();
    auto fs = FileSystem::Create(*conf);
    EXPECT_TRUE(fs.ok()) << fs.status().ToString();
    return *fs;
  }
  void PutLocal(const std::string& name, const std::string& data) {
    std::ofstream(ufs_ + "/" + name, std::ios::binary) << data;
  }
  static std::string ReadAll(FileSystem& fs, const std::string& path, size_t chunk = 10000) {
    auto h = fs.OpenFile(path, OpenOptions::FromFlags(O_RDONLY, 0));
    if (!h.ok()) return "<" + h.status().ToString() + ">";
    std::string out;
    std::string buf(chunk, '\0');
    while (true) {
      auto n = (*h)->Read(out.size(), buf.data(), buf.size());
      if (!n.ok()) return "<" + n.status().ToString() + ">";
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  TempDir tmp_;
  std::string ufs_ = tmp_.Sub("ufs");
  std::string cache_ = tmp_.path() + "/cache";
};

TEST_F(PageCacheTest, SecondReadComesFromTheCache) {
  auto fs = Client();
  std::string data = Pattern(300000, 1);
  PutLocal("f", data);
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/f"), data));
  auto first = *fs->GetCacheStats();
  EXPECT_GE(first.misses, 5u);  // 300000 bytes in 64 KiB pages
  // Read again: every page is a hit.
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/f"), data));
  auto second = *fs->GetCacheStats();
  EXPECT_EQ(second.misses, first.misses);
  EXPECT_GT(second.hits, first.hits);
}

TEST_F(PageCacheTest, NeverExceedsItsSize) {
  auto fs = Client("1MB");
  for (int i = 0; i < 12; ++i) {
    std::string name = "f" + std::to_string(i);
    std::string data = Pattern(200000, static_cast<uint32_t>(i));
    PutLocal(name, data);
    ASSERT_TRUE(SameBytes(ReadAll(*fs, "/" + name), data));
    auto stats = *fs->GetCacheStats();
    EXPECT_LE(stats.used, 1u << 20);
    EXPECT_LE(BytesUnder(cache_), 1u << 20);
  }
  EXPECT_GT(fs->GetCacheStats()->evictions, 0u);
}

TEST_F(PageCacheTest, ChangedFileIsNeverServedFromOldPages) {
  auto fs = Client();
  PutLocal("f", Pattern(100000, 1));
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/f"), Pattern(100000, 1)));
  // Rewritten through the client: the new version has new pages.
  auto h = fs->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_TRUNC, 0644));
  ASSERT_TRUE(h.ok());
  std::string v2 = Pattern(100000, 2);
  ASSERT_TRUE((*h)->Write(0, v2.data(), v2.size()).ok());
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/f"), v2));
  // Rewritten behind the client's back, same size: the metadata cache still
  // has the old version, but the reader notices and serves the new bytes.
  std::string v3 = Pattern(100000, 3);
  const std::string local = ufs_ + "/f";
  struct stat before;
  ASSERT_EQ(::stat(local.c_str(), &before), 0);
  PutLocal("f", v3);
  // A new version by its modification time: a second past the old one,
  // whatever the clock's granularity and however fast the rewrite.
  const struct timespec times[2] = {{0, UTIME_OMIT},
                                    {before.st_mtim.tv_sec + 1, before.st_mtim.tv_nsec}};
  ASSERT_EQ(::utimensat(AT_FDCWD, local.c_str(), times, 0), 0);
  (void)fs->Free("/f", false);
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/f"), v3));
}

TEST_F(PageCacheTest, CorruptedPageIsDetectedAndRefetched) {
  auto fs = Client();
  std::string data = Pattern(200000, 7);
  PutLocal("f", data);
  ASSERT_TRUE(SameBytes(ReadAll(*fs, "/f"), data));
  // Flip a byte in every cached page file.
  int corrupted = 0;
  for (auto& e : fs::recursive_directory_iterator(cache_ + "/pages")) {
    if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a' ^ static_cast<char>(f.peek()));
    ++corrupted;
  }
  ASSERT_GT(corrupted, 0);
  auto fresh = Client();  // a new process maps (and checks) the pages
  EXPECT_TRUE(SameBytes(ReadAll(*fresh, "/f"), data));
  EXPECT_GE(fresh->GetCacheStats()->corrupt, 1u);
}

TEST_F(PageCacheTest, CorruptedLargePageIsDetectedWhereItIsRead) {
  // Pages above 64 KiB are mapped and checked chunk by chunk as they are read.
  auto fs = Client("16MB", "1MB");
  std::string data = Pattern(3 << 20, 8);
  PutLocal("f", data);
  ASSERT_TRUE(SameBytes(ReadAll(*fs, "/f", 1 << 20), data));
  for (auto& e : fs::recursive_directory_iterator(cache_ + "/pages")) {
    if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(700000);
    f.put('\x5a' ^ static_cast<char>(f.peek()));
  }
  auto fresh = Client("16MB", "1MB");
  EXPECT_TRUE(SameBytes(ReadAll(*fresh, "/f", 4096), data));
  EXPECT_GE(fresh->GetCacheStats()->corrupt, 3u);
}

TEST_F(PageCacheTest, HalfWrittenPagesAreNeverFound) {
  auto fs = Client();
  std::string data = Pattern(70000, 9);
  PutLocal("f", data);
  ASSERT_TRUE(SameBytes(ReadAll(*fs, "/f"), data));
  // A writer that died leaves a temporary page file behind and a truncated
  // page under its final name: neither may be served.
  for (auto& e : fs::recursive_directory_iterator(cache_ + "/pages")) {
    if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
    fs::resize_file(e.path(), e.file_size() / 2);
    std::ofstream(e.path().parent_path() / ".tmp.deadbeef") << "partial";
  }
  auto fresh = Client();
  EXPECT_TRUE(SameBytes(ReadAll(*fresh, "/f"), data));
}

TEST_F(PageCacheTest, SharedByTheProcessesOfANode) {
  std::string data = Pattern(500000, 11);
  PutLocal("f", data);
  pid_t pid = fork();
  if (pid == 0) {
    auto child = Client();
    _exit(ReadAll(*child, "/f") == data ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto fs = Client();
  auto before = *fs->GetCacheStats();
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/f"), data));
  auto after = *fs->GetCacheStats();
  EXPECT_EQ(after.misses, before.misses);  // every page came from the child's fetch
}

TEST_F(PageCacheTest, ConcurrentReadersShareFetches) {
  std::string data = Pattern(1 << 20, 13);
  PutLocal("big", data);
  auto fs = Client();
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      if (ReadAll(*fs, "/big", 65536) != data) ++bad;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(fs->GetCacheStats()->misses, 16u);  // 1 MiB / 64 KiB, each fetched once
}

TEST_F(PageCacheTest, ReadaheadIsCorrectForSequentialAndRandomReads) {
  std::string data = Pattern(3 << 20, 17);
  PutLocal("big", data);
  auto fs = Client("16MB");
  // Sequential in odd-sized chunks: readahead runs ahead of the reader.
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/big", 12345), data));
  ASSERT_TRUE(fs->Free("/big", false).ok());
  // Random reads see the right bytes too.
  auto h = fs->OpenFile("/big", OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  std::mt19937 rng(5);
  std::string buf(4096, '\0');
  for (int i = 0; i < 300; ++i) {
    uint64_t off = rng() % (data.size() - 4096);
    auto n = (*h)->Read(off, buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(*n, 4096u);
    ASSERT_TRUE(SameBytes(buf, data.substr(off, 4096))) << off;
  }
}

TEST_F(PageCacheTest, FreeDropsPages) {
  auto fs = Client();
  PutLocal("f", Pattern(200000, 19));
  // One read of the whole file: no readahead left running to refill the
  // cache after Free.
  ASSERT_EQ(ReadAll(*fs, "/f", 1 << 20).size(), 200000u);
  EXPECT_GT(fs->GetCacheStats()->used, 0u);
  ASSERT_TRUE(fs->Free("/", true).ok());
  EXPECT_EQ(fs->GetCacheStats()->used, 0u);
  EXPECT_EQ(BytesUnder(cache_ + "/pages"), 0u);
}

// A UFS that, like an object store, prefers streams for sequential reads:
// its readers stream by reading the underlying reader in order. Counts what
// the page cache asks of it; a stream can be made to fail after some bytes.
class StreamingUfs : public ForwardingUfs {
 public:
  using ForwardingUfs::ForwardingUfs;
  std::atomic<int> streams{0};
  std::atomic<int> cancels{0};
  std::atomic<int> read_ats{0};
  std::atomic<uint64_t> fail_after{~0ull};  // stream bytes before a failure

  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& p,
                                                const FileAttr* known) override {
    ASSIGN_OR_RETURN(auto inner, target_->OpenReader(p, known));
    return std::unique_ptr<UfsReader>(new Reader(this, std::move(inner)));
  }

 private:
  class Stream : public UfsStream {
   public:
    Stream(StreamingUfs* ufs, UfsReader* inner, uint64_t pos, uint64_t end)
        : ufs_(ufs), inner_(inner), pos_(pos), end_(end) {}
    Result<size_t> Read(char* buf, size_t n) override {
      if (cancelled_) return Status(Code::kAborted, "cancelled");
      if (sent_ >= ufs_->fail_after) return Status::IoError("injected stream failure");
      n = static_cast<size_t>(std::min<uint64_t>({n, end_ - pos_, 7000}));
      if (n == 0) return size_t{0};
      ASSIGN_OR_RETURN(size_t k, inner_->ReadAt(pos_, buf, n));
      pos_ += k;
      sent_ += k;
      return k;
    }
    void Cancel() override {
      cancelled_ = true;
      ++ufs_->cancels;
    }

   private:
    StreamingUfs* ufs_;
    UfsReader* inner_;
    uint64_t pos_, end_, sent_ = 0;
    std::atomic<bool> cancelled_{false};
  };

  class Reader : public UfsReader {
   public:
    Reader(StreamingUfs* ufs, std::unique_ptr<UfsReader> inner)
        : ufs_(ufs), inner_(std::move(inner)) {}
    Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
      ++ufs_->read_ats;
      return inner_->ReadAt(offset, buf, n);
    }
    uint64_t Size() const override { return inner_->Size(); }
    uint64_t Version() const override { return inner_->Version(); }
    bool PrefersStreams() const override { return true; }
    Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t offset, uint64_t length) override {
      ++ufs_->streams;
      return std::unique_ptr<UfsStream>(new Stream(ufs_, inner_.get(), offset, offset + length));
    }

   private:
    StreamingUfs* ufs_;
    std::unique_ptr<UfsReader> inner_;
  };
};

class PageCacheStreamTest : public PageCacheTest {
 protected:
  std::shared_ptr<FileSystem> StreamingClient() {
    auto local = CreateUfs(ufs_, {}, *Configuration::FromMap({}));
    EXPECT_TRUE(local.ok());
    ufs_streaming_ = std::make_shared<StreamingUfs>(*local);
    auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp_.path() + "/work"},
                                        {"alluxio.user.client.cache.dirs", cache_},
                                        {"alluxio.user.client.cache.size", "16MB"},
                                        {"alluxio.user.client.cache.page.size", "64KB"},
                                        {"alluxio.user.streaming.reader.chunk.size.bytes", "64KB"},
                                        {"alluxio.user.file.readahead.max", "512KB"}});
    EXPECT_TRUE(conf.ok());
    auto fs = FileSystem::CreateWithRoot(*conf, ufs_streaming_);
    EXPECT_TRUE(fs.ok()) << fs.status().ToString();
    return *fs;
  }
  std::shared_ptr<StreamingUfs> ufs_streaming_;
};

TEST_F(PageCacheStreamTest, SequentialReaderIsServedByOneStream) {
  std::string data = Pattern((3 << 20) + 777, 23);
  PutLocal("big", data);
  auto fs = StreamingClient();
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/big", 12345), data));
  EXPECT_EQ(ufs_streaming_->streams, 1);
  EXPECT_EQ(ufs_streaming_->read_ats, 0);
  // Cached now: reading it again opens no stream and reads nothing.
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/big", 1 << 20), data));
  EXPECT_EQ(ufs_streaming_->streams, 1);
  EXPECT_EQ(ufs_streaming_->read_ats, 0);
}

TEST_F(PageCacheStreamTest, SmallFilesAndRandomReadsOpenNoStream) {
  std::string small = Pattern(50000, 24);
  PutLocal("small", small);
  std::string data = Pattern(2 << 20, 25);
  PutLocal("big", data);
  auto fs = StreamingClient();
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/small", 1 << 20), small));
  auto h = fs->OpenFile("/big", OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  std::string buf(4096, '\0');
  for (uint64_t off : {1500000ull, 700000ull, 1900000ull, 100000ull}) {
    auto n = (*h)->Read(off, buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    EXPECT_TRUE(SameBytes(buf, data.substr(off, 4096))) << off;
  }
  EXPECT_EQ(ufs_streaming_->streams, 0);
}

TEST_F(PageCacheStreamTest, FarJumpEndsTheStreamAndReadsStayCorrect) {
  std::string data = Pattern(4 << 20, 26);
  PutLocal("big", data);
  auto fs = StreamingClient();
  auto h = fs->OpenFile("/big", OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  std::string buf(100000, '\0');
  uint64_t off = 0;
  for (int i = 0; i < 3; ++i, off += buf.size()) {
    auto n = (*h)->Read(off, buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(SameBytes(buf, data.substr(off, buf.size())));
  }
  EXPECT_EQ(ufs_streaming_->streams, 1);
  // Far beyond the stream: it ends; sequential reads from there start a new one.
  off = 3 << 20;
  for (int i = 0; i < 5; ++i, off += buf.size()) {
    auto n = (*h)->Read(off, buf.data(), std::min<size_t>(buf.size(), data.size() - off));
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(SameBytes(buf.substr(0, *n), data.substr(off, *n)));
  }
  EXPECT_GE(ufs_streaming_->cancels, 1);
  EXPECT_EQ(ufs_streaming_->streams, 2);
  // Closing mid-stream cancels it.
  h = Status::IoError("closed");
  EXPECT_GE(ufs_streaming_->cancels, 2);
}

TEST_F(PageCacheStreamTest, FailedStreamFallsBackToReads) {
  std::string data = Pattern(3 << 20, 27);
  PutLocal("big", data);
  auto fs = StreamingClient();
  ufs_streaming_->fail_after = 1 << 20;
  EXPECT_TRUE(SameBytes(ReadAll(*fs, "/big", 50000), data));
  EXPECT_EQ(ufs_streaming_->streams, 1);  // not retried for this reader
  EXPECT_GT(ufs_streaming_->read_ats, 0);
}

TEST(Crc32cTest, KnownValues) {
  // The CRC-32C check value, and the iSCSI test vector of 32 zero bytes.
  EXPECT_EQ(Crc32c("123456789", 9), 0xe3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8a9136aau);
}

}  // namespace
}  // namespace alluxio
