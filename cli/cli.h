// The `alluxio` command line: shared types and helpers of its commands.
//
// Every command is a row in a table (name, usage, help, accepted flags,
// argument count, handler); the dispatcher in main.cc parses the flags,
// checks the argument count and prints usage, so handlers only do the work.
//
// Exit codes a script can rely on: kExitOk, kExitFailed (the operation
// failed; a message naming the path and the reason is on stderr), kExitUsage
// (unknown command or flag, wrong number of arguments; usage is printed).
#ifndef ALLUXIO_CLI_CLI_H_
#define ALLUXIO_CLI_CLI_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alluxio/config.h"
#include "alluxio/file_info.h"
#include "alluxio/file_system.h"
#include "alluxio/status.h"

namespace alluxio::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Copies move data in chunks of this size.
inline constexpr size_t kChunkSize = 1 << 20;

// The flags of one parsed command line.
struct Args {
  std::vector<std::string> positional;
  // Flag name ("R", "c", "option") -> its values, one per occurrence ("" for
  // a flag without a value).
  std::map<std::string, std::vector<std::string>, std::less<>> flags;
  bool help = false;

  bool Has(std::string_view flag) const { return flags.find(flag) != flags.end(); }
  // The last value given for `flag`, or `def`.
  std::string Value(std::string_view flag, std::string def = "") const;
  std::vector<std::string> Values(std::string_view flag) const;
};

// Parses `argv` against `spec`: space-separated tokens, "R" a short flag,
// "c:" a short flag with a value, "--source" a long flag, "--option:" a long
// flag with a value. Short flags combine ("-Rf"); a value follows in the same
// or the next word ("-c10", "-c 10", "--option k=v", "--option=k=v"); "--"
// ends the flags. "--help" always means help, and so does "-h" unless the
// spec declares "h". Returns InvalidArgument naming an unknown flag.
Result<Args> ParseArgs(const std::vector<std::string>& argv, std::string_view spec);

// Per-process state shared by the commands: the -D overrides, and the
// configuration and file system, both created on first use.
class Env {
 public:
  explicit Env(std::map<std::string, std::string> overrides) : overrides_(std::move(overrides)) {}

  // Loads the configuration once and prints its warnings on stderr.
  Result<const Configuration*> Conf();
  Result<FileSystem*> Fs();

 private:
  std::map<std::string, std::string> overrides_;
  std::optional<Configuration> conf_;
  std::shared_ptr<FileSystem> fs_;
};

using Handler = int (*)(Env& env, const Args& args);

struct Command {
  const char* name;
  const char* usage;  // e.g. "ls [-R] [-h] [-d] <path>..."
  const char* help;   // one or more sentences
  const char* flags;  // ParseArgs spec
  int min_args;
  int max_args;  // -1: unbounded
  Handler handler;
};

// The `alluxio fs` commands (fs_commands.cc and data_commands.cc), and the
// top-level ones (conf_commands.cc).
std::vector<Command> MetadataCommands();
std::vector<Command> DataCommands();
std::vector<Command> CacheCommands();         // fs load, fs free
std::vector<Command> LocationCommands();      // fs location
int InfoCommand(Env& env, const Args& args);  // info nodes
int CacheStatsCommand(Env& env, const Args& args);
int GetConfCommand(Env& env, const Args& args);
int VersionCommand(Env& env, const Args& args);

// ---- Reporting ------------------------------------------------------------

// Prints "alluxio: <what>: <strerror> (<Code>: <message>)" on stderr and
// returns kExitFailed.
int Fail(std::string_view what, const Status& st);
// Prints "alluxio: <message>" on stderr and returns kExitFailed.
int FailMessage(std::string_view message);
// Opens the configuration and the file system; on failure reports it
// ("configuration" or "client") and returns kExitFailed.
int OpenFs(Env& env, FileSystem** fs);
// The process umask, without changing it.
uint32_t CurrentUmask();

// The usual start of a command: the file system, or an exit code.
#define CLI_FS_OR_EXIT(var, env)                                               \
  ::alluxio::FileSystem* var##_ptr = nullptr;                                  \
  if (int rc_ = ::alluxio::cli::OpenFs(env, &var##_ptr); rc_ != 0) return rc_; \
  ::alluxio::FileSystem& var = *var##_ptr

// Writes bytes to stdout; false (with errno) on a write error.
bool WriteOut(const char* data, size_t n);

// ---- Paths and traversal --------------------------------------------------

// An Alluxio path from a command-line argument: "alluxio://host:port/x" and
// "alluxio:///x" are accepted as "/x"; the result is normalized.
Result<std::string> AlluxioPath(std::string_view arg);

// Calls `visit` for every entry below directory `dir` (sorted by name), each
// directory before its children; descends only when `recursive`. Stops at
// the first error `visit` or a listing returns.
using Visitor = std::function<Status(const std::string& path, const FileAttr& attr)>;
Status ForEachBelow(FileSystem& fs, const std::string& dir, bool recursive, const Visitor& visit);

// ---- Formatting (format.cc) ---------------------------------------------

// "drwxr-xr-x" / "-rw-r--r--", with s/S/t/T for the special bits.
std::string FormatMode(uint32_t mode, bool is_dir);
// Alluxio's date pattern "MM-dd-yyyy HH:mm:ss:SSS", local time.
std::string FormatDate(int64_t mtime_ns);
// Alluxio's FormatUtils.getSizeFromBytes: "5120B", "5.50KB", "1.25MB", ...
std::string HumanSize(uint64_t bytes);
// User and group names (numbers when unknown), cached.
std::string UserName(uint32_t uid);
std::string GroupName(uint32_t gid);
// One line of `ls`, newline included, in Alluxio 2.x's LsCommand layout.
// `size` is the byte count of a file or the number of children of a
// directory.
std::string FormatLsLine(const std::string& path, const FileAttr& attr, uint64_t size, bool human,
                         bool long_layout);

// ---- Attributes (mode.cc) -------------------------------------------------

// A chmod MODE: octal ("755", "1777") or symbolic ("u+x,go-w", "a=rX").
class ModeChange {
 public:
  static Result<ModeChange> Parse(std::string_view text);
  // The new permission bits for a file or directory now at `mode`.
  uint32_t Apply(uint32_t mode, bool is_dir) const;

 private:
  struct Clause {
    uint32_t who;   // mask of the bits the clause touches (u/g/o/a)
    char op;        // '+', '-', '='
    uint32_t perm;  // rwxst as bits for all classes, masked by `who`
    bool cond_x;    // 'X': execute only for directories or already executable
  };
  std::optional<uint32_t> octal_;
  std::vector<Clause> clauses_;
};

// A user or group given as a name or a number.
Result<uint32_t> ParseUser(std::string_view text);
Result<uint32_t> ParseGroup(std::string_view text);

}  // namespace alluxio::cli

#endif  // ALLUXIO_CLI_CLI_H_
