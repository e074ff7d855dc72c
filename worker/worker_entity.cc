#include "worker_entity.h"

#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

namespace alluxio::worker {
namespace {

// A JSON value, just enough of one for the entity: objects, strings,
// numbers (as text), booleans and null; arrays are parsed and dropped.
struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kObject, kArray } kind = kNull;
  std::string text;  // kString: the decoded string; kNumber: the literal
  std::map<std::string, std::unique_ptr<Json>> fields;

  const Json* Field(const char* name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : it->second.get();
  }
};

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  Status Parse(Json* out) {
    RETURN_IF_ERROR(Value(out, 0));
    Space();
    if (pos_ != in_.size()) return Error("trailing text");
    return Status::OK();
  }

 private:
  Status Error(const char* what) const {
    return Status::InvalidArgument(std::string("not a WorkerServiceEntity: ") + what +
                                   " at offset " + std::to_string(pos_));
  }
  void Space() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }
  bool Literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status Value(Json* out, int depth) {
    if (depth > 32) return Error("nesting too deep");
    Space();
    if (pos_ >= in_.size()) return Error("unexpected end");
    char c = in_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->kind = Json::kString;
      return String(&out->text);
    }
    if (Literal("true") || Literal("false")) {
      out->kind = Json::kBool;
      return Status::OK();
    }
    if (Literal("null")) {
      out->kind = Json::kNull;
      return Status::OK();
    }
    size_t start = pos_;
    while (pos_ < in_.size() &&
           (std::isdigit(static_cast<unsigned char>(in_[pos_])) || in_[pos_] == '-' ||
            in_[pos_] == '+' || in_[pos_] == '.' || in_[pos_] == 'e' || in_[pos_] == 'E'))
      ++pos_;
    if (start == pos_) return Error("unexpected character");
    out->kind = Json::kNumber;
    out->text = std::string(in_.substr(start, pos_ - start));
    return Status::OK();
  }

  Status Object(Json* out, int depth) {
    out->kind = Json::kObject;
    ++pos_;  // '{'
    Space();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      Space();
      if (pos_ >= in_.size() || in_[pos_] != '"') return Error("expected a field name");
      std::string name;
      RETURN_IF_ERROR(String(&name));
      Space();
      if (pos_ >= in_.size() || in_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      auto v = std::make_unique<Json>();
      RETURN_IF_ERROR(Value(v.get(), depth + 1));
      out->fields[name] = std::move(v);
      Space();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == '}') {
        ++pos_;
        return Status::OK();
      }
      return Error("expected ',' or '}'");
    }
  }

  Status Array(Json* out, int depth) {
    out->kind = Json::kArray;
    ++pos_;  // '['
    Space();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      Json ignored;
      RETURN_IF_ERROR(Value(&ignored, depth + 1));
      Space();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == ']') {
        ++pos_;
        return Status::OK();
      }
      return Error("expected ',' or ']'");
    }
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  Status Hex4(uint32_t* cp) {
    if (pos_ + 4 > in_.size()) return Error("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = in_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return Error("bad \\u escape");
    }
    *cp = v;
    return Status::OK();
  }

  Status String(std::string* out) {
    ++pos_;  // '"'
    while (pos_ < in_.size()) {
      char c = in_[pos_++];
      if (c == '"') return Status::OK();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= in_.size()) break;
      char e = in_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          RETURN_IF_ERROR(Hex4(&cp));
          if (cp >= 0xd800 && cp < 0xdc00 && in_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            uint32_t lo = 0;
            RETURN_IF_ERROR(Hex4(&lo));
            if (lo < 0xdc00 || lo >= 0xe000) return Error("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Error("bad escape");
      }
    }
    return Error("unterminated string");
  }

  std::string_view in_;
  size_t pos_ = 0;
};

// Gson's string rendering (HTML-safe, its default).
void AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '<':
      case '>':
      case '&':
      case '=':
      case '\'': {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        *out += buf;
        break;
      }
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendInt(const char* name, int v, std::string* out) {
  *out += '"';
  *out += name;
  *out += "\":";
  *out += std::to_string(v);
}

void AppendText(const char* name, std::string_view v, std::string* out) {
  *out += '"';
  *out += name;
  *out += "\":";
  AppendString(v, out);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An int field of `obj`, 0 when absent; InvalidArgument when not an int.
Result<int> IntField(const Json& obj, const char* name) {
  const Json* f = obj.Field(name);
  if (f == nullptr || f->kind == Json::kNull) return 0;
  if (f->kind != Json::kNumber) {
    return Status::InvalidArgument(std::string("not a WorkerServiceEntity: ") + name +
                                   " is not a number");
  }
  char* end = nullptr;
  long long v = std::strtoll(f->text.c_str(), &end, 10);
  if (end == f->text.c_str() || *end != '\0' || v < INT32_MIN || v > INT32_MAX) {
    return Status::InvalidArgument(std::string("not a WorkerServiceEntity: ") + name + " = " +
                                   f->text + " is not a 32-bit integer");
  }
  return static_cast<int>(v);
}

std::string TextField(const Json& obj, const char* name) {
  const Json* f = obj.Field(name);
  return f != nullptr && f->kind == Json::kString ? f->text : std::string();
}

}  // namespace

std::string LiveWorkersPrefix(std::string_view cluster) {
  return "/ServiceDiscovery/" + std::string(cluster) + "/";
}

std::string AuthorizedWorkersPrefix(std::string_view cluster) {
  return "/DHT/" + std::string(cluster) + "/AUTHORIZED/";
}

std::string EncodeWorkerEntity(const WorkerInfo& info) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : info.identity.id) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  const WorkerNetAddress& a = info.address;
  std::string out = "{\"Identity\":{";
  AppendInt("version", info.identity.version, &out);
  out += ',';
  AppendText("identifier", hex, &out);
  out += "},\"WorkerNetAddress\":{";
  AppendText("Host", a.host, &out);
  out += ',';
  AppendText("ContainerHost", a.container_host, &out);
  out += ',';
  AppendInt("RpcPort", a.rpc_port, &out);
  out += ',';
  AppendInt("DataPort", a.data_port, &out);
  out += ',';
  AppendInt("SecureRpcPort", 0, &out);
  out += ',';
  AppendInt("NettyDataPort", a.netty_data_port, &out);
  out += ',';
  AppendInt("WebPort", a.web_port, &out);
  out += ',';
  AppendText("DomainSocketPath", a.domain_socket_path, &out);
  out += ',';
  AppendInt("HttpServerPort", a.http_server_port, &out);
  out += "},";
  AppendText("State", "AUTHORIZED", &out);
  out += ',';
  AppendInt("GenerationNumber", -1, &out);
  out += ',';
  AppendText("ServiceEntityName", info.identity.ToString(), &out);
  out += '}';
  return out;
}

Result<WorkerInfo> DecodeWorkerEntity(std::string_view json) {
  Json root;
  RETURN_IF_ERROR(Parser(json).Parse(&root));
  if (root.kind != Json::kObject) {
    return Status::InvalidArgument("not a WorkerServiceEntity: not a JSON object");
  }
  const Json* id = root.Field("Identity");
  if (id == nullptr || id->kind != Json::kObject) {
    return Status::InvalidArgument("not a WorkerServiceEntity: no Identity object");
  }
  WorkerInfo info;
  ASSIGN_OR_RETURN(int version, IntField(*id, "version"));
  info.identity.version = version;
  std::string hex = TextField(*id, "identifier");
  if (hex.size() != 32) {
    return Status::InvalidArgument("not a WorkerServiceEntity: Identity.identifier '" + hex +
                                   "' is not 32 hex digits");
  }
  for (size_t i = 0; i < 16; ++i) {
    int hi = HexDigit(hex[2 * i]);
    int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("not a WorkerServiceEntity: Identity.identifier '" + hex +
                                     "' is not 32 hex digits");
    }
    info.identity.id[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  const Json* addr = root.Field("WorkerNetAddress");
  if (addr != nullptr && addr->kind == Json::kObject) {
    WorkerNetAddress& a = info.address;
    a.host = TextField(*addr, "Host");
    a.container_host = TextField(*addr, "ContainerHost");
    a.domain_socket_path = TextField(*addr, "DomainSocketPath");
    ASSIGN_OR_RETURN(a.rpc_port, IntField(*addr, "RpcPort"));
    ASSIGN_OR_RETURN(a.data_port, IntField(*addr, "DataPort"));
    ASSIGN_OR_RETURN(a.netty_data_port, IntField(*addr, "NettyDataPort"));
    ASSIGN_OR_RETURN(a.web_port, IntField(*addr, "WebPort"));
    ASSIGN_OR_RETURN(a.http_server_port, IntField(*addr, "HttpServerPort"));
  }
  return info;
}

}  // namespace alluxio::worker
