// Alluxio paths: absolute, '/'-separated, normalized.
//
// A normalized path starts with '/', has no empty, "." or ".." component and
// no trailing '/' (except the root "/" itself). Any byte other than NUL and
// '/' is legal in a name: '?', '\\', spaces and UTF-8 all work.
#ifndef ALLUXIO_PATH_H_
#define ALLUXIO_PATH_H_

#include <string>
#include <string_view>

#include "alluxio/status.h"

namespace alluxio {

inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kMaxPathLength = 4095;

// Resolves "." and ".." lexically; ".." at the root stays at the root, so a
// path can never climb above "/". Fails with InvalidArgument for a relative
// or empty path or one containing NUL, NameTooLong for a too long name/path.
Result<std::string> NormalizePath(std::string_view path);

// True when `path` is already in normal form (cheap check, no allocation).
bool IsNormalized(std::string_view path);

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string_view ParentPath(std::string_view path);

// "/a/b" -> "b"; "/" -> "".
std::string_view BaseName(std::string_view path);

// Joins a normalized directory and a single name.
std::string JoinPath(std::string_view dir, std::string_view name);

// True when `path` equals `prefix` or lies below it ("/a" covers "/a/b" but
// not "/ab"). Both normalized.
bool PathHasPrefix(std::string_view path, std::string_view prefix);

}  // namespace alluxio

#endif  // ALLUXIO_PATH_H_
