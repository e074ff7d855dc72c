#include "worker_identity.h"

#include <openssl/evp.h>

#include <cstdio>

namespace alluxio::worker {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

WorkerIdentity WorkerIdentity::FromName(std::string_view name) {
  WorkerIdentity w;
  unsigned int len = 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  EVP_Digest(name.data(), name.size(), md, &len, EVP_md5(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x30);  // version 3: name-based, MD5
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);  // the IETF variant
  for (size_t i = 0; i < w.id.size(); ++i) w.id[i] = md[i];
  return w;
}

Result<WorkerIdentity> WorkerIdentity::FromUuid(std::string_view uuid) {
  auto bad = [&] { return Status::InvalidArgument("not a UUID: '" + std::string(uuid) + "'"); };
  if (uuid.size() != 36) return bad();
  WorkerIdentity w;
  size_t byte = 0;
  for (size_t i = 0; i < uuid.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (uuid[i] != '-') return bad();
      ++i;
      continue;
    }
    int hi = HexDigit(uuid[i]);
    int lo = HexDigit(uuid[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    w.id[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return w;
}

std::string WorkerIdentity::Uuid() const {
  char s[37];
  std::snprintf(s, sizeof(s),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", id[0],
                id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11],
                id[12], id[13], id[14], id[15]);
  return s;
}

}  // namespace alluxio::worker
