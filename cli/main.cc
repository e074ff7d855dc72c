// The `alluxio` command: global flags, the command tables, usage and help.
//
//   alluxio [-Dkey=value]... <command> ...
//   alluxio [-Dkey=value]... fs [-Dkey=value]... <fs-command> [flags] [args]
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "cli.h"

namespace alluxio::cli {
namespace {

// Prints `text` wrapped at 78 columns with `indent` spaces in front.
void PrintWrapped(FILE* out, const std::string& text, size_t indent) {
  constexpr size_t kWidth = 78;
  std::string line;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string word = text.substr(i, j - i);
    i = j + 1;
    if (!line.empty() && indent + line.size() + 1 + word.size() > kWidth) {
      std::fprintf(out, "%*s%s\n", static_cast<int>(indent), "", line.c_str());
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) std::fprintf(out, "%*s%s\n", static_cast<int>(indent), "", line.c_str());
}

std::vector<Command> FsCommands() {
  std::vector<Command> all = MetadataCommands();
  std::vector<Command> data = DataCommands();
  all.insert(all.end(), data.begin(), data.end());
  std::vector<Command> cache = CacheCommands();
  all.insert(all.end(), cache.begin(), cache.end());
#ifdef ALLUXIO_CLI_LOCATION
  std::vector<Command> location = LocationCommands();
  all.insert(all.end(), location.begin(), location.end());
#endif
  std::sort(all.begin(), all.end(), [](const Command& a, const Command& b) {
    return std::string(a.name) < std::string(b.name);
  });
  return all;
}

const std::vector<Command>& TopCommands() {
  static const std::vector<Command> kTop = {
      {"fs", "fs <command> [flags] [args]",
       "File system operations on the Alluxio namespace. 'alluxio fs --help' lists them.", "", 0,
       -1, nullptr},
      {"getConf", "getConf [--source] [<key>]",
       "Prints every configured property as key=value (secrets masked), or the value of one "
       "key. --source adds where each value came from (default, site, env, override); with "
       "a key it prints only the source.",
       "--source", 0, 1, GetConfCommand},
      {"cache", "cache stats",
       "Prints the counters of this node's page cache: capacity, use, hits, misses, "
       "evictions and corrupted pages found.",
       "", 1, 1, CacheStatsCommand},
#ifdef ALLUXIO_CLI_LOCATION
      {"info", "info nodes",
       "Prints the cluster's workers as the membership lists them (Alluxio's 'info nodes'): "
       "WorkerId, Address (host:rpc port) and Status, tab-separated under a header. ETCD: "
       "every worker that ever joined, ONLINE while its lease lives, else OFFLINE. STATIC: "
       "the workers file (or alluxio.user.worker.addresses), each ONLINE when it accepts a "
       "connection within 2 s, else OFFLINE.",
       "", 1, 1, InfoCommand},
#endif
      {"version", "version", "Prints the version of alluxio-posix.", "", 0, 0, VersionCommand},
  };
  return kTop;
}

constexpr const char* kGlobalHelp =
    "Global flags, before the command: -Dkey=value sets a property with the highest "
    "precedence (over ALLUXIO_* environment variables and "
    "$ALLUXIO_CONF_DIR/alluxio-site.properties); -h, --help prints help. Exit status: 0 "
    "success, 1 the operation failed (the reason is on stderr), 2 usage error.";

void PrintTopUsage(FILE* out) {
  std::fprintf(out, "Usage: alluxio [-Dkey=value]... <command> [args]\n\nCommands:\n");
  for (const Command& c : TopCommands()) {
    std::fprintf(out, "  %s\n", c.usage);
    PrintWrapped(out, c.help, 6);
  }
  std::fprintf(out, "\n");
  PrintWrapped(out, kGlobalHelp, 0);
}

void PrintFsUsage(FILE* out) {
  std::fprintf(out, "Usage: alluxio [-Dkey=value]... fs <command> [flags] [args]\n\n");
  std::fprintf(out, "Commands:\n");
  for (const Command& c : FsCommands()) std::fprintf(out, "  %s\n", c.usage);
  std::fprintf(out,
               "\nPaths are absolute Alluxio paths (alluxio:///path is accepted too).\n"
               "Run 'alluxio fs <command> --help' for the details of one command.\n");
}

void PrintCommandHelp(FILE* out, const std::string& prefix, const Command& c) {
  std::fprintf(out, "Usage: %s%s\n\n", prefix.c_str(), c.usage);
  PrintWrapped(out, c.help, 0);
}

int UsageError(const std::string& prefix, const Command& c, const std::string& message) {
  std::fprintf(stderr, "%s%s: %s\n", prefix.c_str(), c.name, message.c_str());
  std::fprintf(stderr, "Usage: %s%s\n", prefix.c_str(), c.usage);
  return kExitUsage;
}

// Parses the flags of one command, checks its argument count and runs it.
int RunCommand(Env& env, const std::string& prefix, const Command& c,
               const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, c.flags);
  if (!args.ok()) return UsageError(prefix, c, args.status().message());
  if (args->help) {
    PrintCommandHelp(stdout, prefix, c);
    return kExitOk;
  }
  int n = static_cast<int>(args->positional.size());
  if (n < c.min_args || (c.max_args >= 0 && n > c.max_args)) {
    int bound = n < c.min_args ? c.min_args : c.max_args;
    std::string expected = c.min_args == c.max_args ? "exactly "
                           : n < c.min_args         ? "at least "
                                                    : "at most ";
    expected += std::to_string(bound) + (bound == 1 ? " argument" : " arguments");
    return UsageError(prefix, c, "expected " + expected + ", got " + std::to_string(n));
  }
  int rc = c.handler(env, *args);
  // A handler that rejects an argument's value has said why; add the usage.
  if (rc == kExitUsage) std::fprintf(stderr, "Usage: %s%s\n", prefix.c_str(), c.usage);
  return rc;
}

// Consumes leading -Dkey=value and help flags. Returns -1 to go on, or an
// exit code.
int ParseGlobals(const std::vector<std::string>& argv, size_t* i,
                 std::map<std::string, std::string>* overrides, bool* help, const char* who) {
  while (*i < argv.size()) {
    const std::string& a = argv[*i];
    if (a.rfind("-D", 0) == 0) {
      size_t eq = a.find('=');
      if (eq == std::string::npos || eq == 2) {
        std::fprintf(stderr, "%s: expected -Dkey=value, got '%s'\n", who, a.c_str());
        return kExitUsage;
      }
      (*overrides)[a.substr(2, eq - 2)] = a.substr(eq + 1);
    } else if (a == "-h" || a == "--help") {
      *help = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "%s: unknown option '%s'\n", who, a.c_str());
      return kExitUsage;
    } else {
      break;
    }
    ++*i;
  }
  return -1;
}

int RunFs(std::map<std::string, std::string> overrides, const std::vector<std::string>& argv,
          size_t i) {
  bool help = false;
  if (int rc = ParseGlobals(argv, &i, &overrides, &help, "alluxio fs"); rc >= 0) {
    PrintFsUsage(stderr);
    return rc;
  }
  if (i == argv.size()) {
    PrintFsUsage(help ? stdout : stderr);
    return help ? kExitOk : kExitUsage;
  }
  const std::string& name = argv[i];
  std::vector<Command> commands = FsCommands();
  auto it = std::find_if(commands.begin(), commands.end(),
                         [&name](const Command& c) { return name == c.name; });
  if (it == commands.end()) {
    std::fprintf(stderr, "alluxio fs: unknown command '%s'\n\n", name.c_str());
    PrintFsUsage(stderr);
    return kExitUsage;
  }
  std::vector<std::string> rest(argv.begin() + static_cast<long>(i) + 1, argv.end());
  if (help) rest.push_back("--help");
  Env env(std::move(overrides));
  return RunCommand(env, "alluxio fs ", *it, rest);
}

int Run(const std::vector<std::string>& argv) {
  std::map<std::string, std::string> overrides;
  bool help = false;
  size_t i = 0;
  if (int rc = ParseGlobals(argv, &i, &overrides, &help, "alluxio"); rc >= 0) {
    PrintTopUsage(stderr);
    return rc;
  }
  if (i == argv.size()) {
    PrintTopUsage(help ? stdout : stderr);
    return help ? kExitOk : kExitUsage;
  }
  const std::string& name = argv[i];
  if (name == "fs") {
    std::vector<std::string> rest = argv;
    if (help) rest.insert(rest.begin() + static_cast<long>(i) + 1, "--help");
    return RunFs(std::move(overrides), rest, i + 1);
  }
  const auto& top = TopCommands();
  auto it =
      std::find_if(top.begin(), top.end(), [&name](const Command& c) { return name == c.name; });
  if (it == top.end()) {
    std::fprintf(stderr, "alluxio: unknown command '%s'\n\n", name.c_str());
    PrintTopUsage(stderr);
    return kExitUsage;
  }
  std::vector<std::string> rest(argv.begin() + static_cast<long>(i) + 1, argv.end());
  if (help) rest.push_back("--help");
  Env env(std::move(overrides));
  return RunCommand(env, "alluxio ", *it, rest);
}

}  // namespace
}  // namespace alluxio::cli

int main(int argc, char** argv) {
  static char out_buf[1 << 16];
  std::setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
  int rc;
  try {
    rc = alluxio::cli::Run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fprintf(stderr, "alluxio: out of memory\n");
    return alluxio::cli::kExitFailed;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "alluxio: internal error: %s\n", e.what());
    return alluxio::cli::kExitFailed;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "alluxio: write error on standard output: %s\n", std::strerror(errno));
    return alluxio::cli::kExitFailed;
  }
  return rc;
}
