// `fleetsim sweep ...`: thin wrappers over sim/sweep/ (plan, run, status, collect, slurm).
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "sim/cli/commands.h"
#include "sim/cli/signals.h"
#include "sim/core/io.h"
#include "sim/sweep/runner.h"
#include "sim/sweep/sweep.h"

namespace fleetsim::cli {
namespace {

int SweepFail(const absl::Status& st) {
  const bool input = absl::IsInvalidArgument(st) || absl::IsNotFound(st);
  std::fprintf(stderr, "fleetsim: %s%s\n",
               input ? "" : "internal/io error: ", std::string(st.message()).c_str());
  return input ? 2 : 1;
}

int SweepUsage(const std::string& msg) {
  std::fprintf(stderr, "fleetsim: sweep %s (see fleetsim --help)\n", msg.c_str());
  return 2;
}

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("fleetsim") : p.string();
}

}  // namespace

int SweepCommand(const Options& o) {
  if (o.positional.empty() || o.positional[0] != "run") StartSignalThread();
  if (o.positional.empty())
    return SweepUsage("needs a subcommand: plan, run, status, collect or slurm");
  const std::string sub = o.positional[0];
  if (o.positional.size() != 2) {
    return SweepUsage(
        absl::StrCat(sub, " needs exactly one ", sub == "plan" ? "SWEEP.yaml" : "DIR"));
  }
  const std::string arg = o.positional[1];
  if (sub == "plan") {
    if (o.out_dir.empty()) return SweepUsage("plan needs --out DIR");
    auto plan = sweep::MakePlan(arg, o.out_dir);
    if (!plan.ok()) return SweepFail(plan.status());
    auto st = sweep::WritePlan(*plan, o.out_dir);
    if (!st.ok()) return SweepFail(st);
    std::printf("plan: %s: %zu runs, %zu parameters (index.csv, scenarios/)\n", o.out_dir.c_str(),
                plan->runs.size(), plan->param_names.size());
    return 0;
  }
  if (sub == "run") {
    SetInterruptPolling(true);
    StartSignalThread();
    sweep::RunnerOptions ro;
    ro.jobs = static_cast<int>(o.jobs);
    ro.range = o.runs;
    ro.quiet = o.quiet;
    ro.interrupted = InterruptSignal;
    auto rc = sweep::RunSweep(arg, ro);
    if (!rc.ok()) return SweepFail(rc.status());
    return *rc;
  }
  if (sub == "status") {
    auto report = sweep::StatusReport(arg);
    if (!report.ok()) return SweepFail(report.status());
    std::fputs(report->c_str(), stdout);
    return 0;
  }
  if (sub == "collect") {
    std::string results = o.out_dir.empty() ? arg + "/results.csv" : o.out_dir;
    std::filesystem::path rp(results);
    std::string summary =
        (rp.parent_path() / (rp.stem().string() + "_summary" + rp.extension().string())).string();
    auto n = sweep::Collect(arg, results, summary);
    if (!n.ok()) return SweepFail(n.status());
    std::printf("collect: %s (%zu rows), %s\n", results.c_str(), *n, summary.c_str());
    return 0;
  }
  if (sub == "slurm") {
    auto idx = sweep::ReadIndex(arg);
    if (!idx.ok()) return SweepFail(idx.status());
    sweep::SlurmOptions so;
    so.chunk = o.chunk;
    so.max_concurrent = o.max_concurrent;
    so.partition = o.partition;
    so.time = o.time;
    so.mem = o.mem;
    so.account = o.account;
    so.fleetsim_binary = SelfExe();
    auto script = sweep::SlurmScript(arg, idx->rows.size(), so);
    if (!script.ok()) return SweepFail(script.status());
    const std::string path = arg + "/sweep.sbatch";
    auto st = WriteFileAtomic(path, *script);
    if (!st.ok()) return SweepFail(st);
    st = MakeDirs(arg + "/logs");
    if (!st.ok()) return SweepFail(st);
    std::printf("slurm: %s (%zu runs, %lld per array task)\n", path.c_str(), idx->rows.size(),
                static_cast<long long>(o.chunk));
    if (!o.submit) return 0;
    std::fflush(stdout);
    pid_t pid = ::fork();
    if (pid == 0) {
      UnblockTerminationSignals();
      ::execlp("sbatch", "sbatch", path.c_str(), static_cast<char*>(nullptr));
      std::fprintf(stderr, "fleetsim: sweep slurm --submit: cannot run sbatch: %s\n",
                   std::strerror(errno));
      ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0)
      return SweepFail(IoError("sbatch", "fork failed", errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "fleetsim: sweep slurm --submit: sbatch failed (status %d)\n",
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
      return 1;
    }
    return 0;
  }
  return SweepUsage(
      absl::StrCat("unknown subcommand '", sub, "' (plan, run, status, collect, slurm)"));
}

}  // namespace fleetsim::cli
