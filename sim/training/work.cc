#include "sim/training/work.h"

#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace fleetsim::training {
namespace {

bool PositiveFinite(double x) { return std::isfinite(x) && x > 0; }

}  // namespace

std::string_view PrecisionName(Precision p) {
  switch (p) {
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp8:
      return "fp8";
    case Precision::kFp4:
      return "fp4";
  }
  return "?";
}

absl::StatusOr<Precision> ParsePrecision(std::string_view name) {
  const std::string text(name);
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "bf16") return Precision::kBf16;
  if (lower == "fp8") return Precision::kFp8;
  if (lower == "fp4" || lower == "nvfp4" || lower == "mxfp4") return Precision::kFp4;
  return absl::InvalidArgumentError(
      absl::StrCat("precision: unknown precision \"", text, "\" (expected bf16, fp8 or fp4)"));
}

absl::Status ValidateTrainingModel(const TrainingModel& model) {
  if (!PositiveFinite(model.params)) {
    return absl::InvalidArgumentError(
        absl::StrCat("params: must be a positive number, got ", model.params));
  }
  if (!std::isfinite(model.active_params) || model.active_params < 0 ||
      model.active_params > model.params) {
    return absl::InvalidArgumentError(absl::StrCat(
        "active_params: must be in [0, params] (0 = params), got ", model.active_params));
  }
  if (!std::isfinite(model.trainable_params) || model.trainable_params < 0 ||
      model.trainable_params > model.params) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trainable_params: must be in [0, params] (0 = params), got ", model.trainable_params));
  }
  return absl::OkStatus();
}

absl::Status ValidateTrainingWork(const TrainingWork& work) {
  const bool any_step_field = work.steps || work.global_batch || work.seq_len;
  const int forms = (work.tokens ? 1 : 0) + (work.flops ? 1 : 0) + (any_step_field ? 1 : 0);
  if (forms != 1) {
    return absl::InvalidArgumentError(
        "work: give exactly one of tokens, flops, or steps with global_batch and seq_len");
  }
  if (work.tokens && !PositiveFinite(*work.tokens)) {
    return absl::InvalidArgumentError(
        absl::StrCat("work.tokens: must be a positive number, got ", *work.tokens));
  }
  if (work.flops && !PositiveFinite(*work.flops)) {
    return absl::InvalidArgumentError(
        absl::StrCat("work.flops: must be a positive number, got ", *work.flops));
  }
  if (any_step_field) {
    if (!work.steps || !work.global_batch || !work.seq_len) {
      return absl::InvalidArgumentError(
          "work: steps, global_batch and seq_len must be given together");
    }
    const std::pair<const char*, int64_t> fields[] = {
        {"steps", *work.steps}, {"global_batch", *work.global_batch}, {"seq_len", *work.seq_len}};
    for (const auto& [name, value] : fields) {
      if (value <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("work.", name, ": must be a positive integer, got ", value));
      }
    }
  }
  return absl::OkStatus();
}

std::optional<double> TrainingTokens(const TrainingWork& work) {
  if (work.tokens) return *work.tokens;
  if (work.steps && work.global_batch && work.seq_len) {
    // In double: 1e6 steps x 1e4 sequences x 1e5 tokens would overflow int64.
    return static_cast<double>(*work.steps) * static_cast<double>(*work.global_batch) *
           static_cast<double>(*work.seq_len);
  }
  return std::nullopt;
}

double TrainingFlops(const TrainingModel& model, const TrainingWork& work) {
  if (work.flops) return *work.flops;
  const std::optional<double> tokens = TrainingTokens(work);
  return tokens ? 6.0 * model.ActiveParams() * *tokens : 0.0;
}

}  // namespace fleetsim::training
