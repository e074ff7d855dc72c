// Integration tests of alluxio-fuse on a real mount: the same POSIX calls on
// the mount and on a plain local directory must give the same results.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
#include "fuse_mount.h"
#include "testing/bytes.h"
#include "testing/local_files.h"
#include "testing/require.h"
#include "testing/wait.h"

namespace alluxio::testing {
namespace {

constexpr char kRandomAccess[] = "alluxio.user.fuse.random.access.file.stream.enabled";

// ---- the differential harness ---------------------------------------------

// What one call did: its result (normalized so that it does not depend on
// where it ran, e.g. any valid fd is 0), errno, and any data it produced.
struct Outcome {
  std::string step;
  long ret = 0;
  int err = 0;
  std::string data;
};

std::string Describe(const Outcome& o) {
  std::ostringstream s;
  s << o.step << " -> ret=" << o.ret;
  if (o.ret < 0) s << " errno=" << o.err << " (" << std::strerror(o.err) << ")";
  if (!o.data.empty())
    s << " data=[" << (o.data.size() > 80 ? o.data.substr(0, 80) + "..." : o.data) << "]";
  return s.str();
}

// Runs calls under `root` and records each outcome.
class Recorder {
 public:
  explicit Recorder(std::string root) : root_(std::move(root)) {}

  std::string P(const std::string& rel) const { return rel.empty() ? root_ : root_ + "/" + rel; }

  // Records a call's result; errno is read at once.
  long Rec(const std::string& step, long ret, std::string data = "") {
    Outcome o;
    o.step = step;
    o.ret = ret;
    o.err = ret < 0 ? errno : 0;
    o.data = std::move(data);
    out_.push_back(std::move(o));
    return ret;
  }

  int Open(const std::string& rel, int flags, mode_t mode = 0644) {
    int fd = ::open(P(rel).c_str(), flags | O_CLOEXEC, mode);
    int err = errno;
    errno = err;
    Rec("open " + rel + " flags=" + std::to_string(flags), fd < 0 ? -1 : 0);
    return fd;
  }

  long Write(const std::string& what, int fd, const std::string& data) {
    return Rec("write " + what, ::write(fd, data.data(), data.size()));
  }

  long PWrite(const std::string& what, int fd, const std::string& data, off_t off) {
    return Rec("pwrite " + what + "@" + std::to_string(off),
               ::pwrite(fd, data.data(), data.size(), off));
  }

  long Close(const std::string& what, int fd) {
    if (fd < 0) return Rec("close " + what + " (not open)", 0);
    return Rec("close " + what, ::close(fd));
  }

  // open + write + close, each recorded.
  void WriteFile(const std::string& rel, const std::string& data, int flags) {
    int fd = Open(rel, flags);
    if (fd < 0) return;
    Write(rel, fd, data);
    Close(rel, fd);
  }

  // The whole content, read in odd-sized chunks.
  void ReadFile(const std::string& rel) {
    int fd = ::open(P(rel).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      Rec("read " + rel, -1);
      return;
    }
    std::string data;
    char buf[70001];
    long n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) data.append(buf, static_cast<size_t>(n));
    int err = errno;
    ::close(fd);
    errno = err;
    Rec("read " + rel, n < 0 ? -1 : static_cast<long>(data.size()), data);
  }

  void PRead(const std::string& rel, off_t off, size_t n) {
    int fd = ::open(P(rel).c_str(), O_RDONLY | O_CLOEXEC);
    std::string buf(n, '\0');
    long r = fd < 0 ? -1 : ::pread(fd, buf.data(), n, off);
    int err = errno;
    if (fd >= 0) ::close(fd);
    errno = err;
    buf.resize(r > 0 ? static_cast<size_t>(r) : 0);
    Rec("pread " + rel + "@" + std::to_string(off), r, buf);
  }

  static std::string StatData(const struct stat& st, bool with_time) {
    std::ostringstream s;
    s << (S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other");
    if (!S_ISDIR(st.st_mode)) s << " size=" << st.st_size;
    s << " mode=" << std::oct << (st.st_mode & 07777) << std::dec;
    if (geteuid() == 0) s << " uid=" << st.st_uid << " gid=" << st.st_gid;
    if (with_time) s << " mtime=" << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec;
    return s.str();
  }

  void Stat(const std::string& rel, bool with_time = false) {
    struct stat st;
    long r = ::stat(P(rel).c_str(), &st);
    Rec("stat " + rel, r, r == 0 ? StatData(st, with_time) : "");
  }

  void FStat(const std::string& what, int fd) {
    struct stat st;
    long r = ::fstat(fd, &st);
    Rec("fstat " + what, r, r == 0 ? StatData(st, false) : "");
  }

  void List(const std::string& rel) {
    DIR* d = ::opendir(P(rel).c_str());
    if (d == nullptr) {
      Rec("readdir " + rel, -1);
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      names.push_back(n + (e->d_type == DT_DIR ? "/" : ""));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const std::string& n : names) joined += n + "|";
    Rec("readdir " + rel, static_cast<long>(names.size()), joined);
  }

  const std::vector<Outcome>& outcomes() const { return out_; }

 private:
  std::string root_;
  std::vector<Outcome> out_;
};

// Compares two recordings step by step.
void ExpectSame(const Recorder& mount, const Recorder& local) {
  const auto& a = mount.outcomes();
  const auto& b = local.outcomes();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].ret == b[i].ret && a[i].err == b[i].err && a[i].data == b[i].data)
        << "step " << i << "\n  mount: " << Describe(a[i]) << "\n  local: " << Describe(b[i]);
  }
}

// The common POSIX surface and its error cases.
void BasicScenario(Recorder& r) {
  r.Rec("mkdir d", ::mkdir(r.P("d").c_str(), 0755));
  r.Rec("mkdir d again", ::mkdir(r.P("d").c_str(), 0755));
  r.Rec("mkdir missing/x", ::mkdir(r.P("missing/x").c_str(), 0755));
  r.WriteFile("d/f", "hello world", O_CREAT | O_WRONLY | O_TRUNC);
  r.ReadFile("d/f");
  r.Stat("d/f");
  r.Stat("d");
  r.Stat("nope");
  r.Stat("d/f/x");
  r.Rec("mkdir under a file", ::mkdir(r.P("d/f/x").c_str(), 0755));
  r.Close("missing parent", r.Open("nope/x", O_CREAT | O_WRONLY));
  r.Close("under a file", r.Open("d/f/x", O_RDONLY));
  r.Close("dir for writing", r.Open("d", O_WRONLY));
  r.Close("exclusive", r.Open("d/f", O_CREAT | O_EXCL | O_WRONLY));
  r.Close("missing", r.Open("d/none", O_RDONLY));
  r.List("d");
  r.List("");
  r.List("d/f");
  r.List("nope");

  // rename
  r.Rec("rename f g", ::rename(r.P("d/f").c_str(), r.P("d/g").c_str()));
  r.Stat("d/f");
  r.ReadFile("d/g");
  r.Rec("rename missing", ::rename(r.P("d/f").c_str(), r.P("d/h").c_str()));
  r.Rec("mkdir e", ::mkdir(r.P("e").c_str(), 0700));
  r.WriteFile("e/x", "x", O_CREAT | O_WRONLY | O_TRUNC);
  r.Rec("rename file onto dir", ::rename(r.P("d/g").c_str(), r.P("e").c_str()));
  r.Rec("rename dir onto file", ::rename(r.P("e").c_str(), r.P("d/g").c_str()));
  r.Rec("rename dir onto non-empty dir", ::rename(r.P("d").c_str(), r.P("e").c_str()));
  r.Rec("rename dir into itself", ::rename(r.P("d").c_str(), r.P("d/sub").c_str()));
  r.Rec("renameat2 noreplace",
        ::renameat2(AT_FDCWD, r.P("e/x").c_str(), AT_FDCWD, r.P("d/g").c_str(), RENAME_NOREPLACE));
  r.Rec("rename replaces file", ::rename(r.P("e/x").c_str(), r.P("d/g").c_str()));
  r.ReadFile("d/g");
  r.Rec("mkdir d/sub", ::mkdir(r.P("d/sub").c_str(), 0755));
  r.WriteFile("d/sub/deep", "deep", O_CREAT | O_WRONLY | O_TRUNC);
  r.Rec("rename dir", ::rename(r.P("d").c_str(), r.P("moved").c_str()));
  r.ReadFile("moved/sub/deep");
  r.Stat("d/sub/deep");
  r.Rec("rename dir back", ::rename(r.P("moved").c_str(), r.P("d").c_str()));
  r.ReadFile("d/sub/deep");

  // remove
  r.Rec("rmdir non-empty", ::rmdir(r.P("d").c_str()));
  r.Rec("unlink dir", ::unlink(r.P("d/sub").c_str()));
  r.Rec("rmdir file", ::rmdir(r.P("d/g").c_str()));
  r.Rec("unlink deep", ::unlink(r.P("d/sub/deep").c_str()));
  r.Rec("unlink deep again", ::unlink(r.P("d/sub/deep").c_str()));
  r.Rec("rmdir sub", ::rmdir(r.P("d/sub").c_str()));
  r.Rec("rmdir sub again", ::rmdir(r.P("d/sub").c_str()));

  // chmod, chown, utimes
  r.Rec("chmod", ::chmod(r.P("d/g").c_str(), 0600));
  r.Stat("d/g");
  r.Rec("chmod dir", ::chmod(r.P("e").c_str(), 0751));
  r.Stat("e");
  r.Rec("chmod missing", ::chmod(r.P("zz").c_str(), 0600));
  if (geteuid() == 0) {
    r.Rec("chown", ::chown(r.P("d/g").c_str(), 1234, 5678));
    r.Stat("d/g");
  }
  struct timespec times[2] = {{1500000000, 123456789}, {1600000000, 987654321}};
  r.Rec("utimensat", ::utimensat(AT_FDCWD, r.P("d/g").c_str(), times, 0));
  r.Stat("d/g", /*with_time=*/true);

  // truncation and replacement
  r.WriteFile("d/g", "abc", O_WRONLY | O_TRUNC);
  r.ReadFile("d/g");
  r.Rec("truncate 0", ::truncate(r.P("d/g").c_str(), 0));
  r.Stat("d/g");
  r.Rec("truncate dir", ::truncate(r.P("d").c_str(), 0));
  r.Rec("truncate missing", ::truncate(r.P("d/zz").c_str(), 0));

  // a big file, in unaligned pieces, read back whole and in parts
  {
    std::string big = LcgBytes(3 * 1024 * 1024 + 777, 1);
    int fd = r.Open("d/big", O_CREAT | O_WRONLY | O_TRUNC);
    for (size_t off = 0; off < big.size(); off += 300001) {
      r.Write("big", fd, big.substr(off, 300001));
    }
    r.FStat("big while open", fd);
    r.Close("big", fd);
    r.ReadFile("d/big");
    r.PRead("d/big", 1048575, 4096);
    r.PRead("d/big", static_cast<off_t>(big.size()) - 10, 100);
    r.PRead("d/big", static_cast<off_t>(big.size()) + 10, 100);
  }

  // an fd shared by dup(): closing the copy is not the end of the writer
  {
    int fd = r.Open("d/dup", O_CREAT | O_WRONLY | O_TRUNC);
    int fd2 = ::dup(fd);
    r.Rec("dup", fd2 < 0 ? -1 : 0);
    r.Close("dup copy", fd2);
    r.Write("after dup close", fd, "written after the dup was closed");
    r.Close("dup original", fd);
    r.ReadFile("d/dup");
  }

  // O_APPEND on a new file, and create without writing
  {
    int fd = r.Open("d/app", O_CREAT | O_WRONLY | O_APPEND);
    r.Write("app 1", fd, "one,");
    r.Write("app 2", fd, "two");
    r.Close("app", fd);
    r.ReadFile("d/app");
    r.Close("empty", r.Open("d/empty", O_CREAT | O_WRONLY));
    r.Stat("d/empty");
    r.ReadFile("d/empty");
    r.Close("rdonly create", r.Open("d/rdcreate", O_CREAT | O_RDONLY));
    r.Stat("d/rdcreate");
  }

  // O_WRONLY without O_TRUNC, nothing written: the file stays as it is
  r.WriteFile("d/keep", "keep me", O_CREAT | O_WRONLY | O_TRUNC);
  r.Close("keep", r.Open("d/keep", O_WRONLY));
  r.ReadFile("d/keep");

  // names that are awkward elsewhere
  for (const char* name : {"with space", "q?mark", "back\\slash", "ünïcødé ✓", "-dash", "#hash%"}) {
    r.WriteFile(std::string("d/") + name, name, O_CREAT | O_WRONLY | O_TRUNC);
    r.ReadFile(std::string("d/") + name);
  }
  r.List("d");
  std::string long_name(256, 'n');
  r.Close("long name", r.Open("d/" + long_name, O_CREAT | O_WRONLY));
  r.Rec("mkdir long name", ::mkdir(r.P("d/" + long_name).c_str(), 0755));
  std::string max_name(255, 'm');
  r.WriteFile("d/" + max_name, "max", O_CREAT | O_WRONLY | O_TRUNC);
  r.ReadFile("d/" + max_name);
}

// Mounts with MOUNT_OR_SKIP (fuse_mount.h).
class FuseTest : public FuseMountTest {};

TEST_F(FuseTest, PosixCallsMatchLocalDirectory) {
  MOUNT_OR_SKIP(m, {});
  Recorder on_mount(m->mount_point());
  Recorder on_local(m->local_dir());
  BasicScenario(on_mount);
  BasicScenario(on_local);
  ExpectSame(on_mount, on_local);
  // The UFS holds exactly what the local directory does.
  Recorder ufs(m->ufs_dir());
  Recorder local_again(m->local_dir());
  for (Recorder* r : {&ufs, &local_again}) {
    r->List("");
    r->List("d");
    r->ReadFile("d/big");
    r->ReadFile("d/dup");
  }
  ExpectSame(ufs, local_again);
}

// Over a local UFS, what the local file system keeps shows through the
// mount as it is: inode numbers that survive a rename, a directory's link
// count of 2 + subdirectories, ctime moved by chmod, atime as set; and an
// open file stays describable after it is unlinked.
TEST_F(FuseTest, InodesLinksAndTimesAreTheLocalFileSystems) {
  MOUNT_OR_SKIP(m, {});
  const std::string mp = m->mount_point();
  ASSERT_EQ(::mkdir((mp + "/d").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((mp + "/d/s1").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((mp + "/d/s2").c_str(), 0755), 0);
  struct stat st;
  ASSERT_EQ(::stat((mp + "/d").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 4u);

  int fd = ::open((mp + "/d/a").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "hi", 2), 2);
  ASSERT_EQ(::close(fd), 0);
  struct stat a;
  ASSERT_EQ(::stat((mp + "/d/a").c_str(), &a), 0);
  ASSERT_EQ(::rename((mp + "/d/a").c_str(), (mp + "/d/b").c_str()), 0);
  ASSERT_EQ(::stat((mp + "/d/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, a.st_ino);

  struct timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (mp + "/d/b").c_str(), times, 0), 0);
  ASSERT_EQ(::stat((mp + "/d/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_GT(st.st_ctim.tv_sec, 2000);  // the change is now, not the mtime set

  // An open file unlinked: fstat still answers (as on a local file system).
  fd = ::open((mp + "/d/b").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink((mp + "/d/b").c_str()), 0);
  EXPECT_EQ(::fstat(fd, &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.st_size, 2);
  ::close(fd);
}

TEST_F(FuseTest, UnsupportedOperationsFailWithDocumentedErrno) {
  MOUNT_OR_SKIP(m, {});
  std::string f = m->mount_point() + "/file";
  std::ofstream(f) << "x";
  errno = 0;
  EXPECT_EQ(::symlink("file", (m->mount_point() + "/link").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::link(f.c_str(), (m->mount_point() + "/hard").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::mkfifo((m->mount_point() + "/fifo").c_str(), 0644), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::mknod((m->mount_point() + "/sock").c_str(), S_IFSOCK | 0644, 0), -1);
  EXPECT_EQ(errno, EPERM);
  // mknod of a regular file is a plain create.
  EXPECT_EQ(::mknod((m->mount_point() + "/regular").c_str(), S_IFREG | 0640, 0), 0);
  struct stat st;
  ASSERT_EQ(::stat((m->mount_point() + "/regular").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(::setxattr(f.c_str(), "user.k", "v", 1, 0), -1);
  EXPECT_EQ(errno, ENOTSUP);
  char buf[64];
  EXPECT_EQ(::getxattr(f.c_str(), "user.k", buf, sizeof(buf)), -1);
  EXPECT_EQ(errno, ENOTSUP);
  EXPECT_EQ(::listxattr(f.c_str(), buf, sizeof(buf)), -1);
  EXPECT_EQ(errno, ENOTSUP);
  std::ofstream(m->mount_point() + "/other") << "y";
  EXPECT_EQ(::renameat2(AT_FDCWD, f.c_str(), AT_FDCWD, (m->mount_point() + "/other").c_str(),
                        RENAME_EXCHANGE),
            -1);
  EXPECT_EQ(errno, EINVAL);
  // Nothing was left behind by the refused calls.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(m->ufs_dir())) {
    names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"file", "other", "regular"}));
}

// Appends, random writes, overwrites and truncation, done the same way on
// the mount and on a local directory.
void RandomAccessScenario(Recorder& r) {
  r.WriteFile("ra", "0123456789", O_CREAT | O_WRONLY | O_TRUNC);
  {
    int fd = r.Open("ra", O_WRONLY | O_APPEND);
    r.Write("append", fd, "abc");
    r.Close("append", fd);
  }
  r.ReadFile("ra");
  {
    int fd = r.Open("ra", O_RDWR);
    r.PWrite("overwrite", fd, "XY", 2);
    r.PWrite("past the end", fd, "Z", 20);
    r.Close("rdwr", fd);
  }
  r.ReadFile("ra");
  r.Rec("truncate 5", ::truncate(r.P("ra").c_str(), 5));
  r.ReadFile("ra");
  {
    int fd = r.Open("ra", O_WRONLY);
    r.Rec("ftruncate 8", ::ftruncate(fd, 8));
    r.PWrite("in place", fd, "q", 0);
    r.Close("wronly", fd);
  }
  r.ReadFile("ra");
  r.Stat("ra");
}

TEST_F(FuseTest, RandomAccessWithSwitchOn) {
  FuseMountOptions opts;
  opts.conf[kRandomAccess] = "true";
  MOUNT_OR_SKIP(m, opts);
  Recorder on_mount(m->mount_point());
  Recorder on_local(m->local_dir());
  RandomAccessScenario(on_mount);
  RandomAccessScenario(on_local);
  ExpectSame(on_mount, on_local);
}

TEST_F(FuseTest, RandomAccessWithSwitchOffFailsAndKeepsFile) {
  FuseMountOptions opts;
  opts.conf[kRandomAccess] = "false";
  opts.ufs_files["ra"] = "0123456789";
  MOUNT_OR_SKIP(m, opts);
  const std::string f = m->mount_point() + "/ra";
  auto content = [&] {
    std::ifstream in(m->ufs_dir() + "/ra", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  int fd = ::open(f.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::write(fd, "abc", 3), -1);
  EXPECT_EQ(errno, ENOTSUP);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(content(), "0123456789");

  fd = ::open(f.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::pwrite(fd, "XY", 2, 2), -1);
  EXPECT_EQ(errno, ENOTSUP);
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof(buf), 0), 10);  // reading stays possible
  EXPECT_EQ(std::string(buf, 10), "0123456789");
  EXPECT_EQ(::close(fd), 0);

  EXPECT_EQ(::truncate(f.c_str(), 5), -1);
  EXPECT_EQ(errno, ENOTSUP);
  fd = ::open(f.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, "q", 1, 0), -1);
  EXPECT_EQ(errno, ENOTSUP);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(content(), "0123456789");

  // Rewriting the whole file (O_TRUNC) is a sequential write: allowed.
  fd = ::open(f.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::write(fd, "new", 3), 3);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(content(), "new");
}

TEST_F(FuseTest, CommitFailureIsReportedByClose) {
  FuseMountOptions opts;
  opts.ufs_dirs = {"cf"};
  MOUNT_OR_SKIP(m, opts);
  int fd = ::open((m->mount_point() + "/cf/file").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::string data = LcgBytes(100000, 3);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  // The directory disappears from the UFS behind the client's back.
  std::filesystem::remove_all(m->ufs_dir() + "/cf");
  errno = 0;
  EXPECT_EQ(::close(fd), -1);
  EXPECT_NE(errno, 0);
  EXPECT_FALSE(std::filesystem::exists(m->ufs_dir() + "/cf/file"));
}

TEST_F(FuseTest, SubPathMountShowsNothingAbove) {
  FuseMountOptions opts;
  opts.alluxio_path = "/sub";
  opts.ufs_files["top.txt"] = "top";
  opts.ufs_files["sub/inner.txt"] = "inner";
  MOUNT_OR_SKIP(m, opts);
  Recorder r(m->mount_point());
  r.List("");
  r.ReadFile("inner.txt");
  r.ReadFile("../top.txt");
  r.ReadFile("../ufs/top.txt");  // the host's directory, not Alluxio's root
  const auto& o = r.outcomes();
  EXPECT_EQ(o[0].data, "inner.txt|");
  EXPECT_EQ(o[1].data, "inner");
  EXPECT_EQ(o[2].ret, -1);
  EXPECT_EQ(o[2].err, ENOENT);
  // Writes land below the sub-path.
  std::ofstream(m->mount_point() + "/new.txt") << "new";
  EXPECT_TRUE(std::filesystem::exists(m->ufs_dir() + "/sub/new.txt"));
  EXPECT_FALSE(std::filesystem::exists(m->ufs_dir() + "/new.txt"));
}

TEST_F(FuseTest, MissingSubPathFailsToMount) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) ALLUXIO_SKIP_UNLESS_REQUIRED("fuse", "no /dev/fuse");
  FuseMountOptions opts;
  opts.alluxio_path = "/does/not/exist";
  std::string skip, error;
  auto m = FuseMount::Start(opts, &skip, &error);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(error.find("/does/not/exist"), std::string::npos) << error << skip;
}

TEST_F(FuseTest, ReadOnlyMount) {
  FuseMountOptions opts;
  opts.mount_options = {"ro"};
  opts.ufs_files["a"] = "data";
  MOUNT_OR_SKIP(m, opts);
  const std::string mp = m->mount_point();
  std::ifstream in(mp + "/a");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "data");
  EXPECT_EQ(::open((mp + "/b").c_str(), O_CREAT | O_WRONLY, 0644), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::open((mp + "/a").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::mkdir((mp + "/d").c_str(), 0755), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::unlink((mp + "/a").c_str()), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::chmod((mp + "/a").c_str(), 0600), -1);
  EXPECT_EQ(errno, EROFS);
}

TEST_F(FuseTest, CacheOptionsServeCorrectBytes) {
  for (std::string options :
       {"kernel_cache,attr_timeout=30,entry_timeout=30", "direct_io", "noauto_cache",
        "auto_cache,max_idle_threads=2,max_background=8,negative_timeout=1", "ro",
        "ro,kernel_cache", "ro,direct_io"}) {
    SCOPED_TRACE(options);
    FuseMountOptions opts;
    opts.mount_options = {options};
    std::string data = LcgBytes(2 * 1024 * 1024 + 5, 9);
    opts.ufs_files["f"] = data;
    MOUNT_OR_SKIP(m, opts);
    for (int round = 0; round < 2; ++round) {
      std::ifstream in(m->mount_point() + "/f", std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      EXPECT_TRUE(s.str() == data);
    }
    if (options.rfind("ro", 0) != 0) {
      std::ofstream(m->mount_point() + "/g") << "written";
      std::ifstream in(m->mount_point() + "/g");
      std::string g;
      in >> g;
      EXPECT_EQ(g, "written");
    }
    struct stat st;
    EXPECT_EQ(::stat((m->mount_point() + "/missing").c_str(), &st), -1);
    EXPECT_EQ(errno, ENOENT);
  }
}

class AutoCacheTest : public FuseTest, public ::testing::WithParamInterface<const char*> {};

// Read-write mounts decide at open; read-only ones (no open requests) rely on
// the kernel noticing the new attributes.
INSTANTIATE_TEST_SUITE_P(RwAndRo, AutoCacheTest,
                         ::testing::Values("attr_timeout=0.1,entry_timeout=0.1",
                                           "ro,attr_timeout=0.1,entry_timeout=0.1"));

TEST_P(AutoCacheTest, SeesChangesMadeElsewhere) {
  FuseMountOptions opts;
  opts.mount_options = {GetParam()};
  opts.conf["alluxio.user.metadata.cache.expiration.time"] = "50ms";
  opts.ufs_files["f"] = "first version";
  MOUNT_OR_SKIP(m, opts);
  auto read = [&] { return ReadLocalFile(m->mount_point() + "/f"); };
  EXPECT_EQ(read(), "first version");
  EXPECT_EQ(read(), "first version");
  // Another writer changes the file in the UFS: seen once the kernel's
  // attributes (0.1 s) and the client's metadata (50 ms) expire, which the
  // test polls for rather than sleeping a fixed time.
  const std::string ufs_file = m->ufs_dir() + "/f";
  ASSERT_TRUE(WriteLocalFile(ufs_file, "second, longer version"));
  EXPECT_TRUE(WaitFor([&] { return read() == "second, longer version"; }, 5)) << read();
  EXPECT_EQ(read(), "second, longer version");
  // Same size, new content: the modification time tells. It is set a
  // second past the previous version's, so it differs whatever the clock's
  // granularity and however fast the rewrite.
  struct stat before;
  ASSERT_EQ(::stat(ufs_file.c_str(), &before), 0);
  ASSERT_TRUE(WriteLocalFile(ufs_file, "third, same-size versio"));
  const struct timespec times[2] = {{0, UTIME_OMIT},
                                    {before.st_mtim.tv_sec + 1, before.st_mtim.tv_nsec}};
  ASSERT_EQ(::utimensat(AT_FDCWD, ufs_file.c_str(), times, 0), 0);
  EXPECT_TRUE(WaitFor([&] { return read() == "third, same-size versio"; }, 5)) << read();
}

// Another client on this node (as the shim would be) rewrites a file the
// kernel has cached: the next open through the mount sees the new content
// and size at once, long attribute timeouts notwithstanding.
TEST_F(FuseTest, WritesOfAnotherClientOnTheNodeAreSeenAtOpen) {
  FuseMountOptions opts;
  opts.mount_options = {"attr_timeout=60,entry_timeout=60"};
  opts.ufs_files["f"] = "short";
  MOUNT_OR_SKIP(m, opts);
  auto read = [&] { return ReadLocalFile(m->mount_point() + "/f"); };
  EXPECT_EQ(read(), "short");
  EXPECT_EQ(read(), "short");
  auto conf = Configuration::FromMap({{"alluxio.work.dir", m->base_dir() + "/work"},
                                      {"alluxio.master.mount.table.root.ufs", m->ufs_dir()}});
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  auto fs = FileSystem::Create(*conf);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  OpenOptions o;
  o.read = false;
  o.write = true;
  o.truncate = true;
  auto h = (*fs)->OpenFile("/f", o);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const std::string longer = "a much longer second version of the file";
  ASSERT_TRUE((*h)->Write(0, longer.data(), longer.size()).ok());
  ASSERT_TRUE((*h)->Close().ok());
  EXPECT_EQ(read(), longer);
}

TEST_F(FuseTest, InvalidMountOptionIsAnErrorNamingIt) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) ALLUXIO_SKIP_UNLESS_REQUIRED("fuse", "no /dev/fuse");
  FuseMountOptions opts;
  opts.mount_options = {"kernel_cache,bogus_option"};
  std::string skip, error;
  auto m = FuseMount::Start(opts, &skip, &error);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(error.find("bogus_option"), std::string::npos) << error;
}

TEST_F(FuseTest, SigtermUnmountsCleanly) {
  MOUNT_OR_SKIP(m, {});
  std::ofstream(m->mount_point() + "/f") << "kept";
  ASSERT_EQ(::kill(m->pid(), SIGTERM), 0);
  EXPECT_TRUE(WaitForMount(m->mount_point(), false, 10));
  int status = m->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << m->Log();
  std::ifstream in(m->ufs_dir() + "/f");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "kept");
}

TEST_F(FuseTest, MountAgainOverADeadMount) {
  MOUNT_OR_SKIP(m, {});
  std::ofstream(m->mount_point() + "/f") << "committed";
  ASSERT_EQ(::kill(m->pid(), SIGKILL), 0);
  ::waitpid(m->pid(), nullptr, 0);
  struct stat st;
  EXPECT_EQ(::stat(m->mount_point().c_str(), &st), -1);
  EXPECT_EQ(errno, ENOTCONN);
  // A new daemon on the same mount point clears the dead mount first.
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(FuseBinary().c_str(), "alluxio-fuse", "mount", m->mount_point().c_str(), "--conf",
            ("alluxio.work.dir=" + m->base_dir() + "/work").c_str(), "--conf",
            ("alluxio.master.mount.table.root.ufs=" + m->ufs_dir()).c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);  // returns once the background daemon is mounted
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  {
    std::ifstream in(m->mount_point() + "/f");
    std::string s;
    in >> s;
    EXPECT_EQ(s, "committed");
  }
  // The background daemon goes away with its mount.
  EXPECT_EQ(::umount2(m->mount_point().c_str(), 0), 0);
  EXPECT_TRUE(WaitForMount(m->mount_point(), false, 5));
}

// Runs `fn` in `n` child processes; true when every child exits 0.
template <typename Fn>
bool InChildren(int n, Fn fn) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn(i) ? 0 : 1);
    if (pid < 0) return false;
    pids.push_back(pid);
  }
  bool ok = true;
  for (pid_t p : pids) {
    int status = 0;
    ::waitpid(p, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok;
}

TEST_F(FuseTest, ConcurrentReadersGetCorrectBytes) {
  FuseMountOptions opts;
  const size_t kBig = 24 * 1024 * 1024 + 123;
  const int kSmall = 300;
  opts.ufs_files["big"] = LcgBytes(kBig, 77);
  for (int i = 0; i < kSmall; ++i) {
    opts.ufs_files["small/" + std::to_string(i)] =
        LcgBytes(1000 + i * 211, static_cast<unsigned>(i));
  }
  MOUNT_OR_SKIP(m, opts);
  const std::string mp = m->mount_point();
  const std::string big = LcgBytes(kBig, 77);

  // Several processes read the large file at once, with different patterns.
  EXPECT_TRUE(InChildren(6, [&](int id) {
    int fd = ::open((mp + "/big").c_str(), O_RDONLY);
    if (fd < 0) return false;
    std::string buf(1 << 20, '\0');
    bool ok = true;
    if (id % 2 == 0) {  // sequential, chunk size by id
      size_t chunk = 4096u << id;
      size_t off = 0;
      while (true) {
        ssize_t n = ::read(fd, buf.data(), std::min(chunk, buf.size()));
        if (n < 0) return false;
        if (n == 0) break;
        ok = ok && std::memcmp(buf.data(), big.data() + off, static_cast<size_t>(n)) == 0;
        off += static_cast<size_t>(n);
      }
      ok = ok && off == kBig;
    } else {  // random offsets
      uint32_t x = static_cast<uint32_t>(id);
      for (int k = 0; k < 300 && ok; ++k) {
        x = x * 1103515245u + 12345u;
        size_t off = x % kBig;
        size_t len = std::min<size_t>(1 + x % 200000, kBig - off);
        ssize_t n = ::pread(fd, buf.data(), len, static_cast<off_t>(off));
        ok = n == static_cast<ssize_t>(len) && std::memcmp(buf.data(), big.data() + off, len) == 0;
      }
    }
    ::close(fd);
    return ok;
  }));

  // Many small files read in parallel, each process in its own order.
  EXPECT_TRUE(InChildren(6, [&](int id) {
    for (int k = 0; k < kSmall; ++k) {
      int i = (k * 7 + id * 53) % kSmall;
      std::string expect = LcgBytes(1000 + static_cast<size_t>(i) * 211, static_cast<unsigned>(i));
      std::ifstream in(mp + "/small/" + std::to_string(i), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      if (s.str() != expect) return false;
    }
    return true;
  }));
}

TEST_F(FuseTest, PermissionsWithAllowOtherAndDefaultPermissions) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  FuseMountOptions opts;
  opts.mount_options = {"allow_other,default_permissions"};
  opts.ufs_files["public"] = "public";
  opts.ufs_files["private"] = "private";
  MOUNT_OR_SKIP(m, opts);
  ASSERT_EQ(::chmod((m->mount_point() + "/public").c_str(), 0644), 0);
  ASSERT_EQ(::chmod((m->mount_point() + "/private").c_str(), 0600), 0);
  ::chmod(m->base_dir().c_str(), 0755);
  const std::string mp = m->mount_point();
  EXPECT_TRUE(InChildren(1, [&](int) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) return false;
    int fd = ::open((mp + "/public").c_str(), O_RDONLY);
    if (fd < 0) return false;
    ::close(fd);
    if (::open((mp + "/private").c_str(), O_RDONLY) != -1 || errno != EACCES) return false;
    // Not the owner: no chmod, and no new files in root's 0755 directory.
    if (::chmod((mp + "/public").c_str(), 0666) != -1 || errno != EPERM) return false;
    if (::open((mp + "/new").c_str(), O_CREAT | O_WRONLY, 0644) != -1 || errno != EACCES) {
      return false;
    }
    return true;
  }));
}

TEST_F(FuseTest, OtherUsersAreShutOutWithoutAllowOther) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  MOUNT_OR_SKIP(m, {});
  ::chmod(m->base_dir().c_str(), 0755);
  const std::string mp = m->mount_point();
  EXPECT_TRUE(InChildren(1, [&](int) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) return false;
    struct stat st;
    return ::stat(mp.c_str(), &st) == -1 && errno == EACCES;
  }));
}

TEST_F(FuseTest, CreatedFilesBelongToTheCaller) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  FuseMountOptions opts;
  opts.mount_options = {"allow_other"};
  MOUNT_OR_SKIP(m, opts);
  ::chmod(m->base_dir().c_str(), 0755);
  ASSERT_EQ(::chmod(m->mount_point().c_str(), 0777), 0);
  const std::string mp = m->mount_point();
  EXPECT_TRUE(InChildren(1, [&](int) {
    if (::setgid(4321) != 0 || ::setuid(1234) != 0) return false;
    ::umask(027);
    int fd = ::open((mp + "/mine").c_str(), O_CREAT | O_WRONLY, 0666);
    if (fd < 0 || ::write(fd, "x", 1) != 1 || ::close(fd) != 0) return false;
    return ::mkdir((mp + "/mydir").c_str(), 0777) == 0;
  }));
  struct stat st;
  ASSERT_EQ(::stat((m->ufs_dir() + "/mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 4321u);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_EQ(::stat((m->ufs_dir() + "/mydir").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
}

TEST_F(FuseTest, SupervisorRestartsAKilledDaemon) {
  FuseMountOptions opts;
  opts.supervise = true;
  MOUNT_OR_SKIP(m, opts);
  const std::string mp = m->mount_point();
  for (int i = 0; i < 20; ++i) {
    std::ofstream(mp + "/f" + std::to_string(i), std::ios::binary) << LcgBytes(5000 + i, i);
  }
  pid_t daemon = m->DaemonPid();
  ASSERT_GT(daemon, 0);
  ASSERT_EQ(::kill(daemon, SIGKILL), 0);
  // The same mount point serves again within seconds.
  bool back = false;
  for (int t = 0; t < 100 && !back; ++t) {
    ::usleep(100 * 1000);
    pid_t now = m->DaemonPid();
    struct stat st;
    back = now > 0 && now != daemon && ::stat((mp + "/f0").c_str(), &st) == 0;
  }
  ASSERT_TRUE(back) << m->Log();
  for (int i = 0; i < 20; ++i) {
    std::ifstream in(mp + "/f" + std::to_string(i), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_TRUE(s.str() == LcgBytes(5000 + i, i)) << i;
  }
  // SIGTERM to the supervisor unmounts and ends it.
  ASSERT_EQ(::kill(m->pid(), SIGTERM), 0);
  EXPECT_TRUE(WaitForMount(mp, false, 15));
  int status = m->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << m->Log();
}

}  // namespace
}  // namespace alluxio::testing
