// DirScans: what the client notices about directories of an object store
// being read file after file (a dataset read by name), so that it lists
// them in slices (one request answers many opens) and lets stats there
// bring each file's first page along (Ufs::GetStatusWithHead).
//
// Thread-safe and fork-safe (its lock is never left held in a child).
#ifndef ALLUXIO_CLIENT_DIR_SCANS_H_
#define ALLUXIO_CLIENT_DIR_SCANS_H_

#include <mutex>
#include <string>
#include <unordered_map>

namespace alluxio {

class DirScans {
 public:
  DirScans();
  ~DirScans();
  DirScans(const DirScans&) = delete;
  DirScans& operator=(const DirScans&) = delete;

  // --- Listing slices ---

  // An open for reading in `dir` missed the metadata cache: how many
  // entries to list from the opened name on, or 0 for the first miss in a
  // while (one stat costs less than a listing for a one-off open). The
  // sizes grow 100, 400, 1000.
  size_t SliceSize(const std::string& dir);
  // The opened name was not in the slice: misses there start over.
  void SliceMissed(const std::string& dir);

  // --- Reading ---

  // A file of `dir` was opened for reading.
  void NoteRead(const std::string& dir);
  // Whether files of `dir` were opened for reading lately.
  bool ReadingIn(const std::string& dir);

 private:
  struct Dir {
    int64_t last_ns = 0;  // of the latest event; older than kIdleNs: forgotten
    int misses = 0;
    size_t window = 0;  // entries the next slice asks for; 0 = the first size
    int reads = 0;
  };
  // Requires mu_. The state of `dir`, fresh if it was idle.
  Dir& Get(const std::string& dir, int64_t now);
  static void LockAll();
  static void UnlockAll();

  std::mutex mu_;  // guards dirs_; leaf lock
  std::unordered_map<std::string, Dir> dirs_;
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_DIR_SCANS_H_
