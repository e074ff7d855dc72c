// IoLoop: one thread, many fibers, many HTTP requests in flight.
//
// The loop owns a thread that runs a small cooperative scheduler of
// Boost.Context fibers over one libcurl multi handle. Code running on a fiber
// is plain sequential code: Perform() sends an HTTP request and suspends the
// fiber until the response is complete, Sleep() suspends it for a while, and
// ParallelFor() fans work out to child fibers and waits for all of them. So
// parallel part transfers and concurrent metadata probes need no thread per
// request.
//
// Run() is the one bridge from synchronous callers: it runs a function on a
// new fiber and blocks the calling thread until the function returns.
//
// The thread starts lazily on first use. After fork() the child gets a fresh
// thread and multi handle on first use (the parent's are abandoned, not torn
// down, since they share sockets with the parent).
#ifndef ALLUXIO_CLIENT_S3_IO_LOOP_H_
#define ALLUXIO_CLIENT_S3_IO_LOOP_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alluxio/status.h"

namespace alluxio::s3 {

// Takes a ranged (206) response body piece by piece as it arrives, on the loop
// thread, with flow control: a consumer that falls behind pauses the
// transfer (the server's sending then stalls on TCP) and resumes it with
// IoLoop::ResumeStream.
class BodyStream {
 public:
  enum class Take {
    kTaken,  // the bytes are consumed
    kPause,  // not consumed: pause; the same bytes come again after resuming
    kAbort,  // fail the transfer
  };
  virtual Take OnData(const char* p, size_t n) = 0;

 protected:
  ~BodyStream() = default;
};

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST or DELETE
  std::string url;     // fully encoded
  // Sent as given (the caller signs them); "Name: value" pairs.
  std::vector<std::pair<std::string, std::string>> headers;
  // Payload of PUT/POST; must stay valid until Perform() returns.
  const char* body = nullptr;
  size_t body_size = 0;
  // When set, a 2xx response body is written here instead of into
  // HttpResponse::body; a body longer than sink_cap fails the transfer.
  char* sink = nullptr;
  size_t sink_cap = 0;
  // When set, a 206 (partial content) body goes here, not to the sink or
  // HttpResponse::body; more than sink_cap bytes fail the transfer.
  // A streamed transfer holds no request slot, and timeout_ms bounds how
  // long it may go without receiving a byte (while not paused), not its
  // whole duration.
  BodyStream* stream = nullptr;
  long connect_timeout_ms = 10000;
  long timeout_ms = 60000;
};

struct HttpResponse {
  int curl_code = 0;       // CURLcode; 0 when the exchange completed
  std::string curl_error;  // curl's message when curl_code != 0
  long status = 0;         // HTTP status when curl_code == 0
  // Header names lower-cased; of the final response only.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;     // the body, unless it went to the sink
  size_t sink_len = 0;  // bytes written to the sink or taken by the stream
  bool sink_overflow = false;

  // The first header named `lower_name`, or "".
  std::string Header(std::string_view lower_name) const;
};

class IoLoop {
 public:
  // `max_requests` bounds the HTTP requests in flight at once; more wait
  // (suspended) for a slot.
  explicit IoLoop(int max_requests);
  // Waits for running fibers to finish, then stops the thread.
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  // Runs fn on a fiber of this loop and returns its result, blocking the
  // calling thread meanwhile. On a fiber of this loop it just calls fn. T
  // must be constructible from a Status (Status, Result<U>): an exception
  // escaping fn becomes NoMemory (bad_alloc) or IoError.
  template <typename T>
  T Run(const std::function<T()>& fn);

  // Starts fn on a new fiber and returns at once. Any thread. fn must not
  // throw (an escaping exception is swallowed).
  void Spawn(std::function<void()> fn);

  // Resumes the transfer paused by `stream` (its OnData is called again).
  // Any thread; nothing happens when no transfer of that stream is paused.
  void ResumeStream(BodyStream* stream);
  // Ends the transfer of `stream` now, paused or not: its Perform returns a
  // failure. Any thread; nothing happens when it is over already.
  void AbortStream(BodyStream* stream);

  // --- Only on a fiber of this loop. ---

  // Performs one HTTP exchange; never throws.
  HttpResponse Perform(const HttpRequest& req);
  void Sleep(std::chrono::milliseconds d);
  // Calls fn(i) for i in [0, n), each on a child fiber, at most `width` at a
  // time, and returns when all have returned. fn must not throw.
  void ParallelFor(size_t n, size_t width, const std::function<void(size_t)>& fn);

  // True on a fiber of this loop.
  bool OnLoopFiber() const;

 private:
  class Core;
  Core* GetCore();

  const int max_requests_;
  std::mutex mu_;  // serializes creating the core
  // Owned, except when abandoned after fork; replaced only under mu_.
  std::atomic<Core*> core_{nullptr};
  std::atomic<pid_t> core_pid_{0};  // the process that created core_
};

template <typename T>
T IoLoop::Run(const std::function<T()>& fn) {
  auto guarded = [&fn]() -> T {
    try {
      return fn();
    } catch (const std::bad_alloc&) {
      return T(Status(Code::kNoMemory, "out of memory in S3 request"));
    } catch (const std::exception& e) {
      return T(Status(Code::kIoError, std::string("S3 request failed: ") + e.what()));
    } catch (...) {
      return T(Status(Code::kIoError, "S3 request failed with an unknown exception"));
    }
  };
  if (OnLoopFiber()) return guarded();
  std::promise<T> done;
  std::future<T> result = done.get_future();
  Spawn([&done, &guarded] { done.set_value(guarded()); });
  return result.get();
}

}  // namespace alluxio::s3

#endif  // ALLUXIO_CLIENT_S3_IO_LOOP_H_
