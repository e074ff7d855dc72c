// The model test's machinery, shared by the model test over a local UFS
// (tests/client/model_test.cc) and over S3 (tests/integration/):
// random operation sequences run on alluxio::FileSystem and, as the
// reference, on a plain local directory through libc. Every step's result (0
// or errno) and data must match, and so must the whole tree at the end of
// each sequence.
#ifndef ALLUXIO_TESTS_TESTING_MODEL_H_
#define ALLUXIO_TESTS_TESTING_MODEL_H_

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "alluxio/file_system.h"

namespace alluxio::testing {

struct Outcome {
  int err = 0;       // 0 or errno
  std::string data;  // bytes read, names listed, or stat fields
  bool operator==(const Outcome& o) const { return err == o.err && data == o.data; }
};

inline std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{err=" << o.err << " (" << (o.err ? strerror(o.err) : "ok") << "), data='"
            << o.data.substr(0, 80) << "'}";
}

// The operations, each implemented twice.
class Model {
 public:
  Model(std::string native_root, std::shared_ptr<FileSystem> fs)
      : root_(std::move(native_root)), fs_(std::move(fs)) {}

  std::string N(const std::string& p) const { return root_ + p; }
  FileSystem& fs() { return *fs_; }

  Outcome NativeWrite(const std::string& p, int flags, uint64_t off, const std::string& d,
                      bool use_offset) {
    int fd = ::open(N(p).c_str(), flags, 0644);
    if (fd < 0) return {errno, ""};
    ssize_t w = use_offset ? ::pwrite(fd, d.data(), d.size(), static_cast<off_t>(off))
                           : ::write(fd, d.data(), d.size());
    int err = w < 0 ? errno : 0;
    ::close(fd);
    return {err, ""};
  }
  Outcome OursWrite(const std::string& p, int flags, uint64_t off, const std::string& d,
                    bool use_offset) {
    auto h = fs_->OpenFile(p, OpenOptions::FromFlags(flags, 0644));
    if (!h.ok()) return {h.status().ToErrno(), ""};
    uint64_t at = use_offset ? off : ((flags & O_APPEND) ? (*h)->Stat()->size : 0);
    auto w = (*h)->Write(at, d.data(), d.size());
    Status c = (*h)->Close();
    if (!w.ok()) return {w.status().ToErrno(), ""};
    return {c.ToErrno(), ""};
  }

  Outcome NativeRead(const std::string& p) {
    int fd = ::open(N(p).c_str(), O_RDONLY);
    if (fd < 0) return {errno, ""};
    std::string out(1 << 16, '\0');
    ssize_t r = ::read(fd, out.data(), out.size());
    int err = r < 0 ? errno : 0;
    ::close(fd);
    out.resize(r < 0 ? 0 : static_cast<size_t>(r));
    return {err, out};
  }
  Outcome OursRead(const std::string& p) {
    auto h = fs_->OpenFile(p, OpenOptions::FromFlags(O_RDONLY, 0));
    if (!h.ok()) return {h.status().ToErrno(), ""};
    std::string out(1 << 16, '\0');
    auto r = (*h)->Read(0, out.data(), out.size());
    (void)(*h)->Close();
    if (!r.ok()) return {r.status().ToErrno(), ""};
    out.resize(*r);
    return {0, out};
  }

  static std::string Describe(bool dir, uint64_t size, uint32_t mode) {
    return std::string(dir ? "d" : "f") + ":" + (dir ? "0" : std::to_string(size)) + ":" +
           std::to_string(mode & 07777);
  }
  Outcome NativeStat(const std::string& p) {
    struct stat st;
    if (::stat(N(p).c_str(), &st) != 0) return {errno, ""};
    return {0, Describe(S_ISDIR(st.st_mode), static_cast<uint64_t>(st.st_size), st.st_mode)};
  }
  Outcome OursStat(const std::string& p) {
    auto st = fs_->GetStatus(p);
    if (!st.ok()) return {st.status().ToErrno(), ""};
    return {0, Describe(st->is_dir, st->size, st->mode)};
  }

  Outcome NativeList(const std::string& p) {
    DIR* d = ::opendir(N(p).c_str());
    if (d == nullptr) return {errno, ""};
    std::vector<std::string> names;
    while (auto* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    std::string out;
    for (auto& n : names) out += n + ",";
    return {0, out};
  }
  Outcome OursList(const std::string& p) {
    auto l = fs_->ListStatus(p);
    if (!l.ok()) return {l.status().ToErrno(), ""};
    std::string out;
    for (auto& f : *l) out += f.name + ",";
    return {0, out};
  }

  static Outcome Errno(int rc) { return {rc == 0 ? 0 : errno, ""}; }
  static Outcome Of(const Status& st) { return {st.ToErrno(), ""}; }

  // Whole-tree snapshot: path -> description (+ content for files).
  std::map<std::string, std::string> NativeTree() {
    std::map<std::string, std::string> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      std::string p = e.path().string().substr(root_.size());
      out[p] = NativeStat(p).data + (e.is_directory() ? "" : ":" + NativeRead(p).data);
    }
    return out;
  }
  // attrs_from_listing: describe entries by the listing's attributes (UFSes
  // whose listings carry every attribute) rather than by GetStatus of each
  // (S3, whose listings carry no mode).
  void OursTree(const std::string& dir, std::map<std::string, std::string>* out,
                bool attrs_from_listing = true) {
    auto l = fs_->ListStatus(dir);
    if (!l.ok()) return;
    for (auto& f : *l) {
      std::string p = (dir == "/" ? "" : dir) + "/" + f.name;
      std::string desc = Describe(f.attr.is_dir, f.attr.size, f.attr.mode);
      if (!attrs_from_listing) {
        auto st = fs_->GetStatus(p);
        if (!st.ok()) {
          desc = "stat failed: " + st.status().ToString();
        } else if (st->is_dir != f.attr.is_dir || (!st->is_dir && st->size != f.attr.size)) {
          desc += " but stat says " + Describe(st->is_dir, st->size, st->mode);
        } else {
          desc = Describe(st->is_dir, st->size, st->mode);
        }
      }
      (*out)[p] = desc + (f.attr.is_dir ? "" : ":" + OursRead(p).data);
      if (f.attr.is_dir) OursTree(p, out, attrs_from_listing);
    }
  }

 private:
  std::string root_;
  std::shared_ptr<FileSystem> fs_;
};

struct ModelRunOptions {
  int sequences = 1500;
  int steps = 25;
  unsigned seed = 12345;
  // Whether fs was created with alluxio.user.fuse.random.access.file.stream.enabled:
  // adds append, pwrite and truncate to the operations.
  bool random_access = false;
  bool tree_attrs_from_listing = true;  // see Model::OursTree
  // Called after each sequence's trees matched, before both are emptied;
  // may add gtest failures (the run then stops).
  std::function<void(int sequence, const std::string& log)> after_sequence;
};

// Runs opts.sequences random sequences of opts.steps operations each on `fs`
// (emptied between sequences) and on the empty local directory `native`,
// failing the current test (ASSERT) at the first difference, with the
// sequence's log. Returns the number of steps compared.
inline int RunModelSequences(std::shared_ptr<FileSystem> fs, const std::string& native,
                             const ModelRunOptions& opts) {
  ::umask(022);
  Model m(native, fs);
  const bool random_access = opts.random_access;
  const std::vector<std::string> kNames = {"a", "b", "c d"};
  std::mt19937 rng(opts.seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto path = [&] {
    std::string p;
    int depth = 1 + pick(3);
    for (int i = 0; i < depth; ++i) p += "/" + kNames[static_cast<size_t>(pick(3))];
    return p;
  };
  auto data = [&] {
    return std::string(static_cast<size_t>(pick(40)), static_cast<char>('a' + pick(26)));
  };

  int compared = 0;
  for (int seq = 0; seq < opts.sequences; ++seq) {
    std::string log;
    for (int step = 0; step < opts.steps; ++step) {
      std::string p = path(), q = path();
      Outcome a, b;
      int op = pick(random_access ? 12 : 10);
      switch (op) {
        case 0:
        case 1: {  // create or replace a file
          std::string d = data();
          int flags = O_WRONLY | O_CREAT | O_TRUNC | (pick(4) == 0 ? O_EXCL : 0);
          a = m.NativeWrite(p, flags, 0, d, false);
          b = m.OursWrite(p, flags, 0, d, false);
          log += "write " + p + "\n";
          break;
        }
        case 2:
          a = m.NativeRead(p);
          b = m.OursRead(p);
          log += "read " + p + "\n";
          break;
        case 3:
          a = m.NativeStat(p);
          b = m.OursStat(p);
          log += "stat " + p + "\n";
          break;
        case 4: {
          a = Model::Errno(::mkdir(m.N(p).c_str(), 0755));
          CreateDirectoryOptions o;
          o.mode = 0755;
          b = Model::Of(fs->CreateDirectory(p, o));
          log += "mkdir " + p + "\n";
          break;
        }
        case 5: {
          a = Model::Errno(::unlink(m.N(p).c_str()));
          DeleteOptions o;
          o.kind = DeleteOptions::Kind::kFileOnly;
          b = Model::Of(fs->Delete(p, o));
          log += "unlink " + p + "\n";
          break;
        }
        case 6: {
          a = Model::Errno(::rmdir(m.N(p).c_str()));
          DeleteOptions o;
          o.kind = DeleteOptions::Kind::kDirectoryOnly;
          b = Model::Of(fs->Delete(p, o));
          log += "rmdir " + p + "\n";
          break;
        }
        case 7:
          a = Model::Errno(::rename(m.N(p).c_str(), m.N(q).c_str()));
          b = Model::Of(fs->Rename(p, q));
          log += "rename " + p + " " + q + "\n";
          break;
        case 8: {
          uint32_t mode = pick(2) ? 0600 : 0755;
          a = Model::Errno(::chmod(m.N(p).c_str(), mode));
          SetAttributeOptions o;
          o.mode = mode;
          b = Model::Of(fs->SetAttribute(p, o));
          log += "chmod " + p + "\n";
          break;
        }
        case 9:
          a = m.NativeList(p);
          b = m.OursList(p);
          log += "ls " + p + "\n";
          break;
        case 10: {  // random-access only: append, or write at an offset
          std::string d = data();
          bool append = pick(2);
          uint64_t off = static_cast<uint64_t>(pick(50));
          int flags = append ? (O_WRONLY | O_APPEND) : O_WRONLY;
          a = m.NativeWrite(p, flags, off, d, !append);
          b = m.OursWrite(p, flags, off, d, !append);
          log += (append ? "append " : "pwrite ") + p + "\n";
          break;
        }
        case 11: {
          uint64_t len = static_cast<uint64_t>(pick(60));
          a = Model::Errno(::truncate(m.N(p).c_str(), static_cast<off_t>(len)));
          b = Model::Of(fs->Truncate(p, len));
          log += "truncate " + p + " " + std::to_string(len) + "\n";
          break;
        }
      }
      EXPECT_EQ(a, b) << "sequence " << seq << " diverged at:\n" << log;
      if (!(a == b)) return compared;
      ++compared;
    }
    std::map<std::string, std::string> ours;
    m.OursTree("/", &ours, opts.tree_attrs_from_listing);
    auto theirs = m.NativeTree();
    EXPECT_EQ(theirs, ours) << "trees differ after sequence " << seq << ":\n" << log;
    if (theirs != ours) return compared;
    if (opts.after_sequence) {
      opts.after_sequence(seq, log);
      if (::testing::Test::HasFailure()) return compared;
    }
    // Reset both sides for the next sequence.
    DeleteOptions rec;
    rec.recursive = true;
    auto top = fs->ListStatus("/");
    EXPECT_TRUE(top.ok()) << top.status().ToString();
    if (!top.ok()) return compared;
    for (auto& e : *top) {
      Status st = fs->Delete("/" + e.name, rec);
      EXPECT_TRUE(st.ok()) << "cannot empty the tree: " << st.ToString();
      if (!st.ok()) return compared;
    }
    for (auto& e : std::filesystem::directory_iterator(native)) std::filesystem::remove_all(e);
  }
  return compared;
}

}  // namespace alluxio::testing

#endif  // ALLUXIO_TESTS_TESTING_MODEL_H_
