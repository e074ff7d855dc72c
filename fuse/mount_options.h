// Mount options of alluxio-fuse: parsing "-o a,b=c" into what the daemon does
// itself and what goes to the kernel through libfuse.
#ifndef ALLUXIO_FUSE_MOUNT_OPTIONS_H_
#define ALLUXIO_FUSE_MOUNT_OPTIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "alluxio/status.h"

namespace alluxio::fuse {

// How the kernel's page cache is used for file data on open.
enum class CacheMode {
  kAuto,    // keep the cache when the file's content version is unchanged
  kKernel,  // always keep it (kernel_cache): only for data nobody else changes
  kNone,    // drop it on every open (noauto_cache)
};

struct MountOptions {
  // Handled by the daemon.
  CacheMode cache = CacheMode::kAuto;
  bool direct_io = false;         // bypass the kernel page cache entirely
  bool read_only = false;         // ro: every change fails with EROFS
  double attr_timeout = 2.0;      // seconds the kernel trusts attributes
  double entry_timeout = 2.0;     // seconds the kernel trusts name lookups
  double negative_timeout = 0.0;  // seconds the kernel trusts "no such entry"
  unsigned max_idle_threads = 16;
  unsigned max_background = 0;  // 0: libfuse's default
  bool debug = false;           // libfuse request tracing on stderr

  // Passed to the kernel mount through libfuse, comma-separated, e.g.
  // "allow_other,default_permissions,ro,fsname=alluxio,subtype=alluxio".
  std::vector<std::string> kernel_options;

  // The kernel options as one "-o" argument (always has fsname and subtype).
  std::string KernelOptionString() const;
};

// Applies a comma-separated option list (the argument of -o, or the value of
// alluxio.fuse.mount.options) on top of `opts`; later options win. An
// unknown option or a malformed value is InvalidArgument naming it, so a typo
// fails at start-up instead of being ignored.
Status ParseMountOptions(std::string_view list, MountOptions* opts);

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_MOUNT_OPTIONS_H_
