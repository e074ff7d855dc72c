// The shim and the FUSE mount on one path (issue 6): alluxio-fuse mounts a
// local root UFS at M, and ALLUXIO_POSIX_PREFIXES=M. A program with the shim
// takes the in-process path, a static binary (busybox-static) the kernel
// path, on the same files: what one writes and closes, the other reads, byte
// for byte, including a file rewritten after the other side read it. The
// POSIX-call probe gives the same transcript as on a local directory both
// natively on the mount and under the shim on it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "fuse_mount.h"
#include "integration_util.h"
#include "testing/require.h"
#include "testing/temp_dir.h"

namespace alluxio::testing {
namespace {

constexpr char kBusybox[] = "/bin/busybox";

class ShimAndFuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kBusybox, X_OK) != 0) {
      ALLUXIO_SKIP_UNLESS_REQUIRED("programs", kBusybox << " is missing: install busybox-static");
    }
    FuseMountOptions o;
    o.conf["alluxio.user.fuse.random.access.file.stream.enabled"] = "true";
    std::string skip, error;
    mount_ = FuseMount::Start(o, &skip, &error);
    if (mount_ == nullptr && !skip.empty()) ALLUXIO_SKIP_UNLESS_REQUIRED("fuse", skip);
    ASSERT_NE(mount_, nullptr) << error;
    m_ = mount_->mount_point();
    // The shim serves the mount point with the daemon's configuration (same
    // root UFS, same work directory, so the same node state and cache).
    shim_env_ = ShimEnvironment(m_, mount_->base_dir() + "/work",
                                {{"alluxio.master.mount.table.root.ufs", mount_->ufs_dir()},
                                 {"alluxio.user.fuse.random.access.file.stream.enabled", "true"}});
    shim_env_["ALLUXIO_CONF_DIR"] = tmp_.Sub("conf");
  }

  void TearDown() override {
    if (mount_ != nullptr) {
      EXPECT_EQ(mount_->Stop(), 0) << mount_->Log();
    }
  }

  // Python with the shim: runs `code` with sys.argv[1] = M.
  RunResult ShimPython(const std::string& code) {
    return RunProgram({"/usr/bin/python3", "-c", code, m_}, shim_env_);
  }
  // Python with the shim writes these files under M (their content staged
  // in a scratch directory first: too big for a command line).
  RunResult ShimWrite(const std::map<std::string, std::string>& files) {
    std::string code =
        "import os, sys\nm, src = sys.argv[1], sys.argv[2]\n"
        "os.makedirs(m + '/shim/sub', exist_ok=True)\n";
    int n = 0;
    for (const auto& [name, content] : files) {
      std::string staged = "f" + std::to_string(n++);
      WriteLocal(scratch_ + "/" + staged, content);
      code += "with open(m + '/" + name + "', 'wb') as f: f.write(open(src + '/" + staged +
              "', 'rb').read())\n";
    }
    return RunProgram({"/usr/bin/python3", "-c", code, m_, scratch_}, shim_env_);
  }
  RunResult Busybox(std::vector<std::string> args) {
    args.insert(args.begin(), kBusybox);
    return RunProgram(args, {});
  }

  TempDir tmp_;
  std::unique_ptr<FuseMount> mount_;
  std::string m_;
  std::map<std::string, std::string> shim_env_;
  std::string scratch_ = tmp_.Sub("scratch");
};

TEST_F(ShimAndFuseTest, ShimWritesAndAStaticBinaryReadsThroughTheKernel) {
  const std::map<std::string, std::string> files = {
      {"shim/empty", ""},
      {"shim/small.txt", "written by the shim\n"},
      {"shim/sub/big.bin", Bytes(1500000, 11)},
  };
  RunResult w = ShimWrite(files);
  ASSERT_EQ(w.status, 0) << w.err;

  std::string expected_md5;
  for (const auto& [name, content] : files)
    expected_md5 += Md5Hex(content) + "  " + m_ + "/" + name + "\n";
  RunResult md5 =
      Busybox({"md5sum", m_ + "/shim/empty", m_ + "/shim/small.txt", m_ + "/shim/sub/big.bin"});
  EXPECT_EQ(md5.status, 0) << md5.err;
  EXPECT_EQ(md5.out, expected_md5);
  RunResult cat = Busybox({"cat", m_ + "/shim/small.txt"});
  EXPECT_EQ(cat.out, "written by the shim\n");
  RunResult ls = Busybox({"ls", "-1", m_ + "/shim"});
  EXPECT_EQ(ls.out, "empty\nsmall.txt\nsub\n");
  RunResult lsl = Busybox({"ls", "-ln", m_ + "/shim/sub"});
  EXPECT_NE(lsl.out.find(" 1500000 "), std::string::npos) << lsl.out;

  // Rewritten by the shim (same size, other bytes) after the kernel has read
  // and cached it: the kernel path must see the new bytes.
  std::string v2 = Bytes(1500000, 12);
  w = ShimWrite({{"shim/sub/big.bin", v2}});
  ASSERT_EQ(w.status, 0) << w.err;
  md5 = Busybox({"md5sum", m_ + "/shim/sub/big.bin"});
  EXPECT_EQ(md5.out, Md5Hex(v2) + "  " + m_ + "/shim/sub/big.bin\n");
  EXPECT_EQ(ReadLocal(mount_->ufs_dir() + "/shim/sub/big.bin"), v2);
}

TEST_F(ShimAndFuseTest, AStaticBinaryWritesAndTheShimReads) {
  std::string src = tmp_.Sub("src");
  std::string big = Bytes(2000000, 21);
  WriteLocal(src + "/big.bin", big);
  ASSERT_EQ(Busybox({"mkdir", "-p", m_ + "/bb/sub"}).status, 0);
  RunResult cp = Busybox({"cp", src + "/big.bin", m_ + "/bb/sub/big.bin"});
  ASSERT_EQ(cp.status, 0) << cp.err;
  RunResult sh = Busybox({"sh", "-c", "echo 'written by busybox' > \"$0\"/bb/note.txt", m_});
  ASSERT_EQ(sh.status, 0) << sh.err;

  const std::string reader =
      "import hashlib, os, sys\n"
      "m = sys.argv[1]\n"
      "print(sorted(os.listdir(m + '/bb')))\n"
      "print(open(m + '/bb/note.txt').read(), end='')\n"
      "print(os.stat(m + '/bb/sub/big.bin').st_size)\n"
      "print(hashlib.md5(open(m + '/bb/sub/big.bin', 'rb').read()).hexdigest())\n";
  RunResult r = ShimPython(reader);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "['note.txt', 'sub']\nwritten by busybox\n2000000\n" + Md5Hex(big) + "\n");

  // Rewritten through the kernel after the shim read it: the shim's next
  // process sees the new bytes.
  std::string v2 = Bytes(2000000, 22);
  WriteLocal(src + "/big2.bin", v2);
  cp = Busybox({"cp", src + "/big2.bin", m_ + "/bb/sub/big.bin"});
  ASSERT_EQ(cp.status, 0) << cp.err;
  r = ShimPython(reader);
  EXPECT_EQ(r.out, "['note.txt', 'sub']\nwritten by busybox\n2000000\n" + Md5Hex(v2) + "\n");
}

TEST_F(ShimAndFuseTest, PosixCallsNativelyOnTheMountMatchALocalDirectory) {
  std::string local = ProbeTranscript("calls", mount_->local_dir(), {});
  std::string fuse = ProbeTranscript("calls", m_, {});
  EXPECT_TRUE(SameTranscript(local, fuse));
}

TEST_F(ShimAndFuseTest, PosixCallsUnderTheShimOnTheMountMatchALocalDirectory) {
  // A shim that failed to load would leave the kernel path serving M and
  // this test passing for the wrong reason.
  RunResult loaded = ShimPython("print('liballuxio_posix' in open('/proc/self/maps').read())");
  ASSERT_EQ(loaded.out, "True\n") << loaded.err;
  std::string local = ProbeTranscript("calls", mount_->local_dir(), {});
  std::string shim = ProbeTranscript("calls", m_, shim_env_);
  EXPECT_TRUE(SameTranscript(local, shim));
  // And what the shim left is what the kernel path shows.
  EXPECT_TRUE(SameTranscript(ProbeTranscript("tree", mount_->local_dir(), {}),
                             ProbeTranscript("tree", m_, {})));
}

}  // namespace
}  // namespace alluxio::testing
