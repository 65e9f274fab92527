// The speed formula: table coverage of the catalogue, precision fallback, interpolation,
// weak scaling against MLPerf (TRAINING.md §3 item 4), the Llama 3 BF16 figures, Cerebras.
#include "sim/training/speed.h"

#include <cmath>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "tests/training/catalog_clusters.h"

namespace fleetsim::training {
namespace {

using testing::CatalogCluster;
using testing::CatalogSystems;

// Llama 3.1 405B: 126 layers, model dimension 16,384, 405.8e9 parameters. Attention-score
// FLOPs (12 x layers x dim x seq per token, PaLM appendix B) add 8.3% to 6N at 8K sequences;
// published MFUs count them, ours do not.
constexpr double kAttentionShare405b8k = 12.0 * 126 * 16384 * 8192 / (6 * 405.8e9);

TEST(MfuTable, CoversEveryTrainableCatalogueSystem) {
  std::set<std::string> catalogue;
  for (const std::string& system : CatalogSystems()) {
    catalogue.insert(system);
    platform::Cluster c = CatalogCluster(system);
    if (system == "cerebras_cs3") continue;
    for (Precision p : {Precision::kBf16, Precision::kFp8}) {
      auto speed = ComputeTrainingSpeed(c, TrainingModel{70e9, 0, p, 0}, 8);
      ASSERT_TRUE(speed.ok()) << system << ": " << speed.status();
      EXPECT_EQ(speed->precision, p) << system;
      EXPECT_NE(speed->basis, "ESTIMATE: system not in the MFU table, HGX H100 rows used")
          << system;
    }
  }
  for (const MfuRow& row : MfuTable()) {
    EXPECT_TRUE(catalogue.count(std::string(row.system))) << row.system;
    EXPECT_FALSE(row.basis.empty());
    for (double m : row.mfu) {
      // HARDWARE.md §3: 30-50% is the rule of thumb; FP4 MFUs (vs a 2-4x higher peak) are lower.
      EXPECT_GT(m, 0.1) << row.system << " " << PrecisionName(row.precision);
      EXPECT_LT(m, 0.55) << row.system << " " << PrecisionName(row.precision);
    }
  }
}

TEST(EffectivePrecision, FallsBackToNextWiderSupportedPrecision) {
  // Hopper has no FP4 units.
  EXPECT_EQ(EffectivePrecision(CatalogCluster("hgx_h100"), Precision::kFp4), Precision::kFp8);
  // MI355X has FP4 units but no published FP4 training: FP8.
  EXPECT_EQ(EffectivePrecision(CatalogCluster("mi355x_8"), Precision::kFp4), Precision::kFp8);
  EXPECT_EQ(EffectivePrecision(CatalogCluster("gb300_nvl72"), Precision::kFp4), Precision::kFp4);
  EXPECT_EQ(EffectivePrecision(CatalogCluster("gb300_nvl72"), Precision::kBf16), Precision::kBf16);
  // A system without an FP8 peak falls back to BF16.
  platform::Cluster no_fp8 = CatalogCluster("hgx_h100");
  no_fp8.peak_flops_fp8 = 0;
  EXPECT_EQ(EffectivePrecision(no_fp8, Precision::kFp8), Precision::kBf16);
}

TEST(ComputeTrainingSpeed, InterpolatesInLogParamsAndClamps) {
  const platform::Cluster h100 = CatalogCluster("hgx_h100");
  auto at = [&](double params) {
    return ComputeTrainingSpeed(h100, TrainingModel{params, 0, Precision::kFp8, 0}, 8)->mfu;
  };
  EXPECT_DOUBLE_EQ(at(8e9), 0.351);
  EXPECT_DOUBLE_EQ(at(70e9), 0.340);
  EXPECT_DOUBLE_EQ(at(405e9), 0.410);
  EXPECT_DOUBLE_EQ(at(1e9), 0.351);            // clamped below 8B
  EXPECT_DOUBLE_EQ(at(1.8e12), 0.410);         // clamped above 405B
  const double mid = std::sqrt(70e9 * 405e9);  // halfway in log
  EXPECT_NEAR(at(mid), (0.340 + 0.410) / 2, 1e-12);
  // Mixture of experts: the MFU follows the active parameters.
  auto moe = ComputeTrainingSpeed(h100, TrainingModel{671e9, 8e9, Precision::kFp8, 0}, 8);
  EXPECT_DOUBLE_EQ(moe->mfu, 0.351);
}

TEST(ScalingEfficiency, FlatUpTo512ThenPowerLaw) {
  EXPECT_DOUBLE_EQ(ScalingEfficiency(1), 1.0);
  EXPECT_DOUBLE_EQ(ScalingEfficiency(512), 1.0);
  EXPECT_NEAR(ScalingEfficiency(1024), std::pow(2.0, -0.05), 1e-12);
  EXPECT_NEAR(ScalingEfficiency(100000), std::pow(100000 / 512.0, -0.05), 1e-12);
}

// TRAINING.md §3 item 4 (MLPerf Training 405B): per-GPU throughput kept when scaling out.
// These three points are the fit data of the exponent; each is reproduced within 5%.
struct WeakScalingCase {
  const char* name;
  int64_t from;
  int64_t to;
  double kept;
};
TEST(ScalingEfficiency, ReproducesMlperf405bWeakScaling) {
  const WeakScalingCase cases[] = {
      // v5.0 eos-dfw_n64 334 tok/s -> eos-dfw_n1024 297 tok/s.
      {"H100 512->8192 (v5.0)", 512, 8192, 297.0 / 334.0},
      // TRAINING.md §3 item 4 (256 -> carina_ngpu2496, v5.0).
      {"GB200 256->2496 (v5.0)", 256, 2496, 0.94},
      // v5.1 tyche_ngpu512 1,068 tok/s -> hsg_ngpu5120 919 tok/s.
      {"GB200 512->5120 (v5.1)", 512, 5120, 919.0 / 1068.0},
  };
  for (const auto& c : cases) {
    const double model = ScalingEfficiency(c.to) / ScalingEfficiency(c.from);
    EXPECT_NEAR(model / c.kept, 1.0, 0.05) << c.name << ": model " << model;
  }
}

// Llama 3 paper §3.3.2 (HARDWARE.md §3): 430 TFLOP/s per H100 at 8,192 GPUs (calibration of
// the H100 BF16 405B cell) and 400 TFLOP/s at 16,384 GPUs (held out), BF16, 8K sequences.
TEST(ComputeTrainingSpeed, Llama3BF16OnH100) {
  const platform::Cluster h100 = CatalogCluster("hgx_h100");
  const TrainingModel llama{405.8e9, 0, Precision::kBf16, 0};
  auto published_style = [&](int64_t gpus) {
    auto s = ComputeTrainingSpeed(h100, llama, gpus);
    return s->flops_per_s_per_accelerator() * (1 + kAttentionShare405b8k);
  };
  EXPECT_NEAR(published_style(8192) / 430e12, 1.0, 0.01);   // calibration
  EXPECT_NEAR(published_style(16384) / 400e12, 1.0, 0.05);  // held out (+3.8%)
}

TEST(CheckTrainable, CerebrasIsNotEligibleByDefault) {
  platform::Cluster cs3 = CatalogCluster("cerebras_cs3");
  absl::Status s = CheckTrainable(cs3);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("cluster test.cerebras_cs3 (system cerebras_cs3) is not eligible "
                             "for training: no citable training time-to-train or MFU"),
            std::string::npos)
      << s;
  EXPECT_TRUE(std::isinf(RunSeconds(cs3, TrainingModel{8e9, 0, Precision::kBf16, 0}, 1e20, 1)));
  EXPECT_FALSE(EffectivePrecision(cs3, Precision::kBf16).has_value());
}

TEST(CheckTrainable, NeedsABf16Peak) {
  platform::Cluster c = CatalogCluster("hgx_h100");
  c.name = "x";
  c.peak_flops_bf16 = 0;
  EXPECT_EQ(CheckTrainable(c).message(),
            "cluster x (system hgx_h100) is not eligible for training: no BF16 peak FLOP/s");
}

TEST(ComputeTrainingSpeed, UnknownSystemUsesH100RowsAsEstimate) {
  platform::Cluster toy = CatalogCluster("hgx_h100");
  toy.system = "toy";
  toy.peak_flops_bf16 = 1e15;
  auto s = ComputeTrainingSpeed(toy, TrainingModel{70e9, 0, Precision::kBf16, 0}, 8);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->estimate);
  EXPECT_DOUBLE_EQ(s->mfu, 0.382);
  EXPECT_DOUBLE_EQ(s->peak_flops, 1e15);
}

TEST(ComputeTrainingSpeed, RejectsNoAccelerators) {
  auto s = ComputeTrainingSpeed(CatalogCluster("hgx_h100"),
                                TrainingModel{8e9, 0, Precision::kBf16, 0}, 0);
  EXPECT_EQ(s.status().message(), "accelerators: must be at least 1, got 0");
}

TEST(RunSeconds, IsFlopsOverAcceleratorsTimesAchievedRate) {
  const platform::Cluster gb200 = CatalogCluster("gb200_nvl72");
  const TrainingModel m{405e9, 0, Precision::kFp8, 0};
  const double flops = 6 * 405e9 * 1e12;
  // 1,024 GPUs: 5 PF x 0.359 x 2^-0.05.
  const double expected = flops / (1024 * 5e15 * 0.359 * std::pow(2.0, -0.05));
  EXPECT_NEAR(RunSeconds(gb200, m, flops, 1024) / expected, 1.0, 1e-12);
  EXPECT_TRUE(std::isinf(RunSeconds(gb200, m, flops, 0)));
}

}  // namespace
}  // namespace fleetsim::training
