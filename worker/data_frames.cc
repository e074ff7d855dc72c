#include "data_frames.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace alluxio::worker {

namespace {

bool ReadFull(int fd, char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::recv(fd, buf + done, n - done, 0);
    if (r > 0) {
      done += static_cast<size_t>(r);
    } else if (r == 0 || errno != EINTR) {
      return false;
    }
  }
  return true;
}

bool WriteAll(int fd, iovec* iov, int count) {
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    size_t left = static_cast<size_t>(w);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

uint64_t LoadBe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

void StoreBe(char* p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}

}  // namespace

bool ReadDataFrame(int fd, DataFrame* f) {
  char head[16];
  if (!ReadFull(fd, head, sizeof(head))) return false;
  uint64_t total = LoadBe(head, 8);
  f->type = static_cast<int32_t>(LoadBe(head + 8, 4));
  uint64_t msg_len = LoadBe(head + 12, 4);
  if (total < 16 || total > kMaxFrameBytes || msg_len > total - 16) return false;
  f->message.resize(msg_len);
  f->payload.resize(total - 16 - msg_len);
  return ReadFull(fd, f->message.data(), f->message.size()) &&
         ReadFull(fd, f->payload.data(), f->payload.size());
}

bool SendDataFrame(int fd, int32_t type, const google::protobuf::MessageLite& m,
                   const char* payload, size_t n) {
  std::string body = m.SerializeAsString();
  char head[16];
  StoreBe(head, 16 + body.size() + n, 8);
  StoreBe(head + 8, static_cast<uint32_t>(type), 4);
  StoreBe(head + 12, body.size(), 4);
  iovec iov[3] = {
      {head, sizeof(head)}, {body.data(), body.size()}, {const_cast<char*>(payload), n}};
  return WriteAll(fd, iov, n > 0 ? 3 : 2);
}

}  // namespace alluxio::worker
