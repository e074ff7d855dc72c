// Argument parsing, error reporting, paths and traversal shared by the
// commands.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "alluxio/path.h"
#include "cli.h"

namespace alluxio::cli {

std::string Args::Value(std::string_view flag, std::string def) const {
  auto it = flags.find(flag);
  if (it == flags.end() || it->second.empty()) return def;
  return it->second.back();
}

std::vector<std::string> Args::Values(std::string_view flag) const {
  auto it = flags.find(flag);
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

namespace {

struct Spec {
  std::map<std::string, bool, std::less<>> short_flags;  // name -> takes value
  std::map<std::string, bool, std::less<>> long_flags;
};

Spec ParseSpec(std::string_view spec) {
  Spec out;
  size_t i = 0;
  while (i < spec.size()) {
    size_t j = spec.find(' ', i);
    if (j == std::string_view::npos) j = spec.size();
    std::string_view tok = spec.substr(i, j - i);
    i = j + 1;
    if (tok.empty()) continue;
    bool value = tok.back() == ':';
    if (value) tok.remove_suffix(1);
    if (tok.substr(0, 2) == "--") {
      out.long_flags[std::string(tok.substr(2))] = value;
    } else {
      out.short_flags[std::string(tok)] = value;
    }
  }
  return out;
}

}  // namespace

Result<Args> ParseArgs(const std::vector<std::string>& argv, std::string_view spec_text) {
  Spec spec = ParseSpec(spec_text);
  Args args;
  bool flags_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (flags_done || a.size() < 2 || a[0] != '-') {
      args.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    if (a[1] == '-') {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      if (name == "help" && !value) {
        args.help = true;
        continue;
      }
      auto it = spec.long_flags.find(name);
      if (it == spec.long_flags.end()) {
        return Status::InvalidArgument("unknown option --" + name);
      }
      if (it->second && !value) {
        if (i + 1 >= argv.size()) {
          return Status::InvalidArgument("option --" + name + " needs a value");
        }
        value = argv[++i];
      } else if (!it->second && value) {
        return Status::InvalidArgument("option --" + name + " takes no value");
      }
      args.flags[name].push_back(value.value_or(""));
      continue;
    }
    for (size_t k = 1; k < a.size(); ++k) {
      std::string name(1, a[k]);
      auto it = spec.short_flags.find(name);
      if (it == spec.short_flags.end()) {
        if (name == "h") {
          args.help = true;
          continue;
        }
        return Status::InvalidArgument("unknown option -" + name);
      }
      if (!it->second) {
        args.flags[name].push_back("");
        continue;
      }
      std::string value = a.substr(k + 1);
      if (value.empty()) {
        if (i + 1 >= argv.size()) {
          return Status::InvalidArgument("option -" + name + " needs a value");
        }
        value = argv[++i];
      }
      args.flags[name].push_back(value);
      break;
    }
  }
  return args;
}

Result<const Configuration*> Env::Conf() {
  if (!conf_) {
    auto conf = Configuration::Load(overrides_);
    if (!conf.ok()) return conf.status();
    conf_ = std::move(*conf);
    for (const std::string& w : conf_->warnings()) {
      std::fprintf(stderr, "alluxio: warning: %s\n", w.c_str());
    }
  }
  return &*conf_;
}

Result<FileSystem*> Env::Fs() {
  if (!fs_) {
    ASSIGN_OR_RETURN(const Configuration* conf, Conf());
    ASSIGN_OR_RETURN(fs_, FileSystem::Create(*conf));
  }
  return fs_.get();
}

int OpenFs(Env& env, FileSystem** fs) {
  auto conf = env.Conf();
  if (!conf.ok()) return Fail("configuration", conf.status());
  auto result = env.Fs();
  if (!result.ok()) return Fail("client", result.status());
  *fs = *result;
  return kExitOk;
}

uint32_t CurrentUmask() {
  mode_t old = ::umask(0);
  ::umask(old);
  return static_cast<uint32_t>(old);
}

int Fail(std::string_view what, const Status& st) {
  std::fflush(stdout);
  std::fprintf(stderr, "alluxio: %.*s: %s (%s)\n", static_cast<int>(what.size()), what.data(),
               std::strerror(st.ToErrno()), st.ToString().c_str());
  return kExitFailed;
}

int FailMessage(std::string_view message) {
  std::fflush(stdout);
  std::fprintf(stderr, "alluxio: %.*s\n", static_cast<int>(message.size()), message.data());
  return kExitFailed;
}

bool WriteOut(const char* data, size_t n) { return n == 0 || std::fwrite(data, 1, n, stdout) == n; }

Result<std::string> AlluxioPath(std::string_view arg) {
  constexpr std::string_view kScheme = "alluxio://";
  if (arg.substr(0, kScheme.size()) == kScheme) {
    arg.remove_prefix(kScheme.size());
    size_t slash = arg.find('/');
    arg = slash == std::string_view::npos ? std::string_view("/") : arg.substr(slash);
  }
  return NormalizePath(arg);
}

Status ForEachBelow(FileSystem& fs, const std::string& dir, bool recursive, const Visitor& visit) {
  ASSIGN_OR_RETURN(std::vector<FileInfo> entries, fs.ListStatus(dir));
  for (const FileInfo& e : entries) {
    std::string child = JoinPath(dir, e.name);
    RETURN_IF_ERROR(visit(child, e.attr));
    if (recursive && e.attr.is_dir) RETURN_IF_ERROR(ForEachBelow(fs, child, true, visit));
  }
  return Status::OK();
}

}  // namespace alluxio::cli
