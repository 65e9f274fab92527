// The fleetsim command-line commands. Each returns the process exit status:
// 0 success, 2 bad input (one line on stderr naming file, line and field), 1 internal or I/O
// error, 130/143 stopped by SIGINT/SIGTERM.
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
  bool invariants = true;  // false: --no-invariants
  std::string policy = "easy";
  std::string estimates = "user";
  int64_t processors = 0;
  int64_t accelerators_per_host = kAutoPerHost;
  std::string run_id;  // --run-id (manifest); "" = derived from the configuration hash
  // sweep options
  int64_t jobs = 1;
  std::string runs;
  int64_t chunk = 1;
  int64_t max_concurrent = 0;
  std::string partition, time, mem, account;
  bool submit = false;
  std::vector<std::string> positional;
};

extern const char kUsage[];

int Main(int argc, char** argv);
int RunCommand(const Options& o);
int ValidateCommand(const Options& o);
int ReplaySwfCommand(const Options& o);
// `fleetsim sweep plan|run|status|collect|slurm` (sim/cli/sweep_cmd.cc).
int SweepCommand(const Options& o);

}  // namespace fleetsim::cli

#endif  // FLEETSIM_SIM_CLI_COMMANDS_H_
