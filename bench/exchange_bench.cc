// Cost of timing one spanning run's gradient exchange with SimGrid (sim/engine/exchange.h): the
// platform's load time, then each exchange's simulated and wall-clock seconds. The engine times
// each distinct (cluster set, rings, bytes) once per run and caches it.
//   ./build/bench/exchange_bench PLATFORM BYTES RINGS CLUSTER CLUSTER [CLUSTER...]
// e.g. platforms/fleet-2026.xml 810e9 64 fairwater-wi.gb200 fairwater-atl.gb200
// Prints platform load and each of 5 timings of the same exchange with rings 1, 8, RINGS.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/engine/engine.h"

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s PLATFORM BYTES RINGS CLUSTER CLUSTER [CLUSTER...]\n", argv[0]);
    return 2;
  }
  const double bytes = std::strtod(argv[2], nullptr);
  const int rings = std::atoi(argv[3]);
  std::vector<std::string> clusters(argv + 4, argv + argc);
  std::vector<fleetsim::engine::ExchangeCase> cases;
  for (int r : {1, 8, rings}) cases.push_back({clusters, r, bytes});
  const auto w0 = std::chrono::steady_clock::now();
  auto t = fleetsim::engine::TimeExchanges(argv[1], cases);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  if (!t.ok()) {
    std::fprintf(stderr, "%s\n", std::string(t.status().message()).c_str());
    return 2;
  }
  double timing = 0;
  std::printf("rings,exchange_s,wall_ms\n");
  for (size_t i = 0; i < t->size(); ++i) {
    std::printf("%d,%.9g,%.3f\n", cases[i].rings, (*t)[i].exchange_s, 1e3 * (*t)[i].wall_s);
    timing += (*t)[i].wall_s;
  }
  std::printf("platform load and fleet view: %.3f s\n", total - timing);
  return 0;
}
