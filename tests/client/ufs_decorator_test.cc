// Decorators keep a UFS's fast paths: a stat that brings the first bytes,
// an open that reuses attributes just seen, and streamed reads all reach the
// wrapped UFS through ForwardingUfs, ForwardingReader and the test
// decorators built on them. (That every method is forwarded at all is
// checked at compile time, in ufs.cc.)
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "alluxio/ufs.h"
#include "testing/mem_ufs.h"

namespace alluxio {
namespace {

// A UFS of one file "/f" holding "hello" that has every fast path, and
// records which ones it was asked for.
class FastUfs : public UfsBase {
 public:
  int heads = 0, known_opens = 0, streams = 0;

  std::string Uri() const override { return "fast://"; }
  Result<FileAttr> Stat(const std::string& path, size_t head_max, std::string* head) override {
    if (path != "/f") return Status::NotFound(path);
    if (head != nullptr) {
      ++heads;
      *head = std::string("hello").substr(0, head_max);
    }
    return Attr();
  }
  Result<std::vector<FileInfo>> ListStatus(const std::string& path) override {
    return Status::NotSupported(path);
  }
  Status CreateDirectory(const std::string& path, uint32_t) override {
    return Status::NotSupported(path);
  }
  Result<std::unique_ptr<UfsReader>> OpenReader(const std::string& path,
                                                const FileAttr* known) override {
    if (path != "/f") return Status::NotFound(path);
    if (known != nullptr) ++known_opens;
    return std::unique_ptr<UfsReader>(new Reader(this));
  }
  Result<std::unique_ptr<UfsWriter>> Create(const std::string& path,
                                            const UfsCreateOptions&) override {
    return Status::NotSupported(path);
  }
  Status DeleteFile(const std::string& path) override { return Status::NotSupported(path); }
  Status DeleteDirectory(const std::string& path) override { return Status::NotSupported(path); }
  Status Rename(const std::string& src, const std::string&) override {
    return Status::NotSupported(src);
  }

  static FileAttr Attr() {
    FileAttr a;
    a.size = 5;
    a.version = 7;
    return a;
  }

 private:
  class Stream : public UfsStream {
   public:
    Result<size_t> Read(char*, size_t) override { return size_t{0}; }
    void Cancel() override {}
  };
  class Reader : public UfsReader {
   public:
    explicit Reader(FastUfs* ufs) : ufs_(ufs) {}
    Result<size_t> ReadAt(uint64_t, char*, size_t) override { return size_t{0}; }
    uint64_t Size() const override { return 5; }
    uint64_t Version() const override { return 7; }
    bool PrefersStreams() const override { return true; }
    Result<std::unique_ptr<UfsStream>> OpenStream(uint64_t, uint64_t) override {
      ++ufs_->streams;
      return std::unique_ptr<UfsStream>(new Stream);
    }

   private:
    FastUfs* ufs_;
  };
};

void ExpectFastPathsReach(Ufs& decorated, FastUfs& inner) {
  std::string head = "stale";
  auto attr = decorated.GetStatusWithHead("/f", 3, &head);
  ASSERT_TRUE(attr.ok()) << attr.status().ToString();
  EXPECT_EQ(head, "hel");
  EXPECT_EQ(inner.heads, 1);

  auto reader = decorated.OpenRead("/f", FastUfs::Attr());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(inner.known_opens, 1);
  EXPECT_TRUE((*reader)->PrefersStreams());
  EXPECT_TRUE((*reader)->OpenStream(0, 5).ok());
  EXPECT_EQ(inner.streams, 1);
}

TEST(UfsDecoratorTest, ForwardingUfsKeepsEveryFastPath) {
  auto inner = std::make_shared<FastUfs>();
  ForwardingUfs decorated(inner);
  ExpectFastPathsReach(decorated, *inner);
}

TEST(UfsDecoratorTest, FaultyUfsKeepsEveryFastPathAndSeesEveryForm) {
  auto inner = std::make_shared<FastUfs>();
  testing::FaultyUfs faulty(inner);
  ExpectFastPathsReach(faulty, *inner);
  // One virtual per operation: a fault injected for GetStatus or OpenRead
  // hits every form of the call.
  faulty.InjectFault("GetStatus", Status::IoError("injected"), 2);
  std::string head;
  EXPECT_EQ(faulty.GetStatus("/f").status().code(), Code::kIoError);
  EXPECT_EQ(faulty.GetStatusWithHead("/f", 3, &head).status().code(), Code::kIoError);
  faulty.InjectFault("OpenRead", Status::IoError("injected"), 2);
  EXPECT_EQ(faulty.OpenRead("/f").status().code(), Code::kIoError);
  EXPECT_EQ(faulty.OpenRead("/f", FastUfs::Attr()).status().code(), Code::kIoError);
}

TEST(UfsDecoratorTest, CountingUfsKeepsEveryFastPathAndCountsEveryForm) {
  auto inner = std::make_shared<FastUfs>();
  testing::CountingUfs counting(inner);
  ExpectFastPathsReach(counting, *inner);
  EXPECT_TRUE(counting.GetStatus("/f").ok());
  EXPECT_TRUE(counting.OpenRead("/f").ok());
  EXPECT_EQ(counting.Count("GetStatus"), 2);
  EXPECT_EQ(counting.Count("OpenRead"), 2);
}

TEST(UfsDecoratorTest, BaseDefaultsSayNotSupported) {
  FastUfs ufs;
  EXPECT_EQ(ufs.ListFrom("/", "", 10).status().code(), Code::kNotSupported);
  EXPECT_EQ(ufs.CreateStaging("/g").status().code(), Code::kNotSupported);
  EXPECT_EQ(ufs.SetMode("/f", 0600).code(), Code::kNotSupported);
  uint64_t total = 0, free = 0;
  EXPECT_EQ(ufs.GetSpace(&total, &free).code(), Code::kNotSupported);
  EXPECT_TRUE(ufs.ListingHasFullAttributes());
  auto removed = ufs.RemoveAbandonedWrites(nullptr);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u);
}

}  // namespace
}  // namespace alluxio
