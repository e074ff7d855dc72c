#include "mount_options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace alluxio::fuse {
namespace {

// Options libfuse hands to mount(2) or fusermount3 unchanged.
constexpr std::string_view kKernelFlags[] = {"allow_other", "allow_root",  "default_permissions",
                                             "rw",          "nosuid",      "suid",
                                             "nodev",       "dev",         "noexec",
                                             "exec",        "noatime",     "atime",
                                             "relatime",    "sync",        "async",
                                             "dirsync",     "auto_unmount"};
constexpr std::string_view kKernelValued[] = {"fsname", "subtype", "max_read", "blksize"};

Status ParseSeconds(std::string_view name, std::string_view text, double* out) {
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0) {
    return Status::InvalidArgument("mount option " + std::string(name) + "=" + s +
                                   ": expected a number of seconds >= 0");
  }
  *out = v;
  return Status::OK();
}

Status ParseUnsigned(std::string_view name, std::string_view text, unsigned max, unsigned* out) {
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v > max) {
    return Status::InvalidArgument("mount option " + std::string(name) + "=" + std::string(text) +
                                   ": expected an integer in [0, " + std::to_string(max) + "]");
  }
  *out = v;
  return Status::OK();
}

bool HasKernelOption(const std::vector<std::string>& opts, std::string_view key) {
  for (const std::string& o : opts) {
    if (o == key ||
        (o.size() > key.size() && o.compare(0, key.size(), key) == 0 && o[key.size()] == '=')) {
      return true;
    }
  }
  return false;
}

Status ApplyOne(std::string_view opt, MountOptions* opts) {
  size_t eq = opt.find('=');
  std::string_view name = opt.substr(0, eq);
  bool has_value = eq != std::string_view::npos;
  std::string_view value = has_value ? opt.substr(eq + 1) : std::string_view();

  if (!has_value) {
    if (name == "kernel_cache") {
      opts->cache = CacheMode::kKernel;
      return Status::OK();
    }
    if (name == "auto_cache") {
      opts->cache = CacheMode::kAuto;
      return Status::OK();
    }
    if (name == "noauto_cache") {
      opts->cache = CacheMode::kNone;
      return Status::OK();
    }
    if (name == "direct_io") {
      opts->direct_io = true;
      return Status::OK();
    }
    if (name == "debug") {
      opts->debug = true;
      return Status::OK();
    }
    if (name == "ro" || name == "rw") {
      opts->read_only = name == "ro";
      std::erase_if(opts->kernel_options,
                    [](const std::string& o) { return o == "ro" || o == "rw"; });
      opts->kernel_options.emplace_back(name);
      return Status::OK();
    }
    for (std::string_view flag : kKernelFlags) {
      if (name == flag) {
        if (!HasKernelOption(opts->kernel_options, name)) {
          opts->kernel_options.emplace_back(name);
        }
        return Status::OK();
      }
    }
  } else {
    if (name == "attr_timeout") return ParseSeconds(name, value, &opts->attr_timeout);
    if (name == "entry_timeout") return ParseSeconds(name, value, &opts->entry_timeout);
    if (name == "negative_timeout") {
      return ParseSeconds(name, value, &opts->negative_timeout);
    }
    if (name == "max_idle_threads") {
      return ParseUnsigned(name, value, 1024, &opts->max_idle_threads);
    }
    if (name == "max_background") {
      return ParseUnsigned(name, value, 65535, &opts->max_background);
    }
    for (std::string_view key : kKernelValued) {
      if (name == key) {
        if (value.empty() || value.find(',') != std::string_view::npos) {
          return Status::InvalidArgument("mount option " + std::string(opt) + ": empty value");
        }
        std::erase_if(opts->kernel_options,
                      [&](const std::string& o) { return HasKernelOption({o}, key); });
        opts->kernel_options.emplace_back(opt);
        return Status::OK();
      }
    }
  }
  return Status::InvalidArgument("unknown mount option '" + std::string(opt) +
                                 "' (see docs/FUSE.md)");
}

}  // namespace

std::string MountOptions::KernelOptionString() const {
  std::string out;
  auto add = [&out](std::string_view o) {
    if (!out.empty()) out += ',';
    out += o;
  };
  for (const std::string& o : kernel_options) add(o);
  if (!HasKernelOption(kernel_options, "fsname")) add("fsname=alluxio");
  if (!HasKernelOption(kernel_options, "subtype")) add("subtype=alluxio");
  return out;
}

Status ParseMountOptions(std::string_view list, MountOptions* opts) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view opt = list.substr(start, comma - start);
    if (!opt.empty()) RETURN_IF_ERROR(ApplyOne(opt, opts));
    start = comma + 1;
  }
  return Status::OK();
}

}  // namespace alluxio::fuse
