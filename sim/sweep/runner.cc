#include "sim/sweep/runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sim/core/io.h"
#include "sim/core/status.h"
#include "sim/sweep/sweep.h"

namespace fleetsim::sweep {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  std::string run_id;
  Clock::time_point start;
};

std::string HostName() {
  char host[256] = "";
  if (::gethostname(host, sizeof(host) - 1) != 0) return "unknown";
  host[sizeof(host) - 1] = '\0';
  return host;
}

// Starts one run; returns its pid.
absl::StatusOr<pid_t> Start(const std::string& dir, const std::string& id, const std::string& exe) {
  const std::string log = absl::StrCat(dir, "/logs/", id, ".stderr");
  const std::string scen = absl::StrCat(dir, "/scenarios/", id, ".yaml");
  const std::string out = absl::StrCat(dir, "/runs/", id);
  std::vector<std::string> args = {exe, "run", scen, "--out", out, "--run-id", id, "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int err_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (err_fd < 0) return IoError(log, "cannot open", errno);
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(err_fd);
    return IoError("/dev/null", "cannot open", errno);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec. SIGINT/SIGTERM stay blocked across
    // exec (the mask and pending signals are inherited): a SIGTERM that arrives before the
    // child's main() is then taken by its signal thread, never by the default action.
    ::dup2(null_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int e = errno;
  ::close(err_fd);
  ::close(null_fd);
  if (pid < 0) return IoError(exe, "fork failed", e);
  return pid;
}

bool ManifestComplete(const std::string& dir, const std::string& id) {
  auto text = ReadFile(absl::StrCat(dir, "/runs/", id, "/manifest.json"));
  return text.ok() && absl::StrContains(*text, "\"status\": \"complete\"");
}

std::string Duration(double s) {
  if (s < 120) return absl::StrCat(static_cast<int64_t>(s + 0.5), " s");
  if (s < 7200) return absl::StrCat(static_cast<int64_t>(s / 60 + 0.5), " min");
  return absl::StrCat(static_cast<int64_t>(s / 3600 + 0.5), " h");
}

}  // namespace

absl::StatusOr<int> RunSweep(const std::string& dir, const RunnerOptions& o) {
  FLEETSIM_ASSIGN_OR_RETURN(Index idx, ReadIndex(dir));
  FLEETSIM_ASSIGN_OR_RETURN(auto range, ParseRunRange(o.range, idx.rows.size()));
  if (o.jobs < 1) return absl::InvalidArgumentError("--jobs must be >= 1");
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(dir + "/runs"));
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(dir + "/logs"));
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(dir + "/state"));
  const std::string host = HostName();
  std::deque<std::string> pending;
  size_t skipped = 0;
  std::vector<std::string> busy;  // running in another live process on this host
  for (size_t i = range.first; i <= range.second && i < idx.rows.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(RunState s, ReadRunState(dir, idx.rows[i].run_id));
    if (s.status == "done" && ManifestComplete(dir, idx.rows[i].run_id)) {
      ++skipped;
    } else if (s.status == "running" && s.host == host && s.pid > 0 &&
               ::kill(static_cast<pid_t>(s.pid), 0) == 0) {
      // Another `sweep run` on this host is running it (its child is alive): running it twice
      // would race on the run's directory. Runs on other hosts cannot be checked this way.
      busy.push_back(idx.rows[i].run_id);
    } else {
      pending.push_back(idx.rows[i].run_id);
    }
  }
  const size_t total = pending.size();
  size_t done = 0;
  std::vector<std::string> failed;
  std::map<pid_t, Child> running;
  double wall_sum = 0;
  const auto t0 = Clock::now();
  auto last_progress = t0;
  if (!o.quiet) {
    std::fprintf(stderr, "[sweep] %zu runs selected: %zu already done, %zu to run, %d at a time\n",
                 range.second - range.first + 1, skipped, total, o.jobs);
  }
  for (const auto& id : busy) {
    std::fprintf(stderr, "[sweep] %s skipped: running in another process on this host\n",
                 id.c_str());
  }
  auto progress = [&](bool force) {
    auto now = Clock::now();
    if (o.quiet || (!force && now - last_progress < std::chrono::seconds(1))) return;
    last_progress = now;
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    const size_t finished = done + failed.size();
    std::string eta = "?";
    if (finished > 0) {
      const double per_run = wall_sum / finished;
      eta = Duration(per_run * (pending.size() + running.size() * 0.5) / o.jobs);
    }
    std::fprintf(
        stderr, "[sweep] %zu/%zu done, %zu failed, %zu running, %zu pending | %s elapsed, ETA %s\n",
        done, total, failed.size(), running.size(), pending.size(), Duration(elapsed).c_str(),
        eta.c_str());
  };
  size_t reaped = 0;  // children reaped by the last reap() call
  auto reap = [&](bool block) -> absl::Status {
    reaped = 0;
    for (;;) {
      int status = 0;
      struct rusage ru {};
      pid_t pid = ::wait4(-1, &status, block ? 0 : WNOHANG, &ru);
      if (pid <= 0) return absl::OkStatus();
      auto it = running.find(pid);
      if (it == running.end()) continue;
      const Child c = it->second;
      running.erase(it);
      RunState s;
      s.host = host;
      s.pid = pid;
      s.wall_s = std::chrono::duration<double>(Clock::now() - c.start).count();
      s.max_rss_kb = ru.ru_maxrss;
      s.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (s.exit_status == 0 && ManifestComplete(dir, c.run_id)) {
        s.status = "done";
        ++done;
      } else if (s.exit_status == 128 + SIGINT || s.exit_status == 128 + SIGTERM) {
        s.status = "interrupted";
        failed.push_back(c.run_id);
      } else {
        s.status = "failed";
        failed.push_back(c.run_id);
      }
      wall_sum += s.wall_s;
      ++reaped;
      FLEETSIM_RETURN_IF_ERROR(WriteRunState(dir, c.run_id, s));
      if (block) return absl::OkStatus();
    }
  };
  while (!pending.empty() || !running.empty()) {
    if (int sig = o.interrupted ? o.interrupted() : 0; sig != 0) {
      for (const auto& [pid, c] : running) ::kill(pid, SIGTERM);
      while (!running.empty()) FLEETSIM_RETURN_IF_ERROR(reap(true));
      std::fprintf(stderr,
                   "[sweep] interrupted: %zu done, %zu failed or interrupted, %zu not started; "
                   "run the same command again to resume\n",
                   done, failed.size(), pending.size());
      return 128 + sig;
    }
    while (static_cast<int>(running.size()) < o.jobs && !pending.empty()) {
      const std::string id = pending.front();
      pending.pop_front();
      FLEETSIM_ASSIGN_OR_RETURN(pid_t pid, Start(dir, id, o.exe));
      running[pid] = Child{id, Clock::now()};
      RunState s;
      s.status = "running";
      s.host = host;
      s.pid = pid;
      FLEETSIM_RETURN_IF_ERROR(WriteRunState(dir, id, s));
    }
    FLEETSIM_RETURN_IF_ERROR(reap(false));
    progress(false);
    // A slot just freed: start the next run at once. Otherwise poll again in 5 ms (the cost
    // per run of the machinery stays small against the ~0.15 s start-up of a fleetsim process).
    if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (total > 0) progress(true);
  if (!failed.empty()) {
    std::fprintf(stderr, "[sweep] %zu run(s) failed (details: fleetsim sweep status %s):\n",
                 failed.size(), dir.c_str());
    for (const auto& id : failed) {
      auto s = ReadRunState(dir, id);
      std::fprintf(stderr, "  %s %s (exit status %d): %s\n", id.c_str(),
                   s.ok() ? s->status.c_str() : "?", s.ok() ? s->exit_status : -1,
                   StderrTail(dir, id, 1).c_str());
    }
    return 1;
  }
  return 0;
}

}  // namespace fleetsim::sweep
