#include "data_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>

#include "alluxio/dataserver/protocol.pb.h"
#include "data_frames.h"
#include "wire.h"

namespace alluxio::worker {

namespace dpb = ::alluxio::proto::dataserver;

namespace {

// Largest chunk sent back, whatever chunk_size a client asks.
constexpr size_t kMaxChunk = 4u << 20;

bool SendStatus(int fd, const Status& st, const char* payload = nullptr, size_t n = 0) {
  dpb::Response r;
  r.set_status(static_cast<::alluxio::proto::status::PStatus>(GrpcCodeOf(st.code())));
  if (!st.ok()) r.set_message(st.message());
  return SendDataFrame(fd, kResponseFrame, r, payload, n);
}

bool SendCancelled(int fd) {
  dpb::Response r;
  r.set_status(::alluxio::proto::status::CANCELLED);
  return SendDataFrame(fd, kResponseFrame, r, nullptr, 0);
}

}  // namespace

DataServer::DataServer(BlockWorkerService* block, OpenWrites* writes, int max_connections)
    : block_(block), writes_(writes), max_connections_(std::max(1, max_connections)) {}

DataServer::~DataServer() { Stop(); }

Status DataServer::Start(const std::string& host, int port) {
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(bare.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::InvalidArgument("data port: cannot resolve '" + host +
                                   "': " + ::gai_strerror(rc));
  }
  Status st = Status(Code::kUnavailable, "data port: nothing to bind for " + host);
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      st = Status::FromErrno(errno, "data port: cannot listen on " + host + ":" + service);
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    listen_fd_ = fd;
    st = Status::OK();
    break;
  }
  ::freeaddrinfo(found);
  RETURN_IF_ERROR(st);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return Status::OK();
}

void DataServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : conns_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void DataServer::AcceptLoop() {
  while (!stopping_.load()) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_.load()) return;
      if (errno == EMFILE || errno == ENFILE) {
        ::usleep(10000);  // out of descriptors: let connections end first
        continue;
      }
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    // Threads of connections that ended are joined here, so they do not
    // pile up in a long-lived worker.
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (finished_.count(it->get_id()) != 0) {
        finished_.erase(it->get_id());
        it->join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    if (static_cast<int>(conns_.size()) >= max_connections_) {
      ::close(fd);  // the client retries on another connection of its pool
      continue;
    }
    conns_.insert(fd);
    threads_.emplace_back([this, fd] {
      Serve(fd);
      std::lock_guard<std::mutex> done(mu_);
      conns_.erase(fd);
      ::close(fd);
      finished_.insert(std::this_thread::get_id());
    });
  }
}

void DataServer::Serve(int fd) {
  DataFrame f;
  std::string data;
  while (!stopping_.load() && ReadDataFrame(fd, &f)) {
    if (f.type == kHeartbeatFrame) continue;
    if (f.type == kReadRequestFrame) {
      dpb::ReadRequest req;
      if (!req.ParseFromString(f.message)) return;
      if (req.cancel()) {
        // No read is in flight between requests: nothing to stop.
        if (!SendCancelled(fd)) return;
        continue;
      }
      if (!ServeRead(fd, req, &data)) return;
      continue;
    }
    if (f.type == kWriteRequestFrame) {
      dpb::WriteRequest req;
      if (!req.ParseFromString(f.message)) return;
      const std::string& uri = req.create_ufs_file_options().ufs_path();
      if (req.cancel()) {
        writes_->Cancel(uri);
        if (!SendCancelled(fd)) return;
      } else if (req.eof()) {
        if (!SendStatus(fd, writes_->Error(uri))) return;
      } else {
        // Errors are kept for the answer to eof; the client sends on.
        (void)writes_->Write(uri, static_cast<uint64_t>(std::max<int64_t>(0, req.offset())),
                             f.payload.data(), f.payload.size());
      }
      continue;
    }
    if (!SendStatus(fd, Status::NotSupported("message type " + std::to_string(f.type) +
                                             " is not served by this worker"))) {
      return;
    }
  }
}

bool DataServer::ServeRead(int fd, const dpb::ReadRequest& req, std::string* data) {
  const dpb::OpenUfsBlockOptions& o = req.open_ufs_block_options();
  std::shared_ptr<FileHandle> handle;
  uint64_t pos = 0, end = 0, version = 0;
  std::string path;
  Status st = [&]() -> Status {
    if (o.ufs_path().empty()) {
      return Status::InvalidArgument("read without open_ufs_block_options.ufs_path");
    }
    if (req.offset() < 0 || req.length() < 0 || o.offset_in_file() < 0) {
      return Status::InvalidArgument("read of " + o.ufs_path() + " at a negative offset");
    }
    ASSIGN_OR_RETURN(path, block_->Resolve(o.ufs_path()));
    ASSIGN_OR_RETURN(handle, block_->OpenHandle(path, 0));
    ASSIGN_OR_RETURN(FileAttr attr, handle->Stat());
    version = attr.version;
    uint64_t start = static_cast<uint64_t>(o.offset_in_file());
    uint64_t block_end =
        o.block_size() > 0 ? start + static_cast<uint64_t>(o.block_size()) : attr.size;
    pos = start + static_cast<uint64_t>(req.offset());
    end = std::min({block_end, attr.size, pos + static_cast<uint64_t>(req.length())});
    return Status::OK();
  }();
  if (!st.ok()) return SendStatus(fd, st);
  size_t chunk = req.chunk_size() > 0
                     ? std::min<size_t>(static_cast<size_t>(req.chunk_size()), kMaxChunk)
                     : kChunkBytes;
  uint64_t sent = 0;
  while (pos < end) {
    // Between chunks: the client may have cancelled (or sent a heartbeat).
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
      DataFrame f;
      if (!ReadDataFrame(fd, &f)) return false;
      if (f.type == kReadRequestFrame) {
        dpb::ReadRequest next;
        if (!next.ParseFromString(f.message) || !next.cancel()) return false;
        return SendCancelled(fd);
      }
      if (f.type != kHeartbeatFrame) return false;
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, end - pos));
    data->resize(want);
    size_t done = 0;
    while (done < want && st.ok()) {
      auto n = handle->Read(pos + done, data->data() + done, want - done);
      if (!n.ok()) {
        st = n.status();
      } else if (*n == 0) {
        st = Status(Code::kAborted, path + " became shorter while being read");
      } else {
        done += *n;
      }
    }
    if (st.ok()) {
      auto now = handle->Stat();
      if (now.ok() && now->version != version) {
        st = Status(Code::kAborted, path + " changed while being read");
      }
    }
    if (!st.ok()) {
      block_->DropHandle(path);
      return SendStatus(fd, st);
    }
    if (!SendStatus(fd, Status::OK(), data->data(), done)) return false;
    pos += done;
    sent += done;
  }
  if (sent > 0) block_->CountRead(sent);
  return SendStatus(fd, Status::OK());  // the end: OK without payload
}

}  // namespace alluxio::worker
