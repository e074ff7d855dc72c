// chmod modes and chown/chgrp owners.
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>

#include <cctype>

#include "cli.h"

namespace alluxio::cli {

namespace {

// Bits each class letter covers, special bits included (setuid with u,
// setgid with g, the sticky bit with o, as chmod(1) does).
uint32_t WhoMask(char c) {
  switch (c) {
    case 'u':
      return 04700;
    case 'g':
      return 02070;
    case 'o':
      return 01007;
    default:
      return 07777;  // 'a'
  }
}

Result<uint32_t> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 10) return Status::InvalidArgument("");
  uint64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return Status::InvalidArgument("");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xFFFFFFFEull) return Status::InvalidArgument("");
  return static_cast<uint32_t>(v);
}

}  // namespace

Result<ModeChange> ModeChange::Parse(std::string_view text) {
  ModeChange mc;
  auto bad = [&text]() {
    return Status::InvalidArgument("invalid mode '" + std::string(text) + "'");
  };
  if (text.empty()) return bad();
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    uint32_t v = 0;
    if (text.size() > 5) return bad();
    for (char c : text) {
      if (c < '0' || c > '7') return bad();
      v = v * 8 + static_cast<uint32_t>(c - '0');
    }
    if (v > 07777) return bad();
    mc.octal_ = v;
    return mc;
  }
  size_t i = 0;
  while (i <= text.size()) {
    uint32_t who = 0;
    while (i < text.size() && std::string_view("ugoa").find(text[i]) != std::string_view::npos) {
      who |= WhoMask(text[i]);
      ++i;
    }
    if (who == 0) who = 07777;
    bool any_op = false;
    while (i < text.size() && (text[i] == '+' || text[i] == '-' || text[i] == '=')) {
      Clause c{who, text[i], 0, false};
      ++i;
      while (i < text.size() && text[i] != ',' && text[i] != '+' && text[i] != '-' &&
             text[i] != '=') {
        switch (text[i]) {
          case 'r':
            c.perm |= 0444;
            break;
          case 'w':
            c.perm |= 0222;
            break;
          case 'x':
            c.perm |= 0111;
            break;
          case 'X':
            c.cond_x = true;
            break;
          case 's':
            c.perm |= 06000;
            break;
          case 't':
            c.perm |= 01000;
            break;
          default:
            return bad();
        }
        ++i;
      }
      mc.clauses_.push_back(c);
      any_op = true;
    }
    if (!any_op) return bad();
    if (i == text.size()) break;
    if (text[i] != ',') return bad();
    ++i;
    if (i == text.size()) return bad();  // trailing comma
  }
  return mc;
}

uint32_t ModeChange::Apply(uint32_t mode, bool is_dir) const {
  if (octal_) return *octal_;
  mode &= 07777;
  for (const Clause& c : clauses_) {
    uint32_t bits = c.perm;
    if (c.cond_x && (is_dir || (mode & 0111) != 0)) bits |= 0111;
    bits &= c.who;
    switch (c.op) {
      case '+':
        mode |= bits;
        break;
      case '-':
        mode &= ~bits;
        break;
      default:
        mode = (mode & ~c.who) | bits;
        break;  // '='
    }
  }
  return mode;
}

Result<uint32_t> ParseUser(std::string_view text) {
  auto n = ParseNumber(text);
  if (n.ok()) return *n;
  std::string name(text);
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (!name.empty() && getpwnam_r(name.c_str(), &pw, buf, sizeof(buf), &found) == 0 &&
      found != nullptr) {
    return static_cast<uint32_t>(found->pw_uid);
  }
  return Status::InvalidArgument("invalid user '" + name + "'");
}

Result<uint32_t> ParseGroup(std::string_view text) {
  auto n = ParseNumber(text);
  if (n.ok()) return *n;
  std::string name(text);
  struct group gr;
  struct group* found = nullptr;
  char buf[4096];
  if (!name.empty() && getgrnam_r(name.c_str(), &gr, buf, sizeof(buf), &found) == 0 &&
      found != nullptr) {
    return static_cast<uint32_t>(found->gr_gid);
  }
  return Status::InvalidArgument("invalid group '" + name + "'");
}

}  // namespace alluxio::cli
