// SWF parse speed: parses each trace given on the command line `--reps` times from memory and
// prints ns per line. `--dump` instead prints every parsed job (to compare two builds with cmp).
//   ./build/bench/swf_bench [--reps N] [--dump] TRACE.swf...
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/core/io.h"
#include "sim/workload/swf.h"

int main(int argc, char** argv) {
  int reps = 20;
  bool dump = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--dump") {
      dump = true;
    } else {
      files.push_back(a);
    }
  }
  for (const std::string& f : files) {
    auto text = fleetsim::ReadFile(f);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
      return 2;
    }
    size_t lines = 0;
    for (char c : *text) lines += c == '\n';
    if (dump) {
      auto t = fleetsim::workload::ParseSwf(*text, f, {});
      if (!t.ok()) {
        std::printf("%s\n", std::string(t.status().message()).c_str());
        continue;
      }
      std::printf("%s max_procs %lld max_nodes %lld\n", f.c_str(),
                  static_cast<long long>(t->max_procs), static_cast<long long>(t->max_nodes));
      for (const auto& j : t->workload.jobs) {
        std::printf("%lld %.17g %.17g %.17g %lld\n", static_cast<long long>(j.id), j.submit_s,
                    j.run_s, j.estimate_s, static_cast<long long>(j.accelerators));
      }
      continue;
    }
    size_t jobs = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
      auto t = fleetsim::workload::ParseSwf(*text, f, {});
      jobs += t.ok() ? t->workload.jobs.size() : 0;
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %zu lines, %zu jobs, %.1f ms per parse, %.0f ns per line\n", f.c_str(), lines,
                jobs / (reps > 0 ? reps : 1), 1e3 * s / reps, 1e9 * s / reps / lines);
  }
  return 0;
}
