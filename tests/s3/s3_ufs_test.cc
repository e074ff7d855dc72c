// The S3 UFS against a real S3 API server (moto_server on loopback).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "alluxio/file_system.h"
#include "s3/s3_client.h"
#include "s3_fault_proxy.h"
#include "s3_test_util.h"
#include "testing/fs_read.h"
#include "testing/temp_dir.h"

namespace alluxio::testing {
namespace {

const auto* const kMotoEnv = ::testing::AddGlobalTestEnvironment(new MotoEnvironment);

std::set<std::string> Names(const std::vector<FileInfo>& v) {
  std::set<std::string> out;
  for (const auto& f : v) out.insert(f.name);
  return out;
}

// A client of moto itself (not through a proxy), to change a bucket behind
// the UFS's back.
Result<std::unique_ptr<s3::S3Client>> DirectClient(const std::string& bucket) {
  auto opts = s3::S3Options();
  opts.endpoint = g_moto->endpoint();
  opts.bucket = bucket;
  opts.creds = {"testing", "testing-secret", ""};
  return s3::S3Client::Create(opts);
}

// Puts objects straight into the bucket, each holding its own key, with
// parallel PUTs.
Status PutKeys(const std::string& bucket, const std::vector<std::string>& keys) {
  ASSIGN_OR_RETURN(auto client, DirectClient(bucket));
  s3::S3Client* c = client.get();
  return c->loop().Run<Status>([&] {
    std::vector<Status> errors(keys.size());
    c->loop().ParallelFor(keys.size(), 16, [&](size_t i) {
      errors[i] = c->Put(keys[i], keys[i].data(), keys[i].size(), {});
    });
    for (auto& e : errors) RETURN_IF_ERROR(e);
    return Status::OK();
  });
}

std::vector<std::string> EntryNames(const UfsListSlice& slice) {
  std::vector<std::string> out;
  for (const auto& e : slice.entries) out.push_back(e.name);
  return out;
}

class S3UfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_MOTO();
    bucket_ = NewBucket();
    auto ufs = MountS3("s3://" + bucket_ + "/root", options_);
    ASSERT_TRUE(ufs.ok()) << ufs.status().ToString();
    ufs_ = *ufs;
  }
  std::map<std::string, std::string> options_;
  std::string bucket_;
  std::shared_ptr<Ufs> ufs_;
};

TEST_F(S3UfsTest, WriteStatReadList) {
  EXPECT_EQ(ufs_->Uri(), "s3://" + bucket_ + "/root");
  std::string data = Pattern(100000, 1);
  UfsCreateOptions o;
  o.mode = 0640;
  o.uid = 1234;
  o.gid = 5678;
  o.mtime_ns = 1700000000123456789;
  ASSERT_TRUE(WriteFile(*ufs_, "/f", data, o).ok());
  auto a = ufs_->GetStatus("/f");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->is_dir);
  EXPECT_EQ(a->size, data.size());
  EXPECT_EQ(a->mode, 0640u);
  EXPECT_EQ(a->uid, 1234u);
  EXPECT_EQ(a->gid, 5678u);
  EXPECT_EQ(a->mtime_ns, 1700000000123456789);
  EXPECT_NE(a->version, 0u);

  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Size(), data.size());
  char buf[1000];
  auto n = (*r)->ReadAt(99500, buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 500u);
  EXPECT_EQ(std::string(buf, 500), data.substr(99500));
  n = (*r)->ReadAt(100000, buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = (*r)->ReadAt(5, buf, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  auto root = ufs_->GetStatus("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->is_dir);
  auto list = ufs_->ListStatus("/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "f");
  EXPECT_EQ((*list)[0].attr.size, data.size());
  EXPECT_EQ((*list)[0].attr.version, a->version);
}

TEST_F(S3UfsTest, EmptyFile) {
  ASSERT_TRUE(WriteFile(*ufs_, "/empty", "").ok());
  auto a = ufs_->GetStatus("/empty");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size, 0u);
  auto content = ReadUfsFile(*ufs_, "/empty");
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "");
}

TEST_F(S3UfsTest, NothingVisibleBeforeCommitAndAbortKeepsOld) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", "old").ok());
  {
    auto w = ufs_->Create("/f", {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("new content", 11).ok());
    EXPECT_EQ(*ReadUfsFile(*ufs_, "/f"), "old");
    // Destroyed uncommitted: aborted.
  }
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/f"), "old");
  {
    auto w = ufs_->Create("/g", {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("x", 1).ok());
    EXPECT_EQ(ufs_->GetStatus("/g").status().code(), Code::kNotFound);
    (*w)->Abort();
  }
  EXPECT_EQ(ufs_->GetStatus("/g").status().code(), Code::kNotFound);
  ASSERT_TRUE(WriteFile(*ufs_, "/f", "replaced").ok());
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/f"), "replaced");
}

TEST_F(S3UfsTest, MissingPathsAndKinds) {
  EXPECT_EQ(ufs_->GetStatus("/nope").status().code(), Code::kNotFound);
  EXPECT_EQ(ufs_->ListStatus("/nope").status().code(), Code::kNotFound);
  EXPECT_EQ(ufs_->OpenRead("/nope").status().code(), Code::kNotFound);
  EXPECT_EQ(ufs_->DeleteFile("/nope").code(), Code::kNotFound);
  EXPECT_EQ(ufs_->DeleteDirectory("/nope").code(), Code::kNotFound);
  EXPECT_EQ(ufs_->Create("/nodir/f", {}).status().code(), Code::kNotFound);
  EXPECT_EQ(ufs_->CreateDirectory("/nodir/d", 0755).code(), Code::kNotFound);

  ASSERT_TRUE(WriteFile(*ufs_, "/file", "x").ok());
  EXPECT_EQ(ufs_->GetStatus("/file/x").status().code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->ListStatus("/file").status().code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->DeleteDirectory("/file").code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->Create("/file/x", {}).status().code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->CreateDirectory("/file", 0755).code(), Code::kAlreadyExists);

  ASSERT_TRUE(ufs_->CreateDirectory("/d", 0750).ok());
  EXPECT_EQ(ufs_->CreateDirectory("/d", 0755).code(), Code::kAlreadyExists);
  EXPECT_EQ(ufs_->DeleteFile("/d").code(), Code::kIsDirectory);
  EXPECT_EQ(ufs_->OpenRead("/d").status().code(), Code::kIsDirectory);
  EXPECT_EQ(ufs_->Create("/d", {}).status().code(), Code::kIsDirectory);
  EXPECT_EQ(ufs_->OpenRead("/").status().code(), Code::kIsDirectory);
  EXPECT_EQ(ufs_->DeleteDirectory("/").code(), Code::kBusy);
}

TEST_F(S3UfsTest, Directories) {
  ASSERT_TRUE(ufs_->CreateDirectory("/d", 0750).ok());
  auto a = ufs_->GetStatus("/d");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_dir);
  EXPECT_EQ(a->mode, 0750u);
  auto l = ufs_->ListStatus("/d");
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
  ASSERT_TRUE(ufs_->CreateDirectory("/d/e", 0755).ok());
  ASSERT_TRUE(WriteFile(*ufs_, "/d/f", "data").ok());
  EXPECT_EQ(Names(*ufs_->ListStatus("/d")), (std::set<std::string>{"e", "f"}));
  EXPECT_EQ(ufs_->DeleteDirectory("/d").code(), Code::kNotEmpty);
  ASSERT_TRUE(ufs_->DeleteDirectory("/d/e").ok());
  EXPECT_EQ(ufs_->DeleteDirectory("/d").code(), Code::kNotEmpty);
  ASSERT_TRUE(ufs_->DeleteFile("/d/f").ok());
  ASSERT_TRUE(ufs_->DeleteDirectory("/d").ok());
  EXPECT_EQ(ufs_->GetStatus("/d").status().code(), Code::kNotFound);
  EXPECT_TRUE(ufs_->ListStatus("/")->empty());
}

TEST_F(S3UfsTest, ImpliedDirectories) {
  // Written through a mount one level down, /a/b exists only as a prefix.
  auto sub = MountS3("s3://" + bucket_ + "/root/a/b");
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  ASSERT_TRUE(WriteFile(**sub, "/f", "x").ok());
  for (const char* p : {"/a", "/a/b"}) {
    auto a = ufs_->GetStatus(p);
    ASSERT_TRUE(a.ok()) << p << ": " << a.status().ToString();
    EXPECT_TRUE(a->is_dir);
    EXPECT_EQ(a->mode, 0755u);
  }
  EXPECT_EQ(Names(*ufs_->ListStatus("/")), (std::set<std::string>{"a"}));
  EXPECT_EQ(Names(*ufs_->ListStatus("/a")), (std::set<std::string>{"b"}));
  EXPECT_EQ(Names(*ufs_->ListStatus("/a/b")), (std::set<std::string>{"f"}));
  EXPECT_EQ(ufs_->DeleteDirectory("/a").code(), Code::kNotEmpty);
  // Deleting the only object keeps its (implied) parent as a directory.
  ASSERT_TRUE(ufs_->DeleteFile("/a/b/f").ok());
  auto b = ufs_->GetStatus("/a/b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(b->is_dir);
  EXPECT_TRUE(ufs_->ListStatus("/a/b")->empty());
  ASSERT_TRUE(ufs_->DeleteDirectory("/a/b").ok());
  ASSERT_TRUE(ufs_->GetStatus("/a")->is_dir);
  ASSERT_TRUE(ufs_->DeleteDirectory("/a").ok());
  EXPECT_TRUE(ufs_->ListStatus("/")->empty());
}

TEST_F(S3UfsTest, RenameFileAndOverwrite) {
  UfsCreateOptions o;
  o.mode = 0600;
  ASSERT_TRUE(WriteFile(*ufs_, "/a", "alpha", o).ok());
  ASSERT_TRUE(WriteFile(*ufs_, "/b", "beta").ok());
  ASSERT_TRUE(ufs_->Rename("/a", "/c").ok());
  EXPECT_EQ(ufs_->GetStatus("/a").status().code(), Code::kNotFound);
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/c"), "alpha");
  EXPECT_EQ(ufs_->GetStatus("/c")->mode, 0600u);
  ASSERT_TRUE(ufs_->Rename("/c", "/b").ok());
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/b"), "alpha");
  EXPECT_EQ(Names(*ufs_->ListStatus("/")), (std::set<std::string>{"b"}));
  EXPECT_EQ(ufs_->Rename("/nope", "/x").code(), Code::kNotFound);
}

TEST_F(S3UfsTest, RenameDirectoryRecursively) {
  ASSERT_TRUE(ufs_->CreateDirectory("/src", 0700).ok());
  ASSERT_TRUE(ufs_->CreateDirectory("/src/sub", 0755).ok());
  ASSERT_TRUE(ufs_->CreateDirectory("/src/sub/empty", 0755).ok());
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(WriteFile(*ufs_, "/src/sub/f" + std::to_string(i), std::to_string(i)).ok());
  }
  ASSERT_TRUE(WriteFile(*ufs_, "/src/top", "top").ok());
  ASSERT_TRUE(ufs_->CreateDirectory("/parent", 0755).ok());
  ASSERT_TRUE(ufs_->Rename("/src", "/parent/dst").ok());
  EXPECT_EQ(ufs_->GetStatus("/src").status().code(), Code::kNotFound);
  EXPECT_EQ(ufs_->GetStatus("/parent/dst")->mode, 0700u);
  EXPECT_EQ(ufs_->ListStatus("/parent/dst/sub")->size(), 31u);
  EXPECT_TRUE(ufs_->GetStatus("/parent/dst/sub/empty")->is_dir);
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/parent/dst/sub/f17"), "17");
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/parent/dst/top"), "top");
  EXPECT_EQ(Names(*ufs_->ListStatus("/")), (std::set<std::string>{"parent"}));
}

TEST_F(S3UfsTest, AttributesSurviveRemount) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", "content").ok());
  ASSERT_TRUE(ufs_->CreateDirectory("/d", 0755).ok());
  uint64_t version = ufs_->GetStatus("/f")->version;
  ASSERT_TRUE(ufs_->SetMode("/f", 0604).ok());
  ASSERT_TRUE(ufs_->SetOwner("/f", 42, std::nullopt).ok());
  ASSERT_TRUE(ufs_->SetOwner("/f", std::nullopt, 43).ok());
  ASSERT_TRUE(ufs_->SetMtime("/f", 1600000000000000001).ok());
  ASSERT_TRUE(ufs_->SetMode("/d", 0711).ok());
  ASSERT_TRUE(ufs_->SetOwner("/d", 7, 8).ok());
  EXPECT_EQ(ufs_->SetMode("/nope", 0600).code(), Code::kNotFound);

  auto again = MountS3("s3://" + bucket_ + "/root");
  ASSERT_TRUE(again.ok());
  auto f = (*again)->GetStatus("/f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->mode, 0604u);
  EXPECT_EQ(f->uid, 42u);
  EXPECT_EQ(f->gid, 43u);
  EXPECT_EQ(f->mtime_ns, 1600000000000000001);
  EXPECT_EQ(f->version, version);  // same bytes, same ETag
  EXPECT_EQ(*ReadUfsFile(**again, "/f"), "content");
  auto d = (*again)->GetStatus("/d");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mode, 0711u);
  EXPECT_EQ(d->uid, 7u);
  EXPECT_EQ(d->gid, 8u);

  // Root of a prefix mount keeps attributes in the prefix marker.
  ASSERT_TRUE(ufs_->SetMode("/", 0700).ok());
  EXPECT_EQ((*again)->GetStatus("/")->mode, 0700u);
}

TEST_F(S3UfsTest, SpecialNames) {
  const std::vector<std::string> names = {"with space",    "unicode-\xc3\xbc\xe2\x98\x83",
                                          "question?mark", "back\\slash",
                                          "plus+sign",     "per%cent",
                                          "per%25cent",    "amp&eq=semi;",
                                          "hash#tag",      "quote'\"",
                                          "~tilde",        "star*paren()"};
  ASSERT_TRUE(ufs_->CreateDirectory("/dir with space?", 0755).ok());
  for (const auto& n : names) {
    ASSERT_TRUE(WriteFile(*ufs_, "/dir with space?/" + n, "data:" + n).ok()) << n;
  }
  auto list = ufs_->ListStatus("/dir with space?");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(Names(*list), std::set<std::string>(names.begin(), names.end()));
  for (const auto& n : names) {
    std::string p = "/dir with space?/" + n;
    auto a = ufs_->GetStatus(p);
    ASSERT_TRUE(a.ok()) << n << ": " << a.status().ToString();
    EXPECT_EQ(*ReadUfsFile(*ufs_, p), "data:" + n);
    ASSERT_TRUE(ufs_->SetMode(p, 0600).ok()) << n;
    ASSERT_TRUE(ufs_->Rename(p, p + ".renamed").ok()) << n;
    EXPECT_EQ(*ReadUfsFile(*ufs_, p + ".renamed"), "data:" + n);
    ASSERT_TRUE(ufs_->DeleteFile(p + ".renamed").ok()) << n;
  }
  EXPECT_TRUE(ufs_->ListStatus("/dir with space?")->empty());
  ASSERT_TRUE(ufs_->Rename("/dir with space?", "/\xc3\xa9t\xc3\xa9 +%").ok());
  EXPECT_TRUE(ufs_->GetStatus("/\xc3\xa9t\xc3\xa9 +%")->is_dir);
}

TEST_F(S3UfsTest, ConcurrentReadsFromManyThreads) {
  std::string data = Pattern(3 << 20, 7);
  ASSERT_TRUE(WriteFile(*ufs_, "/big", data).ok());
  auto r = ufs_->OpenRead("/big");
  ASSERT_TRUE(r.ok());
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<char> buf(100000);
      for (int i = 0; i < 10; ++i) {
        uint64_t off = (static_cast<uint64_t>(t) * 7919 + i * 104729) % data.size();
        auto n = (*r)->ReadAt(off, buf.data(), buf.size());
        size_t want = std::min<size_t>(buf.size(), data.size() - off);
        if (!n.ok() || *n != want || std::memcmp(buf.data(), data.data() + off, want) != 0) {
          ++bad;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(S3UfsTest, ChangedObjectIsNotMixedIntoAnOpenReader) {
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(1000, 1)).ok());
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  uint64_t v1 = ufs_->GetStatus("/f")->version;
  ASSERT_TRUE(WriteFile(*ufs_, "/f", Pattern(1000, 2)).ok());
  EXPECT_NE(ufs_->GetStatus("/f")->version, v1);
  char buf[100];
  auto n = (*r)->ReadAt(0, buf, sizeof(buf));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("changed"), std::string::npos) << n.status().ToString();
}

TEST_F(S3UfsTest, ForkedChildGetsItsOwnIoThread) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot start threads in the child of a threaded process";
#endif
  // The parent's I/O thread is running; the child must not depend on it.
  ASSERT_TRUE(WriteFile(*ufs_, "/f", "parent").ok());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto c = ReadUfsFile(*ufs_, "/f");
    Status st = WriteFile(*ufs_, "/child", "child");
    ::_exit(c.ok() && *c == "parent" && st.ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto child = ReadUfsFile(*ufs_, "/child");
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ(*child, "child");
  EXPECT_EQ(*ReadUfsFile(*ufs_, "/f"), "parent");
}

TEST_F(S3UfsTest, ListFromStartsAtFromInByteOrder) {
  // Names around the ones that sort near '/' (' ' '%' '+' '-' '.' < '/' <
  // '0'), and multi-byte characters up to four bytes.
  const std::vector<std::string> files = {
      "a",   "a b", "a%b",       "a+b",      "a-b",          "a.b",
      "a0",  "b",   "b\xc3\xa9", "f0",       "f00",          "f000",
      "f01", "f1",  "z",         "\xc3\xa9", "\xe2\x98\x83", "\xf0\x9f\x98\x80"};
  std::vector<std::string> keys;
  for (const auto& f : files) keys.push_back("root/d/" + f);
  keys.push_back("root/d/imp/x");  // an implied directory
  keys.push_back("root/d/sub/");   // a marked one
  ASSERT_TRUE(PutKeys(bucket_, keys).ok());
  std::vector<std::string> all = files;
  all.push_back("imp");
  all.push_back("sub");
  std::sort(all.begin(), all.end());

  std::vector<std::string> froms = all;
  for (const char* f : {"", "0", "a!", "a.", "a/", "a00", "f", "f0\xf4\x8f\xbf\xbf", "\xc3\xa8",
                        "\xc3\xaa", "\xf0\x9f\x98\x81", "zz"}) {
    froms.push_back(f);
  }
  for (const auto& from : froms) {
    auto slice = ufs_->ListFrom("/d", from, 1000);
    ASSERT_TRUE(slice.ok()) << from << ": " << slice.status().ToString();
    std::vector<std::string> want;
    for (const auto& n : all) {
      if (n >= from) want.push_back(n);
    }
    EXPECT_EQ(EntryNames(*slice), want) << "from '" << from << "'";
    EXPECT_TRUE(slice->at_end) << from;
    for (const auto& e : slice->entries) {
      EXPECT_EQ(e.attr.is_dir, e.name == "imp" || e.name == "sub") << e.name;
      EXPECT_FALSE(e.full_attributes);
      if (!e.attr.is_dir) {
        EXPECT_EQ(e.attr.size, ("root/d/" + e.name).size()) << e.name;
        EXPECT_EQ(e.attr.version, ufs_->GetStatus("/d/" + e.name)->version) << e.name;
      }
    }
  }
  auto root = ufs_->ListFrom("/", "", 10);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(EntryNames(*root), std::vector<std::string>{"d"});
  EXPECT_TRUE(root->at_end);
}

TEST_F(S3UfsTest, ListFromPagesAreExactAndBounded) {
  const std::vector<std::string> files = {"a",   "a b", "a%b", "a-b", "a.b", "b",
                                          "b.x", "c",   "d",   "d-1", "e"};
  std::vector<std::string> keys;
  for (const auto& f : files) keys.push_back("root/p/" + f);
  keys.push_back("root/p/d/");   // d is a directory (marker) shadowing file d
  keys.push_back("root/p/a/x");  // a is a directory (implied) shadowing file a
  keys.push_back("root/p/");     // the marker of p itself is no entry
  ASSERT_TRUE(PutKeys(bucket_, keys).ok());
  // What ListStatus says.
  std::map<std::string, bool> truth;  // name -> is_dir
  for (const auto& f : files) truth[f] = false;
  truth["a"] = truth["d"] = true;
  auto list = ufs_->ListStatus("/p");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), truth.size());
  for (const auto& e : *list) EXPECT_EQ(e.attr.is_dir, truth.at(e.name)) << e.name;

  for (size_t max = 1; max <= truth.size() + 3; ++max) {
    for (const auto& [from, unused] : truth) {
      (void)unused;
      auto slice = ufs_->ListFrom("/p", from, max);
      ASSERT_TRUE(slice.ok()) << slice.status().ToString();
      std::string where = "from '" + from + "' max " + std::to_string(max);
      EXPECT_LE(slice->entries.size(), max) << where;
      std::vector<std::string> want;  // everything from `from` on, in order
      for (const auto& [n, d] : truth) {
        if (n >= from) want.push_back(n);
      }
      std::vector<std::string> got = EntryNames(*slice);
      EXPECT_TRUE(std::includes(want.begin(), want.end(), got.begin(), got.end())) << where;
      EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << where;
      for (const auto& e : slice->entries) {
        // Never a file where a directory is, even when the directory's
        // prefix would be on the next page.
        EXPECT_EQ(e.attr.is_dir, truth.at(e.name)) << where << ": " << e.name;
      }
      if (slice->at_end) {
        EXPECT_EQ(got, want) << where;
      }
      if (max >= keys.size()) {
        EXPECT_TRUE(slice->at_end) << where;
      }
    }
  }
  // The page [a, "a b", "a%b"] ends before "a/": file a is left out, "a b"
  // ("a b/" < "a%b") is kept.
  auto cut = ufs_->ListFrom("/p", "a", 3);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(EntryNames(*cut), std::vector<std::string>{"a b"});
  EXPECT_FALSE(cut->at_end);
}

TEST_F(S3UfsTest, ListFromOfAMissingDirectoryOrAFileIsEmpty) {
  ASSERT_TRUE(WriteFile(*ufs_, "/file", "x").ok());
  for (const char* dir : {"/nope", "/file", "/nope/deeper"}) {
    auto slice = ufs_->ListFrom(dir, "a", 10);
    ASSERT_TRUE(slice.ok()) << dir << ": " << slice.status().ToString();
    EXPECT_TRUE(slice->entries.empty()) << dir;
    EXPECT_TRUE(slice->at_end) << dir;
  }
}

// FileSystem over S3, through a proxy that counts requests: opening the
// files of a directory one after the other, by name and without listing it,
// costs a ranged GET per file and a few listings, not a stat each.
TEST(S3FileSystemTest, ColdOpensInADirectoryNeedNoStatEach) {
  REQUIRE_MOTO();
  std::string bucket = NewBucket();
  S3FaultProxy proxy(g_moto->port());
  std::string err;
  ASSERT_TRUE(proxy.Start(&err)) << err;
  const int kFiles = 300;
  auto name = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "f%05d", i);
    return std::string(buf);
  };
  std::vector<std::string> keys;
  for (int i = 0; i < kFiles; ++i) keys.push_back("data/ds/" + name(i));
  ASSERT_TRUE(PutKeys(bucket, keys).ok());
  auto ufs = MountS3("s3://" + bucket + "/data", {}, proxy.endpoint());
  ASSERT_TRUE(ufs.ok()) << ufs.status().ToString();
  TempDir tmp;
  auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp.path()}});
  ASSERT_TRUE(conf.ok());
  auto fs = FileSystem::CreateWithRoot(*conf, *ufs);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  auto read = [&](const std::string& path) { return ReadWhole(**fs, path); };

  // The first two opens: a stat (two HEADs), then a slice of 100 entries.
  ASSERT_EQ(*read("/ds/" + name(0)), "data/ds/" + name(0));
  ASSERT_EQ(*read("/ds/" + name(1)), "data/ds/" + name(1));
  int heads = proxy.requests("HEAD"), gets = proxy.requests("GET");
  for (int i = 2; i < kFiles; ++i) {
    if (i == 50 || i == 60) continue;
    auto data = read("/ds/" + name(i));
    ASSERT_TRUE(data.ok()) << name(i) << ": " << data.status().ToString();
    ASSERT_EQ(*data, "data/ds/" + name(i));
  }
  heads = proxy.requests("HEAD") - heads;
  gets = proxy.requests("GET") - gets;
  // 296 files: a ranged GET each, and slices of 400 and 1000 entries.
  EXPECT_EQ(heads, 0);
  EXPECT_LE(gets, kFiles - 4 + 3);
  EXPECT_GE(gets, kFiles - 4);

  // Changed and removed behind the client's back, after the slice.
  auto direct = DirectClient(bucket);
  ASSERT_TRUE(direct.ok());
  s3::S3Client* c = direct->get();
  Status st = c->loop().Run<Status>([&] {
    RETURN_IF_ERROR(c->Put("data/ds/" + name(50), "changed content", 15, {}));
    return c->Delete("data/ds/" + name(60));
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  // The open of a changed file never serves the old bytes: reads are pinned
  // to the ETag listed, and when S3 refuses it the reader looks again and
  // reads the new version. A removed one fails with ENOENT.
  auto changed = read("/ds/" + name(50));
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(*changed, "changed content");
  EXPECT_EQ(read("/ds/" + name(60)).status().code(), Code::kNotFound);
}

TEST_F(S3UfsTest, StatWithHeadAgreesWithStatAndBringsTheFirstBytes) {
  UfsCreateOptions o;
  o.mode = 0600;
  o.uid = 4321;
  o.gid = 8765;
  o.mtime_ns = 1700000000000000000;
  std::string small = Pattern(3000, 11), big = Pattern(300000, 12);
  ASSERT_TRUE(ufs_->CreateDirectory("/d", 0755).ok());
  ASSERT_TRUE(WriteFile(*ufs_, "/d/small", small, o).ok());
  ASSERT_TRUE(WriteFile(*ufs_, "/d/big", big, o).ok());
  ASSERT_TRUE(WriteFile(*ufs_, "/d/empty", "", o).ok());
  ASSERT_TRUE(ufs_->CreateDirectory("/d/sub", 0755).ok());
  auto same_as_stat = [&](const std::string& path, const FileAttr& got) {
    auto want = ufs_->GetStatus(path);
    ASSERT_TRUE(want.ok()) << path;
    EXPECT_EQ(got.is_dir, want->is_dir) << path;
    EXPECT_EQ(got.size, want->size) << path;
    EXPECT_EQ(got.mode, want->mode) << path;
    EXPECT_EQ(got.uid, want->uid) << path;
    EXPECT_EQ(got.gid, want->gid) << path;
    EXPECT_EQ(got.mtime_ns, want->mtime_ns) << path;
    EXPECT_EQ(got.version, want->version) << path;
  };
  // Names a new mount knows nothing of: a plain stat, no bytes.
  auto fresh = MountS3("s3://" + bucket_ + "/root", options_);
  ASSERT_TRUE(fresh.ok());
  std::string head = "stale";
  auto a = (*fresh)->GetStatusWithHead("/d/small", 1000, &head);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  same_as_stat("/d/small", *a);
  EXPECT_TRUE(head.empty());
  // Known files (a slice lists them): the same attributes, and the bytes.
  auto slice = ufs_->ListFrom("/d", "", 100);
  ASSERT_TRUE(slice.ok()) << slice.status().ToString();
  for (auto [path, data] : {std::pair{"/d/small", &small}, std::pair{"/d/big", &big}}) {
    for (size_t max : {size_t{1000}, size_t{4096}, size_t{1} << 20}) {
      a = ufs_->GetStatusWithHead(path, max, &head);
      ASSERT_TRUE(a.ok()) << path << ": " << a.status().ToString();
      same_as_stat(path, *a);
      EXPECT_EQ(a->mode, 0600u);
      EXPECT_EQ(a->uid, 4321u);
      EXPECT_TRUE(head == data->substr(0, max)) << path << " " << max;
    }
  }
  // An empty object (S3 refuses the range) and a directory: stats, no bytes.
  for (const char* path : {"/d/empty", "/d/sub"}) {
    a = ufs_->GetStatusWithHead(path, 1000, &head);
    ASSERT_TRUE(a.ok()) << path << ": " << a.status().ToString();
    same_as_stat(path, *a);
    EXPECT_TRUE(head.empty()) << path;
  }
  // A known file removed since: NotFound, as GetStatus says.
  ASSERT_TRUE(ufs_->DeleteFile("/d/small").ok());
  a = ufs_->GetStatusWithHead("/d/small", 1000, &head);
  EXPECT_EQ(a.status().code(), Code::kNotFound) << a.status().ToString();
  EXPECT_TRUE(head.empty());
}

// FUSE's pattern over S3: each file is stat'ed (with full attributes) and
// then opened and read. After the first files, a stat brings the file's
// first page along, so each small file costs one GET.
TEST(S3FileSystemTest, StatThenReadOfEachFileIsOneRequest) {
  REQUIRE_MOTO();
  std::string bucket = NewBucket();
  S3FaultProxy proxy(g_moto->port());
  std::string err;
  ASSERT_TRUE(proxy.Start(&err)) << err;
  auto ufs = MountS3("s3://" + bucket + "/data", {}, proxy.endpoint());
  ASSERT_TRUE(ufs.ok()) << ufs.status().ToString();
  const int kFiles = 40;
  UfsCreateOptions o;
  o.mode = 0640;
  ASSERT_TRUE((*ufs)->CreateDirectory("/ds", 0755).ok());
  for (int i = 0; i < kFiles; ++i) {
    ASSERT_TRUE(WriteFile(**ufs, "/ds/f" + std::to_string(100 + i), Pattern(5000 + i, i), o).ok());
  }
  TempDir tmp;
  auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp.path()}});
  ASSERT_TRUE(conf.ok());
  auto fs = FileSystem::CreateWithRoot(*conf, *ufs);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  // Stats file i with full attributes, then reads it.
  auto stat_and_read = [&](FileSystem& client, int i) {
    std::string path = "/ds/f" + std::to_string(100 + i);
    auto a = client.GetStatus(path);
    ASSERT_TRUE(a.ok()) << path << ": " << a.status().ToString();
    EXPECT_EQ(a->mode, 0640u) << path;
    EXPECT_EQ(a->size, 5000u + i) << path;
    auto data = ReadWhole(client, path);
    ASSERT_TRUE(data.ok()) << path << ": " << data.status().ToString();
    ASSERT_TRUE(*data == Pattern(5000 + i, i)) << path;
  };
  int heads = 0, gets = 0;
  for (int i = 0; i < kFiles; ++i) {
    if (i == 3) {
      heads = proxy.requests("HEAD");
      gets = proxy.requests("GET");
    }
    stat_and_read(**fs, i);
  }
  heads = proxy.requests("HEAD") - heads;
  gets = proxy.requests("GET") - gets;
  EXPECT_EQ(heads, 0);
  // A GET per file, and the listing slices.
  EXPECT_LE(gets, kFiles - 3 + 2);

  // The same after a listing (a dataset class scanned, then read): the
  // listing tells which names are files.
  auto fs2 = FileSystem::CreateWithRoot(*conf, *ufs);
  ASSERT_TRUE(fs2.ok());
  auto listing = (*fs2)->ListStatus("/ds");
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->size(), static_cast<size_t>(kFiles));
  for (int i = 0; i < kFiles; ++i) {
    if (i == 1) heads = proxy.requests("HEAD");
    stat_and_read(**fs2, i);
  }
  EXPECT_EQ(proxy.requests("HEAD") - heads, 0);
}

class S3UfsSmallPartsTest : public S3UfsTest {
 protected:
  void SetUp() override {
    options_ = {{"alluxio.underfs.s3.multipart.upload.partition.size", "256KB"},
                {"alluxio.underfs.s3.read.partition.size", "100KB"},
                {"alluxio.underfs.s3.multipart.copy.threshold", "300KB"},
                {"alluxio.underfs.s3.threads.max", "8"}};
    S3UfsTest::SetUp();
  }
};

TEST_F(S3UfsSmallPartsTest, MultipartUploadParallelReadAndMultipartCopy) {
  // 9 full parts and a short last one, crossing Append boundaries.
  std::string data = Pattern(9 * 256 * 1024 + 12345, 3);
  ASSERT_TRUE(WriteFile(*ufs_, "/big", data).ok());
  auto a = ufs_->GetStatus("/big");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size, data.size());
  EXPECT_EQ(a->mode, 0644u);
  auto content = ReadUfsFile(*ufs_, "/big");  // 24 parallel ranged GETs
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_TRUE(*content == data);
  // Exactly a multiple of the part size: no empty last part.
  std::string exact = Pattern(2 * 256 * 1024, 4);
  ASSERT_TRUE(WriteFile(*ufs_, "/exact", exact).ok());
  EXPECT_TRUE(*ReadUfsFile(*ufs_, "/exact") == exact);
  // Above the copy threshold: rename and chmod go through UploadPartCopy.
  ASSERT_TRUE(ufs_->SetMode("/big", 0600).ok());
  ASSERT_TRUE(ufs_->Rename("/big", "/moved").ok());
  auto m = ufs_->GetStatus("/moved");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->mode, 0600u);
  EXPECT_EQ(m->size, data.size());
  EXPECT_TRUE(*ReadUfsFile(*ufs_, "/moved") == data);
}

class S3UfsListingTest : public S3UfsTest {
 protected:
  void SetUp() override {
    options_ = {{"alluxio.underfs.s3.list.max.keys", "100"}};
    S3UfsTest::SetUp();
  }
};

TEST_F(S3UfsListingTest, ThousandsOfEntriesAcrossPages) {
  // Populate directly with parallel PUTs (cheaper than 1200 UFS writes).
  auto opts = s3::S3Options();
  opts.endpoint = g_moto->endpoint();
  opts.bucket = bucket_;
  opts.creds = {"testing", "testing-secret", ""};
  auto client = s3::S3Client::Create(opts);
  ASSERT_TRUE(client.ok());
  s3::S3Client* c = client->get();
  const size_t kFiles = 1200, kDirs = 150;
  Status st = c->loop().Run<Status>([&] {
    std::vector<Status> errors(kFiles + kDirs);
    c->loop().ParallelFor(kFiles + kDirs, 16, [&](size_t i) {
      std::string key = i < kFiles ? "root/many/file-" + std::to_string(i)
                                   : "root/many/dir-" + std::to_string(i) + "/x";
      errors[i] = c->Put(key, "x", 1, {});
    });
    for (auto& e : errors) RETURN_IF_ERROR(e);
    return Status::OK();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto list = ufs_->ListStatus("/many");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->size(), kFiles + kDirs);
  size_t dirs =
      std::count_if(list->begin(), list->end(), [](const FileInfo& f) { return f.attr.is_dir; });
  EXPECT_EQ(dirs, kDirs);
  EXPECT_EQ(Names(*list).size(), kFiles + kDirs);
  // Rename of the whole tree uses the paged recursive listing and batched
  // deletes (more than 1000 keys).
  ASSERT_TRUE(ufs_->Rename("/many", "/moved").ok());
  EXPECT_EQ(ufs_->ListStatus("/moved")->size(), kFiles + kDirs);
  EXPECT_EQ(ufs_->GetStatus("/many").status().code(), Code::kNotFound);
}

TEST(S3MountTest, ErrorsNameTheBucketAndEndpoint) {
  REQUIRE_MOTO();
  auto missing = MountS3("s3://no-such-bucket-here/x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no-such-bucket-here"), std::string::npos);
  EXPECT_NE(missing.status().message().find(g_moto->endpoint()), std::string::npos);

  std::string dead = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  auto unreachable = MountS3("s3://" + NewBucket(), {}, dead);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), Code::kUnavailable);
  EXPECT_NE(unreachable.status().message().find(dead), std::string::npos)
      << unreachable.status().ToString();

  EXPECT_EQ(MountS3("s3://").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MountS3("s3://b/../x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MountS3("s3://bucket", {{"alluxio.underfs.s3.threads.max", "lots"}}).status().code(),
            Code::kInvalidArgument);
  auto bad_endpoint = MountS3("s3://bucket", {}, "ftp://127.0.0.1:1/x");
  EXPECT_EQ(bad_endpoint.status().code(), Code::kInvalidArgument);
  auto half = MountS3("s3://bucket", {{"s3a.secretKey", ""}});
  EXPECT_EQ(half.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(half.status().message().find("testing"), std::string::npos);
}

TEST(S3MountTest, BucketRootAndEnvironmentCredentials) {
  REQUIRE_MOTO();
  std::string bucket = NewBucket();
  ::setenv("AWS_ACCESS_KEY_ID", "env-key", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  auto conf = Configuration::FromMap({});
  ASSERT_TRUE(conf.ok());
  auto ufs =
      CreateUfs("s3://" + bucket, {{"alluxio.underfs.s3.endpoint", g_moto->endpoint()}}, *conf);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_TRUE(ufs.ok()) << ufs.status().ToString();
  EXPECT_EQ((*ufs)->Uri(), "s3://" + bucket);
  ASSERT_TRUE(WriteFile(**ufs, "/top", "t").ok());
  EXPECT_EQ(Names(*(*ufs)->ListStatus("/")), (std::set<std::string>{"top"}));
  EXPECT_EQ((*ufs)->SetMode("/", 0700).code(), Code::kNotSupported);
  uint64_t total = 0, free = 0;
  ASSERT_TRUE((*ufs)->GetSpace(&total, &free).ok());
  EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace alluxio::testing
