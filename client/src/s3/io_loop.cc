#include "s3/io_loop.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define ALLUXIO_TSAN_FIBERS 1
#endif

namespace alluxio::s3 {

namespace ctx = boost::context;

namespace {

// Fibers run our request code only (signing, XML, bookkeeping); curl's own
// work happens on the scheduler's stack. A guard page catches overflow.
constexpr size_t kFiberStackSize = 256 * 1024;
// An error or XML body larger than this is not something S3 sends.
constexpr size_t kMaxBufferedBody = 64u << 20;

std::once_flag g_curl_init;

}  // namespace

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

// All members are touched only by the loop thread, except incoming_ and
// stop_ (guarded by mu_) and the multi handle's wakeup.
class IoLoop::Core {
 public:
  explicit Core(int max_requests) : max_requests_(std::max(1, max_requests)) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(max_requests_ + 4));
    thread_ = std::thread([this] { Loop(); });
  }

  ~Core() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    curl_multi_wakeup(multi_);
    thread_.join();
    for (CURL* e : easy_pool_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
  }

  void Spawn(std::function<void()> fn) {
    if (OnLoopThread()) {
      ready_.push_back(NewFiber(std::move(fn)));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      incoming_.push_back(std::move(fn));
    }
    curl_multi_wakeup(multi_);
  }

  bool OnLoopFiber() const { return current_ != nullptr && current_->core == this; }

  void StreamOp(BodyStream* stream, bool abort) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stream_ops_.emplace_back(stream, abort);
    }
    curl_multi_wakeup(multi_);
  }

  HttpResponse Perform(const HttpRequest& req);
  void Sleep(std::chrono::milliseconds d) {
    timers_.emplace(std::chrono::steady_clock::now() + d, current_);
    Suspend();
  }
  void ParallelFor(size_t n, size_t width, const std::function<void(size_t)>& fn);

 private:
  struct Fiber {
    Core* core;
    ctx::fiber self;  // resumes this fiber
    ctx::fiber sink;  // returns to the scheduler
    std::function<void()> fn;
    bool done = false;
#ifdef ALLUXIO_TSAN_FIBERS
    void* tsan_fiber = nullptr;
    void* tsan_sink = nullptr;  // the scheduler's TSan context
#endif
  };

  // One transfer in flight; lives on the waiting fiber's stack.
  struct Transfer {
    Fiber* fiber = nullptr;
    CURL* easy = nullptr;
    const HttpRequest* req = nullptr;
    HttpResponse* resp = nullptr;
    size_t body_off = 0;
    CURLcode result = CURLE_OK;
    bool paused = false;  // by its stream
    char errbuf[CURL_ERROR_SIZE] = {};
  };

  bool OnLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  Fiber* NewFiber(std::function<void()> fn) {
    auto* f = new Fiber{this, ctx::fiber(), ctx::fiber(), std::move(fn)};
    f->self = ctx::fiber(std::allocator_arg, ctx::protected_fixedsize_stack(kFiberStackSize),
                         [f](ctx::fiber&& sink) {
                           f->sink = std::move(sink);
                           try {
                             f->fn();
                           } catch (...) {
                             // Spawn()'s contract: fn does not throw. Swallow
                             // rather than unwind through the scheduler.
                           }
                           f->fn = nullptr;
                           f->done = true;
#ifdef ALLUXIO_TSAN_FIBERS
                           __tsan_switch_to_fiber(f->tsan_sink, 0);
#endif
                           return std::move(f->sink);
                         });
#ifdef ALLUXIO_TSAN_FIBERS
    f->tsan_fiber = __tsan_create_fiber(0);
#endif
    ++live_fibers_;
    return f;
  }

  // Switches from the current fiber to the scheduler; returns when the
  // scheduler resumes this fiber.
  void Suspend() {
    Fiber* f = current_;
#ifdef ALLUXIO_TSAN_FIBERS
    __tsan_switch_to_fiber(f->tsan_sink, 0);
#endif
    f->sink = std::move(f->sink).resume();
  }

  void Resume(Fiber* f) {
    Fiber* saved = current_;
    current_ = f;
#ifdef ALLUXIO_TSAN_FIBERS
    f->tsan_sink = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(f->tsan_fiber, 0);
#endif
    f->self = std::move(f->self).resume();
    current_ = saved;
    if (f->done) {
#ifdef ALLUXIO_TSAN_FIBERS
      __tsan_destroy_fiber(f->tsan_fiber);
#endif
      delete f;
      --live_fibers_;
    }
  }

  void Loop();
  void RunStreamOps(const std::vector<std::pair<BodyStream*, bool>>& ops);
  int PollTimeoutMs();
  void FireTimers();
  void CollectDone();

  static size_t OnWrite(char* p, size_t size, size_t nmemb, void* ud);
  static size_t OnHeader(char* p, size_t size, size_t nmemb, void* ud);
  static size_t OnRead(char* p, size_t size, size_t nmemb, void* ud);
  static int OnSeek(void* ud, curl_off_t offset, int origin);

  const int max_requests_;
  CURLM* multi_;
  std::thread thread_;

  std::mutex mu_;
  std::vector<std::function<void()>> incoming_;
  std::vector<std::pair<BodyStream*, bool>> stream_ops_;  // (stream, abort)
  bool stop_ = false;

  std::deque<Fiber*> ready_;
  std::multimap<std::chrono::steady_clock::time_point, Fiber*> timers_;
  std::deque<Fiber*> slot_waiters_;
  std::vector<CURL*> easy_pool_;
  std::map<BodyStream*, Transfer*> streams_;  // streamed transfers in flight
  int in_flight_ = 0;
  size_t live_fibers_ = 0;

  static thread_local Fiber* current_;
};

thread_local IoLoop::Core::Fiber* IoLoop::Core::current_ = nullptr;

void IoLoop::Core::Loop() {
  while (true) {
    std::vector<std::function<void()>> incoming;
    std::vector<std::pair<BodyStream*, bool>> stream_ops;
    bool stop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      incoming.swap(incoming_);
      stream_ops.swap(stream_ops_);
      stop = stop_;
    }
    for (auto& fn : incoming) ready_.push_back(NewFiber(std::move(fn)));
    RunStreamOps(stream_ops);
    while (!ready_.empty()) {
      Fiber* f = ready_.front();
      ready_.pop_front();
      Resume(f);
    }
    if (stop && live_fibers_ == 0) break;
    curl_multi_poll(multi_, nullptr, 0, PollTimeoutMs(), nullptr);
    int running = 0;
    curl_multi_perform(multi_, &running);
    CollectDone();
    FireTimers();
  }
}

void IoLoop::Core::RunStreamOps(const std::vector<std::pair<BodyStream*, bool>>& ops) {
  for (const auto& [stream, abort] : ops) {
    auto it = streams_.find(stream);
    if (it == streams_.end()) continue;  // already over
    Transfer* t = it->second;
    if (abort) {
      streams_.erase(it);
      curl_multi_remove_handle(multi_, t->easy);
      t->result = CURLE_ABORTED_BY_CALLBACK;
      std::snprintf(t->errbuf, sizeof(t->errbuf), "aborted by its reader");
      ready_.push_back(t->fiber);
    } else if (t->paused) {
      t->paused = false;
      // May deliver the held bytes at once, and the stream may pause again.
      curl_easy_pause(t->easy, CURLPAUSE_CONT);
    }
  }
}

int IoLoop::Core::PollTimeoutMs() {
  // curl_multi_poll shortens this to curl's own next timeout by itself.
  if (timers_.empty()) return 1000;
  auto wait = timers_.begin()->first - std::chrono::steady_clock::now();
  long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1;
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
}

void IoLoop::Core::FireTimers() {
  auto now = std::chrono::steady_clock::now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    ready_.push_back(timers_.begin()->second);
    timers_.erase(timers_.begin());
  }
}

void IoLoop::Core::CollectDone() {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    t->result = m->data.result;
    curl_multi_remove_handle(multi_, m->easy_handle);
    // Over: a stream operation queued meanwhile must not touch it (an abort
    // would make its fiber ready twice).
    if (t->req->stream != nullptr) streams_.erase(t->req->stream);
    ready_.push_back(t->fiber);
  }
}

size_t IoLoop::Core::OnWrite(char* p, size_t size, size_t nmemb, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t n = size * nmemb;
  if (t->req->stream != nullptr || t->req->sink != nullptr) {
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code == 206 && t->req->stream != nullptr) {
      if (t->resp->sink_len + n > t->req->sink_cap) {
        t->resp->sink_overflow = true;
        return 0;
      }
      switch (t->req->stream->OnData(p, n)) {
        case BodyStream::Take::kTaken:
          t->resp->sink_len += n;
          return n;
        case BodyStream::Take::kPause:
          t->paused = true;
          return CURL_WRITEFUNC_PAUSE;
        case BodyStream::Take::kAbort:
          return 0;  // fails the transfer with CURLE_WRITE_ERROR
      }
    }
    if (code >= 200 && code < 300 && t->req->sink != nullptr) {
      if (t->resp->sink_len + n > t->req->sink_cap) {
        t->resp->sink_overflow = true;
        return 0;  // fails the transfer with CURLE_WRITE_ERROR
      }
      std::memcpy(t->req->sink + t->resp->sink_len, p, n);
      t->resp->sink_len += n;
      return n;
    }
  }
  if (t->resp->body.size() + n > kMaxBufferedBody) return 0;
  t->resp->body.append(p, n);
  return n;
}

size_t IoLoop::Core::OnHeader(char* p, size_t size, size_t nmemb, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t n = size * nmemb;
  std::string_view line(p, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a 100 Continue): forget the previous headers.
    t->resp->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->resp->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

size_t IoLoop::Core::OnRead(char* p, size_t size, size_t nmemb, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t n = std::min(size * nmemb, t->req->body_size - t->body_off);
  if (n > 0) std::memcpy(p, t->req->body + t->body_off, n);
  t->body_off += n;
  return n;
}

int IoLoop::Core::OnSeek(void* ud, curl_off_t offset, int origin) {
  // curl rewinds when it resends on a fresh connection.
  auto* t = static_cast<Transfer*>(ud);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t->req->body_size) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->body_off = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

HttpResponse IoLoop::Core::Perform(const HttpRequest& req) {
  HttpResponse resp;
  // A stream may stay paused as long as its reader pleases: it must not
  // keep other requests waiting for a slot.
  const bool takes_slot = req.stream == nullptr;
  if (takes_slot) {
    while (in_flight_ >= max_requests_) {
      slot_waiters_.push_back(current_);
      Suspend();
    }
    ++in_flight_;
  }

  CURL* easy;
  if (!easy_pool_.empty()) {
    easy = easy_pool_.back();
    easy_pool_.pop_back();
    curl_easy_reset(easy);
  } else {
    easy = curl_easy_init();
  }
  Transfer t;
  t.fiber = current_;
  t.easy = easy;
  t.req = &req;
  t.resp = &resp;

  curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers) {
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  // No "Expect: 100-continue" round trip, no default content type.
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Accept:");

  curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, req.connect_timeout_ms);
  if (req.stream != nullptr) {
    // No bound on the whole transfer: a stall of timeout_ms fails it.
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, std::max(1L, req.timeout_ms / 1000));
  } else {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  }
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.errbuf);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Core::OnWrite);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Core::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  if (req.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "POST") {
    if (req.method == "PUT") {
      curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body_size));
    } else {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body_size));
    }
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &Core::OnRead);
    curl_easy_setopt(easy, CURLOPT_READDATA, &t);
    curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, &Core::OnSeek);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, &t);
  } else if (req.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  CURLMcode mc = curl_multi_add_handle(multi_, easy);
  if (mc == CURLM_OK) {
    if (req.stream != nullptr) streams_[req.stream] = &t;  // until done or aborted
    Suspend();  // CollectDone() or an abort makes this fiber ready again
  } else {
    t.result = CURLE_FAILED_INIT;
    std::snprintf(t.errbuf, sizeof(t.errbuf), "%s", curl_multi_strerror(mc));
  }

  resp.curl_code = t.result;
  if (t.result == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
  } else {
    resp.curl_error = t.errbuf[0] != '\0' ? t.errbuf : curl_easy_strerror(t.result);
  }
  easy_pool_.push_back(easy);
  curl_slist_free_all(headers);

  if (!takes_slot) return resp;
  --in_flight_;
  if (!slot_waiters_.empty()) {
    ready_.push_back(slot_waiters_.front());
    slot_waiters_.pop_front();
  }
  return resp;
}

void IoLoop::Core::ParallelFor(size_t n, size_t width, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1) {
    fn(0);
    return;
  }
  size_t workers = std::min(n, std::max<size_t>(1, width));
  size_t next = 0;
  size_t active = workers;
  std::exception_ptr error;
  Fiber* parent = current_;
  for (size_t w = 0; w < workers; ++w) {
    // Children only run once the parent suspends below, so the locals they
    // reference outlive them.
    ready_.push_back(NewFiber([&] {
      while (next < n) {
        size_t i = next++;
        try {
          fn(i);
        } catch (...) {
          if (!error) error = std::current_exception();
        }
      }
      if (--active == 0) ready_.push_back(parent);
    }));
  }
  Suspend();
  if (error) std::rethrow_exception(error);
}

IoLoop::IoLoop(int max_requests) : max_requests_(max_requests) {}

IoLoop::~IoLoop() {
  std::lock_guard<std::mutex> lock(mu_);
  // A core inherited across fork() belongs to the parent: abandon it.
  Core* core = core_.load();
  if (core != nullptr && core_pid_ == ::getpid()) delete core;
}

IoLoop::Core* IoLoop::GetCore() {
  pid_t pid = ::getpid();
  Core* core = core_.load(std::memory_order_acquire);
  if (core != nullptr && core_pid_.load(std::memory_order_relaxed) == pid) return core;
  std::lock_guard<std::mutex> lock(mu_);
  core = core_.load();
  if (core == nullptr || core_pid_ != pid) {
    core = new Core(max_requests_);
    core_pid_ = pid;
    core_.store(core, std::memory_order_release);
  }
  return core;
}

void IoLoop::Spawn(std::function<void()> fn) { GetCore()->Spawn(std::move(fn)); }

HttpResponse IoLoop::Perform(const HttpRequest& req) { return GetCore()->Perform(req); }

void IoLoop::Sleep(std::chrono::milliseconds d) { GetCore()->Sleep(d); }

void IoLoop::ResumeStream(BodyStream* stream) { GetCore()->StreamOp(stream, false); }

void IoLoop::AbortStream(BodyStream* stream) { GetCore()->StreamOp(stream, true); }

void IoLoop::ParallelFor(size_t n, size_t width, const std::function<void(size_t)>& fn) {
  GetCore()->ParallelFor(n, width, fn);
}

bool IoLoop::OnLoopFiber() const {
  Core* core = core_.load(std::memory_order_acquire);
  return core != nullptr && core->OnLoopFiber();
}

}  // namespace alluxio::s3
