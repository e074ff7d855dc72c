// Logging of alluxio-fuse: one line per event on stderr (a log file once the
// daemon runs in the background).
#ifndef ALLUXIO_FUSE_LOG_H_
#define ALLUXIO_FUSE_LOG_H_

namespace alluxio::fuse {

// printf-style; prefixes the time, the pid and "alluxio-fuse". Safe to call
// from any thread; a line is written with one write(2).
void Log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace alluxio::fuse

#endif  // ALLUXIO_FUSE_LOG_H_
