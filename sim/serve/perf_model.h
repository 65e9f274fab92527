// Serving timing model of one replica: a tensor-parallel group of `tp` accelerators of one system.
//
//  prefill_s(P)   = 2 * params_active * (P + long_pass_penalty * max(0, P - long_pass_tokens))
//                   / (tp * peak_flops * mfu) + P * ar            (compute bound, plus all-reduce)
//  decode step(B) = fixed + B * (ar + seq_overhead_s)
//                   + max((weight_bytes + sum of KV bytes of the batch) / (tp * bw * bw_efficiency),
//                         2 * params_active * B / (tp * peak_flops * mfu))
//  fixed          = step_overhead_s + layers * (layer_overhead_s + 2 * 2 (tp - 1) * link_hop_latency_s)
//  ar             = 2 * layers * 2 (tp - 1) / tp * d * 2 bytes / (link_bw_bytes_per_s * link_efficiency)
// Tensor parallelism costs two ring all-reduces of the activations (d = sqrt(params_active /
// (12 layers)) values of 2 bytes per token) per layer: 2 (tp - 1) hops of latency each, and their
// bytes over the scale-up link (NVLink / Infinity Fabric). Under a power limit the step and
// per-layer overheads (fitted intercepts of GPU time per pass, taken as small kernels: EST) run
// at the phase's SM clock share; the link costs do not depend on it; all draw the phase's power
// (EST). The first token also waits
// first_token_overhead_s, which does not occupy the replica (FirstTokenLatencySeconds). These
// costs are fitted to the Splitwise profile (SetProfiledPassCosts; README "Latency: tensor
// parallelism and overheads"); they are 0 (off) by default.
// Continuous batching: a request is admitted while batch < max_batch and the KV bytes reserved
// for all admitted requests ((prompt + output) tokens each) fit in
// tp * hbm_bytes * (1 - hbm_reserve_fraction) - weight_bytes. One prefill runs at a time and
// pauses decoding (prefill-prioritizing scheduler). `mfu` is the one calibration knob per system.
//
// Wafer-scale systems (SystemPerf::wafer_scale, Cerebras CS-3): weights live in on-wafer SRAM
// (`hbm_bytes` per wafer) and `tp` is the number of wafers, which run the layers as a pipeline.
// Decode is latency bound: a token passes every layer and every wafer boundary once,
//  pass_s        = pass_fixed_s + layers * pass_per_layer_s + params_active * pass_per_param_s
//                  + (tp - 1) * pass_per_hop_s
//  decode step(B)= max(pass_s / g + KV bytes / (tp * bw * bw_efficiency),
//                      2 * params_active * c * B / (tp * peak_flops * mfu))
// with g = speculative_gain and c = speculative_compute_factor when the model is served with
// speculative decoding (else 1). Prefill is compute bound as above; the first token also waits
// pass_s + response_overhead_s, which add to TTFT and end-to-end latency without occupying the
// replica (FirstTokenLatencySeconds). Figures and sources: sim/serve/README.md.
//
// Power limit (per accelerator board, watts; README "Power limits"). A phase (one prefill or one
// decode step) has compute time tc at full SM clock and memory time tm (independent of the SM
// clock). At SM clock share s it takes t(s) = max(tc / s, tm) (prefill: tc / s) and draws
//   P(s) = idle + D_c * u_c * s^a + D_m * u_m,   u_c = (tc / s) / t(s),  u_m = tm / t(s)
// per accelerator, with D_m = min(hbm bytes/s * 8 * pJ/bit, half the dynamic range) the memory
// power at full bandwidth, D_c = board_tdp_w - idle - D_m, and a = clock_power_exponent (2, as
// the catalogue's pstates, platforms/SOURCES.md rule P). Under a limit L the board runs each
// phase at the largest s in [kMinClockShare, 1] with P(s) <= L (as power-capping firmware does).
// So compute-bound prefill slows with the clock, while memory-bound decode, which draws well
// under most limits, hardly slows.
#ifndef FLEETSIM_SIM_SERVE_PERF_MODEL_H_
#define FLEETSIM_SIM_SERVE_PERF_MODEL_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/serve/stream_spec.h"

namespace fleetsim::serve {

// Per-accelerator figures of a system type; the engine fills this from the fleet catalogue.
struct SystemPerf {
  std::string name;
  std::string vendor;
  double peak_flops_bf16 = 0;  // dense FLOP/s per accelerator
  double peak_flops_fp8 = 0;   // 0 = not supported (falls back to bf16)
  double peak_flops_fp4 = 0;   // 0 = not supported (falls back to fp8)
  double hbm_bytes = 0;        // per accelerator
  double hbm_bw_bytes_per_s = 0;
  double mfu = 0.5;             // calibration knob: achieved fraction of peak in prefill/decode
  double bw_efficiency = 0.85;  // achieved fraction of HBM bandwidth (Azure GB200: 92%)
  double hbm_reserve_fraction = 0.1;  // activations, runtime, fragmentation
  int max_batch = 1024;               // scheduler limit on concurrent requests per replica
  // Tensor parallelism and per-pass costs (header comment; GPUs only, 0 = not modelled).
  double link_bw_bytes_per_s = 0;     // scale-up link per accelerator, one direction (SOURCES.md)
  double link_hop_latency_s = 0;      // per ring step of an all-reduce (fitted, EST)
  double link_efficiency = 0;         // achieved share of link_bw in all-reduces (0 = no TP cost)
  double step_overhead_s = 0;         // per decode step (fitted)
  double layer_overhead_s = 0;        // per layer per decode step (fitted)
  double seq_overhead_s = 0;          // per sequence per decode step (serving software; README)
  double first_token_overhead_s = 0;  // to the first token, not occupying the replica (fitted)
  double long_pass_tokens = 2048;     // prefill tokens in one pass above which compute costs more
  double long_pass_penalty = 0;       // extra compute share of those tokens (fitted)
  // Wafer-scale pipeline (see the header comment); unused when wafer_scale is false.
  bool wafer_scale = false;
  double pass_fixed_s = 0;                // per decode pass, whatever the model
  double pass_per_layer_s = 0;            // per transformer layer
  double pass_per_param_s = 0;            // per active parameter
  double pass_per_hop_s = 0;              // per wafer-to-wafer boundary
  double speculative_gain = 1;            // output tokens per pass with speculative decoding
  double speculative_compute_factor = 1;  // compute per accepted token with speculation
  double response_overhead_s = 0;         // fixed latency to the first token (service, network)
  // Board power per accelerator (power-limit model, header comment; README "Power limits").
  double board_tdp_w = 700;           // full clock, compute bound (HARDWARE.md TDP per accel)
  double board_idle_fraction = 0.1;   // EST: idle board power / TDP
  double hbm_pj_per_bit = 4.0;        // EST: HBM access energy (0 = memory power not modelled)
  double clock_power_exponent = 2.0;  // dynamic compute power ~ s^a (rule P's square law)
};

// The Cerebras CS-3 serving figures (EST where not published; README "Wafer-scale serving").
SystemPerf CerebrasCs3();

// Layers of a model: `layers` if given, else round(32 * (params_total / 8e9)^0.4) (a fit to
// Llama 3.1 8B/70B: 32/80 layers; 405B gives 154 against 126).
int ModelLayers(const ServedModel& model);

// Hidden size of a model for all-reduce volumes: sqrt(params_active / (12 * ModelLayers)) (dense
// transformer: about 12 d^2 parameters per layer; Llama-2-70B gives 8,697 against 8,192).
double ModelHiddenSize(const ServedModel& model);

// The pass costs fitted to the Splitwise profile (README "Latency: tensor parallelism and
// overheads"): step, layer, per-sequence and first-token overheads, all-reduce link efficiency
// and the long-pass penalty of that profiled software stack, with `hop_latency_s` per all-reduce
// ring step (fitted: H100 5.24 us, A100 10.15 us). BuiltinSystems() do not have them (README).
void SetProfiledPassCosts(SystemPerf& sys, double hop_latency_s);

// Fewest accelerators (wafers) whose memory holds the weights with no room for KV cache.
int MinAcceleratorsForWeights(const SystemPerf& sys, const ServedModel& model);

// Dense peak FLOP/s at the model's precision: >= 2 bytes -> bf16, >= 1 -> fp8, else fp4
// (each falling back to the next wider supported format).
double PeakFlopsFor(const SystemPerf& sys, double bytes_per_param);

// Built-in table of calibrated systems (HARDWARE.md figures; mfu fitted to MLPerf, see README).
const std::vector<SystemPerf>& BuiltinSystems();
absl::StatusOr<SystemPerf> BuiltinSystem(const std::string& name);

// Timing of one replica serving one model. Cheap value type.
class ReplicaPerf {
 public:
  static constexpr double kMinClockShare = 0.1;  // lowest SM clock share a limit can force
  static constexpr double kNoLimitW = 1e300;
  ReplicaPerf(const SystemPerf& sys, int tp, const ServedModel& model);
  double PrefillSeconds(double prompt_tokens) const {
    const double tc = PrefillComputeSeconds(prompt_tokens);
    return (limit_w_ < kNoLimitW ? tc / ClockShare(tc, prefill_mem_s_) : tc) +
           prompt_tokens * ar_s_per_token_;
  }
  // Step time with `batch` requests holding `kv_tokens` tokens of KV cache in total.
  double DecodeStepSeconds(double batch, double kv_tokens) const;
  // KV capacity in tokens (<= 0: the weights do not fit).
  double KvCapacityTokens() const { return kv_capacity_tokens_; }
  int max_batch() const { return max_batch_; }
  // The weights fit and, when the model has a latency tier, the single-user TPOT meets it.
  bool fits() const { return kv_capacity_tokens_ > 0 && meets_tier_; }
  bool weights_fit() const { return kv_capacity_tokens_ > 0; }
  // TPOT of a lone request with no KV held (the fastest this replica serves one user).
  double SingleUserTpotSeconds() const { return DecodeStepSeconds(1, 0); }
  // Latency to the first token beyond queueing and prefill that does not occupy the replica
  // (wafer-scale: pipeline traversal + fixed service overhead; GPUs: first_token_overhead_s).
  double FirstTokenLatencySeconds() const { return first_token_latency_s_; }
  int tp() const { return tp_; }

  // Power limit per accelerator board in watts (+inf = none, the default). Every phase then runs
  // at the fastest SM clock whose power is within the limit (header comment). A limit below
  // what a phase draws at kMinClockShare leaves it there (the board cannot go slower).
  void set_power_limit_w(double limit_w) { limit_w_ = limit_w; }
  double power_limit_w() const { return limit_w_; }
  double IdlePowerW() const { return idle_w_; }
  // SM clock share a phase with compute time `tc_s` (full clock) and memory time `tm_s` runs at
  // under the current limit, and the board power it draws then (per accelerator).
  double ClockShare(double tc_s, double tm_s) const;
  double PhasePowerW(double tc_s, double tm_s, double clock_share) const;
  // Mean board power per accelerator when saturated with fixed-length requests (the cycle of
  // SaturatedOutputTokensPerSecond), under the current limit.
  double SaturatedPowerW(double prompt_tokens, double output_tokens) const;
  // Board power limit that gives `share` of the saturated dynamic power (share in (0, 1]):
  // idle + share * (SaturatedPowerW without limit - idle).
  double LimitForDynamicShare(double share, double prompt_tokens, double output_tokens) const;

  // Saturated output tokens/s of the replica for a workload of fixed prompt/output lengths,
  // using the same admission and scheduling rules as the request-level simulator.
  double SaturatedOutputTokensPerSecond(double prompt_tokens, double output_tokens) const;

  // Equal timing and power in every respect (all the figures above agree).
  bool operator==(const ReplicaPerf&) const = default;

 private:
  double PrefillComputeSeconds(double prompt_tokens) const {
    return (prompt_tokens + long_pass_penalty_ * std::max(0.0, prompt_tokens - long_pass_tokens_)) *
           prefill_s_per_token_;
  }
  int tp_;
  int max_batch_;
  double limit_w_ = kNoLimitW;
  double idle_w_ = 0, dyn_compute_w_ = 0, dyn_mem_w_ = 0, clock_exp_ = 2;
  double prefill_mem_s_ = 0;  // weight reads of one prefill pass (memory time, GPUs)
  double prefill_s_per_token_;
  double weight_s_;           // weight bytes / effective bandwidth
  double kv_s_per_token_;     // KV bytes per token / effective bandwidth
  double compute_s_per_seq_;  // decode compute per sequence per step
  double ar_s_per_token_ = 0;     // all-reduce bandwidth time per token of a pass
  double step_fixed_s_ = 0;       // decode step: all-reduce latencies
  double step_clocked_s_ = 0;     // decode step: step and per-layer overheads (at the SM clock)
  double seq_overhead_s_ = 0;     // decode step: per sequence
  double long_pass_tokens_ = 0, long_pass_penalty_ = 0;
  double kv_capacity_tokens_;
  double first_token_latency_s_ = 0;
  bool meets_tier_ = true;
};

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_PERF_MODEL_H_
