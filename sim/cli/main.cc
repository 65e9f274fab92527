// fleetsim entry point: flag parsing and command dispatch only.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/cli/commands.h"
#include "sim/cli/platform_cmd.h"
#include "sim/cli/signals.h"

ABSL_FLAG(std::string, out, "", "output directory");
ABSL_FLAG(uint64_t, seed, 0, "override the scenario seed");
ABSL_FLAG(bool, quiet, false, "no progress on stderr");
ABSL_FLAG(bool, no_invariants, false, "skip the run invariants");
ABSL_FLAG(std::string, policy, "easy", "replay-swf policy: fcfs|easy");
ABSL_FLAG(std::string, estimates, "user", "replay-swf estimates: user|exact");
ABSL_FLAG(int64_t, processors, 0, "replay-swf cluster size (0 = MaxProcs)");
ABSL_FLAG(int64_t, accelerators_per_host, fleetsim::cli::kAutoPerHost, "replay-swf processors per host");
ABSL_FLAG(std::string, run_id, "", "run id recorded in manifest.json");
ABSL_FLAG(int64_t, jobs, 1, "sweep run: runs at once");
ABSL_FLAG(std::string, runs, "", "sweep run: positions A-B of index.csv");
ABSL_FLAG(int64_t, chunk, 1, "sweep slurm: runs per array task");
ABSL_FLAG(int64_t, max_concurrent, 0, "sweep slurm: array tasks at once (0 = no limit)");
ABSL_FLAG(std::string, partition, "", "sweep slurm: partition");
ABSL_FLAG(std::string, time, "", "sweep slurm: time limit per array task");
ABSL_FLAG(std::string, mem, "", "sweep slurm: memory per array task");
ABSL_FLAG(std::string, account, "", "sweep slurm: account");
ABSL_FLAG(bool, submit, false, "sweep slurm: submit with sbatch");

namespace fleetsim::cli {

int Main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "run" && std::string(argv[1]) != "replay-swf" &&
                   std::string(argv[1]) != "sweep")) {
    StartSignalThread();  // nothing to clean up: the default reaction (exit 128 + signal)
  }
  if (argc >= 2 && std::string(argv[1]) == "platform") return RunPlatformCommand(argc - 1, argv + 1);
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0 ||
        std::strcmp(argv[i], "help") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  bool seed_given = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      o.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const std::string shown = name;  // as typed, for messages
    for (char& c : name) if (c == '-') c = '_';
    if (name == "set") {
      if (!has_value) {
        if (i + 1 >= argc) return (std::fprintf(stderr, "fleetsim: --set needs key.path=value\n"), 2);
        value = argv[++i];
      }
      o.sets.push_back(value);
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      std::fprintf(stderr, "fleetsim: unknown option '--%s' (see fleetsim --help)\n", shown.c_str());
      return 2;
    }
    if (!has_value) {
      if (name == "quiet" || name == "submit" || name == "no_invariants") {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        std::fprintf(stderr, "fleetsim: --%s needs a value\n", shown.c_str());
        return 2;
      }
    }
    std::string err;
    if (!flag->ParseFrom(value, &err)) {
      std::fprintf(stderr, "fleetsim: --%s: %s\n", shown.c_str(), err.c_str());
      return 2;
    }
    // 0 is the flag's "not given" value (MaxProcs from the trace); given explicitly it is an error.
    if (name == "processors" && absl::GetFlag(FLAGS_processors) < 1) {
      std::fprintf(stderr, "fleetsim: --%s must be >= 1 (see fleetsim --help)\n", shown.c_str());
      return 2;
    }
    if (name == "seed") seed_given = true;
  }
  o.out_dir = absl::GetFlag(FLAGS_out);
  o.has_seed = seed_given;
  o.seed = absl::GetFlag(FLAGS_seed);
  o.quiet = absl::GetFlag(FLAGS_quiet);
  o.invariants = !absl::GetFlag(FLAGS_no_invariants);
  o.policy = absl::GetFlag(FLAGS_policy);
  o.estimates = absl::GetFlag(FLAGS_estimates);
  o.processors = absl::GetFlag(FLAGS_processors);
  o.accelerators_per_host = absl::GetFlag(FLAGS_accelerators_per_host);
  o.run_id = absl::GetFlag(FLAGS_run_id);
  o.jobs = absl::GetFlag(FLAGS_jobs);
  o.runs = absl::GetFlag(FLAGS_runs);
  o.chunk = absl::GetFlag(FLAGS_chunk);
  o.max_concurrent = absl::GetFlag(FLAGS_max_concurrent);
  o.partition = absl::GetFlag(FLAGS_partition);
  o.time = absl::GetFlag(FLAGS_time);
  o.mem = absl::GetFlag(FLAGS_mem);
  o.account = absl::GetFlag(FLAGS_account);
  o.submit = absl::GetFlag(FLAGS_submit);
  if (cmd == "run") return RunCommand(o);
  if (cmd == "validate") return ValidateCommand(o);
  if (cmd == "replay-swf") return ReplaySwfCommand(o);
  if (cmd == "sweep") return SweepCommand(o);
  std::fprintf(stderr, "fleetsim: unknown command '%s' (see fleetsim --help)\n", cmd.c_str());
  return 2;
}

}  // namespace fleetsim::cli

int main(int argc, char** argv) {
  // Before any thread exists: SIGINT/SIGTERM are then taken by the signal thread only.
  // Each command starts the signal thread once its reaction is set (sim/cli/signals.h).
  fleetsim::cli::BlockTerminationSignals();
  try {
    const int rc = fleetsim::cli::Main(argc, argv);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // Every output is complete and renamed into place by now. Skip the exit handlers, which
    // only free memory: SimGrid's engine destructor takes about 1 s on fleet-2030.xml (134,878
    // hosts). Sanitizer builds exit normally, so LeakSanitizer still checks for leaks.
    std::fflush(nullptr);
    std::_Exit(rc);
#endif
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleetsim: internal error: %s\n", e.what());
    return 1;
  }
}
