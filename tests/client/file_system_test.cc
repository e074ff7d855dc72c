// FileSystem semantics over the in-memory UFS. Each test backs a claim of
// docs/SEMANTICS.md.
#include "alluxio/file_system.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "testing/fs_read.h"
#include "testing/mem_ufs.h"
#include "testing/temp_dir.h"

namespace alluxio {
namespace {

using testing::CountingUfs;
using testing::FaultyUfs;
using testing::MemUfs;
using testing::TempDir;

class FileSystemTest : public ::testing::Test {
 protected:
  void Open(bool random_access) {
    mem_ = std::make_shared<MemUfs>();
    faulty_ = std::make_shared<FaultyUfs>(mem_);
    auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp_.path()},
                                        {"alluxio.user.fuse.random.access.file.stream.enabled",
                                         random_access ? "true" : "false"}});
    ASSERT_TRUE(conf.ok());
    auto fs = FileSystem::CreateWithRoot(*conf, faulty_);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = *fs;
  }
  void SetUp() override { Open(false); }

  Status WriteFile(const std::string& path, const std::string& data) {
    OpenOptions o = OpenOptions::FromFlags(O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSIGN_OR_RETURN(auto h, fs_->OpenFile(path, o));
    auto w = h->Write(0, data.data(), data.size());
    if (!w.ok()) return w.status();
    return h->Close();
  }
  std::string ReadFile(const std::string& path) {
    auto h = fs_->OpenFile(path, OpenOptions::FromFlags(O_RDONLY, 0));
    if (!h.ok()) return "<" + h.status().ToString() + ">";
    std::string out(1 << 16, '\0');
    auto n = (*h)->Read(0, out.data(), out.size());
    if (!n.ok()) return "<" + n.status().ToString() + ">";
    out.resize(*n);
    return out;
  }
  Code CodeOf(const Status& st) { return st.code(); }

  TempDir tmp_;
  std::shared_ptr<MemUfs> mem_;
  std::shared_ptr<FaultyUfs> faulty_;
  std::shared_ptr<FileSystem> fs_;
};

TEST_F(FileSystemTest, CreateWriteReadStat) {
  ASSERT_TRUE(WriteFile("/f", "hello").ok());
  EXPECT_EQ(ReadFile("/f"), "hello");
  auto st = fs_->GetStatus("/f");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 5u);
  EXPECT_FALSE(st->is_dir);
  EXPECT_EQ(st->mode, 0644u);
}

TEST_F(FileSystemTest, NewFileIsCommittedAtomicallyOnClose) {
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE((*h)->Write(0, "abc", 3).ok());
  // Not in the UFS yet, but this client sees its own write at once.
  EXPECT_EQ(mem_->Contents("/f"), "");
  EXPECT_EQ(fs_->GetStatus("/f")->size, 3u);
  auto list = fs_->ListStatus("/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "f");
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_EQ(mem_->Contents("/f"), "abc");
}

TEST_F(FileSystemTest, FailedCommitLeavesPreviousFileIntact) {
  ASSERT_TRUE(WriteFile("/f", "old").ok());
  faulty_->InjectFault("Commit", Status::IoError("injected"));
  Status st = WriteFile("/f", "new content");
  EXPECT_EQ(st.code(), Code::kIoError);
  EXPECT_EQ(mem_->Contents("/f"), "old");
  EXPECT_EQ(ReadFile("/f"), "old");
}

TEST_F(FileSystemTest, FailedAppendSurfacesAndLeavesNoFile) {
  faulty_->InjectFault("Append", Status(Code::kNoSpace, "injected"));
  auto h = fs_->OpenFile("/g", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)->Write(0, "x", 1).status().code(), Code::kNoSpace);
  (void)(*h)->Close();
  EXPECT_EQ(mem_->GetStatus("/g").status().code(), Code::kNotFound);
}

TEST_F(FileSystemTest, RandomWriteNeedsTheSwitch) {
  ASSERT_TRUE(WriteFile("/f", "0123456789").ok());
  // Appending to, overwriting or truncating existing content is refused...
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY, 0));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)->Write(0, "x", 1).status().code(), Code::kNotSupported);
  EXPECT_EQ((*h)->Write(10, "x", 1).status().code(), Code::kNotSupported);
  EXPECT_EQ((*h)->Truncate(3).code(), Code::kNotSupported);
  ASSERT_TRUE((*h)->Close().ok());
  // ...and the file is intact.
  EXPECT_EQ(ReadFile("/f"), "0123456789");
  // A new file must be written sequentially.
  auto n = fs_->OpenFile("/n", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE((*n)->Write(0, "ab", 2).ok());
  EXPECT_EQ((*n)->Write(5, "x", 1).status().code(), Code::kNotSupported);
  EXPECT_EQ((*n)->Write(0, "x", 1).status().code(), Code::kNotSupported);
  ASSERT_TRUE((*n)->Close().ok());
  EXPECT_EQ(ReadFile("/n"), "ab");
}

TEST_F(FileSystemTest, TruncateToZeroReplacesWithoutTheSwitch) {
  ASSERT_TRUE(WriteFile("/f", "0123456789").ok());
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY, 0));
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE((*h)->Truncate(0).ok());
  ASSERT_TRUE((*h)->Write(0, "new", 3).ok());
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_EQ(ReadFile("/f"), "new");
}

TEST_F(FileSystemTest, RandomAccessWithTheSwitch) {
  Open(true);
  ASSERT_TRUE(WriteFile("/f", "0123456789").ok());
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_RDWR, 0));
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE((*h)->Write(2, "AB", 2).ok());   // overwrite
  ASSERT_TRUE((*h)->Write(10, "++", 2).ok());  // append
  char buf[16];
  auto n = (*h)->Read(0, buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "01AB456789++");  // reads see the writes
  EXPECT_EQ(mem_->Contents("/f"), "0123456789");    // staged until close/fsync
  ASSERT_TRUE((*h)->Sync().ok());
  EXPECT_EQ(mem_->Contents("/f"), "01AB456789++");
  ASSERT_TRUE((*h)->Truncate(4).ok());
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_EQ(ReadFile("/f"), "01AB");
  EXPECT_TRUE(fs_->Truncate("/f", 2).ok());
  EXPECT_EQ(ReadFile("/f"), "01");
}

TEST_F(FileSystemTest, SecondWriterIsBusy) {
  auto a = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(a.ok());
  auto b = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  EXPECT_EQ(b.status().code(), Code::kBusy);
  ASSERT_TRUE((*a)->Write(0, "a", 1).ok());
  ASSERT_TRUE((*a)->Close().ok());
  EXPECT_EQ(ReadFile("/f"), "a");
  // Released on close.
  EXPECT_TRUE(WriteFile("/f", "b").ok());
}

TEST_F(FileSystemTest, ExclusiveCreate) {
  ASSERT_TRUE(WriteFile("/f", "x").ok());
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT | O_EXCL, 0644));
  EXPECT_EQ(h.status().code(), Code::kAlreadyExists);
}

TEST_F(FileSystemTest, OpenErrors) {
  EXPECT_EQ(fs_->OpenFile("/missing", OpenOptions::FromFlags(O_RDONLY, 0)).status().code(),
            Code::kNotFound);
  ASSERT_TRUE(fs_->CreateDirectory("/d").ok());
  EXPECT_EQ(fs_->OpenFile("/d", OpenOptions::FromFlags(O_RDONLY, 0)).status().code(),
            Code::kIsDirectory);
  EXPECT_EQ(fs_->OpenFile("/d", OpenOptions::FromFlags(O_WRONLY, 0)).status().code(),
            Code::kIsDirectory);
  EXPECT_EQ(
      fs_->OpenFile("/nodir/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644)).status().code(),
      Code::kNotFound);
  ASSERT_TRUE(WriteFile("/file", "x").ok());
  EXPECT_EQ(
      fs_->OpenFile("/file/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644)).status().code(),
      Code::kNotDirectory);
}

TEST_F(FileSystemTest, Directories) {
  EXPECT_TRUE(fs_->CreateDirectory("/a").ok());
  EXPECT_EQ(fs_->CreateDirectory("/a").code(), Code::kAlreadyExists);
  EXPECT_EQ(fs_->CreateDirectory("/x/y").code(), Code::kNotFound);
  CreateDirectoryOptions p;
  p.recursive = true;
  EXPECT_TRUE(fs_->CreateDirectory("/x/y/z", p).ok());
  EXPECT_TRUE(fs_->GetStatus("/x/y")->is_dir);
  p.allow_exists = true;
  EXPECT_TRUE(fs_->CreateDirectory("/x/y/z", p).ok());
  ASSERT_TRUE(WriteFile("/x/f", "1").ok());
  auto list = fs_->ListStatus("/x");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "f");
  EXPECT_EQ((*list)[1].name, "y");
  EXPECT_EQ(fs_->ListStatus("/x/f").status().code(), Code::kNotDirectory);
  EXPECT_EQ(fs_->ListStatus("/nope").status().code(), Code::kNotFound);
}

TEST_F(FileSystemTest, Delete) {
  CreateDirectoryOptions p;
  p.recursive = true;
  ASSERT_TRUE(fs_->CreateDirectory("/d/e", p).ok());
  ASSERT_TRUE(WriteFile("/d/e/f", "1").ok());
  DeleteOptions dir_only;
  dir_only.kind = DeleteOptions::Kind::kDirectoryOnly;
  DeleteOptions file_only;
  file_only.kind = DeleteOptions::Kind::kFileOnly;
  EXPECT_EQ(fs_->Delete("/d").code(), Code::kNotEmpty);
  EXPECT_EQ(fs_->Delete("/d", file_only).code(), Code::kIsDirectory);
  EXPECT_EQ(fs_->Delete("/d/e/f", dir_only).code(), Code::kNotDirectory);
  EXPECT_EQ(fs_->Delete("/missing").code(), Code::kNotFound);
  EXPECT_EQ(fs_->Delete("/").code(), Code::kBusy);
  DeleteOptions rec;
  rec.recursive = true;
  EXPECT_TRUE(fs_->Delete("/d", rec).ok());
  EXPECT_EQ(fs_->GetStatus("/d/e/f").status().code(), Code::kNotFound);
  EXPECT_EQ(fs_->GetStatus("/d").status().code(), Code::kNotFound);
}

TEST_F(FileSystemTest, RenameFollowsPosix) {
  CreateDirectoryOptions p;
  p.recursive = true;
  ASSERT_TRUE(fs_->CreateDirectory("/d/sub", p).ok());
  ASSERT_TRUE(fs_->CreateDirectory("/empty").ok());
  ASSERT_TRUE(WriteFile("/d/sub/f", "data").ok());
  ASSERT_TRUE(WriteFile("/g", "gg").ok());
  EXPECT_EQ(fs_->Rename("/missing", "/x").code(), Code::kNotFound);
  EXPECT_EQ(fs_->Rename("/d", "/d/sub/inside").code(), Code::kInvalidArgument);
  EXPECT_EQ(fs_->Rename("/d", "/g").code(), Code::kNotDirectory);
  EXPECT_EQ(fs_->Rename("/g", "/d").code(), Code::kIsDirectory);
  EXPECT_EQ(fs_->Rename("/empty", "/d").code(), Code::kNotEmpty);
  EXPECT_EQ(fs_->Rename("/g", "/nodir/g").code(), Code::kNotFound);
  EXPECT_EQ(fs_->Rename("/g", "/d/sub/f", /*no_replace=*/true).code(), Code::kAlreadyExists);
  // A file replaces a file.
  EXPECT_TRUE(fs_->Rename("/g", "/d/sub/f").ok());
  EXPECT_EQ(ReadFile("/d/sub/f"), "gg");
  EXPECT_EQ(fs_->GetStatus("/g").status().code(), Code::kNotFound);
  // A directory moves with its contents and replaces an empty directory.
  EXPECT_TRUE(fs_->Rename("/d", "/empty").ok());
  EXPECT_EQ(ReadFile("/empty/sub/f"), "gg");
  EXPECT_EQ(fs_->GetStatus("/d").status().code(), Code::kNotFound);
}

TEST_F(FileSystemTest, Attributes) {
  ASSERT_TRUE(WriteFile("/f", "x").ok());
  SetAttributeOptions o;
  o.mode = 0600;
  o.uid = 1234;
  o.gid = 5678;
  o.mtime_ns = 1'600'000'000'000'000'000;
  ASSERT_TRUE(fs_->SetAttribute("/f", o).ok());
  auto st = fs_->GetStatus("/f");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, 0600u);
  EXPECT_EQ(st->uid, 1234u);
  EXPECT_EQ(st->gid, 5678u);
  EXPECT_EQ(st->mtime_ns, 1'600'000'000'000'000'000);
  EXPECT_EQ(fs_->SetAttribute("/missing", o).code(), Code::kNotFound);
}

TEST_F(FileSystemTest, AttributesSetWhileOpenApplyAtCommit) {
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE((*h)->Write(0, "abc", 3).ok());
  SetAttributeOptions o;
  o.mode = 0600;
  o.mtime_ns = 1'500'000'000'000'000'000;
  ASSERT_TRUE(fs_->SetAttribute("/f", o).ok());
  ASSERT_TRUE((*h)->Close().ok());
  auto st = fs_->GetStatus("/f");
  EXPECT_EQ(st->mode, 0600u);
  EXPECT_EQ(st->mtime_ns, 1'500'000'000'000'000'000);
}

TEST_F(FileSystemTest, UnlinkWhileWritingDiscardsTheFile) {
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE((*h)->Write(0, "abc", 3).ok());
  EXPECT_TRUE(fs_->Delete("/f").ok());
  EXPECT_TRUE((*h)->Close().ok());
  EXPECT_EQ(fs_->GetStatus("/f").status().code(), Code::kNotFound);
}

TEST_F(FileSystemTest, PathsAreNormalizedAndCannotEscape) {
  ASSERT_TRUE(WriteFile("/../../f", "x").ok());
  EXPECT_EQ(mem_->Contents("/f"), "x");
  EXPECT_EQ(ReadFile("/a/../f"), "x");
  EXPECT_EQ(fs_->GetStatus("relative").status().code(), Code::kInvalidArgument);
}

TEST_F(FileSystemTest, OddNamesWork) {
  for (std::string name : {"/a?b", "/back\\slash", "/with space", "/\xc3\xa9t\xc3\xa9", "/100%+"}) {
    ASSERT_TRUE(WriteFile(name, name).ok()) << name;
    EXPECT_EQ(ReadFile(name), name);
  }
  EXPECT_EQ(fs_->ListStatus("/")->size(), 5u);
}

TEST_F(FileSystemTest, MetadataCacheServesRepeatsAndOwnWritesStayExact) {
  ASSERT_TRUE(WriteFile("/f", "abc").ok());
  ASSERT_TRUE(fs_->GetStatus("/f").ok());
  // Served from the cache: the UFS is not asked again.
  faulty_->InjectFault("GetStatus", Status::IoError("must not be called"), 100);
  EXPECT_TRUE(fs_->GetStatus("/f").ok());
  faulty_->InjectFault("GetStatus", Status::OK(), 0);
  // Own writes invalidate.
  ASSERT_TRUE(WriteFile("/f", "abcdef").ok());
  EXPECT_EQ(fs_->GetStatus("/f")->size, 6u);
  ASSERT_TRUE(fs_->Delete("/f").ok());
  EXPECT_EQ(fs_->GetStatus("/f").status().code(), Code::kNotFound);
  ASSERT_TRUE(WriteFile("/f", "x").ok());  // negative entry invalidated too
  EXPECT_EQ(fs_->GetStatus("/f")->size, 1u);
}

TEST_F(FileSystemTest, ListingAnswersStatOfEntries) {
  ASSERT_TRUE(fs_->CreateDirectory("/ds").ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(WriteFile("/ds/" + std::to_string(i), "x").ok());
  ASSERT_TRUE(fs_->ListStatus("/ds").ok());
  faulty_->InjectFault("GetStatus", Status::IoError("must not be called"), 100);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(fs_->GetStatus("/ds/" + std::to_string(i)).ok());
}

TEST_F(FileSystemTest, ConcurrentReadersOfOneHandle) {
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(WriteFile("/big", data).ok());
  auto h = fs_->OpenFile("/big", OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string buf(4096, '\0');
      for (int i = 0; i < 200; ++i) {
        uint64_t off = static_cast<uint64_t>((i * 4099 + t * 977) % (data.size() - 4096));
        auto n = (*h)->Read(off, buf.data(), buf.size());
        if (!n.ok() || *n != 4096 || buf != data.substr(off, 4096)) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(FileSystemTest, UfsErrorsSurface) {
  ASSERT_TRUE(WriteFile("/f", "x").ok());
  fs_->InvalidateCache();
  faulty_->InjectFault("GetStatus", Status(Code::kUnavailable, "server down"));
  auto st = fs_->GetStatus("/f");
  EXPECT_EQ(st.status().code(), Code::kUnavailable);
  EXPECT_TRUE(fs_->GetStatus("/f").ok());  // errors other than ENOENT are not cached
  faulty_->InjectFault("Read", Status(Code::kTimedOut, "slow"));
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  char c;
  EXPECT_EQ((*h)->Read(0, &c, 1).status().code(), Code::kTimedOut);
  EXPECT_EQ(*(*h)->Read(0, &c, 1), 1u);
}

TEST_F(FileSystemTest, FsyncCommitsAStreamAndWritingContinues) {
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE((*h)->Write(0, "abc", 3).ok());
  ASSERT_TRUE((*h)->Sync().ok());
  EXPECT_EQ(mem_->Contents("/f"), "abc");  // durable and visible after fsync
  ASSERT_TRUE((*h)->Write(3, "def", 3).ok());
  EXPECT_EQ(mem_->Contents("/f"), "abc");  // the rest on close
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_EQ(ReadFile("/f"), "abcdef");
}

TEST_F(FileSystemTest, RenameOfAFileBeingWrittenIsBusy) {
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(fs_->Rename("/f", "/g").code(), Code::kBusy);
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_TRUE(fs_->Rename("/f", "/g").ok());
}

TEST_F(FileSystemTest, TouchOfAnOpenFileDoesNotRewriteIt) {
  Open(true);  // with the random-access switch, a kept file is staged lazily
  ASSERT_TRUE(WriteFile("/f", "content").ok());
  auto before = mem_->GetStatus("/f");
  ASSERT_TRUE(before.ok());
  auto h = fs_->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  SetAttributeOptions o;
  o.mtime_ns = 1'400'000'000'000'000'000;
  ASSERT_TRUE(fs_->SetAttribute("/f", o).ok());
  faulty_->InjectFault("Create", Status::IoError("must not rewrite"), 10);
  ASSERT_TRUE((*h)->Close().ok());
  faulty_->InjectFault("Create", Status::OK(), 0);
  auto after = mem_->GetStatus("/f");
  EXPECT_EQ(after->version, before->version);  // same content, not rewritten
  EXPECT_EQ(after->mtime_ns, 1'400'000'000'000'000'000);
  EXPECT_EQ(ReadFile("/f"), "content");
}

// Opens for reading over a UFS whose listings lack full attributes, as an
// object store's: after the first miss in a directory they are answered from
// listing slices (Ufs::ListFrom) instead of a GetStatus each.
class OpenScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_ = std::make_shared<MemUfs>();
    mem_->set_partial_listings(true);
    faulty_ = std::make_shared<FaultyUfs>(mem_);
    counting_ = std::make_shared<CountingUfs>(faulty_);
    auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp_.path()}});
    ASSERT_TRUE(conf.ok());
    auto fs = FileSystem::CreateWithRoot(*conf, counting_);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = *fs;
    ASSERT_TRUE(mem_->CreateDirectory("/ds", 0755).ok());
  }

  // Written to the UFS directly, behind the client's back.
  void Put(const std::string& path, const std::string& data) {
    UfsCreateOptions o;
    o.mode = 0600;
    auto w = mem_->Create(path, o);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Append(data.data(), data.size()).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  static std::string Name(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "f%05d", i);
    return buf;
  }
  void PutFiles(int n) {
    for (int i = 0; i < n; ++i) Put("/ds/" + Name(i), "content of " + Name(i));
  }
  // The bytes, read to the end as read(2) callers do, or the error of the
  // open or a read.
  Result<std::string> Read(const std::string& path) { return testing::ReadWhole(*fs_, path); }
  int Metadata() {
    return counting_->Count("GetStatus") + counting_->Count("ListStatus") +
           counting_->Count("ListFrom");
  }

  TempDir tmp_;
  std::shared_ptr<MemUfs> mem_;
  std::shared_ptr<FaultyUfs> faulty_;
  std::shared_ptr<CountingUfs> counting_;
  std::shared_ptr<FileSystem> fs_;
};

TEST_F(OpenScanTest, OpeningManyFilesInOrderNeedsFewMetadataRequests) {
  const int kFiles = 1000;
  PutFiles(kFiles);
  for (int i = 0; i < kFiles; ++i) {
    auto data = Read("/ds/" + Name(i));
    ASSERT_TRUE(data.ok()) << Name(i) << ": " << data.status().ToString();
    ASSERT_EQ(*data, "content of " + Name(i));
  }
  // One GetStatus for the first miss, then slices of 100, 400 and 1000.
  EXPECT_EQ(counting_->Count("GetStatus"), 1);
  EXPECT_EQ(counting_->Count("ListFrom"), 3);
  EXPECT_EQ(counting_->Count("OpenRead"), kFiles);
  // stat still reports every attribute: slices do not answer it.
  auto st = fs_->GetStatus("/ds/" + Name(500));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, 0600u);
  EXPECT_NE(st->mtime_ns, 0);
  EXPECT_EQ(st->ino, (*fs_->GetStatus("/ds/" + Name(500))).ino);
  EXPECT_EQ(counting_->Count("GetStatus"), 2);
}

TEST_F(OpenScanTest, SlicedEntriesAgreeWithStatAndListing) {
  PutFiles(10);
  ASSERT_TRUE(mem_->CreateDirectory("/ds/f00003x", 0755).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Read("/ds/" + Name(i)).ok());
  ASSERT_EQ(counting_->Count("ListFrom"), 1);
  // A directory in the slice stays a directory; inode numbers are those
  // stat and listings give.
  auto dir = fs_->OpenFile("/ds/f00003x", OpenOptions::FromFlags(O_RDONLY, 0));
  EXPECT_EQ(dir.status().code(), Code::kIsDirectory);
  auto h = fs_->OpenFile("/ds/" + Name(7), OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  auto from_slice = (*h)->Stat();
  ASSERT_TRUE(from_slice.ok());
  EXPECT_EQ(counting_->Count("GetStatus"), 1);
  auto stat = fs_->GetStatus("/ds/" + Name(7));
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(from_slice->ino, stat->ino);
  EXPECT_EQ(from_slice->size, stat->size);
  EXPECT_EQ(from_slice->version, stat->version);
  auto list = fs_->ListStatus("/ds");
  ASSERT_TRUE(list.ok());
  auto listed = std::find_if(list->begin(), list->end(),
                             [](const FileInfo& fi) { return fi.name == Name(7); });
  ASSERT_NE(listed, list->end());
  EXPECT_EQ(listed->attr.ino, stat->ino);
}

TEST_F(OpenScanTest, AOneOffOpenInADirectoryAsksGetStatus) {
  ASSERT_TRUE(mem_->CreateDirectory("/a", 0755).ok());
  ASSERT_TRUE(mem_->CreateDirectory("/b", 0755).ok());
  Put("/a/1", "a1");
  Put("/a/2", "a2");
  Put("/b/1", "b1");
  EXPECT_EQ(*Read("/a/1"), "a1");
  EXPECT_EQ(*Read("/b/1"), "b1");
  EXPECT_EQ(counting_->Count("ListFrom"), 0);
  EXPECT_EQ(counting_->Count("GetStatus"), 2);
  EXPECT_EQ(*Read("/a/2"), "a2");  // the second miss in /a: a slice
  EXPECT_EQ(counting_->Count("ListFrom"), 1);
  EXPECT_EQ(counting_->Count("GetStatus"), 2);
}

TEST_F(OpenScanTest, StatAndWritesNeverUseSlices) {
  PutFiles(20);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(fs_->GetStatus("/ds/" + Name(i)).ok());
  EXPECT_EQ(counting_->Count("ListFrom"), 0);
  fs_->InvalidateCache();
  for (int i = 0; i < 5; ++i) {
    auto h = fs_->OpenFile("/ds/" + Name(i), OpenOptions::FromFlags(O_RDWR, 0));
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    ASSERT_TRUE((*h)->Close().ok());
  }
  EXPECT_EQ(counting_->Count("ListFrom"), 0);
}

TEST_F(OpenScanTest, FullAttributeListingsNeedNoSlices) {
  mem_->set_partial_listings(false);
  PutFiles(50);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Read("/ds/" + Name(i)).ok());
  EXPECT_EQ(counting_->Count("ListFrom"), 0);
  EXPECT_EQ(counting_->Count("GetStatus"), 50);
}

TEST_F(OpenScanTest, ChangedOrRemovedAfterTheSliceReadsTheUfs) {
  PutFiles(10);
  ASSERT_TRUE(Read("/ds/" + Name(0)).ok());
  ASSERT_TRUE(Read("/ds/" + Name(1)).ok());  // slices f00001...
  ASSERT_EQ(counting_->Count("ListFrom"), 1);
  Put("/ds/" + Name(5), "rewritten, and longer than before");
  ASSERT_TRUE(mem_->DeleteFile("/ds/" + Name(6)).ok());
  // The changed file reads as it is now, never as it was.
  auto changed = Read("/ds/" + Name(5));
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(*changed, "rewritten, and longer than before");
  // The removed one fails with ENOENT, at the open or at the first read.
  EXPECT_EQ(Read("/ds/" + Name(6)).status().code(), Code::kNotFound);
  // A name the slice did not have is asked of the UFS.
  Put("/ds/" + Name(3) + "new", "new");
  EXPECT_EQ(*Read("/ds/" + Name(3) + "new"), "new");
  // The client's own changes invalidate the sliced entries.
  ASSERT_TRUE(fs_->Delete("/ds/" + Name(8)).ok());
  EXPECT_EQ(Read("/ds/" + Name(8)).status().code(), Code::kNotFound);
  EXPECT_EQ(*Read("/ds/" + Name(9)), "content of " + Name(9));
}

TEST_F(OpenScanTest, SliceFailuresFallBackAndNotSupportedIsRemembered) {
  PutFiles(10);
  ASSERT_TRUE(Read("/ds/" + Name(0)).ok());
  faulty_->InjectFault("ListFrom", Status(Code::kUnavailable, "injected"));
  EXPECT_EQ(*Read("/ds/" + Name(1)), "content of " + Name(1));  // GetStatus answered
  EXPECT_EQ(counting_->Count("ListFrom"), 1);
  EXPECT_EQ(counting_->Count("GetStatus"), 2);
  faulty_->InjectFault("ListFrom", Status::NotSupported("injected"));
  EXPECT_EQ(*Read("/ds/" + Name(2)), "content of " + Name(2));
  EXPECT_EQ(counting_->Count("ListFrom"), 2);
  for (int i = 3; i < 10; ++i) EXPECT_EQ(*Read("/ds/" + Name(i)), "content of " + Name(i));
  EXPECT_EQ(counting_->Count("ListFrom"), 2);  // never asked again
  EXPECT_EQ(counting_->Count("GetStatus"), 10);
}

TEST_F(OpenScanTest, MissingFilesAreNoScan) {
  PutFiles(3);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(Read("/ds/missing" + std::to_string(i)).status().code(), Code::kNotFound);
  }
  // Every other miss tries a slice; none finds the name, so none grows.
  EXPECT_EQ(counting_->Count("ListFrom"), 3);
}

TEST_F(OpenScanTest, MountPointsInTheDirectoryAreNotShadowed) {
  TempDir local;
  ASSERT_TRUE(fs_->Mount("/ds/mnt", local.path(), {}).ok());
  PutFiles(3);
  Put("/ds/mnt", "a file the mount hides");
  ASSERT_TRUE(Read("/ds/" + Name(0)).ok());
  ASSERT_TRUE(Read("/ds/" + Name(1)).ok());
  ASSERT_EQ(counting_->Count("ListFrom"), 1);
  EXPECT_EQ(fs_->OpenFile("/ds/mnt", OpenOptions::FromFlags(O_RDONLY, 0)).status().code(),
            Code::kIsDirectory);
}

TEST_F(OpenScanTest, AMountWithAnUnknownOptionIsRefused) {
  TempDir local;
  Status st = fs_->Mount("/ds/mnt", local.path(), {{"alluxio.bogus", "1"}});
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("alluxio.bogus"), std::string::npos) << st.ToString();
  for (const auto& m : fs_->GetMountTable()) EXPECT_NE(m.alluxio_path, "/ds/mnt");
  EXPECT_TRUE(fs_->Mount("/ds/mnt", local.path(), {{"alluxio.underfs.s3.retry.max", "2"}}).ok());
}

TEST_F(OpenScanTest, ConcurrentScansReadTheRightBytes) {
  const int kFiles = 400, kThreads = 4;
  PutFiles(kFiles);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kFiles; i += kThreads) {
        auto data = Read("/ds/" + Name(i));
        if (!data.ok() || *data != "content of " + Name(i)) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LT(Metadata(), 40);
}

}  // namespace
}  // namespace alluxio
