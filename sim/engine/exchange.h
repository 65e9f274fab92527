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
// (engine.cc), once per distinct (cluster set, parallel rings, gradient bytes), then cached.
//
// The ring between k parts moves S gradient bytes as 2(k-1) steps, each step every part sending
// S/k bytes to the next part of the ring at once. It runs as `rings` parallel rings (host i of
// every part with host i of the next), each carrying S/rings: the shards of the reduce-scatter,
// so the parts' hosts share the inter-cluster links as they do in the real collective.
#ifndef FLEETSIM_SIM_ENGINE_EXCHANGE_H_
#define FLEETSIM_SIM_ENGINE_EXCHANGE_H_

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

// What the controller asks the SimGrid engine (engine.cc); tests give a fake.
class ExchangeTimer {
 public:
  virtual ~ExchangeTimer() = default;
  // True if the platform routes between the hosts of fleet clusters a and b.
  virtual bool Routed(int a, int b) = 0;
  // Seconds of the ring all-reduce of `bytes` over `clusters` (k >= 2 fleet cluster indices, in
  // ring order) on `rings` parallel rings (hosts 0..rings-1 of each cluster), alone on the
  // network. Preconditions: every consecutive pair (and last-first) Routed; rings >= 1 and no
  // more than any cluster's hosts.
  virtual double RingAllReduceS(const std::vector<int>& clusters, int rings, double bytes) = 0;
};

}  // namespace fleetsim::engine

#endif  // FLEETSIM_SIM_ENGINE_EXCHANGE_H_
