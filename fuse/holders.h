// Holders: which processes still hold a file open for writing, read from
// /proc the way fuser(1) does.
//
// Why a FUSE daemon needs this: the kernel sends FLUSH on every close(2) of a
// descriptor of an open file (a dup, a child's copy closed at exec or exit)
// and RELEASE, asynchronously, after the last reference is gone. FLUSH does
// not say whether it is the last one, and close(2) returns as soon as FLUSH
// is answered, before RELEASE is even sent. So to commit a written file
// before the last close(2) returns (and report the commit's errors there),
// the daemon must find out at FLUSH whether anybody else still holds the
// open file. A descriptor can only be held by a process that (1) opened it,
// (2) inherited it through fork from a holder, so started after the open, or
// (3) received it from a holder (SCM_RIGHTS, pidfd_getfd), which this does
// not see. Check() looks at the processes of kind (1) it is told about and
// at every process started since the open.
//
// Identity: a descriptor matches when it is open for writing and names the
// mount's device and the file's inode number. The daemon keeps one writable
// open file per file, so a match is that open file, or (two files whose
// numbers collide) a false alarm, which only defers the commit.
//
// Thread-safe; every call reads /proc afresh.
#ifndef ALLUXIO_FUSE_HOLDERS_H_
#define ALLUXIO_FUSE_HOLDERS_H_

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace alluxio::fuse {

// Where process creation stood at one moment: processes started after it
// got later PIDs (in the cyclic PID space) unless PIDs wrapped all the way
// round since, which the fork count rules out.
struct ForkMark {
  int64_t last_pid = -1;  // /proc/sys/kernel/ns_last_pid
  uint64_t forks = 0;     // "processes" of /proc/stat: forks since boot, all namespaces
  bool valid() const { return last_pid >= 0; }
};

class Holders {
 public:
  enum class Verdict {
    kNone,     // nobody holds it
    kHeld,     // some process holds it open for writing
    kUnknown,  // cannot tell (a process that cannot be inspected, pid 0)
  };

  // `dev`: st_dev of the files to look for; 0 makes every Check kUnknown.
  // Also unusable (kUnknown) when /proc is not this process's PID
  // namespace: FUSE's pids would not name /proc's processes.
  explicit Holders(dev_t dev);

  Holders(const Holders&) = delete;
  Holders& operator=(const Holders&) = delete;

  bool usable() const { return usable_; }

  // Now, for a later Check's `since`; invalid when /proc cannot tell.
  ForkMark Mark() const;

  // The process (thread group) of a thread id as FUSE requests carry it, or
  // 0 when it is gone or cannot be read.
  static pid_t ProcessOf(pid_t tid);

  // Does any process in `known` (process ids; 0 means one that this
  // namespace cannot see) or started after `since` hold a descriptor of
  // inode `ino` on `dev` open for writing? A process whose descriptors
  // cannot be read makes the answer kUnknown if it is in `known` or
  // descends from one of them or from a process started since; otherwise it
  // cannot have inherited the file and is passed over.
  Verdict Check(uint64_t ino, const std::vector<pid_t>& known, const ForkMark& since) const;

  // One process: kHeld, kNone (also when it is gone), or kUnknown when its
  // descriptors cannot be read.
  static Verdict ProcessHolds(pid_t pid, dev_t dev, uint64_t ino);

 private:
  const dev_t dev_;
  bool usable_ = false;
  int64_t pid_max_ = 0;
};

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_HOLDERS_H_
