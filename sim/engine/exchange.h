// Runs larger than a cluster: the gradient exchange between the parts of a spanning run.
//
// A job that spans k clusters (sched::StartDecision::parts) trains data-parallel across them
// with a hierarchical all-reduce: inside each part a reduce-scatter and an all-gather over the
// cluster's own fabric, between the parts a ring all-reduce of the gradients. The intra-part
// phases are what a single-cluster run of the job already does, so they are inside its MFU
// (sim/training/speed.h); only the ring between the parts is added to every step:
//
//   step time = compute step (run time on one cluster / steps) + exchange_s
//   slowdown  = step time / compute step = 1 + exchange_s x steps / run time
//
// with no overlap of the exchange and the compute (an upper bound: frameworks overlap part of
// it). exchange_s is timed by SimGrid's network model over the platform's links and latencies
// (engine.cc), with the exchanges of every other spanning run running at the time (see
// RingExchange below), once per distinct set of concurrent exchanges, then cached.
//
// The ring between k parts moves S gradient bytes as 2(k-1) steps, each step every part sending
// S/k bytes to the next part of the ring at once. It runs as `rings` parallel rings (host i of
// every part with host i of the next), each carrying S/rings: the shards of the reduce-scatter,
// so the parts' hosts share the inter-cluster links as they do in the real collective.
#ifndef FLEETSIM_SIM_ENGINE_EXCHANGE_H_
#define FLEETSIM_SIM_ENGINE_EXCHANGE_H_

#include <compare>
#include <vector>

namespace fleetsim::engine {

// Most parallel rings timed for one exchange (hosts of the smallest part, at most this many).
inline constexpr int kMaxExchangeRings = 64;

// Gradient bytes per trained parameter exchanged each step: BF16 gradients, the 2-byte gradient
// of mixed-precision Adam's 16 bytes (Rajbhandari et al. 2020, "ZeRO"; sim/training/memory.h).
inline constexpr double kGradientBytesPerParam = 2.0;

// Tokens per optimizer step of a job whose work is given as tokens or FLOPs (the steps form
// states its own): 16M tokens, the global batch of Llama 3 405B for most of its pretraining
// (Llama 3 paper, §3.4.1: 4M, then 8M, then 16M tokens per batch).
inline constexpr double kDefaultStepTokens = 16e6;

// One spanning run's exchange: the ring all-reduce of `bytes` over `clusters` (k >= 2 fleet
// cluster indices, in ring order) on `rings` parallel rings (hosts 0..rings-1 of each cluster).
struct RingExchange {
  std::vector<int> clusters;
  int rings = 1;
  double bytes = 0;
  auto operator<=>(const RingExchange&) const = default;
};

// Runs that span clusters at the same time share the links their rings cross. The controller
// times the exchanges of all running spanning runs together, each ring started at the same
// instant (every run's step has its exchange on the network at once: the worst alignment, and
// the one a hand calculation can check), so SimGrid's max-min sharing divides a shared link
// among them: two identical runs over one WAN link each see half of it. A run's exchange time
// is re-timed whenever a spanning run starts or ends (controller.cc, RetimeSpans), and its
// remaining work re-timed at that instant like a pstate change.

// What the controller asks the SimGrid engine (engine.cc); tests give a fake.
class ExchangeTimer {
 public:
  virtual ~ExchangeTimer() = default;
  // True if the platform routes between the hosts of fleet clusters a and b.
  virtual bool Routed(int a, int b) = 0;
  // Seconds of each exchange when all of `exchanges` start at once and share the network (and
  // nothing else is on it); one exchange alone is the ring all-reduce on its own. Preconditions:
  // for each, every consecutive pair of clusters (and last-first) Routed; rings >= 1 and no
  // more than any of its clusters' hosts.
  virtual std::vector<double> ConcurrentRingAllReduceS(
      const std::vector<RingExchange>& exchanges) = 0;
};

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_EXCHANGE_H_
