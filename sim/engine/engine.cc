#include "sim/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <simgrid/s4u.hpp>
#include <simgrid/version.h>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/core/status.h"
#include "sim/engine/controller.h"
#include "sim/platform/loader.h"
#include "sim/workload/job.h"

namespace fleetsim::engine {
namespace sg = simgrid::s4u;
namespace {

// Times spanning runs' gradient exchanges (exchange.h) with SimGrid comms over the platform's
// routes. Each timing runs the ring in SimGrid on its own (nothing else is in flight: jobs are
// not SimGrid activities), which advances SimGrid's clock by the exchange's duration; the
// engine adds that to `offset_s` and keeps SimGrid's clock at instant + offset_s, so the
// controller's instants are unchanged.
class SimGridExchangeTimer : public ExchangeTimer {
 public:
  SimGridExchangeTimer(sg::Engine& e, std::vector<std::vector<sg::Host*>> hosts)
      : e_(e), hosts_(std::move(hosts)) {}

  // Routes follow the platform convention (platforms/README.md, "Links"): every tranche of
  // both clusters has its uplink `<tranche zone>.up` into its site's fabric, and two sites are
  // joined by `wan.<site>.<site>` (either order). SimGrid itself cannot be asked: a missing
  // route aborts the process.
  bool Routed(int a, int b) override {
    if (hosts_[a].empty() || hosts_[b].empty()) return false;
    for (int c : {a, b}) {
      for (sg::Host* h : hosts_[c]) {
        const std::string zone = h->get_englobing_zone()->get_name();
        if (checked_.insert(zone).second && !LinkExists(zone + ".up")) {
          missing_.insert(zone);
        }
        if (missing_.count(zone)) return false;
      }
    }
    const std::string sa = SiteOf(a), sb = SiteOf(b);
    return sa == sb || LinkExists("wan." + sa + "." + sb) || LinkExists("wan." + sb + "." + sa);
  }

  std::vector<double> ConcurrentRingAllReduceS(
      const std::vector<RingExchange>& exchanges) override {
    const double t0 = sg::Engine::get_clock();
    std::vector<double> t1(exchanges.size(), t0);
    for (size_t x = 0; x < exchanges.size(); ++x) {
      const auto& ex = exchanges[x];
      const size_t k = ex.clusters.size();
      const int rings = ex.rings;
      // Per step, every ring moves a 1/k chunk of its shard to the next part at once.
      const double chunk = ex.bytes / static_cast<double>(k) / rings;
      const auto chunk_b = static_cast<uint64_t>(std::llround(std::max(1.0, chunk)));
      std::vector<std::vector<sg::Host*>> ring_hosts(k);
      for (size_t i = 0; i < k; ++i) {
        const auto& hs = hosts_[ex.clusters[i]];
        for (int r = 0; r < rings; ++r) ring_hosts[i].push_back(hs[r % hs.size()]);
      }
      // One actor per exchange, all started now: their flows share links by max-min.
      sg::Actor::create("fleetsim-exchange", ring_hosts[0][0],
                        [ring_hosts, k, rings, chunk_b, end = &t1[x]]() {
                          for (size_t step = 0; step < 2 * (k - 1); ++step) {
                            std::vector<sg::CommPtr> comms;
                            for (int r = 0; r < rings; ++r) {
                              for (size_t i = 0; i < k; ++i) {
                                comms.push_back(sg::Comm::sendto_async(
                                    ring_hosts[i][r], ring_hosts[(i + 1) % k][r], chunk_b));
                              }
                            }
                            sg::Comm::wait_all(comms);
                          }
                          *end = sg::Engine::get_clock();
                        });
    }
    e_.run();
    std::vector<double> out(exchanges.size());
    double last = t0;
    for (size_t x = 0; x < exchanges.size(); ++x) {
      out[x] = t1[x] - t0;
      last = std::max(last, t1[x]);
    }
    offset_s += last - t0;
    ++timed;
    return out;
  }

  double offset_s = 0;  // SimGrid clock minus the controller's clock
  int64_t timed = 0;

 private:
  // A full-duplex (SPLITDUPLEX) link exists as its two directions, NAME_UP and NAME_DOWN.
  static bool LinkExists(const std::string& name) {
    return sg::Link::by_name_or_null(name) != nullptr ||
           sg::Link::by_name_or_null(name + "_UP") != nullptr;
  }
  std::string SiteOf(int c) const {
    // A tranche zone's parent is its site zone (platforms/README.md).
    return hosts_[c].front()->get_englobing_zone()->get_parent()->get_name();
  }
  sg::Engine& e_;
  std::vector<std::vector<sg::Host*>> hosts_;  // per fleet cluster, in occupancy order
  std::set<std::string> checked_, missing_;
};

// The SimGrid engine with fleetsim's configuration (never destroyed: see RunSimulation).
sg::Engine& MakeEngine(const std::vector<std::string>& extra) {
  // Network: CM02 (max-min sharing of link bandwidth, latencies added), without the TCP window
  // bound (gamma / 2 latency per flow; a gradient exchange runs many RDMA streams, not one TCP
  // window) and without cross-traffic of acknowledgements: a flow alone on a route of latency
  // L and bottleneck B moves S bytes in L + S / B (tests/engine/exchange_test.cc).
  std::vector<std::string> args = {"fleetsim", "--log=root.thres:critical",
                                   "--cfg=network/model:CM02", "--cfg=network/TCP-gamma:0",
                                   "--cfg=network/crosstraffic:0"};
#if defined(__SANITIZE_ADDRESS__)
  // Exchanges of spanning runs run in a SimGrid actor: on thread contexts, which ASan follows,
  // instead of raw stack switching, which it cannot (scripts/sanitize.sh).
  args.push_back("--cfg=contexts/factory:thread");
#endif
  for (const auto& a : extra) args.push_back(a);
  static std::vector<std::string> kept;  // SimGrid keeps pointers into argv
  kept = std::move(args);
  static std::vector<char*> argv;
  for (auto& a : kept) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  // Never destroyed: SimGrid allows one engine per process, and tearing down a platform costs
  // about 10 us per host (1.3-1.6 s at 135k hosts) for memory the process returns at exit.
  return *new sg::Engine(&argc, argv.data());
}

// Hosts of each fleet cluster, its tranches in order (occupancy order).
std::vector<std::vector<sg::Host*>> ClusterHosts(
    std::vector<std::vector<std::vector<sg::Host*>>> tranche_hosts) {
  std::vector<std::vector<sg::Host*>> out;
  for (auto& tranches : tranche_hosts) {
    out.emplace_back();
    for (auto& t : tranches) out.back().insert(out.back().end(), t.begin(), t.end());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ExchangeTiming>> TimeExchanges(const std::string& platform_path,
                                                          const std::vector<ExchangeCase>& cases,
                                                          bool together) {
  sg::Engine& e = MakeEngine({});
  FLEETSIM_RETURN_IF_ERROR(platform::LoadPlatformFile(e, platform_path));
  std::vector<std::vector<std::vector<sg::Host*>>> tranche_hosts;
  auto fleet = platform::ReadFleet(e, platform_path, &tranche_hosts);
  if (!fleet.ok()) return fleet.status();
  SimGridExchangeTimer timer(e, ClusterHosts(std::move(tranche_hosts)));
  std::vector<RingExchange> exchanges;
  for (const auto& c : cases) {
    std::vector<int> idx;
    for (const auto& name : c.clusters) {
      const int i = fleet->FindCluster(name);
      if (i < 0) return absl::InvalidArgumentError(absl::StrCat("no cluster '", name, "'"));
      idx.push_back(i);
    }
    for (size_t i = 0; i < idx.size(); ++i) {
      const int a = idx[i], b = idx[(i + 1) % idx.size()];
      if (!timer.Routed(a, b)) {
        return absl::InvalidArgumentError(absl::StrCat(platform_path, ": no route between ",
                                                       c.clusters[i], " and ",
                                                       c.clusters[(i + 1) % idx.size()]));
      }
    }
    exchanges.push_back({std::move(idx), c.rings, c.bytes});
  }
  std::vector<ExchangeTiming> out;
  auto time = [&](const std::vector<RingExchange>& xs) {
    const auto w0 = std::chrono::steady_clock::now();
    const std::vector<double> s = timer.ConcurrentRingAllReduceS(xs);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    for (double x : s) out.push_back({x, wall});
  };
  if (together) {
    time(exchanges);
  } else {
    for (const auto& x : exchanges) time({x});
  }
  return out;
}

absl::StatusOr<RunResult> RunSimulation(const EngineConfig& config,
                                        const workload::Workload& workload) {
  sg::Engine& e = MakeEngine(config.simgrid_args);
  FLEETSIM_RETURN_IF_ERROR(platform::LoadPlatformFile(e, config.platform_path));
  std::vector<std::vector<std::vector<sg::Host*>>> tranche_hosts;
  auto fleet = platform::ReadFleet(e, config.platform_path, &tranche_hosts);
  if (!fleet.ok()) return fleet.status();
  {  // names a job refers to (systems, vendors, sites) must exist: reported where written
    std::vector<std::string> systems, vendors, sites;
    for (const auto& cl : fleet->clusters) {
      systems.push_back(cl.system), vendors.push_back(cl.vendor), sites.push_back(cl.site);
    }
    FLEETSIM_RETURN_IF_ERROR(
        workload::CheckJobNames(workload, systems, vendors, sites, config.platform_path));
  }
  if (config.check_fleet) FLEETSIM_RETURN_IF_ERROR(config.check_fleet(*fleet));
  SimGridExchangeTimer timer(e, ClusterHosts(std::move(tranche_hosts)));
  auto ctl = Controller::Create(config, workload, std::move(*fleet), &timer);
  if (!ctl.ok()) return ctl.status();
  Controller& c = **ctl;
  RunResult out;
  if (config.validate_only) {
    out.fleet = c.fleet();
    return out;
  }
  // The clock: SimGrid runs up to each instant the controller names (no actor of ours lives in
  // SimGrid; anything SimGrid simulates in between, such as network transfers, completes on its
  // own clock), then the controller acts at that instant.
  const auto wall0 = std::chrono::steady_clock::now();
  double last = 0;
  for (double t = c.NextTime(); t < std::numeric_limits<double>::infinity(); t = c.NextTime()) {
    if (config.stop_requested && config.stop_requested()) {
      out.interrupted = true;  // closed below at the last instant run, like a horizon
      break;
    }
    if (t + timer.offset_s > sg::Engine::get_clock()) e.run_until(t + timer.offset_s);
    // run_until leaves SimGrid's clock exactly at t (checked on the KTH replay: 56,278 instants),
    // plus the time of the exchanges timed so far.
    c.RunInstant(t);
    last = t;
  }
  c.Finish(last, &out);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  int maj, min, patch;
  sg_version_get(&maj, &min, &patch);
  out.simgrid_version = absl::StrCat(maj, ".", min, ".", patch);
  return out;
}

}  // namespace fleetsim::engine
