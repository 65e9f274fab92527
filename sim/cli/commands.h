// The fleetsim command-line commands. Each returns the process exit status:
// 0 success, 2 bad input (one line on stderr naming file, line and field), 1 internal error.
#ifndef FLEETSIM_SIM_CLI_COMMANDS_H_
#define FLEETSIM_SIM_CLI_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace fleetsim::cli {

// Parsed common options (see kUsage in commands.cc).
// replay-swf: --accelerators-per-host not given (group processors by the documented rule).
inline constexpr int64_t kAutoPerHost = INT64_MIN;

struct Options {
  std::string out_dir;
  bool has_seed = false;
  uint64_t seed = 0;
  std::vector<std::string> sets;
  bool quiet = false;
  std::string policy = "easy";
  std::string estimates = "user";
  int64_t processors = 0;
  int64_t accelerators_per_host = kAutoPerHost;
  std::vector<std::string> positional;
  std::string command_line;
};

extern const char kUsage[];

int Main(int argc, char** argv);
int RunCommand(const Options& o);
int ValidateCommand(const Options& o);
int ReplaySwfCommand(const Options& o);

}  // namespace fleetsim::cli

#endif  // FLEETSIM_SIM_CLI_COMMANDS_H_
