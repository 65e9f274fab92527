// Serving benchmark: request-level requests per wall second and aggregate-mode year runs.
// Usage: serve_bench [quick|memory]   (quick: smaller runs for a smoke test; memory: only the
// bounded-memory runs at 1, 10 and 100 M requests)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "sim/serve/serving_sim.h"
#include "tests/serve/streams.h"

using namespace fleetsim;
using namespace fleetsim::serve;
using fleetsim::serve::testing_streams::ChatStream;

namespace {

double PeakRssMb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

StreamSpec ServiceStream(double rate, double mean_s) {
  StreamSpec s;
  s.name = "svc";
  s.model.name = "m";
  s.arrival.rate_per_s = rate;
  s.service.kind = ServiceKind::kExponential;
  s.service.mean_s = mean_s;
  return s;
}


void RequestRun(const char* label, const StreamSpec& s, int replicas, double horizon_s) {
  ServingOptions opt;
  auto sim = *ServingSim::Create({s}, opt);
  ReplicaSpec r;
  r.model = s.model.name;
  r.system = *BuiltinSystem("h200");
  for (int i = 0; i < replicas; ++i) (void)sim->AddReplica(r);
  auto t0 = std::chrono::steady_clock::now();
  // The engine calls AdvanceTo at its own event times: emulate one call per simulated second.
  for (double t = 1; t <= horizon_s; t += 1) sim->AdvanceTo(t);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  StreamStats st = sim->Stats(0);
  std::printf("| request | %s | %d | %.0f s | %lld | %.2f s | %.2f M | %.0f MB |\n", label,
              replicas, horizon_s, static_cast<long long>(st.completed), wall,
              st.completed / wall / 1e6, PeakRssMb());
  std::fflush(stdout);
}

void AggregateRun(int streams, int replicas_per_stream, double horizon_s, double step_s) {
  std::vector<StreamSpec> specs;
  for (int i = 0; i < streams; ++i) {
    StreamSpec s = ChatStream("s" + std::to_string(i), "model" + std::to_string(i),
                               2.0 * replicas_per_stream, RoutingKind::kCentral);
    s.arrival.kind = ArrivalKind::kDiurnal;
    for (int h = 0; h < 24; ++h) s.arrival.daily_shape.push_back(0.4 + 0.6 * (h >= 8 && h < 22));
    s.arrival.weekly_shape = {1, 1, 1, 1, 1, 0.7, 0.7};
    s.annual_growth = 2.0;
    specs.push_back(s);
  }
  ServingOptions opt;
  opt.fidelity = Fidelity::kAggregate;
  opt.aggregate_step_s = step_s;
  opt.bin_s = 86400;
  auto sim = *ServingSim::Create(specs, opt);
  ReplicaSpec r;
  r.system = *BuiltinSystem("gb200");
  for (int i = 0; i < streams; ++i) {
    r.model = "model" + std::to_string(i);
    for (int k = 0; k < replicas_per_stream; ++k) (void)sim->AddReplica(r);
  }
  auto t0 = std::chrono::steady_clock::now();
  for (double t = 3600; t <= horizon_s; t += 3600) sim->AdvanceTo(t);  // hourly engine calls
  const std::string series = sim->SeriesCsv();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double arrivals = 0;
  for (int i = 0; i < streams; ++i) arrivals += sim->Stats(i).arrivals;
  std::printf(
      "| aggregate | %d streams, step %.0f s | %d | %.0f d | %.3g | %.2f s | - | %.0f MB |\n",
      streams, step_s, streams * replicas_per_stream, horizon_s / 86400, arrivals, wall,
      PeakRssMb());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "quick") == 0;
  const bool memory_only = argc > 1 && std::strcmp(argv[1], "memory") == 0;
  const double f = quick ? 0.1 : 1.0;
  std::printf("| mode | workload | replicas | horizon | requests | wall | M req/s | peak RSS |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  // Bounded memory (issue 13 item 5): the same queue at 1, 10 and 100 M requests (1/10 with
  // quick); percentiles come from fixed-size histograms, so peak RSS stays flat.
  for (double n : {1e6, 1e7, 1e8}) {
    RequestRun("exp service, central, memory", ServiceStream(80, 1.0), 100, n * f / 80);
  }
  if (memory_only) return 0;
  // Classic queue (service override), central queue, rho = 0.8.
  for (int c : {10, 300, 3000}) {
    RequestRun("exp service, central", ServiceStream(0.8 * c, 1.0), c, 20000.0 * f * 10 / c * 30);
  }
  // Token model, continuous batching on H200, ~60% load.
  const double per_replica = 4.6;  // requests/s at saturation for this mix on one H200
  for (int c : {10, 300}) {
    RequestRun("tokens, central",
               ChatStream("t", "llama", 0.6 * per_replica * c, RoutingKind::kCentral), c,
               3000 * f * 300 / c);
  }
  RequestRun("tokens, round robin",
             ChatStream("t", "llama", 0.6 * per_replica * 300, RoutingKind::kRoundRobin), 300,
             3000 * f);
  RequestRun(
      "tokens, least tokens",
      ChatStream("t", "llama", 0.6 * per_replica * 300, RoutingKind::kLeastOutstandingTokens), 300,
      1000 * f);
  // Aggregate: 50 streams over a year.
  AggregateRun(50, 200, 365 * 86400.0 * (quick ? 0.1 : 1.0), 300);
  AggregateRun(50, 200, 365 * 86400.0 * (quick ? 0.1 : 1.0), 60);
  AggregateRun(10, 200, 365 * 86400.0 * (quick ? 0.1 : 1.0), 300);
  AggregateRun(50, 2000, 365 * 86400.0 * (quick ? 0.1 : 1.0), 300);
  return 0;
}
