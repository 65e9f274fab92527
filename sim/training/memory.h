// Eligibility by memory: does a job's training state fit on its accelerators?
//
// Rule (mixed-precision Adam, fully sharded as in ZeRO-3 / PyTorch FSDP):
//   state bytes = 16 x trainable params + 2 x frozen params
// 16 bytes per trained parameter = BF16 weight (2) + BF16 gradient (2) + FP32 master weight (4)
// + FP32 Adam first and second moments (4 + 4) (Rajbhandari et al. 2020, "ZeRO", §3: "16Ψ").
// FP8/FP4 training keeps the same master weights and optimizer state, so the rule does not
// depend on precision. Frozen weights (adapter fine-tuning) hold only their BF16 copy.
// The state is sharded evenly over the job's accelerators:
//   needed bytes per accelerator = state bytes / accelerators
// Activation allowance: 25% of each accelerator's memory is kept for activations, gathered
// layers, communication buffers and fragmentation (ESTIMATE: Megatron-style runs with
// activation recomputation stay within it at 8K sequences), so
//   Fits  <=>  needed bytes per accelerator <= 0.75 x memory per accelerator.
// Plain C++, no SimGrid.
#ifndef FLEETSIM_SIM_TRAINING_MEMORY_H_
#define FLEETSIM_SIM_TRAINING_MEMORY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "sim/platform/fleet.h"
#include "sim/training/work.h"

namespace fleetsim::training {

inline constexpr double kTrainedBytesPerParam = 16;
inline constexpr double kFrozenBytesPerParam = 2;
inline constexpr double kActivationFraction = 0.25;

// Total training state in bytes (unsharded). Precondition: ValidateTrainingModel(model) is OK.
double TrainingStateBytes(const TrainingModel& model);

// Training state per accelerator when sharded over `accelerators` (>= 1; < 1 is taken as 1).
double RequiredBytesPerAccelerator(const TrainingModel& model, int64_t accelerators);

// Bytes per accelerator available to training state: (1 - kActivationFraction) x mem_bytes.
double UsableBytesPerAccelerator(const platform::Cluster& cluster);

// True if the sharded state fits beside the activation allowance.
bool Fits(const platform::Cluster& cluster, const TrainingModel& model, int64_t accelerators);

// Fewest accelerators of `cluster` that hold the state; 0 if the cluster has no memory.
int64_t MinAcceleratorsToFit(const platform::Cluster& cluster, const TrainingModel& model);

// Eligibility of `cluster` for `model` on `accelerators`: CheckTrainable (speed.h), then memory.
// FailedPrecondition with a message naming the cluster, the bytes needed and available per
// accelerator and the fewest accelerators that would fit, e.g.
//   "cluster a.h100 (system hgx_h100): training state needs 101.2 GB per accelerator on 64
//    accelerators, 60.0 GB usable (80.0 GB less the 25% activation allowance); needs >= 108
//    accelerators"
absl::Status CheckEligible(const platform::Cluster& cluster, const TrainingModel& model,
                           int64_t accelerators);

}  // namespace fleetsim::training

#endif  // FLEETSIM_SIM_TRAINING_MEMORY_H_
