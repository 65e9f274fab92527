// The MFU table and the speed formula. Each row's derivation (which MLPerf / NeMo / Llama 3
// figure, which ratio, which analogy) is spelled out in README.md; the numbers below are those
// derivations rounded to three decimals. "Rule B": a BF16 MFU is the same system's FP8 MFU x
// 1.124, the H100 405B ratio of the Llama 3 BF16 figure (0.461 at <= 512 GPUs) to the MLPerf
// v5.0 FP8 figure (0.410): FP8 runs 2 / 1.124 = 1.78x faster than BF16, not 2x, because only
// the GEMMs speed up.
#include "sim/training/speed.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "sim/core/portable_math.h"

namespace fleetsim::training {
namespace {

using P = Precision;

constexpr std::string_view kRuleB = "ESTIMATE rule B: FP8 row x 1.124";

const std::vector<MfuRow>* BuildTable() {
  // clang-format off
  return new std::vector<MfuRow>{
      // NVIDIA Hopper.
      {"hgx_h100", P::kBf16, {0.394, 0.382, 0.461}, false,
       "405B: Llama 3 paper 430 TFLOP/s at 8,192 H100 (6N share, / scaling 0.871); 8B, 70B: "
       "rule B"},
      {"hgx_h100", P::kFp8, {0.351, 0.340, 0.410}, false,
       "8B: NeMo 25.11 14,451 tok/s x8; 70B: NeMo 25.11 1,602 tok/s x64; 405B: MLPerf v5.0 "
       "334 tok/s x512"},
      {"hgx_h200", P::kBf16, {0.435, 0.422, 0.509}, true, kRuleB},
      {"hgx_h200", P::kFp8, {0.387, 0.376, 0.453}, false,
       "H100 FP8 x 1.105 (MLPerf v5.0 405B x512: 369 / 334 tok/s), same at every size"},
      // NVIDIA Blackwell.
      {"hgx_b200", P::kBf16, {0.322, 0.385, 0.443}, true, kRuleB},
      {"hgx_b200", P::kFp8, {0.286, 0.343, 0.394}, false,
       "GB200 FP8 x 1.098 (MLPerf v5.0 LoRA x8: 11.14 / 11.27 min x 5.0 / 4.5 PF)"},
      {"hgx_b200", P::kFp4, {0.194, 0.202, 0.271}, false,
       "GB200 FP4 x 0.998 at 8B (MLPerf v5.1 8B x8), x 1.046 at 70B (MLPerf v5.1 LoRA x8) and "
       "405B (ESTIMATE)"},
      {"gb200_nvl72", P::kBf16, {0.293, 0.351, 0.403}, true, kRuleB},
      {"gb200_nvl72", P::kFp8, {0.260, 0.312, 0.359}, false,
       "70B: MLPerf v5.0 LoRA x8 vs H200 (23.37 / 11.14 min); 405B: MLPerf v5.0 738 tok/s "
       "x512; 8B: ESTIMATE, NeMo 25.11 8B/70B MFU ratio 0.835"},
      {"gb200_nvl72", P::kFp4, {0.194, 0.193, 0.260}, false,
       "8B: MLPerf v5.1 40.4k tok/s x8; 70B: FP8 row x MLPerf LoRA v5.0->v5.1 speed-up "
       "(11.14 / 8.99 min); 405B: MLPerf v5.1 1,068 tok/s x512"},
      {"gb300_nvl72", P::kBf16, {0.349, 0.368, 0.495}, true, kRuleB},
      {"gb300_nvl72", P::kFp8, {0.310, 0.327, 0.441}, true,
       "ESTIMATE: GB200 FP8 x NeMo 25.11 GB300/GB200 FP8 tok/s (8B 1.19, 70B 1.05, 405B 1.23)"},
      {"gb300_nvl72", P::kFp4, {0.151, 0.194, 0.227}, false,
       "8B: MLPerf v5.1 47.3k tok/s x8; 70B: MLPerf v5.1 LoRA x8 vs GB200 (8.99 / 5.97 min); "
       "405B: MLPerf v5.1 1,402 tok/s x512"},
      {"vera_rubin_nvl144", P::kBf16, {0.349, 0.368, 0.495}, true, kRuleB},
      {"vera_rubin_nvl144", P::kFp8, {0.310, 0.327, 0.441}, true,
       "ESTIMATE: GB300 FP8 row (same vendor, next generation; no published training figure)"},
      {"vera_rubin_nvl144", P::kFp4, {0.152, 0.194, 0.228}, true,
       "ESTIMATE: VR FP8 row x GB300's FP4-over-FP8 training speed-up x 16.7 / 50 PF (50 PF is "
       "an NVFP4 inference headline)"},
      // AMD.
      {"mi300x_8", P::kBf16, {0.263, 0.255, 0.308}, true,
       "ESTIMATE rule B: FP8 row x 1.124 (SemiAnalysis BF16 GEMM 620 vs 720 TFLOP/s gives "
       "within 3%)"},
      {"mi300x_8", P::kFp8, {0.234, 0.227, 0.274}, false,
       "70B: MLPerf v5.0 LoRA x8 vs H200 (23.37 / 29.25 min); 8B, 405B: ESTIMATE, H100's size "
       "shape"},
      {"mi325x_8", P::kBf16, {0.349, 0.339, 0.409}, true, kRuleB},
      {"mi325x_8", P::kFp8, {0.311, 0.301, 0.364}, false,
       "70B: MLPerf v5.0 LoRA x8 vs H200 (23.37 / 22.04 min); 8B, 405B: ESTIMATE, H100's size "
       "shape"},
      {"mi355x_8", P::kBf16, {0.339, 0.384, 0.383}, true, kRuleB},
      {"mi355x_8", P::kFp8, {0.301, 0.341, 0.340}, false,
       "8B: MLPerf v5.1 31.4k tok/s x8; 70B: MLPerf v5.1 LoRA x8 vs B200 (9.55 / 10.18 min); "
       "405B: AMD ROCm blog 0.96 x B200 FP8 (vendor claim)"},
      {"helios_mi450", P::kBf16, {0.339, 0.384, 0.383}, true, kRuleB},
      {"helios_mi450", P::kFp8, {0.301, 0.341, 0.340}, true,
       "ESTIMATE: MI355X FP8 row (same vendor, next generation; no published training figure)"},
  };
  // clang-format on
}

constexpr std::string_view kDefaultSystem = "hgx_h100";
constexpr std::string_view kDefaultBasis =
    "ESTIMATE: system not in the MFU table, HGX H100 rows used";

// Systems that may not train, and why.
struct Untrainable {
  std::string_view system;
  std::string_view reason;
};
constexpr Untrainable kUntrainable[] = {
    {"cerebras_cs3",
     "no citable training time-to-train or MFU exists (no MLPerf Training submission v4.0-v5.1, "
     "reference/TRAINING.md section 1), and weight streaming from MemoryX does not follow the "
     "GPU speed and memory model"},
};

const MfuRow* FindRow(std::string_view system, Precision precision) {
  for (const MfuRow& row : MfuTable()) {
    if (row.system == system && row.precision == precision) return &row;
  }
  return nullptr;
}

bool InTable(std::string_view system) {
  for (const MfuRow& row : MfuTable()) {
    if (row.system == system) return true;
  }
  return false;
}

double PeakAt(const platform::Cluster& cluster, Precision p) {
  switch (p) {
    case P::kBf16:
      return cluster.peak_flops_bf16;
    case P::kFp8:
      return cluster.peak_flops_fp8;
    case P::kFp4:
      return cluster.peak_flops_fp4;
  }
  return 0;
}

// Linear in log(active params) between anchors, clamped outside [8B, 405B].
double Interpolate(const double (&mfu)[3], double active_params) {
  const double x = pmath::Log(std::max(active_params, 1.0));
  const double x0 = pmath::Log(kMfuAnchorParams[0]);
  const double x1 = pmath::Log(kMfuAnchorParams[1]);
  const double x2 = pmath::Log(kMfuAnchorParams[2]);
  if (x <= x0) return mfu[0];
  if (x >= x2) return mfu[2];
  if (x <= x1) return mfu[0] + (mfu[1] - mfu[0]) * (x - x0) / (x1 - x0);
  return mfu[1] + (mfu[2] - mfu[1]) * (x - x1) / (x2 - x1);
}

std::string_view TableSystem(const platform::Cluster& cluster) {
  return InTable(cluster.system) ? std::string_view(cluster.system) : kDefaultSystem;
}

}  // namespace

const std::vector<MfuRow>& MfuTable() {
  static const std::vector<MfuRow>* const table = BuildTable();
  return *table;
}

double ScalingEfficiency(int64_t accelerators) {
  if (accelerators <= kScalingReferenceAccelerators) return 1.0;
  // (n / n_ref)^-e, through the portable Log/Exp (core/portable_math.h): same bits everywhere.
  return pmath::Exp(-kScalingExponent *
                    pmath::Log(static_cast<double>(accelerators) / kScalingReferenceAccelerators));
}

absl::Status CheckTrainable(const platform::Cluster& cluster) {
  for (const Untrainable& u : kUntrainable) {
    // Any Cerebras system, whatever its catalogue name, shares the CS-3's reason.
    if (cluster.system == u.system || cluster.vendor == "Cerebras") {
      return absl::FailedPreconditionError(
          absl::StrCat("cluster ", cluster.name, " (system ", cluster.system,
                       ") is not eligible for training: ", std::string(u.reason)));
    }
  }
  if (!(cluster.peak_flops_bf16 > 0)) {
    return absl::FailedPreconditionError(absl::StrCat("cluster ", cluster.name, " (system ",
                                                      cluster.system,
                                                      ") is not eligible for training: no BF16 "
                                                      "peak FLOP/s"));
  }
  return absl::OkStatus();
}

std::optional<Precision> EffectivePrecision(const platform::Cluster& cluster, Precision requested) {
  if (!CheckTrainable(cluster).ok()) return std::nullopt;
  const std::string_view system = TableSystem(cluster);
  for (int p = static_cast<int>(requested); p >= 0; --p) {
    const auto precision = static_cast<Precision>(p);
    if (PeakAt(cluster, precision) > 0 && FindRow(system, precision) != nullptr) {
      return precision;
    }
  }
  return std::nullopt;  // unreachable for tables with a BF16 row per system
}

absl::StatusOr<TrainingSpeed> ComputeTrainingSpeed(const platform::Cluster& cluster,
                                                   const TrainingModel& model,
                                                   int64_t accelerators) {
  if (accelerators < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("accelerators: must be at least 1, got ", accelerators));
  }
  if (absl::Status s = CheckTrainable(cluster); !s.ok()) return s;
  const std::optional<Precision> precision = EffectivePrecision(cluster, model.precision);
  if (!precision) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cluster ", cluster.name, " (system ", cluster.system, ") has no training efficiency at ",
        std::string(PrecisionName(model.precision)), " or wider"));
  }
  const bool known = InTable(cluster.system);
  const MfuRow& row = *FindRow(TableSystem(cluster), *precision);
  TrainingSpeed speed;
  speed.precision = *precision;
  speed.peak_flops = PeakAt(cluster, *precision);
  speed.mfu = Interpolate(row.mfu, model.ActiveParams());
  speed.scaling = ScalingEfficiency(accelerators);
  speed.estimate = row.estimate || !known;
  speed.basis = known ? row.basis : kDefaultBasis;
  return speed;
}

double RunSeconds(const platform::Cluster& cluster, const TrainingModel& model, double flops,
                  int64_t accelerators) {
  const absl::StatusOr<TrainingSpeed> speed = ComputeTrainingSpeed(cluster, model, accelerators);
  if (!speed.ok()) return std::numeric_limits<double>::infinity();
  return flops / (static_cast<double>(accelerators) * speed->flops_per_s_per_accelerator());
}

}  // namespace fleetsim::training
