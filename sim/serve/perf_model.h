// Serving timing model of one replica: a tensor-parallel group of `tp` accelerators of one system.
//
//  prefill_s(P)   = 2 * params_active * P / (tp * peak_flops * mfu)              (compute bound)
//  decode step(B) = max((weight_bytes + sum of KV bytes of the batch) / (tp * bw * bw_efficiency),
//                       2 * params_active * B / (tp * peak_flops * mfu))
// Continuous batching: a request is admitted while batch < max_batch and the KV bytes reserved
// for all admitted requests ((prompt + output) tokens each) fit in
// tp * hbm_bytes * (1 - hbm_reserve_fraction) - weight_bytes. One prefill runs at a time and
// pauses decoding (prefill-prioritizing scheduler). `mfu` is the one calibration knob per system.
#ifndef FLEETSIM_SIM_SERVE_PERF_MODEL_H_
#define FLEETSIM_SIM_SERVE_PERF_MODEL_H_

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
};

// Dense peak FLOP/s at the model's precision: >= 2 bytes -> bf16, >= 1 -> fp8, else fp4
// (each falling back to the next wider supported format).
double PeakFlopsFor(const SystemPerf& sys, double bytes_per_param);

// Built-in table of calibrated systems (HARDWARE.md figures; mfu fitted to MLPerf, see README).
const std::vector<SystemPerf>& BuiltinSystems();
absl::StatusOr<SystemPerf> BuiltinSystem(const std::string& name);

// Timing of one replica serving one model. Cheap value type.
class ReplicaPerf {
 public:
  ReplicaPerf(const SystemPerf& sys, int tp, const ServedModel& model);
  double PrefillSeconds(double prompt_tokens) const {
    return prompt_tokens * prefill_s_per_token_ / clock_;
  }
  // Step time with `batch` requests holding `kv_tokens` tokens of KV cache in total.
  double DecodeStepSeconds(double batch, double kv_tokens) const;
  // KV capacity in tokens (<= 0: the weights do not fit).
  double KvCapacityTokens() const { return kv_capacity_tokens_; }
  int max_batch() const { return max_batch_; }
  bool fits() const { return kv_capacity_tokens_ > 0; }
  int tp() const { return tp_; }
  // Clock share in (0, 1] (a power throttle): every phase runs `share` times as fast (first
  // order: compute and memory time both scale with the clock).
  void set_clock(double share) { clock_ = share; }
  double clock() const { return clock_; }

  // Saturated output tokens/s of the replica for a workload of fixed prompt/output lengths,
  // using the same admission and scheduling rules as the request-level simulator.
  double SaturatedOutputTokensPerSecond(double prompt_tokens, double output_tokens) const;

 private:
  int tp_;
  int max_batch_;
  double clock_ = 1.0;
  double prefill_s_per_token_;
  double weight_s_;           // weight bytes / effective bandwidth
  double kv_s_per_token_;     // KV bytes per token / effective bandwidth
  double compute_s_per_seq_;  // decode compute per sequence per step
  double kv_capacity_tokens_;
};

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_PERF_MODEL_H_
