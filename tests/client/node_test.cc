// Node-wide behaviour of FileSystem::Create: the persisted mount table, the
// shared invalidation counters and the writer lock, seen by two independent
// clients (as two processes of a node would be).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "alluxio/file_system.h"
#include "testing/temp_dir.h"

namespace alluxio {
namespace {

using testing::TempDir;

class NodeTest : public ::testing::Test {
 protected:
  std::shared_ptr<FileSystem> NewClient() {
    auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp_.path() + "/work"}});
    EXPECT_TRUE(conf.ok());
    auto fs = FileSystem::Create(*conf);
    EXPECT_TRUE(fs.ok()) << fs.status().ToString();
    return fs.ok() ? *fs : nullptr;
  }
  static Status Put(FileSystem& fs, const std::string& path, const std::string& data) {
    ASSIGN_OR_RETURN(auto h,
                     fs.OpenFile(path, OpenOptions::FromFlags(O_WRONLY | O_CREAT | O_TRUNC, 0644)));
    auto w = h->Write(0, data.data(), data.size());
    if (!w.ok()) return w.status();
    return h->Close();
  }
  TempDir tmp_;
};

TEST_F(NodeTest, DefaultRootIsCreatedOnFirstUse) {
  auto fs = NewClient();
  ASSERT_TRUE(fs);
  EXPECT_TRUE(std::filesystem::is_directory(tmp_.path() + "/work/underFSStorage"));
  ASSERT_TRUE(Put(*fs, "/f", "x").ok());
  EXPECT_TRUE(std::filesystem::exists(tmp_.path() + "/work/underFSStorage/f"));
}

// On a local UFS a file keeps its inode number across a rename, as on the
// local file system; a file being written already has the number it will
// have once committed; two mounts' files never share one.
TEST_F(NodeTest, InodeNumbersAreStableAcrossRename) {
  auto fs = NewClient();
  ASSERT_TRUE(fs);
  OpenOptions o = OpenOptions::FromFlags(O_WRONLY | O_CREAT | O_TRUNC, 0644);
  o.stage = true;  // as the shim opens files for writing
  auto h = fs->OpenFile("/a", o);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_TRUE((*h)->Write(0, "hi", 2).ok());
  auto while_open = (*h)->Stat();
  ASSERT_TRUE(while_open.ok());
  ASSERT_TRUE((*h)->Close().ok());
  auto before = fs->GetStatus("/a");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(while_open->ino, before->ino);
  ASSERT_TRUE(fs->Rename("/a", "/b").ok());
  auto after = fs->GetStatus("/b");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->ino, before->ino);
  auto listed = fs->ListStatus("/");
  ASSERT_TRUE(listed.ok());
  bool seen = false;
  for (const FileInfo& fi : *listed) {
    if (fi.name == "b") {
      seen = true;
      EXPECT_EQ(fi.attr.ino, before->ino);
    }
  }
  EXPECT_TRUE(seen);
  // Another local directory mounted in the namespace: its files' numbers
  // differ from the root's.
  ASSERT_TRUE(std::filesystem::create_directories(tmp_.path() + "/other"));
  std::ofstream(tmp_.path() + "/other/c") << "c";
  ASSERT_TRUE(fs->Mount("/m", tmp_.path() + "/other", {}).ok());
  auto c = fs->GetStatus("/m/c");
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->ino, before->ino);
  EXPECT_NE(c->ino, 0u);
}

// A sparse file written through a staged handle (the random-access switch,
// as FUSE and sqlite use it; and StagingFd, as the shim does) is uploaded
// sparse: a byte at 256 MiB does not put 256 MiB on disk.
TEST_F(NodeTest, HolesStayHoles) {
  auto conf =
      Configuration::FromMap({{"alluxio.work.dir", tmp_.path() + "/work"},
                              {"alluxio.user.fuse.random.access.file.stream.enabled", "true"}});
  ASSERT_TRUE(conf.ok());
  auto created = FileSystem::Create(*conf);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto fs = *created;
  constexpr uint64_t kAt = 256ull << 20;
  for (bool kernel : {false, true}) {
    std::string name = kernel ? "/sparse-kernel" : "/sparse";
    auto o = OpenOptions::FromFlags(O_RDWR | O_CREAT | O_TRUNC, 0644);
    o.stage = kernel;
    auto h = fs->OpenFile(name, o);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    if (kernel) {
      auto fd = (*h)->StagingFd();
      ASSERT_TRUE(fd.ok()) << fd.status().ToString();
      ASSERT_EQ(::pwrite(*fd, "x", 1, static_cast<off_t>(kAt)), 1);
    } else {
      ASSERT_TRUE((*h)->Write(kAt, "x", 1).ok());
    }
    ASSERT_TRUE((*h)->Close().ok());
    struct stat st;
    std::string file = tmp_.path() + "/work/underFSStorage" + name;
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(static_cast<uint64_t>(st.st_size), kAt + 1) << name;
    EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, 1ull << 20) << name;
  }
}

TEST_F(NodeTest, ConfiguredRootMustExist) {
  auto conf = Configuration::FromMap({{"alluxio.work.dir", tmp_.path() + "/work"},
                                      {"alluxio.master.mount.table.root.ufs", "/no/such/dir"}});
  ASSERT_TRUE(conf.ok());
  auto fs = FileSystem::Create(*conf);
  ASSERT_FALSE(fs.ok());
  EXPECT_NE(fs.status().message().find("/no/such/dir"), std::string::npos);
  EXPECT_NE(fs.status().message().find("alluxio.master.mount.table.root.ufs"), std::string::npos);
}

TEST_F(NodeTest, ChangesBySomeoneElseOnTheNodeAreSeenAtOnce) {
  auto a = NewClient();
  auto b = NewClient();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->GetStatus("/f").status().code(), Code::kNotFound);  // cached negative
  ASSERT_TRUE(b->ListStatus("/").ok());                            // cached listing
  ASSERT_TRUE(Put(*a, "/f", "abc").ok());
  EXPECT_EQ(b->GetStatus("/f")->size, 3u);
  EXPECT_EQ(b->ListStatus("/")->size(), 1u);
  ASSERT_TRUE(Put(*a, "/f", "abcdef").ok());
  EXPECT_EQ(b->GetStatus("/f")->size, 6u);
  ASSERT_TRUE(a->Delete("/f").ok());
  EXPECT_EQ(b->GetStatus("/f").status().code(), Code::kNotFound);
}

TEST_F(NodeTest, OneWriterPerFileAcrossClients) {
  auto a = NewClient();
  auto b = NewClient();
  auto h = a->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  auto h2 = b->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  EXPECT_EQ(h2.status().code(), Code::kBusy);
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_TRUE(Put(*b, "/f", "b").ok());
}

TEST_F(NodeTest, OneWriterPerFileAcrossProcesses) {
  auto a = NewClient();
  auto h = a->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
  ASSERT_TRUE(h.ok());
  pid_t pid = fork();
  if (pid == 0) {
    auto b = NewClient();
    auto h2 = b->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_CREAT, 0644));
    _exit(h2.status().code() == Code::kBusy ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE((*h)->Close().ok());
}

TEST_F(NodeTest, MountTablePersistsAndIsShared) {
  auto a = NewClient();
  auto b = NewClient();
  std::string other = tmp_.Sub("other");
  { std::ofstream(other + "/inside") << "hi"; }
  ASSERT_TRUE(a->Mount("/mnt", other).ok());
  EXPECT_EQ(b->GetStatus("/mnt/inside")->size, 2u);
  auto root = b->ListStatus("/");
  ASSERT_TRUE(root.ok());
  ASSERT_EQ(root->size(), 1u);
  EXPECT_EQ((*root)[0].name, "mnt");
  EXPECT_TRUE((*root)[0].attr.is_dir);
  auto c = NewClient();  // a fresh process reads the file
  EXPECT_EQ(c->GetMountTable().size(), 2u);
  EXPECT_EQ(c->Rename("/mnt/inside", "/outside").code(), Code::kCrossDevice);
  EXPECT_EQ(c->Delete("/mnt").code(), Code::kBusy);
  EXPECT_EQ(c->Mount("/mnt", other).code(), Code::kAlreadyExists);
  EXPECT_EQ(c->Mount("/x", "/no/such/dir").code(), Code::kNotFound);
  EXPECT_EQ(c->Mount("/y", "gopher://x").code(), Code::kInvalidArgument);
  EXPECT_EQ(c->Unmount("/nope").code(), Code::kInvalidArgument);
  ASSERT_TRUE(c->Unmount("/mnt").ok());
  EXPECT_EQ(a->GetStatus("/mnt/inside").status().code(), Code::kNotFound);
  EXPECT_TRUE(std::filesystem::exists(other + "/inside"));  // unmount keeps data
}

TEST_F(NodeTest, CrashWhileWritingLeavesNoHalfFile) {
  auto a = NewClient();
  ASSERT_TRUE(Put(*a, "/f", "committed").ok());
  pid_t pid = fork();
  if (pid == 0) {
    auto b = NewClient();
    auto h = b->OpenFile("/f", OpenOptions::FromFlags(O_WRONLY | O_TRUNC, 0644));
    if (!h.ok()) _exit(1);
    std::string junk(1 << 20, 'j');
    (void)(*h)->Write(0, junk.data(), junk.size());
    _exit(0);  // dies without closing
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto h = a->OpenFile("/f", OpenOptions::FromFlags(O_RDONLY, 0));
  ASSERT_TRUE(h.ok());
  char buf[64];
  EXPECT_EQ(std::string(buf, *(*h)->Read(0, buf, sizeof(buf))), "committed");
  auto list = a->ListStatus("/");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);  // no temporary file shows
  // And the writer lock died with the process.
  EXPECT_TRUE(Put(*a, "/f", "again").ok());
}

}  // namespace
}  // namespace alluxio
