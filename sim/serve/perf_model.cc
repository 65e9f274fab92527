#include "sim/serve/perf_model.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/core/portable_math.h"

namespace fleetsim::serve {

double PeakFlopsFor(const SystemPerf& sys, double bytes_per_param) {
  if (bytes_per_param < 1.0 && sys.peak_flops_fp4 > 0) return sys.peak_flops_fp4;
  if (bytes_per_param < 2.0 && sys.peak_flops_fp8 > 0) return sys.peak_flops_fp8;
  return sys.peak_flops_bf16;
}

void SetProfiledPassCosts(SystemPerf& sys, double hop_latency_s) {
  // Fitted by scripts/fit_tp_latency.py to the Splitwise profile's calibration rows (README).
  sys.link_hop_latency_s = hop_latency_s;
  sys.link_efficiency = 0.252;
  sys.step_overhead_s = 4.404e-3;
  sys.layer_overhead_s = 96.72e-6;
  sys.seq_overhead_s = 270.1e-6;
  sys.first_token_overhead_s = 29.07e-3;
  sys.long_pass_tokens = 2048;
  sys.long_pass_penalty = 0.7929;
}

const std::vector<SystemPerf>& BuiltinSystems() {
  // HARDWARE.md section 1 (dense PF, GB, TB/s). mfu: calibrated against MLPerf Llama-2-70B
  // offline (section 2a) with the workload in README.md; the calibration test re-checks it.
  // board_tdp_w: HARDWARE.md section 1, TDP per accelerator.
  static const std::vector<SystemPerf> kSystems = [] {
    std::vector<SystemPerf> v = {
        {"h100", "nvidia", 0.989e15, 1.979e15, 0, 80e9, 3.35e12, 0.581},
        {"h200", "nvidia", 0.989e15, 1.979e15, 0, 141e9, 4.8e12, 0.649},
        {"b200", "nvidia", 2.25e15, 4.5e15, 9.0e15, 180e9, 8.0e12, 0.414},
        {"gb200", "nvidia", 2.5e15, 5.0e15, 10.0e15, 186e9, 8.0e12, 0.380},
        {"mi300x", "amd", 1.307e15, 2.615e15, 0, 192e9, 5.3e12, 0.330},
        {"mi325x", "amd", 1.307e15, 2.615e15, 0, 256e9, 6.0e12, 0.485},
        {"mi355x", "amd", 2.5e15, 5.0e15, 10.0e15, 288e9, 8.0e12, 0.352},
    };
    const double tdp_w[] = {700, 700, 1000, 1200, 750, 1000, 1400};
    // Scale-up link per accelerator, one direction (platforms/SOURCES.md rule T): NVLink4
    // 900 GB/s and NVLink5 1.8 TB/s bidirectional [1][5]; Infinity Fabric 896 GB/s per GPU [19][21].
    const double link_bytes_per_s[] = {450e9, 450e9, 900e9, 900e9, 448e9, 448e9, 448e9};
    // Pass costs stay off here (link_efficiency 0): README "Latency: tensor parallelism".
    for (size_t i = 0; i < v.size(); ++i) {
      v[i].board_tdp_w = tdp_w[i];
      v[i].link_bw_bytes_per_s = link_bytes_per_s[i];
    }
    return v;
  }();
  return kSystems;
}

absl::StatusOr<SystemPerf> BuiltinSystem(const std::string& name) {
  for (const auto& s : BuiltinSystems()) {
    if (s.name == name) return s;
  }
  return absl::NotFoundError(absl::StrCat("no built-in system '", name, "'"));
}

SystemPerf CerebrasCs3() {
  SystemPerf p;
  p.name = "cerebras_cs3";
  p.vendor = "Cerebras";
  p.peak_flops_bf16 = 62.5e15;   // EST: half the 125 PF sparse FP16 headline [32]
  p.hbm_bytes = 44e9;            // on-wafer SRAM [32][33]
  p.hbm_bw_bytes_per_s = 21e15;  // 21 PB/s [32]
  p.mfu = 0.25;                  // EST: prefill and batched decode (no published figure)
  p.max_batch = 64;              // EST: concurrent users per replica (README)
  p.wafer_scale = true;
  // Fitted to Cerebras' published single-stream speeds (HARDWARE.md 2c; README table).
  p.pass_fixed_s = 480e-6;
  p.pass_per_layer_s = 1.77e-6;
  p.pass_per_param_s = 2.37e-6 / 1e9;
  p.pass_per_hop_s = 3.3e-6;
  p.speculative_gain = 1.68;
  p.speculative_compute_factor = 2.0;  // EST: ~4 tokens verified per ~2 accepted
  p.response_overhead_s = 0.235;       // fitted to the 405B TTFT of 0.24 s (client-observed)
  p.board_tdp_w = 23000;               // ~23 kW per system (HARDWARE.md section 1)
  p.hbm_pj_per_bit = 0;                // SRAM traffic is part of the compute power (EST)
  return p;
}

int ModelLayers(const ServedModel& model) {
  if (model.layers > 0) return model.layers;
  return std::max(1,
                  static_cast<int>(std::lround(32.0 * pmath::Pow(model.params_total / 8e9, 0.4))));
}

double ModelHiddenSize(const ServedModel& model) {
  return std::sqrt(model.params_active / (12.0 * ModelLayers(model)));
}

int MinAcceleratorsForWeights(const SystemPerf& sys, const ServedModel& model) {
  const double usable = sys.hbm_bytes * (1.0 - sys.hbm_reserve_fraction);
  if (usable <= 0) return 1 << 30;
  return std::max(
      1, static_cast<int>(std::ceil(model.params_total * model.bytes_per_param / usable - 1e-12)));
}

ReplicaPerf::ReplicaPerf(const SystemPerf& sys, int tp, const ServedModel& model)
    : tp_(tp), max_batch_(sys.max_batch) {
  const double flops = tp * PeakFlopsFor(sys, model.bytes_per_param) * sys.mfu;
  const double bw = tp * sys.hbm_bw_bytes_per_s * sys.bw_efficiency;
  const double weight_bytes = model.params_total * model.bytes_per_param;
  prefill_s_per_token_ = 2.0 * model.params_active / flops;
  compute_s_per_seq_ = 2.0 * model.params_active / flops;
  weight_s_ = weight_bytes / bw;
  kv_s_per_token_ = model.kv_bytes_per_token / bw;
  if (!sys.wafer_scale) {
    // Tensor-parallel and per-pass costs (header comment).
    const int layers = ModelLayers(model);
    const double hops = 2.0 * (tp - 1);
    if (tp > 1 && sys.link_bw_bytes_per_s > 0 && sys.link_efficiency > 0) {
      ar_s_per_token_ = 2.0 * layers * (hops / tp) * ModelHiddenSize(model) * 2.0 /
                        (sys.link_bw_bytes_per_s * sys.link_efficiency);
    }
    step_fixed_s_ = layers * 2.0 * hops * sys.link_hop_latency_s;
    step_clocked_s_ = sys.step_overhead_s + layers * sys.layer_overhead_s;
    seq_overhead_s_ = sys.seq_overhead_s;
    long_pass_tokens_ = sys.long_pass_tokens;
    long_pass_penalty_ = sys.long_pass_penalty;
    first_token_latency_s_ = sys.first_token_overhead_s;
  }
  if (sys.wafer_scale) {
    // Layer pipeline across `tp` wafers; weights stay in SRAM, so a pass costs latency, not
    // weight bandwidth (header comment).
    const double pass_s = sys.pass_fixed_s + ModelLayers(model) * sys.pass_per_layer_s +
                          model.params_active * sys.pass_per_param_s +
                          (tp - 1) * sys.pass_per_hop_s;
    const bool spec = model.speculative_decoding;
    weight_s_ = pass_s / (spec ? sys.speculative_gain : 1.0);
    compute_s_per_seq_ *= spec ? sys.speculative_compute_factor : 1.0;
    first_token_latency_s_ = pass_s + sys.response_overhead_s;
  }
  idle_w_ = sys.board_idle_fraction * sys.board_tdp_w;
  const double dyn_w = std::max(0.0, sys.board_tdp_w - idle_w_);
  dyn_mem_w_ = sys.wafer_scale
                   ? 0.0
                   : std::min(0.5 * dyn_w, sys.hbm_bw_bytes_per_s * 8 * sys.hbm_pj_per_bit * 1e-12);
  dyn_compute_w_ = dyn_w - dyn_mem_w_;
  clock_exp_ = sys.clock_power_exponent;
  prefill_mem_s_ = sys.wafer_scale ? 0.0 : weight_s_;
  const double free_bytes = tp * sys.hbm_bytes * (1.0 - sys.hbm_reserve_fraction) - weight_bytes;
  kv_capacity_tokens_ = model.kv_bytes_per_token > 0 ? free_bytes / model.kv_bytes_per_token
                                                     : (free_bytes > 0 ? 1e18 : -1);
  meets_tier_ = model.tier_tpot_max_s <= 0 || SingleUserTpotSeconds() <= model.tier_tpot_max_s;
}

double ReplicaPerf::DecodeStepSeconds(double batch, double kv_tokens) const {
  const double tm = weight_s_ + kv_s_per_token_ * kv_tokens;
  const double tc = compute_s_per_seq_ * batch;
  const double s = limit_w_ < kNoLimitW ? ClockShare(tc, tm) : 1.0;
  return step_fixed_s_ + batch * (ar_s_per_token_ + seq_overhead_s_) + step_clocked_s_ / s +
         std::max(tm, tc / s);
}

double ReplicaPerf::PhasePowerW(double tc_s, double tm_s, double s) const {
  const double t = std::max(tc_s / s, tm_s);
  if (t <= 0) return idle_w_;
  const double u_c = tc_s / s / t, u_m = std::min(1.0, tm_s / t);
  return idle_w_ + dyn_compute_w_ * u_c * pmath::Pow(s, clock_exp_) + dyn_mem_w_ * u_m;
}

double ReplicaPerf::ClockShare(double tc_s, double tm_s) const {
  if (limit_w_ >= kNoLimitW || PhasePowerW(tc_s, tm_s, 1.0) <= limit_w_) return 1.0;
  if (PhasePowerW(tc_s, tm_s, kMinClockShare) >= limit_w_) return kMinClockShare;
  // P(s) increases with s (header comment): bisection, 40 halvings (about 1e-12 in s).
  double lo = kMinClockShare, hi = 1.0;
  for (int i = 0; i < 40; ++i) {
    const double mid = 0.5 * (lo + hi);
    (PhasePowerW(tc_s, tm_s, mid) <= limit_w_ ? lo : hi) = mid;
  }
  return lo;
}

double ReplicaPerf::SaturatedOutputTokensPerSecond(double prompt_tokens,
                                                   double output_tokens) const {
  if (!fits() || output_tokens < 1) return 0;
  const double per_req = prompt_tokens + output_tokens;
  double b = std::min<double>(max_batch_, std::floor(kv_capacity_tokens_ / per_req));
  if (b < 1) return 0;
  // Steady state: b sequences decode; each step b/(output-1) sequences finish and are replaced,
  // each replacement costing one prefill (which also yields that sequence's first token).
  // Mean KV held per sequence: prompt + half the output.
  const double decode_steps = std::max(1.0, output_tokens - 1);
  const double step = DecodeStepSeconds(b, b * (prompt_tokens + 0.5 * output_tokens));
  const double cycle = step + (b / decode_steps) * PrefillSeconds(prompt_tokens);
  return b * (output_tokens / decode_steps) / cycle;
}

double ReplicaPerf::SaturatedPowerW(double prompt_tokens, double output_tokens) const {
  if (!fits() || output_tokens < 1) return idle_w_;
  const double per_req = prompt_tokens + output_tokens;
  const double b = std::min<double>(max_batch_, std::floor(kv_capacity_tokens_ / per_req));
  if (b < 1) return idle_w_;
  // The same cycle as SaturatedOutputTokensPerSecond: one decode step, then b / (output - 1)
  // prefills; power is the time-weighted mean of the two phases.
  const double decode_steps = std::max(1.0, output_tokens - 1);
  const double tm = weight_s_ + kv_s_per_token_ * b * (prompt_tokens + 0.5 * output_tokens);
  const double tc = compute_s_per_seq_ * b;
  const double s_d = ClockShare(tc, tm);
  const double tcp = PrefillComputeSeconds(prompt_tokens);
  const double s_p = ClockShare(tcp, prefill_mem_s_);
  // Overheads and all-reduces take the clock-independent part of each phase's time and draw the
  // phase's power (EST: the board stays busy with launches and communication kernels).
  const double step = DecodeStepSeconds(b, b * (prompt_tokens + 0.5 * output_tokens));
  const double prefill = (b / decode_steps) * PrefillSeconds(prompt_tokens);
  return (step * PhasePowerW(tc, tm, s_d) + prefill * PhasePowerW(tcp, prefill_mem_s_, s_p)) /
         (step + prefill);
}

double ReplicaPerf::LimitForDynamicShare(double share, double prompt_tokens,
                                         double output_tokens) const {
  ReplicaPerf free = *this;
  free.set_power_limit_w(kNoLimitW);
  return idle_w_ + share * (free.SaturatedPowerW(prompt_tokens, output_tokens) - idle_w_);
}

}  // namespace fleetsim::serve
