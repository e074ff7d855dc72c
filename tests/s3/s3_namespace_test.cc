// Unit tests of the S3 UFS's namespace rules over the in-memory ObjectClient
// (no server): probing, shadowing, the seen cache, key order and listing
// slices, the attribute codec, rename and delete, error codes, and uploads
// under injected faults. docs/S3.md states the rules.
#include "s3/s3_namespace.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/ufs.h"
#include "s3/s3_client.h"
#include "s3/s3_metadata.h"
#include "s3/s3_settings.h"
#include "s3/s3_ufs.h"
#include "testing/bytes.h"
#include "testing/fs_read.h"
#include "testing/mem_object_client.h"

namespace alluxio::testing {
namespace {

using s3::ObjectMeta;
using s3::UserMeta;

s3::S3Settings Settings(const std::map<std::string, std::string>& options = {},
                        const std::string& uri = "s3://mem-bucket/pre") {
  auto where = s3::ParseS3Uri(uri);
  EXPECT_TRUE(where.ok()) << where.status().ToString();
  auto conf = Configuration::FromMap({});
  EXPECT_TRUE(conf.ok());
  auto s = s3::ParseS3Settings(*where, options, *conf);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

class S3NamespaceTest : public ::testing::Test {
 protected:
  void SetUp() override { Mount(); }

  // Mounts s3://mem-bucket/pre (or `uri`) over a fresh bucket.
  void Mount(const std::map<std::string, std::string>& options = {},
             const std::string& uri = "s3://mem-bucket/pre") {
    ufs_.reset();
    mem_ = std::make_shared<MemObjectClient>();
    faulty_ = std::make_shared<FaultyObjectClient>(mem_);
    auto where = s3::ParseS3Uri(uri);
    ASSERT_TRUE(where.ok());
    ufs_ = NewS3Ufs(faulty_, *where, Settings(options, uri).ufs);
  }

  // An object written behind the UFS's back.
  void Put(const std::string& key, const std::string& data = "x", const UserMeta& meta = {}) {
    mem_->PutObject(key, data, meta);
  }

  Status Write(const std::string& path, const std::string& data, UfsCreateOptions opts = {}) {
    auto w = ufs_->Create(path, opts);
    if (!w.ok()) return w.status();
    RETURN_IF_ERROR((*w)->Append(data.data(), data.size()));
    return (*w)->Commit();
  }

  Result<std::string> Read(const std::string& path) { return ReadUfsFile(*ufs_, path); }

  // "name" or "name/" for each entry.
  static std::vector<std::string> Names(const std::vector<FileInfo>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.name + (e.attr.is_dir ? "/" : ""));
    return out;
  }

  Code StatCode(const std::string& path) { return ufs_->GetStatus(path).status().code(); }

  std::shared_ptr<MemObjectClient> mem_;
  std::shared_ptr<FaultyObjectClient> faulty_;
  std::shared_ptr<Ufs> ufs_;
};

// --- Probing: file, marker, common prefix ---

TEST_F(S3NamespaceTest, StatTellsAFileAMarkedAndAnImpliedDirectory) {
  Put("pre/f", "hello");
  Put("pre/m/", "", s3::MetaFor(true, 0700, 11, 12, 5'000'000'000));
  mem_->SetClock(1'600'000'000'987'000'000);
  Put("pre/i/deep/x");

  faulty_->ResetCounts();
  auto f = ufs_->GetStatus("/f");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FALSE(f->is_dir);
  EXPECT_EQ(f->size, 5u);
  EXPECT_EQ(faulty_->Count("Head"), 2);  // the key and the marker, at once
  EXPECT_EQ(faulty_->Count("List"), 0);  // no listing when a HEAD answers

  auto m = ufs_->GetStatus("/m");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->is_dir);
  EXPECT_EQ(m->mode, 0700u);
  EXPECT_EQ(m->uid, 11u);
  EXPECT_EQ(m->mtime_ns, 5'000'000'000);
  EXPECT_EQ(faulty_->Count("List"), 0);

  faulty_->ResetCounts();
  auto i = ufs_->GetStatus("/i");
  ASSERT_TRUE(i.ok());
  EXPECT_TRUE(i->is_dir);
  EXPECT_EQ(i->mode, 0755u);
  EXPECT_EQ(i->mtime_ns, 1'600'000'000'000'000'000);  // the key's, in whole seconds
  EXPECT_EQ(faulty_->Count("List"), 1);
  EXPECT_TRUE(ufs_->GetStatus("/i/deep")->is_dir);

  auto none = ufs_->GetStatus("/nothing");
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_EQ(none.status().ToErrno(), ENOENT);
  EXPECT_TRUE(ufs_->GetStatus("/")->is_dir);
}

TEST_F(S3NamespaceTest, TwoHeadsOfAProbeGoAtOnce) {
  Put("pre/f");
  faulty_->Delay("Head", std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ufs_->GetStatus("/f").ok());
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(550));
}

TEST_F(S3NamespaceTest, AMarkerShadowsAFileOfTheSameName) {
  Put("pre/x", "file bytes");
  Put("pre/x/");
  Put("pre/x/inner", "in");
  auto st = ufs_->GetStatus("/x");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->is_dir);
  EXPECT_EQ(ufs_->OpenRead("/x").status().code(), Code::kIsDirectory);
  EXPECT_EQ(ufs_->Create("/x", {}).status().code(), Code::kIsDirectory);
  EXPECT_EQ(Names(*ufs_->ListStatus("/")), (std::vector<std::string>{"x/"}));
  auto slice = ufs_->ListFrom("/", "", 100);
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(Names(slice->entries), (std::vector<std::string>{"x/"}));
  // Below the hidden file the directory's contents are what exists.
  EXPECT_EQ(*Read("/x/inner"), "in");
}

TEST_F(S3NamespaceTest, AFileBesideKeysBelowItButNoMarkerStatsAsTheFile) {
  Put("pre/y", "file");
  Put("pre/y/z");
  auto st = ufs_->GetStatus("/y");
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->is_dir);
  EXPECT_EQ(*Read("/y"), "file");
  // Listings still show the directory, once.
  EXPECT_EQ(Names(*ufs_->ListStatus("/")), (std::vector<std::string>{"y/"}));
  EXPECT_EQ(Names(ufs_->ListFrom("/", "", 100)->entries), (std::vector<std::string>{"y/"}));
}

TEST_F(S3NamespaceTest, AMissingPathBelowAFileIsNotADirectory) {
  Put("pre/f");
  auto below = ufs_->GetStatus("/f/g/h");
  EXPECT_EQ(below.status().code(), Code::kNotDirectory);
  EXPECT_EQ(below.status().ToErrno(), ENOTDIR);
  EXPECT_EQ(ufs_->OpenRead("/f/g").status().code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->Create("/f/g", {}).status().code(), Code::kNotDirectory);
  // A file shadowed by a directory is no file on the way down.
  Put("pre/d");
  Put("pre/d/");
  EXPECT_EQ(StatCode("/d/zz"), Code::kNotFound);
  EXPECT_EQ(ufs_->Create("/none/f", {}).status().code(), Code::kNotFound);
}

// --- The seen cache ---

TEST_F(S3NamespaceTest, AnOpenRightAfterAStatNeedsNoRequest) {
  Put("pre/f", "content");
  auto st = ufs_->GetStatus("/f");
  ASSERT_TRUE(st.ok());
  faulty_->ResetCounts();
  auto r = ufs_->OpenRead("/f", *st);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(faulty_->TotalCount(), 0);
  EXPECT_EQ((*r)->Version(), st->version);
  std::string buf(7, '\0');
  ASSERT_EQ(*(*r)->ReadAt(0, buf.data(), 7), 7u);
  EXPECT_EQ(buf, "content");

  // Rewritten behind our back: the reader pinned to the ETag seen fails
  // rather than mixing versions, and a stat sees the new version.
  Put("pre/f", "CONTENT");
  auto stale = ufs_->OpenRead("/f", *st);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ((*stale)->ReadAt(0, buf.data(), 7).status().code(), Code::kIoError);
  auto now = ufs_->GetStatus("/f");
  EXPECT_NE(now->version, st->version);
  // Another version than the one seen is probed again.
  FileAttr other = *st;
  other.version ^= 1;
  faulty_->ResetCounts();
  ASSERT_TRUE(ufs_->OpenRead("/f", other).ok());
  EXPECT_EQ(faulty_->Count("Head"), 2);
}

TEST_F(S3NamespaceTest, AListingRemembersItsFilesButNotShadowedOnes) {
  Put("pre/d/a", "aaa");
  Put("pre/d/x", "hidden");
  Put("pre/d/x/");
  auto list = ufs_->ListStatus("/d");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(Names(*list), (std::vector<std::string>{"x/", "a"}));
  faulty_->ResetCounts();
  ASSERT_TRUE(ufs_->OpenRead("/d/a", (*list)[1].attr).ok());
  EXPECT_EQ(faulty_->TotalCount(), 0);

  // What the shadowed file would have looked like in a listing.
  FileAttr x = s3::AttrFromObject(*mem_->Meta("pre/d/x"), false, 0, 0);
  EXPECT_EQ(ufs_->OpenRead("/d/x", x).status().code(), Code::kIsDirectory);
}

TEST_F(S3NamespaceTest, AStatOfAKnownFileBringsItsFirstBytesInOneGet) {
  std::string data = PseudoRandomBytes(10000, 1);
  Put("pre/f", data);
  std::string head;
  // Not known yet: a plain stat, no bytes.
  auto first = ufs_->GetStatusWithHead("/f", 4096, &head);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(head.empty());
  faulty_->ResetCounts();
  auto second = ufs_->GetStatusWithHead("/f", 4096, &head);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(faulty_->Count("GetFirst"), 1);
  EXPECT_EQ(faulty_->Count("Head"), 0);
  EXPECT_EQ(head, data.substr(0, 4096));
  EXPECT_EQ(second->version, first->version);
  EXPECT_EQ(second->size, first->size);

  // Gone meanwhile: the probe that follows tells.
  mem_->DeleteBucket();
  EXPECT_EQ(ufs_->GetStatusWithHead("/f", 4096, &head).status().code(), Code::kNotFound);
  EXPECT_TRUE(head.empty());
}

TEST_F(S3NamespaceTest, AStatOfAKnownEmptyFileIsAPlainStat) {
  Put("pre/e", "");
  ASSERT_TRUE(ufs_->GetStatus("/e").ok());
  std::string head = "junk";
  faulty_->ResetCounts();
  auto st = ufs_->GetStatusWithHead("/e", 4096, &head);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 0u);
  EXPECT_TRUE(head.empty());
  EXPECT_EQ(faulty_->Count("GetFirst"), 0);
}

TEST(SeenCacheTest, RecallsOnlyTheSameSizeAndVersion) {
  s3::SeenCache seen;
  ObjectMeta m;
  m.key = "pre/f";
  m.size = 10;
  m.etag = "abc";
  seen.Remember("/f", m, /*known_file=*/false);
  EXPECT_FALSE(seen.KnownFileSize("/f", 60'000'000'000));  // only listed
  ASSERT_TRUE(seen.Recall("/f", ContentVersion("abc"), 10));
  EXPECT_EQ(seen.Recall("/f", ContentVersion("abc"), 10)->key, "pre/f");
  EXPECT_FALSE(seen.Recall("/f", ContentVersion("abd"), 10));
  EXPECT_FALSE(seen.Recall("/f", ContentVersion("abc"), 11));
  EXPECT_FALSE(seen.Recall("/g", ContentVersion("abc"), 10));
  seen.Remember("/f", m, /*known_file=*/true);
  EXPECT_EQ(seen.KnownFileSize("/f", 60'000'000'000), 10u);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_FALSE(seen.KnownFileSize("/f", 1'000'000));  // older than 1 ms
  ObjectMeta no_etag = m;
  no_etag.etag.clear();
  seen.Remember("/n", no_etag, true);
  EXPECT_FALSE(seen.KnownFileSize("/n", 60'000'000'000));
}

// --- Key order and listing slices ---

TEST(KeyBeforeTest, SortsJustBeforeTheKey) {
  const std::string kMax = "\xF4\x8F\xBF\xBF";  // U+10FFFF
  EXPECT_EQ(s3::KeyBefore(""), "");
  EXPECT_EQ(s3::KeyBefore("d/b"), "d/a" + kMax);
  EXPECT_EQ(s3::KeyBefore("d/\xC3\xA9"), "d/\xC3\xA8" + kMax);      // é -> è
  EXPECT_EQ(s3::KeyBefore("d/\xC2\x80"), "d/\x7F" + kMax);          // U+0080 -> U+007F
  EXPECT_EQ(s3::KeyBefore("\xEE\x80\x80"), "\xED\x9F\xBF" + kMax);  // skips surrogates
  EXPECT_EQ(s3::KeyBefore("a\x01"), "a");                           // nothing before U+0001
  EXPECT_EQ(s3::KeyBefore("a\xFF"), "a");                           // not UTF-8
  for (std::string key : {"d/b", "d/a-1", "d/a/", "d/", "\xF0\x9F\x98\x80z"}) {
    std::string before = s3::KeyBefore(key);
    EXPECT_LT(before, key) << key;
    // Keys users write just below it sort before it: the key with its last
    // character one less, going on with anything short of U+10FFFF.
    std::string below = key.substr(0, key.size() - 1) + static_cast<char>(key.back() - 1);
    EXPECT_LT(below, before) << key;
    EXPECT_LT(below + "\xF4\x8F\xBF\xBE\xF4\x8F\xBF\xBF", before) << key;
    EXPECT_LT(below + "~~~~", before) << key;
  }
}

TEST_F(S3NamespaceTest, NamesSortingBeforeTheSlashListInByteOrder) {
  // '-' and '.' sort before '/', so the common prefix "a/" comes after the
  // keys "a-1" and "a.2" in a listing, and after the key "a" it shadows.
  for (const char* k : {"pre/d/a", "pre/d/a-1", "pre/d/a.2", "pre/d/a/x", "pre/d/a0", "pre/d/b"}) {
    Put(k);
  }
  EXPECT_EQ(Names(*ufs_->ListStatus("/d")),
            (std::vector<std::string>{"a/", "a-1", "a.2", "a0", "b"}));
  auto all = ufs_->ListFrom("/d", "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->at_end);
  EXPECT_EQ(Names(all->entries), (std::vector<std::string>{"a/", "a-1", "a.2", "a0", "b"}));

  // A page that ends before "a/" could be seen must not call "a" a file:
  // every entry of every slice is one of the full listing's, and in order.
  std::vector<std::string> full = Names(all->entries);
  for (size_t max = 1; max <= 6; ++max) {
    auto slice = ufs_->ListFrom("/d", "", max);
    ASSERT_TRUE(slice.ok());
    for (const std::string& name : Names(slice->entries)) {
      EXPECT_NE(std::find(full.begin(), full.end(), name), full.end()) << name << ", max " << max;
    }
    for (size_t i = 1; i < slice->entries.size(); ++i) {
      EXPECT_LT(slice->entries[i - 1].name, slice->entries[i].name);
    }
  }
  EXPECT_EQ(Names(ufs_->ListFrom("/d", "", 4)->entries),
            (std::vector<std::string>{"a/", "a-1", "a.2"}));
  EXPECT_EQ(Names(ufs_->ListFrom("/d", "a-", 100)->entries),
            (std::vector<std::string>{"a-1", "a.2", "a0", "b"}));
  EXPECT_EQ(Names(ufs_->ListFrom("/d", "a0", 100)->entries), (std::vector<std::string>{"a0", "b"}));
  EXPECT_EQ(Names(ufs_->ListFrom("/d", "a", 100)->entries),
            (std::vector<std::string>{"a/", "a-1", "a.2", "a0", "b"}));
}

TEST_F(S3NamespaceTest, ASliceStartsAtFromNotAtStartAfter) {
  const std::string kMax = "\xF4\x8F\xBF\xBF";
  Put("pre/d/b");
  Put("pre/d/b" + kMax + "z");  // between KeyBefore("d/c") and "d/c"
  Put("pre/d/c");
  Put("pre/d/e");
  faulty_->ResetCounts();
  auto slice = ufs_->ListFrom("/d", "c", 100);
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(Names(slice->entries), (std::vector<std::string>{"c", "e"}));
  EXPECT_TRUE(slice->at_end);
  EXPECT_EQ(faulty_->Count("List"), 1);
}

TEST_F(S3NamespaceTest, ASliceGoesOnPastPagesHoldingOnlySkippedKeys) {
  Put("pre/d/");  // the marker: listed as a key, never as an entry
  Put("pre/d/a");
  faulty_->ResetCounts();
  auto slice = ufs_->ListFrom("/d", "", 1);
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(Names(slice->entries), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(slice->at_end);
  EXPECT_EQ(faulty_->Count("List"), 2);
}

TEST_F(S3NamespaceTest, ASliceOfAMissingDirectoryOrAFileIsEmptyAtItsEnd) {
  Put("pre/f");
  for (const char* dir : {"/none", "/f"}) {
    auto slice = ufs_->ListFrom(dir, "", 10);
    ASSERT_TRUE(slice.ok());
    EXPECT_TRUE(slice->entries.empty());
    EXPECT_TRUE(slice->at_end);
  }
}

TEST_F(S3NamespaceTest, ListingsFollowContinuationTokens) {
  Mount({{"alluxio.underfs.s3.list.max.keys", "2"}});
  for (int i = 0; i < 7; ++i) Put("pre/d/f" + std::to_string(i));
  for (int i = 0; i < 3; ++i) Put("pre/d/sub" + std::to_string(i) + "/x");
  faulty_->ResetCounts();
  auto list = ufs_->ListStatus("/d");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 10u);
  EXPECT_EQ(faulty_->Count("List"), 5);
  // A slice asks no more than list.max.keys per page.
  auto slice = ufs_->ListFrom("/d", "", 1000);
  ASSERT_TRUE(slice.ok());
  EXPECT_FALSE(slice->at_end);
  EXPECT_LE(slice->entries.size(), 2u);
}

TEST_F(S3NamespaceTest, NamesNoPathCanHaveAreNotListed) {
  Put("pre/d/./x");
  Put("pre/d/../y");
  Put("pre/d//z");
  Put("pre/d/..");
  Put("pre/d/ok");
  EXPECT_EQ(Names(*ufs_->ListStatus("/d")), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(Names(ufs_->ListFrom("/d", "", 100)->entries), (std::vector<std::string>{"ok"}));
}

TEST_F(S3NamespaceTest, AListingOfAFileIsNotADirectory) {
  Put("pre/f");
  EXPECT_EQ(ufs_->ListStatus("/f").status().code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->ListStatus("/none").status().code(), Code::kNotFound);
  EXPECT_TRUE(ufs_->ListStatus("/")->size() == 1);
}

// --- Attributes in object metadata ---

TEST_F(S3NamespaceTest, ModeOwnerAndMtimeRoundTripThroughMetadata) {
  UfsCreateOptions o;
  o.mode = 0640;
  o.uid = 1234;
  o.gid = 5678;
  o.mtime_ns = 1'234'567'890'123'456'789;
  ASSERT_TRUE(Write("/f", "data", o).ok());
  auto meta = mem_->Meta("pre/f");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->user.at("mode"), "33184");  // S_IFREG | 0640
  EXPECT_EQ(meta->user.at("uid"), "1234");
  EXPECT_EQ(meta->user.at("gid"), "5678");
  EXPECT_EQ(meta->user.at("mtime"), "1234567890.123456789");
  auto st = ufs_->GetStatus("/f");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, 0640u);
  EXPECT_EQ(st->uid, 1234u);
  EXPECT_EQ(st->gid, 5678u);
  EXPECT_EQ(st->mtime_ns, 1'234'567'890'123'456'789);

  ASSERT_TRUE(ufs_->SetMode("/f", 0600).ok());
  ASSERT_TRUE(ufs_->SetOwner("/f", 42, std::nullopt).ok());
  ASSERT_TRUE(ufs_->SetMtime("/f", 7'000'000'001).ok());
  st = ufs_->GetStatus("/f");
  EXPECT_EQ(st->mode, 0600u);
  EXPECT_EQ(st->uid, 42u);
  EXPECT_EQ(st->gid, 5678u);
  EXPECT_EQ(st->mtime_ns, 7'000'000'001);
  EXPECT_EQ(*mem_->Contents("pre/f"), "data");

  ASSERT_TRUE(ufs_->CreateDirectory("/d", 0700).ok());
  EXPECT_EQ(mem_->Meta("pre/d/")->user.at("mode"), "16832");  // S_IFDIR | 0700
  EXPECT_EQ(ufs_->GetStatus("/d")->mode, 0700u);
  ASSERT_TRUE(ufs_->SetMode("/d", 0711).ok());
  EXPECT_EQ(ufs_->GetStatus("/d")->mode, 0711u);
}

TEST_F(S3NamespaceTest, AnObjectWithoutMetadataShowsDefaults) {
  mem_->SetClock(1'650'000'000'456'000'000);
  Put("pre/plain", "abc");
  Put("pre/implied/x");
  auto st = ufs_->GetStatus("/plain");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, 0644u);
  EXPECT_EQ(st->uid, static_cast<uint32_t>(getuid()));
  EXPECT_EQ(st->gid, static_cast<uint32_t>(getgid()));
  EXPECT_EQ(st->mtime_ns, 1'650'000'000'000'000'000);
  // A listing (milliseconds) agrees with HEAD (seconds); it has no metadata.
  auto list = ufs_->ListStatus("/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(Names(*list), (std::vector<std::string>{"implied/", "plain"}));
  EXPECT_EQ((*list)[1].attr.mtime_ns, st->mtime_ns);
  EXPECT_EQ((*list)[1].attr.version, st->version);
  EXPECT_FALSE(ufs_->ListingHasFullAttributes());

  // chmod keeps what stat showed for the fields it does not change.
  ASSERT_TRUE(ufs_->SetMode("/plain", 0600).ok());
  st = ufs_->GetStatus("/plain");
  EXPECT_EQ(st->mtime_ns, 1'650'000'000'000'000'000);
  EXPECT_EQ(st->uid, static_cast<uint32_t>(getuid()));
  // chmod of an implied directory gives it a marker.
  ASSERT_TRUE(ufs_->SetMode("/implied", 0700).ok());
  EXPECT_TRUE(mem_->Meta("pre/implied/"));
  EXPECT_EQ(ufs_->GetStatus("/implied")->mode, 0700u);
}

TEST_F(S3NamespaceTest, TheRootOfABucketKeepsNoAttributes) {
  Mount({}, "s3://mem-bucket");
  EXPECT_EQ(ufs_->SetMode("/", 0700).code(), Code::kNotSupported);
  Mount({}, "s3://mem-bucket/pre");
  ASSERT_TRUE(ufs_->SetMode("/", 0700).ok());  // the prefix has a marker to keep them
  EXPECT_EQ(ufs_->GetStatus("/")->mode, 0700u);
}

TEST(S3MetadataTest, Codec) {
  EXPECT_EQ(s3::FormatMtime(1'500'000'000'000'000'007), "1500000000.000000007");
  EXPECT_EQ(s3::FormatMtime(-1), "-1.999999999");
  EXPECT_EQ(s3::ParseMtime("1500000000.000000007"), 1'500'000'000'000'000'007);
  EXPECT_EQ(s3::ParseMtime("12.5"), 12'500'000'000);
  EXPECT_EQ(s3::ParseMtime("12"), 12'000'000'000);
  EXPECT_EQ(s3::ParseMtime("12.1234567891"), 12'123'456'789);
  EXPECT_EQ(s3::ParseMtime(""), std::nullopt);
  EXPECT_EQ(s3::ParseMtime("x"), std::nullopt);
  for (int64_t ns :
       {int64_t{0}, int64_t{1}, int64_t{999'999'999}, int64_t{1'700'000'000'123'456'789}}) {
    EXPECT_EQ(s3::ParseMtime(s3::FormatMtime(ns)), ns);
  }
  EXPECT_EQ(s3::ParseU32("33188"), 33188u);
  EXPECT_EQ(s3::ParseU32("12a"), std::nullopt);
  EXPECT_EQ(s3::ParseU32(""), std::nullopt);
  EXPECT_EQ(s3::EncodeMode(false, 0644), "33188");
  EXPECT_EQ(s3::EncodeMode(true, 0755), "16877");
  EXPECT_EQ(s3::EncodeMode(false, 0100644), "33188");  // type bits given are dropped

  ObjectMeta m;
  m.size = 3;
  m.etag = "e1";
  m.last_modified_ns = 2'500'000'000;
  m.user = s3::MetaFor(false, 0604, 1, 2, 3'000'000'004);
  FileAttr a = s3::AttrFromObject(m, false, 9, 9);
  EXPECT_EQ(a.mode, 0604u);
  EXPECT_EQ(a.uid, 1u);
  EXPECT_EQ(a.gid, 2u);
  EXPECT_EQ(a.mtime_ns, 3'000'000'004);
  EXPECT_EQ(a.version, ContentVersion("e1"));
  m.user = {{"mode", "garbage"}, {"uid", "-"}};
  a = s3::AttrFromObject(m, false, 9, 8);
  EXPECT_EQ(a.mode, 0644u);
  EXPECT_EQ(a.uid, 9u);
  EXPECT_EQ(a.gid, 8u);
  EXPECT_EQ(a.mtime_ns, 2'000'000'000);
  FileAttr d = s3::AttrFromObject(m, true, 9, 8);
  EXPECT_EQ(d.mode, 0755u);
  EXPECT_EQ(d.size, 0u);
  EXPECT_EQ(d.version, 0u);
  m.etag.clear();
  EXPECT_EQ(s3::AttrFromObject(m, false, 0, 0).version, ContentVersion(3, 2'000'000'000));
}

// --- Rename and delete ---

TEST_F(S3NamespaceTest, RenameOfAFileKeepsItsAttributesAndItsParent) {
  UfsCreateOptions o;
  o.mode = 0600;
  ASSERT_TRUE(Write("/p/f", "bytes", o).code() == Code::kNotFound);  // no parent yet
  Put("pre/p/f", "bytes", s3::MetaFor(false, 0600, 1, 2, 3'000'000'000));
  ASSERT_TRUE(ufs_->Rename("/p/f", "/g").ok());
  EXPECT_FALSE(mem_->Contents("pre/p/f"));
  EXPECT_EQ(*mem_->Contents("pre/g"), "bytes");
  EXPECT_EQ(ufs_->GetStatus("/g")->mode, 0600u);
  // /p was implied by the file alone: it stays, as a marker.
  EXPECT_TRUE(mem_->Meta("pre/p/"));
  EXPECT_TRUE(ufs_->GetStatus("/p")->is_dir);
  EXPECT_EQ(ufs_->Rename("/none", "/x").code(), Code::kNotFound);
  EXPECT_EQ(ufs_->Rename("/", "/x").code(), Code::kBusy);
}

TEST_F(S3NamespaceTest, RenameOfADirectoryMovesEveryKeyBelowIt) {
  for (const char* k : {"pre/a/", "pre/a/f", "pre/a/sub/g", "pre/a/sub/h/i", "pre/ab"}) Put(k, k);
  ASSERT_TRUE(ufs_->Rename("/a", "/b").ok());
  EXPECT_EQ(mem_->Keys(), (std::vector<std::string>{"pre/ab", "pre/b/", "pre/b/f", "pre/b/sub/g",
                                                    "pre/b/sub/h/i"}));
  EXPECT_EQ(*mem_->Contents("pre/b/sub/g"), "pre/a/sub/g");
  EXPECT_EQ(StatCode("/a"), Code::kNotFound);
}

TEST_F(S3NamespaceTest, AFailedCopyLeavesTheSourceWholeAndNoCopies) {
  for (const char* k : {"pre/a/1", "pre/a/2", "pre/a/3"}) Put(k, k);
  faulty_->FailNth("Copy", 2, Status(Code::kUnavailable, "injected"));
  Status st = ufs_->Rename("/a", "/b");
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_EQ(mem_->Keys(), (std::vector<std::string>{"pre/a/1", "pre/a/2", "pre/a/3"}));
}

TEST_F(S3NamespaceTest, LargeObjectsAreCopiedPartByPart) {
  Mount({{"alluxio.underfs.s3.multipart.copy.threshold", "100KB"},
         {"alluxio.underfs.s3.multipart.upload.partition.size", "64KB"}});
  std::string data = PseudoRandomBytes(200 << 10, 3);
  Put("pre/big", data, s3::MetaFor(false, 0604, 5, 6, 7'000'000'000));
  faulty_->ResetCounts();
  ASSERT_TRUE(ufs_->Rename("/big", "/moved").ok());
  EXPECT_EQ(faulty_->Count("UploadPartCopy"), 4);
  EXPECT_EQ(faulty_->Count("Copy"), 0);
  EXPECT_EQ(*mem_->Contents("pre/moved"), data);
  EXPECT_EQ(ufs_->GetStatus("/moved")->mode, 0604u);
  EXPECT_EQ(mem_->OpenUploads(), 0u);
  // A failing part copy aborts the upload: nothing appears.
  faulty_->FailNth("UploadPartCopy", 3, Status(Code::kIoError, "injected"));
  EXPECT_EQ(ufs_->Rename("/moved", "/again").code(), Code::kIoError);
  EXPECT_FALSE(mem_->Contents("pre/again"));
  EXPECT_EQ(*mem_->Contents("pre/moved"), data);
  EXPECT_EQ(mem_->OpenUploads(), 0u);
}

TEST_F(S3NamespaceTest, DeleteFollowsPosix) {
  Put("pre/d/f");
  Put("pre/e/");
  Put("pre/file");
  Status busy = ufs_->DeleteDirectory("/d");
  EXPECT_EQ(busy.code(), Code::kNotEmpty);
  EXPECT_EQ(busy.ToErrno(), ENOTEMPTY);
  EXPECT_EQ(ufs_->DeleteDirectory("/file").code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->DeleteFile("/d").code(), Code::kIsDirectory);
  EXPECT_EQ(ufs_->DeleteFile("/none").code(), Code::kNotFound);
  EXPECT_EQ(ufs_->DeleteDirectory("/").code(), Code::kBusy);
  ASSERT_TRUE(ufs_->DeleteDirectory("/e").ok());
  EXPECT_FALSE(mem_->Meta("pre/e/"));
  // Removing the last entry of an implied directory keeps the directory.
  ASSERT_TRUE(ufs_->DeleteFile("/d/f").ok());
  EXPECT_TRUE(ufs_->GetStatus("/d")->is_dir);
  EXPECT_TRUE(ufs_->ListStatus("/d")->empty());
  ASSERT_TRUE(ufs_->DeleteDirectory("/d").ok());
  EXPECT_EQ(mem_->Keys(), (std::vector<std::string>{"pre/file"}));
}

TEST_F(S3NamespaceTest, MkdirFollowsPosix) {
  Put("pre/f");
  EXPECT_EQ(ufs_->CreateDirectory("/f", 0755).code(), Code::kAlreadyExists);
  EXPECT_EQ(ufs_->CreateDirectory("/f/d", 0755).code(), Code::kNotDirectory);
  EXPECT_EQ(ufs_->CreateDirectory("/none/d", 0755).code(), Code::kNotFound);
  EXPECT_EQ(ufs_->CreateDirectory("/", 0755).code(), Code::kAlreadyExists);
  ASSERT_TRUE(ufs_->CreateDirectory("/d", 0755).ok());
  EXPECT_EQ(ufs_->CreateDirectory("/d", 0755).code(), Code::kAlreadyExists);
  ASSERT_TRUE(ufs_->CreateDirectory("/d/e", 0755).ok());
}

// --- Errors ---

TEST(S3ErrorCodeTest, HttpRepliesMapToPosixMeanings) {
  struct Case {
    long http;
    const char* s3_code;
    int err;
  };
  for (const Case& c : std::vector<Case>{{404, "NoSuchKey", ENOENT},
                                         {404, "NoSuchBucket", ENOENT},
                                         {403, "AccessDenied", EACCES},
                                         {401, "", EACCES},
                                         {409, "BucketNotEmpty", EBUSY},
                                         {412, "PreconditionFailed", EIO},
                                         {416, "InvalidRange", ERANGE},
                                         {501, "NotImplemented", ENOTSUP},
                                         {503, "SlowDown", ECONNREFUSED},
                                         {400, "EntityTooLarge", EFBIG},
                                         {400, "InvalidArgument", EINVAL},
                                         {500, "InternalError", EIO}}) {
    EXPECT_EQ(Status::CodeToErrno(s3::S3ErrorCode(c.http, c.s3_code)), c.err)
        << c.http << " " << c.s3_code;
  }
}

TEST_F(S3NamespaceTest, ErrorsOfTheObjectStoreKeepTheirCodes) {
  Put("pre/f");
  faulty_->FailAll("Head", Status(Code::kPermissionDenied, "access denied: HEAD (HTTP 403)"));
  auto st = ufs_->GetStatus("/f");
  EXPECT_EQ(st.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(st.status().ToErrno(), EACCES);
  EXPECT_EQ(ufs_->OpenRead("/f").status().code(), Code::kPermissionDenied);
  faulty_->Clear();
  faulty_->FailAll("List", Status(Code::kUnavailable, "unreachable"));
  EXPECT_EQ(StatCode("/f"), Code::kOk);  // a HEAD answers: no listing needed
  EXPECT_EQ(StatCode("/none"), Code::kUnavailable);
  EXPECT_EQ(ufs_->ListStatus("/").status().code(), Code::kUnavailable);
  faulty_->Clear();
  mem_->DeleteBucket();
  EXPECT_EQ(StatCode("/none"), Code::kNotFound);
}

TEST(S3MountUnitTest, ABucketMissingFailsTheProbe) {
  auto mem = std::make_shared<MemObjectClient>("b");
  mem->DeleteBucket();
  Status st = mem->loop().Run<Status>([&] { return mem->Probe("", 0); });
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("'b'"), std::string::npos);
}

// --- Writes ---

TEST_F(S3NamespaceTest, AnObjectOfAtMostOnePartIsOnePut) {
  Mount({{"alluxio.underfs.s3.multipart.upload.partition.size", "64KB"}});
  for (size_t n : {size_t{0}, size_t{10}, size_t{64 << 10}}) {
    faulty_->ResetCounts();
    std::string data = PseudoRandomBytes(n, 4);
    ASSERT_TRUE(Write("/f", data).ok());
    EXPECT_EQ(faulty_->Count("Put"), 1) << n;
    EXPECT_EQ(faulty_->Count("CreateMultipart"), 0) << n;
    EXPECT_EQ(*mem_->Contents("pre/f"), data);
  }
}

TEST_F(S3NamespaceTest, ALargerObjectIsAssembledFromParts) {
  Mount({{"alluxio.underfs.s3.multipart.upload.partition.size", "64KB"}});
  std::string data = PseudoRandomBytes((200 << 10) + 7, 5);
  auto w = ufs_->Create("/big", {});
  ASSERT_TRUE(w.ok());
  // Uneven appends, so parts are cut across them.
  for (size_t off = 0; off < data.size(); off += 30001) {
    ASSERT_TRUE((*w)->Append(data.data() + off, std::min<size_t>(30001, data.size() - off)).ok());
  }
  EXPECT_FALSE(mem_->Contents("pre/big"));  // nothing visible before commit
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(faulty_->Count("UploadPart"), 4);
  EXPECT_EQ(faulty_->Count("CompleteMultipart"), 1);
  EXPECT_EQ(*mem_->Contents("pre/big"), data);
  EXPECT_NE(mem_->Meta("pre/big")->etag.find("-4"), std::string::npos);
  EXPECT_EQ(*Read("/big"), data);
  EXPECT_EQ((*w)->Append("x", 1).code(), Code::kBadDescriptor);
}

TEST_F(S3NamespaceTest, AFailingPartAbortsTheUploadAndNothingIsVisible) {
  Mount({{"alluxio.underfs.s3.multipart.upload.partition.size", "64KB"}});
  Put("pre/f", "old");
  faulty_->FailNth("UploadPart", 2, Status(Code::kIoError, "injected part failure"));
  std::string data = PseudoRandomBytes(300 << 10, 6);
  Status st = Write("/f", data);
  EXPECT_EQ(st.code(), Code::kIoError);
  EXPECT_NE(st.message().find("injected part failure"), std::string::npos);
  EXPECT_EQ(faulty_->Count("AbortMultipart"), 1);
  EXPECT_EQ(faulty_->Count("CompleteMultipart"), 0);
  EXPECT_EQ(mem_->OpenUploads(), 0u);
  EXPECT_EQ(*mem_->Contents("pre/f"), "old");
}

TEST_F(S3NamespaceTest, AFailedCompleteOrAnAbandonedWriterLeavesNothing) {
  Mount({{"alluxio.underfs.s3.multipart.upload.partition.size", "64KB"}});
  std::string data = PseudoRandomBytes(150 << 10, 7);
  faulty_->FailNth("CompleteMultipart", 1, Status(Code::kIoError, "injected"));
  EXPECT_EQ(Write("/f", data).code(), Code::kIoError);
  EXPECT_FALSE(mem_->Contents("pre/f"));
  EXPECT_EQ(mem_->OpenUploads(), 0u);
  {
    auto w = ufs_->Create("/g", {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(data.data(), data.size()).ok());
    EXPECT_EQ(mem_->OpenUploads(), 1u);
  }  // destroyed without commit
  EXPECT_EQ(mem_->OpenUploads(), 0u);
  EXPECT_FALSE(mem_->Contents("pre/g"));
  faulty_->FailNth("Put", 1, Status(Code::kPermissionDenied, "injected"));
  EXPECT_EQ(Write("/h", "small").code(), Code::kPermissionDenied);
  EXPECT_FALSE(mem_->Contents("pre/h"));
}

// --- Reads ---

TEST_F(S3NamespaceTest, LargeReadsAreParallelRangedGetsPinnedToTheETag) {
  Mount({{"alluxio.underfs.s3.read.partition.size", "4KB"}});
  std::string data = PseudoRandomBytes(20000, 8);
  Put("pre/f", data);
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Size(), 20000u);
  faulty_->ResetCounts();
  std::string buf(30000, '\0');
  ASSERT_EQ(*(*r)->ReadAt(0, buf.data(), buf.size()), 20000u);  // short at the end
  EXPECT_EQ(buf.substr(0, 20000), data);
  EXPECT_EQ(faulty_->Count("GetRange"), 5);
  ASSERT_EQ(*(*r)->ReadAt(19990, buf.data(), 100), 10u);
  EXPECT_EQ(buf.substr(0, 10), data.substr(19990));
  EXPECT_EQ(*(*r)->ReadAt(20000, buf.data(), 100), 0u);  // at EOF: no request
  EXPECT_EQ(faulty_->Count("GetRange"), 6);
  faulty_->FailNth("GetRange", 1, Status(Code::kUnavailable, "injected"));
  EXPECT_EQ((*r)->ReadAt(0, buf.data(), 100).status().code(), Code::kUnavailable);
}

TEST_F(S3NamespaceTest, AStreamDeliversItsRangeThroughFlowControl) {
  // More than the stream buffers (8 MiB), so the transfer pauses.
  std::string data = PseudoRandomBytes(12 << 20, 9);
  Put("pre/f", data);
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->PrefersStreams());
  auto s = (*r)->OpenStream(100, data.size());
  ASSERT_TRUE(s.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it fill up
  std::string got;
  std::vector<char> buf(1 << 20);
  while (true) {
    auto n = (*s)->Read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    got.append(buf.data(), *n);
  }
  EXPECT_EQ(got.size(), data.size() - 100);
  EXPECT_TRUE(got == data.substr(100));
  // Cancelled midway: ends at once, and its destructor does not hang.
  auto c = (*r)->OpenStream(0, data.size());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Read(buf.data(), 10).ok());
  (*c)->Cancel();
  EXPECT_EQ((*c)->Read(buf.data(), 10).status().code(), Code::kAborted);
}

TEST_F(S3NamespaceTest, AStreamOfAChangedObjectFails) {
  Put("pre/f", "first version");
  auto r = ufs_->OpenRead("/f");
  ASSERT_TRUE(r.ok());
  Put("pre/f", "second version");
  auto s = (*r)->OpenStream(0, 100);
  ASSERT_TRUE(s.ok());
  char buf[64];
  EXPECT_EQ((*s)->Read(buf, sizeof(buf)).status().code(), Code::kIoError);
}

// --- Settings ---

TEST(S3SettingsTest, EachKeyHasOneDefaultAndMountOptionsGoOverTheConfiguration) {
  auto where = s3::ParseS3Uri("s3://bucket/p");
  ASSERT_TRUE(where.ok());
  auto conf = Configuration::FromMap({{"alluxio.underfs.s3.threads.max", "8"},
                                      {"alluxio.underfs.s3.endpoint", "http://127.0.0.1:1"}});
  ASSERT_TRUE(conf.ok());
  auto s = s3::ParseS3Settings(*where, {{"alluxio.underfs.s3.threads.max", "4"}}, *conf);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->client.max_requests, 4);
  EXPECT_EQ(s->ufs.width, 4u);
  EXPECT_EQ(s->client.endpoint, "http://127.0.0.1:1");
  EXPECT_EQ(s->client.bucket, "bucket");
  // The configuration table's defaults.
  EXPECT_EQ(s->ufs.part_size, 64ull << 20);
  EXPECT_EQ(s->ufs.read_part_size, 8ull << 20);
  EXPECT_EQ(s->ufs.copy_threshold, 5ull << 30);
  EXPECT_EQ(s->ufs.list_max_keys, 1000);
  EXPECT_EQ(s->client.retry_max, 5);
  EXPECT_EQ(s->client.retry_base_ms, 100);
  EXPECT_EQ(s->client.request_timeout_ms, 60000);
  EXPECT_EQ(s->client.connect_timeout_ms, 10000);
  EXPECT_FALSE(s->client.path_style);
  EXPECT_EQ(s->ufs.probe_retries, 2);
  // Without the option, the configuration's value; an empty typed option
  // is the default.
  EXPECT_EQ(s3::ParseS3Settings(*where, {}, *conf)->client.max_requests, 8);
  EXPECT_EQ(s3::ParseS3Settings(*where, {{"alluxio.underfs.s3.threads.max", ""}}, *conf)
                ->client.max_requests,
            32);
  // Clamped to what S3 allows.
  auto clamped = s3::ParseS3Settings(*where,
                                     {{"alluxio.underfs.s3.list.max.keys", "5000"},
                                      {"alluxio.underfs.s3.multipart.copy.threshold", "10GB"},
                                      {"alluxio.underfs.s3.retry.max", "0"}},
                                     *conf);
  ASSERT_TRUE(clamped.ok());
  EXPECT_EQ(clamped->ufs.list_max_keys, 1000);
  EXPECT_EQ(clamped->ufs.copy_threshold, 5ull << 30);
  EXPECT_EQ(clamped->ufs.probe_retries, 0);
}

TEST(S3SettingsTest, ABadValueIsAnErrorNamingTheKey) {
  auto where = s3::ParseS3Uri("s3://bucket");
  auto conf = Configuration::FromMap({});
  ASSERT_TRUE(where.ok() && conf.ok());
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"alluxio.underfs.s3.threads.max", "lots"},
           {"alluxio.underfs.s3.threads.max", "0"},
           {"alluxio.underfs.s3.read.partition.size", "1KB"},
           {"alluxio.underfs.s3.multipart.upload.partition.size", "big"},
           {"alluxio.underfs.s3.request.timeout", "soon"},
           {"alluxio.underfs.s3.disable.dns.buckets", "maybe"},
           {"alluxio.underfs.s3.list.max.keys", "0"},
           {"alluxio.underfs.s3.retry.max", "-1"}}) {
    auto s = s3::ParseS3Settings(*where, {{key, value}}, *conf);
    ASSERT_FALSE(s.ok()) << key << "=" << value;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    EXPECT_NE(s.status().message().find(key), std::string::npos) << s.status().ToString();
  }
  auto half = s3::ParseS3Settings(*where, {{"s3a.accessKeyId", "the-key"}}, *conf);
  EXPECT_EQ(half.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(half.status().message().find("the-key"), std::string::npos);
}

TEST(S3SettingsTest, UrisNameABucketAndAPrefix) {
  auto a = s3::ParseS3Uri("s3a://b//x/./");
  EXPECT_EQ(a.status().code(), Code::kInvalidArgument);
  auto b = s3::ParseS3Uri("s3://b//x//y/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->bucket, "b");
  EXPECT_EQ(b->prefix, "x/y/");
  EXPECT_EQ(b->uri, "s3://b/x/y");
  auto c = s3::ParseS3Uri("s3a://b");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->prefix, "");
  EXPECT_EQ(c->uri, "s3://b");
  for (const char* bad : {"s3://", "s3:///x", "file:///x", "b/x", "s3://b/../x"}) {
    EXPECT_EQ(s3::ParseS3Uri(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

// --- The fake's own S3 semantics, which the tests above rely on ---

TEST(MemObjectClientTest, ListsLikeS3) {
  MemObjectClient mem;
  for (const char* k : {"a", "a-b", "a/1", "a/2", "a/sub/3", "b", "c/x", "\xC3\xA9"}) {
    mem.PutObject(k, "v");
  }
  auto all = mem.List("", "", "", 1000);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> keys;
  for (const auto& o : all->objects) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "a-b", "a/1", "a/2", "a/sub/3", "b", "c/x",
                                            "\xC3\xA9"}));
  EXPECT_TRUE(all->objects[0].user.empty());

  // Common prefixes count towards max-keys; tokens resume after the last
  // key or prefix returned.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = mem.List("", "/", token, 2);
    ASSERT_TRUE(page.ok());
    EXPECT_LE(page->objects.size() + page->prefixes.size(), 2u);
    std::vector<std::string> items;
    for (const auto& o : page->objects) items.push_back(o.key);
    for (const auto& p : page->prefixes) items.push_back(p);
    std::sort(items.begin(), items.end());  // pages follow each other in order
    seen.insert(seen.end(), items.begin(), items.end());
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "a-b", "a/", "b", "c/", "\xC3\xA9"}));
  EXPECT_EQ(pages, 3);

  auto under = mem.List("a/", "/", "", 1000);
  ASSERT_TRUE(under.ok());
  EXPECT_EQ(under->objects.size(), 2u);
  EXPECT_EQ(under->prefixes, (std::vector<std::string>{"a/sub/"}));
  auto after = mem.List("", "", "", 1000, "a/2");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->objects.front().key, "a/sub/3");
}

TEST(MemObjectClientTest, ReadsWritesAndUploadsLikeS3) {
  MemObjectClient mem;
  ASSERT_TRUE(mem.Put("k", "hello", 5, {{"Mode", "1"}}).ok());
  auto h = mem.Head("k");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->user.at("mode"), "1");  // names lower-cased
  std::string etag = h->etag;
  ASSERT_TRUE(mem.Put("k", "world", 5, {}).ok());
  EXPECT_NE(mem.Head("k")->etag, etag);  // changes with the content
  EXPECT_EQ(mem.Head("none").status().code(), Code::kNotFound);

  char buf[8];
  EXPECT_TRUE(mem.GetRange("k", 1, buf, 4, "").ok());
  EXPECT_EQ(std::string(buf, 4), "orld");
  EXPECT_EQ(mem.GetRange("k", 5, buf, 1, "").code(), Code::kOutOfRange);  // past EOF
  EXPECT_EQ(mem.GetRange("k", 3, buf, 4, "").code(), Code::kIoError);     // short body
  EXPECT_EQ(mem.GetRange("k", 0, buf, 1, etag).code(), Code::kIoError);   // If-Match
  ASSERT_TRUE(mem.Put("empty", "", 0, {}).ok());
  std::string head;
  EXPECT_EQ(mem.GetFirst("empty", 10, &head).status().code(), Code::kOutOfRange);

  auto id = mem.CreateMultipart("m", {{"mode", "2"}});
  ASSERT_TRUE(id.ok());
  auto p2 = mem.UploadPart("m", *id, 2, "second", 6, "");
  auto p1 = mem.UploadPart("m", *id, 1, "first-", 6, "");
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_FALSE(mem.Contents("m"));
  EXPECT_EQ(mem.CompleteMultipart("m", *id, {*p2, *p1}).code(), Code::kInvalidArgument);
  ASSERT_TRUE(mem.CompleteMultipart("m", *id, {*p1, *p2}).ok());
  EXPECT_EQ(*mem.Contents("m"), "first-second");
  EXPECT_EQ(mem.Head("m")->user.at("mode"), "2");
  EXPECT_EQ(mem.AbortMultipart("m", *id).code(), Code::kNotFound);  // finished
  EXPECT_EQ(mem.Copy("m", "m", std::nullopt).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace alluxio::testing
