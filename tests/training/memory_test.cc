// The memory eligibility rule: 16 bytes per trained parameter (2 per frozen one), sharded over
// the job's accelerators, against 75% of HBM.
#include "sim/training/memory.h"

#include "gtest/gtest.h"
#include "tests/training/catalog_clusters.h"

namespace fleetsim::training {
namespace {

using testing::CatalogCluster;

TEST(TrainingStateBytes, SixteenBytesPerTrainedParam) {
  EXPECT_DOUBLE_EQ(TrainingStateBytes(TrainingModel{70e9, 0, Precision::kBf16, 0}), 16 * 70e9);
  // MoE: every expert holds state, whatever the active parameters.
  EXPECT_DOUBLE_EQ(TrainingStateBytes(TrainingModel{671e9, 37e9, Precision::kFp8, 0}), 16 * 671e9);
  // LoRA: frozen weights at 2 bytes, adapters at 16.
  EXPECT_DOUBLE_EQ(TrainingStateBytes(TrainingModel{70e9, 0, Precision::kFp8, 0.1e9}),
                   2 * 69.9e9 + 16 * 0.1e9);
}

TEST(Fits, ShardedStateAgainstThreeQuartersOfHbm) {
  const platform::Cluster h100 = CatalogCluster("hgx_h100");  // 80 GB -> 60 GB usable
  EXPECT_DOUBLE_EQ(UsableBytesPerAccelerator(h100), 60e9);
  const TrainingModel llama405{405e9, 0, Precision::kBf16, 0};
  EXPECT_DOUBLE_EQ(RequiredBytesPerAccelerator(llama405, 512), 16 * 405e9 / 512);
  EXPECT_TRUE(Fits(h100, llama405, 512));                // 12.7 GB
  EXPECT_FALSE(Fits(h100, llama405, 64));                // 101 GB
  EXPECT_EQ(MinAcceleratorsToFit(h100, llama405), 108);  // 6.48 TB / 60 GB
  EXPECT_TRUE(Fits(h100, llama405, 108));
  EXPECT_FALSE(Fits(h100, llama405, 107));
  // Full fine-tuning of a 70B model does not fit one 8x H100 node (140 GB each); LoRA does.
  EXPECT_FALSE(Fits(h100, TrainingModel{70e9, 0, Precision::kFp8, 0}, 8));
  EXPECT_TRUE(Fits(h100, TrainingModel{70e9, 0, Precision::kFp8, 0.1e9}, 8));
  // A 288 GB GB300 holds a 405B model on one NVL72 rack (90 GB each), not on 8 GPUs.
  const platform::Cluster gb300 = CatalogCluster("gb300_nvl72");
  EXPECT_TRUE(Fits(gb300, llama405, 72));
  EXPECT_FALSE(Fits(gb300, llama405, 8));
}

TEST(CheckEligible, NamesClusterBytesAndMinimum) {
  const platform::Cluster h100 = CatalogCluster("hgx_h100");
  const TrainingModel llama405{405e9, 0, Precision::kBf16, 0};
  EXPECT_TRUE(CheckEligible(h100, llama405, 512).ok());
  absl::Status s = CheckEligible(h100, llama405, 64);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "cluster test.hgx_h100 (system hgx_h100): training state needs 101.2 GB per "
            "accelerator on 64 accelerators, 60.0 GB usable (80.0 GB less the 25% activation "
            "allowance); needs >= 108 accelerators");
  // Not trainable comes first.
  EXPECT_NE(
      CheckEligible(CatalogCluster("cerebras_cs3"), TrainingModel{1e9, 0, Precision::kBf16, 0}, 1)
          .message()
          .find("not eligible for training"),
      std::string::npos);
  platform::Cluster no_mem = h100;
  no_mem.mem_bytes = 0;
  EXPECT_EQ(MinAcceleratorsToFit(no_mem, llama405), 0);
  EXPECT_EQ(CheckEligible(no_mem, llama405, 8).message(),
            "cluster test.hgx_h100 (system hgx_h100): training state needs 810.0 GB per "
            "accelerator on 8 accelerators, 0.0 GB usable (0.0 GB less the 25% activation "
            "allowance)");
}

}  // namespace
}  // namespace fleetsim::training
