#include "node_state.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "alluxio/file_info.h"

namespace alluxio {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "shared counters must be address-free atomics");

NodeState* NodeState::Open(const std::string& file, std::string* warning) {
  const size_t bytes = kSlots * sizeof(uint64_t);
  void* mem = MAP_FAILED;
  if (!file.empty()) {
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0) {
      struct stat st;
      // Every process may size the file; ftruncate to the same size is a
      // no-op for the others, and new bytes read as zero.
      if (::fstat(fd, &st) == 0 &&
          (static_cast<size_t>(st.st_size) >= bytes || ::ftruncate(fd, bytes) == 0)) {
        mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      }
      if (mem == MAP_FAILED) *warning = "cannot map " + file + ": " + std::strerror(errno);
      ::close(fd);
    } else {
      *warning = "cannot open " + file + ": " + std::strerror(errno);
    }
  }
  if (mem == MAP_FAILED) {
    mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return nullptr;
  }
  return new NodeState(static_cast<std::atomic<uint64_t>*>(mem), bytes);
}

NodeState::~NodeState() { ::munmap(counters_, bytes_); }

uint32_t NodeState::SlotOf(std::string_view path) {
  uint32_t slot = static_cast<uint32_t>(PathHash(path.data(), path.size()) % kSlots);
  // Slots 0 and 1 are reserved.
  return slot < 2 ? slot + 2 : slot;
}

}  // namespace alluxio
