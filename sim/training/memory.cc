#include "sim/training/memory.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/training/speed.h"

namespace fleetsim::training {

double TrainingStateBytes(const TrainingModel& model) {
  const double trainable = model.TrainableParams();
  const double frozen = std::max(0.0, model.params - trainable);
  return kTrainedBytesPerParam * trainable + kFrozenBytesPerParam * frozen;
}

double RequiredBytesPerAccelerator(const TrainingModel& model, int64_t accelerators) {
  return TrainingStateBytes(model) / static_cast<double>(std::max<int64_t>(accelerators, 1));
}

double UsableBytesPerAccelerator(const platform::Cluster& cluster) {
  return (1.0 - kActivationFraction) * std::max(0.0, cluster.mem_bytes);
}

bool Fits(const platform::Cluster& cluster, const TrainingModel& model, int64_t accelerators) {
  const double usable = UsableBytesPerAccelerator(cluster);
  return usable > 0 && RequiredBytesPerAccelerator(model, accelerators) <= usable;
}

int64_t MinAcceleratorsToFit(const platform::Cluster& cluster, const TrainingModel& model) {
  const double usable = UsableBytesPerAccelerator(cluster);
  if (!(usable > 0)) return 0;
  auto n = static_cast<int64_t>(std::ceil(TrainingStateBytes(model) / usable));
  n = std::max<int64_t>(n, 1);
  // Guard against rounding at the boundary: the result must satisfy Fits.
  while (!Fits(cluster, model, n)) ++n;
  return n;
}

absl::Status CheckEligible(const platform::Cluster& cluster, const TrainingModel& model,
                           int64_t accelerators) {
  if (absl::Status s = CheckTrainable(cluster); !s.ok()) return s;
  if (Fits(cluster, model, accelerators)) return absl::OkStatus();
  const int64_t min_fit = MinAcceleratorsToFit(cluster, model);
  return absl::FailedPreconditionError(absl::StrFormat(
      "cluster %s (system %s): training state needs %.1f GB per accelerator on %d "
      "accelerators, %.1f GB usable (%.1f GB less the %.0f%% activation allowance)%s",
      cluster.name, cluster.system, RequiredBytesPerAccelerator(model, accelerators) / 1e9,
      accelerators, UsableBytesPerAccelerator(cluster) / 1e9, cluster.mem_bytes / 1e9,
      100 * kActivationFraction,
      min_fit > 0 ? absl::StrCat("; needs >= ", min_fit, " accelerators") : std::string()));
}

}  // namespace fleetsim::training
