// Threads sharing served descriptors: read, pread, lseek, fcntl
// (F_GETFL/F_SETFL/F_DUPFD), dup, fstat and close at once on one open file
// description, while a map switches it from in-process to a backing copy
// (Desc::mu, the FdTable and MakeBacked). Every read must see a whole,
// consecutive run of the file, and the shared offset must stay where the
// calls put it.
//
// Built twice from this file:
//   - preload_desc_race (tests/preload): a plain program run under the shim
//     with LD_PRELOAD, as programs are.
//   - shim_desc_race_unit (tests/CMakeLists.txt, label unit): the shim's
//     objects linked into the test program itself. A sanitizer runtime must
//     be the first library a program loads, which LD_PRELOAD of the shim
//     into an ordinary program defeats, so the preload tests are not built
//     in sanitizer builds; linked in, the same shim code (its interposed
//     read, lseek, dup...) runs in a program the sanitizer instruments from
//     the start, and ci/sanitize.sh thread runs it under ThreadSanitizer
//     with the other unit tests.
//
// Either way the program re-executes itself once with the environment that
// serves a temporary directory (the shim reads it in its constructor).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr uint32_t kWords = 1 << 18;  // a 1 MiB file of 32-bit words 0, 1, 2, ...
constexpr off_t kSize = off_t{kWords} * 4;
constexpr size_t kChunk = 4096;
constexpr int kThreads = 6;

std::string Root() { return getenv("ALLUXIO_DESC_RACE_ROOT"); }
std::string ServedPath() { return Root() + "/served/data"; }

// Whether `buf` holds n bytes of consecutive words (n a multiple of 4).
bool Consecutive(const char* buf, size_t n, std::string* why) {
  if (n % 4 != 0) {
    *why = "a read of " + std::to_string(n) + " bytes, not whole words";
    return false;
  }
  for (size_t i = 0; i < n / 4; ++i) {
    uint32_t w, first;
    memcpy(&w, buf + 4 * i, 4);
    memcpy(&first, buf, 4);
    if (w != first + i || w >= kWords) {
      *why = "word " + std::to_string(i) + " is " + std::to_string(w) + " after " +
             std::to_string(first);
      return false;
    }
  }
  return true;
}

bool IsServed(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && st.st_dev == makedev(0xa1, 0x10);
}

// One thread's share of the mix: operations picked at random on `fd` and on
// duplicates of it. Returns "" or what went wrong.
std::string Hammer(int fd, unsigned seed, int rounds, std::atomic<bool>* stop) {
  std::mt19937 rng(seed);
  std::vector<char> buf(kChunk);
  std::string why;
  for (int i = 0; i < rounds && !stop->load(); ++i) {
    const off_t at = static_cast<off_t>(rng() % (kWords + 1)) * 4;
    switch (rng() % 8) {
      case 0: {  // read at the shared offset
        ssize_t n = read(fd, buf.data(), buf.size());
        if (n < 0) return std::string("read: ") + strerror(errno);
        if (!Consecutive(buf.data(), static_cast<size_t>(n), &why)) return "read: " + why;
        break;
      }
      case 1: {  // pread: exactly the words asked for
        ssize_t n = pread(fd, buf.data(), buf.size(), at);
        if (n < 0) return std::string("pread: ") + strerror(errno);
        if ((n == 0) != (at == kSize) || at + n > kSize) return "pread: wrong length";
        if (n > 0) {
          uint32_t w;
          memcpy(&w, buf.data(), 4);
          if (w != at / 4) return "pread: wrong place";
          if (!Consecutive(buf.data(), static_cast<size_t>(n), &why)) return "pread: " + why;
        }
        break;
      }
      case 2:
        if (lseek(fd, at, SEEK_SET) != at) return std::string("lseek: ") + strerror(errno);
        break;
      case 3: {
        off_t cur = lseek(fd, 0, SEEK_CUR);
        if (cur < 0 || cur % 4 != 0 || cur > kSize) {
          return "lseek(SEEK_CUR) = " + std::to_string(cur);
        }
        break;
      }
      case 4: {  // F_SETFL toggles O_NONBLOCK; the access mode stays
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY) return "F_GETFL = " + std::to_string(fl);
        if (fcntl(fd, F_SETFL, fl ^ O_NONBLOCK) != 0)
          return std::string("F_SETFL: ") + strerror(errno);
        break;
      }
      case 5: {  // a duplicate shares the offset and reads the same file
        int d = rng() % 2 ? dup(fd) : fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (d < 0) return std::string("dup: ") + strerror(errno);
        ssize_t n = read(d, buf.data(), buf.size());
        int err = errno;
        // The start of the file through the duplicate: a duplicate left on
        // the /dev/null placeholder would read nothing there.
        uint32_t first = 1;
        ssize_t head = pread(d, &first, 4, 0);
        bool served = IsServed(d);
        if (close(d) != 0) return std::string("close(dup): ") + strerror(errno);
        if (n < 0) return std::string("read(dup): ") + strerror(err);
        if (!served) return "a duplicate is not served";
        if (!Consecutive(buf.data(), static_cast<size_t>(n), &why)) return "read(dup): " + why;
        if (head != 4 || first != 0) return "pread(dup) of the first word: " + std::to_string(head);
        break;
      }
      case 6: {
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size != kSize) return "fstat: wrong size";
        break;
      }
      case 7: {  // another reader's own description, opened and closed
        int other = open(ServedPath().c_str(), O_RDONLY);
        if (other < 0) return std::string("open: ") + strerror(errno);
        ssize_t n = read(other, buf.data(), buf.size());
        close(other);
        if (n <= 0) return "read of a new open";
        uint32_t w;
        memcpy(&w, buf.data(), 4);
        if (w != 0) return "a new open does not start at 0";
        break;
      }
    }
  }
  return "";
}

// Runs the mix on `fd` in kThreads threads; `during` runs meanwhile on this
// thread. Returns the first failure.
template <typename Fn>
std::string RunMix(int fd, int rounds, Fn&& during) {
  std::atomic<bool> stop{false};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      errors[t] = Hammer(fd, 1234u + static_cast<unsigned>(t), rounds, &stop);
      if (!errors[t].empty()) stop = true;
    });
  }
  std::string mine = during();
  if (!mine.empty()) stop = true;
  for (auto& th : threads) th.join();
  if (!mine.empty()) return mine;
  for (auto& e : errors) {
    if (!e.empty()) return e;
  }
  return "";
}

// After the mix, one thread: the offset moves exactly by what is read.
void ExpectOffsetFollowsReads(int fd) {
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  std::vector<char> buf(kChunk);
  off_t at = 0;
  std::string why;
  while (true) {
    ssize_t n = read(fd, buf.data(), buf.size());
    ASSERT_GE(n, 0) << strerror(errno);
    if (n == 0) break;
    uint32_t w;
    memcpy(&w, buf.data(), 4);
    ASSERT_EQ(w, at / 4);
    ASSERT_TRUE(Consecutive(buf.data(), static_cast<size_t>(n), &why)) << why;
    at += n;
    ASSERT_EQ(lseek(fd, 0, SEEK_CUR), at);
  }
  EXPECT_EQ(at, kSize);
  int fl = fcntl(fd, F_GETFL);
  EXPECT_EQ(fl & O_ACCMODE, O_RDONLY);
}

TEST(DescRaceTest, ThreadsShareOneDescription) {
  int fd = open(ServedPath().c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_TRUE(IsServed(fd)) << ServedPath() << " is not served: the test would test nothing";
  EXPECT_EQ(RunMix(fd, 3000, [] { return std::string(); }), "");
  ExpectOffsetFollowsReads(fd);
  EXPECT_TRUE(IsServed(fd));
  EXPECT_EQ(close(fd), 0);
}

// A map makes the description backed (MakeBacked) while the threads read,
// seek and duplicate it: every fd, old and new, must follow it to the copy
// with the offset it had.
TEST(DescRaceTest, BackingSwitchUnderThreads) {
  for (int round = 0; round < 4; ++round) {
    int fd = open(ServedPath().c_str(), O_RDONLY);
    ASSERT_GE(fd, 0) << strerror(errno);
    ASSERT_TRUE(IsServed(fd));
    std::string err = RunMix(fd, 1500, [&]() -> std::string {
      usleep(static_cast<useconds_t>(1000 * (round + 1)));
      void* p = mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) return std::string("mmap: ") + strerror(errno);
      std::string why;
      bool ok = Consecutive(static_cast<const char*>(p), kSize, &why);
      munmap(p, kSize);
      return ok ? "" : "map: " + why;
    });
    EXPECT_EQ(err, "") << "round " << round;
    ExpectOffsetFollowsReads(fd);
    EXPECT_TRUE(IsServed(fd));
    EXPECT_EQ(close(fd), 0);
  }
}

// The parent: a temporary directory with the file in the UFS, and the
// environment that serves it.
int RunServed(char** argv) {
  char tmpl[] = "/tmp/alluxio-desc-race.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return perror("mkdtemp"), 1;
  const std::string root = tmpl;
  for (const char* sub : {"/ufs", "/work", "/conf"}) mkdir((root + sub).c_str(), 0755);
  {
    std::vector<uint32_t> words(kWords);
    for (uint32_t i = 0; i < kWords; ++i) words[i] = i;
    FILE* f = fopen((root + "/ufs/data").c_str(), "wb");
    if (f == nullptr || fwrite(words.data(), 4, kWords, f) != kWords || fclose(f) != 0) {
      return perror("data file"), 1;
    }
  }
  setenv("ALLUXIO_DESC_RACE_ROOT", root.c_str(), 1);
  setenv("ALLUXIO_POSIX_PREFIXES", (root + "/served").c_str(), 1);
  setenv("ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS", (root + "/ufs").c_str(), 1);
  setenv("ALLUXIO_WORK_DIR", (root + "/work").c_str(), 1);
  setenv("ALLUXIO_CONF_DIR", (root + "/conf").c_str(), 1);
#ifdef ALLUXIO_POSIX_SHIM
  setenv("LD_PRELOAD", ALLUXIO_POSIX_SHIM, 1);
#endif
  pid_t pid = fork();
  if (pid == 0) {
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  unsetenv("LD_PRELOAD");
  unsetenv("ALLUXIO_POSIX_PREFIXES");
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string rm = "rm -rf '" + root + "'";
  if (system(rm.c_str()) != 0) fprintf(stderr, "could not remove %s\n", root.c_str());
  return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc + 1);  // before gtest takes its flags
  testing::InitGoogleTest(&argc, argv);
  if (getenv("ALLUXIO_DESC_RACE_ROOT") == nullptr && !GTEST_FLAG_GET(list_tests)) {
    return RunServed(args.data());
  }
  return RUN_ALL_TESTS();
}
