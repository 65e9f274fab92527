// Training speed of a system: achieved model FLOP/s per accelerator and run time.
//
//   achieved FLOP/s per accelerator = peak(system, precision') x MFU(system, precision', size)
//                                     x ScalingEfficiency(accelerators)
//   RunSeconds = flops / (accelerators x achieved FLOP/s per accelerator)
//
// precision' is the job's precision if the system trains at it, otherwise the next wider one
// (fp4 -> fp8 -> bf16): a system "trains at" a precision when its peak there is > 0 and the MFU
// table has a row for it (e.g. MI355X has FP4 hardware but no published FP4 training, so FP4
// jobs run there at FP8). MFUs are "6N" MFUs (model FLOPs = 6 x active params x tokens, see
// work.h) relative to the dense peak at precision'; they are tabulated per catalogue system at
// 8B, 70B and 405B active parameters and interpolated linearly in log(active params), clamped
// outside that range. Every value and its source (MLPerf Training, NeMo, Llama 3 paper, or
// ESTIMATE with the analogy used) is in sim/training/README.md.
//
// Systems not in the table (hand-made test platforms) get the HGX H100 rows, flagged as an
// estimate. Cerebras CS-3 is not trainable by default: no citable training time or MFU exists
// (reference/TRAINING.md §1), and its weight-streaming execution does not fit this GPU model.
//
// Plain C++, no SimGrid; all functions are pure and thread-safe.
#ifndef FLEETSIM_SIM_TRAINING_SPEED_H_
#define FLEETSIM_SIM_TRAINING_SPEED_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/platform/fleet.h"
#include "sim/training/work.h"

namespace fleetsim::training {

// Model sizes (active parameters) at which the MFU table is given.
inline constexpr double kMfuAnchorParams[3] = {8e9, 70e9, 405e9};

// One row of the MFU table.
struct MfuRow {
  std::string_view system;  // catalogue system name, e.g. "gb200_nvl72"
  Precision precision;
  double mfu[3];           // at kMfuAnchorParams, fraction of dense peak at `precision`
  bool estimate;           // true when no published figure for this system and precision
  std::string_view basis;  // one-line source or estimation rule (details in README.md)
};

// The whole table, in README order.
const std::vector<MfuRow>& MfuTable();

// Weak-scaling efficiency for a job on `accelerators` accelerators:
//   min(1, (accelerators / 512)^-0.05)
// i.e. no loss up to 512 and 3.4% per doubling beyond, least-squares fit (0.0496, rounded) to
// MLPerf Training 405B per-GPU throughputs (TRAINING.md §3 item 4): H100 512->8,192 keeps 0.89
// (model 0.871), GB200 256->2,496 keeps 0.94 (0.924), GB200 512->5,120 keeps 0.86 (0.891).
// Returns 1 for accelerators < 1.
inline constexpr double kScalingReferenceAccelerators = 512;
inline constexpr double kScalingExponent = 0.05;
double ScalingEfficiency(int64_t accelerators);

// OK if the system may train at all; FailedPrecondition naming the system and the reason
// otherwise (Cerebras CS-3; a cluster without a positive BF16 peak).
absl::Status CheckTrainable(const platform::Cluster& cluster);

// The precision the job runs at on this system (see above); nullopt if not trainable.
std::optional<Precision> EffectivePrecision(const platform::Cluster& cluster, Precision requested);

// Every factor of the speed formula, for reports and error messages.
struct TrainingSpeed {
  Precision precision = Precision::kBf16;  // effective precision
  double peak_flops = 0;                   // per accelerator, dense, at `precision`
  double mfu = 0;                          // interpolated at the model's active params
  double scaling = 1;                      // ScalingEfficiency(accelerators)
  bool estimate = false;                   // the MFU row is an estimate (or a default)
  std::string_view basis;                  // the MFU row's basis
  double flops_per_s_per_accelerator() const { return peak_flops * mfu * scaling; }
};

// The speed of `model` on `accelerators` accelerators of `cluster`. Errors: CheckTrainable's;
// InvalidArgument if accelerators < 1. Precondition: ValidateTrainingModel(model) is OK.
absl::StatusOr<TrainingSpeed> ComputeTrainingSpeed(const platform::Cluster& cluster,
                                                   const TrainingModel& model,
                                                   int64_t accelerators);

// Seconds to perform `flops` model FLOPs on `accelerators` accelerators of `cluster`;
// +infinity when ComputeTrainingSpeed fails (not trainable, accelerators < 1).
double RunSeconds(const platform::Cluster& cluster, const TrainingModel& model, double flops,
                  int64_t accelerators);

}  // namespace fleetsim::training

#endif  // FLEETSIM_SIM_TRAINING_SPEED_H_
