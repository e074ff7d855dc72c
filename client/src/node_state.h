// Node-wide invalidation counters shared by every client process of a node.
//
// A file of kSlots 64-bit counters, mapped shared by every process (the
// shim in each DataLoader worker, the FUSE daemon, the CLI). A change to a
// path bumps the counter of the path's slot (and of its parent's); a cached
// entry remembers the counter it was filled under and is stale once it moved.
// Slot 0 is the global epoch (bumped by recursive changes), slot 1 the mount
// table generation. Reading a counter is one atomic load: no syscall, which
// keeps the shim's cached stat cheap.
#ifndef ALLUXIO_CLIENT_NODE_STATE_H_
#define ALLUXIO_CLIENT_NODE_STATE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "alluxio/status.h"

namespace alluxio {

class NodeState {
 public:
  static constexpr uint32_t kSlots = 1u << 16;
  static constexpr uint32_t kGlobalSlot = 0;
  static constexpr uint32_t kMountSlot = 1;

  // Maps `file` (created if missing). With an empty name, or if the file
  // cannot be mapped, the counters are private to this process and the
  // reason is left in `warning`.
  static NodeState* Open(const std::string& file, std::string* warning);
  ~NodeState();

  static uint32_t SlotOf(std::string_view path);
  uint64_t Get(uint32_t slot) const { return counters_[slot].load(std::memory_order_acquire); }
  void Bump(uint32_t slot) { counters_[slot].fetch_add(1, std::memory_order_acq_rel); }

 private:
  NodeState(std::atomic<uint64_t>* counters, size_t bytes) : counters_(counters), bytes_(bytes) {}
  std::atomic<uint64_t>* counters_;
  size_t bytes_;
};

}  // namespace alluxio

#endif  // ALLUXIO_CLIENT_NODE_STATE_H_
