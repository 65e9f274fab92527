// Work-defined training jobs: what is trained (TrainingModel) and how much (TrainingWork).
//
// Plain C++, no SimGrid. Validation returns InvalidArgument with one line "field: message" so a
// parser can prefix its own "file:line:col: ". Everything else assumes validated input.
#ifndef FLEETSIM_SIM_TRAINING_WORK_H_
#define FLEETSIM_SIM_TRAINING_WORK_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fleetsim::training {

// Arithmetic precision of the matrix multiplications. Training keeps BF16/FP32 for the rest
// (see memory.h); FP8 and FP4 only change the tensor-core peak used (speed.h).
enum class Precision { kBf16 = 0, kFp8 = 1, kFp4 = 2 };

std::string_view PrecisionName(Precision p);  // "bf16", "fp8", "fp4"
// Accepts "bf16", "fp8", "fp4" (also "nvfp4", "mxfp4" as fp4); anything else is InvalidArgument.
absl::StatusOr<Precision> ParsePrecision(std::string_view name);

struct TrainingModel {
  double params = 0;         // total parameters (> 0); all of them hold training state
  double active_params = 0;  // parameters used per token (mixture of experts); 0 = params
  Precision precision = Precision::kBf16;
  // Parameters that are trained (hold gradients and optimizer state); 0 = all params. Set it for
  // adapter fine-tuning (LoRA) so the memory rule counts the frozen weights at 2 bytes only.
  double trainable_params = 0;

  double ActiveParams() const { return active_params > 0 ? active_params : params; }
  double TrainableParams() const { return trainable_params > 0 ? trainable_params : params; }
};

// Checks params > 0, 0 <= active_params <= params, 0 <= trainable_params <= params (finite).
absl::Status ValidateTrainingModel(const TrainingModel& model);

// The amount of work: exactly one of `tokens`, `flops`, or all three of `steps`,
// `global_batch` (sequences per step) and `seq_len` (tokens per sequence).
struct TrainingWork {
  std::optional<double> tokens;  // tokens processed (> 0)
  std::optional<double> flops;   // total model FLOPs (> 0), used as given
  std::optional<int64_t> steps;
  std::optional<int64_t> global_batch;
  std::optional<int64_t> seq_len;
};

// InvalidArgument "work: ..." unless exactly one form is given and its numbers are > 0.
absl::Status ValidateTrainingWork(const TrainingWork& work);

// Tokens processed: `tokens`, or steps x global_batch x seq_len; nullopt when only FLOPs given.
std::optional<double> TrainingTokens(const TrainingWork& work);

// Total training FLOPs. `flops` if given; otherwise 6 x active params x tokens: 2 FLOPs per
// parameter per token forward and 4 backward (Kaplan et al. 2020, "Scaling Laws for Neural
// Language Models", C ~ 6NT; the Llama 3 paper's compute accounting uses the same rule).
// Attention-score FLOPs are not counted, so MFUs in speed.h are "6N" MFUs. For adapter
// fine-tuning (LoRA) the true cost is nearer 4N per token; give `flops` to override.
// Preconditions: ValidateTrainingModel and ValidateTrainingWork succeeded.
double TrainingFlops(const TrainingModel& model, const TrainingWork& work);

}  // namespace fleetsim::training

#endif  // FLEETSIM_SIM_TRAINING_WORK_H_
