// TrainingWork forms, validation messages and the 6N FLOPs rule.
#include "sim/training/work.h"

#include "gtest/gtest.h"

namespace fleetsim::training {
namespace {

TrainingModel Dense(double params) { return TrainingModel{params, 0, Precision::kBf16, 0}; }

TEST(TrainingFlops, SixTimesParamsTimesTokens) {
  TrainingWork work;
  work.tokens = 15.6e12;  // Llama 3 405B pretraining tokens (HARDWARE.md §3)
  EXPECT_DOUBLE_EQ(TrainingFlops(Dense(405e9), work), 6 * 405e9 * 15.6e12);
  // ~3.8e25 FLOPs, the Llama 3 paper's headline training compute.
  EXPECT_NEAR(TrainingFlops(Dense(405e9), work), 3.8e25, 0.02e25);
}

TEST(TrainingFlops, MixtureOfExpertsUsesActiveParams) {
  TrainingModel moe{671e9, 37e9, Precision::kFp8, 0};  // DeepSeek-V3 shape
  TrainingWork work;
  work.tokens = 1e12;
  EXPECT_DOUBLE_EQ(TrainingFlops(moe, work), 6 * 37e9 * 1e12);
}

TEST(TrainingFlops, StepsTimesBatchTimesSeqLen) {
  TrainingWork work;
  work.steps = 1000;
  work.global_batch = 2048;
  work.seq_len = 8192;
  ASSERT_TRUE(ValidateTrainingWork(work).ok());
  EXPECT_DOUBLE_EQ(*TrainingTokens(work), 1000.0 * 2048 * 8192);
  EXPECT_DOUBLE_EQ(TrainingFlops(Dense(8e9), work), 6 * 8e9 * 1000.0 * 2048 * 8192);
}

TEST(TrainingFlops, FlopsGivenAreUsedAsIs) {
  TrainingWork work;
  work.flops = 1.5e24;
  ASSERT_TRUE(ValidateTrainingWork(work).ok());
  EXPECT_FALSE(TrainingTokens(work).has_value());
  EXPECT_DOUBLE_EQ(TrainingFlops(Dense(70e9), work), 1.5e24);
}

TEST(ValidateTrainingWork, ExactlyOneForm) {
  TrainingWork none;
  EXPECT_EQ(ValidateTrainingWork(none).message(),
            "work: give exactly one of tokens, flops, or steps with global_batch and seq_len");
  TrainingWork two;
  two.tokens = 1e9;
  two.flops = 1e20;
  EXPECT_EQ(ValidateTrainingWork(two).message(),
            "work: give exactly one of tokens, flops, or steps with global_batch and seq_len");
  TrainingWork partial;
  partial.steps = 10;
  partial.seq_len = 4096;
  EXPECT_EQ(ValidateTrainingWork(partial).message(),
            "work: steps, global_batch and seq_len must be given together");
}

TEST(ValidateTrainingWork, PositiveNumbers) {
  TrainingWork tokens;
  tokens.tokens = 0;
  EXPECT_EQ(ValidateTrainingWork(tokens).message(),
            "work.tokens: must be a positive number, got 0");
  TrainingWork flops;
  flops.flops = -1;
  EXPECT_EQ(ValidateTrainingWork(flops).message(), "work.flops: must be a positive number, got -1");
  TrainingWork steps;
  steps.steps = 10;
  steps.global_batch = 0;
  steps.seq_len = 4096;
  EXPECT_EQ(ValidateTrainingWork(steps).message(),
            "work.global_batch: must be a positive integer, got 0");
}

TEST(ValidateTrainingModel, Errors) {
  EXPECT_TRUE(ValidateTrainingModel(Dense(1e9)).ok());
  EXPECT_EQ(ValidateTrainingModel(Dense(0)).message(), "params: must be a positive number, got 0");
  EXPECT_EQ(ValidateTrainingModel(TrainingModel{1e9, 2e9, Precision::kBf16, 0}).message(),
            "active_params: must be in [0, params] (0 = params), got 2e+09");
  EXPECT_EQ(ValidateTrainingModel(TrainingModel{1e9, 0, Precision::kBf16, -1}).message(),
            "trainable_params: must be in [0, params] (0 = params), got -1");
}

TEST(Precision, ParseAndName) {
  EXPECT_EQ(*ParsePrecision("BF16"), Precision::kBf16);
  EXPECT_EQ(*ParsePrecision("fp8"), Precision::kFp8);
  EXPECT_EQ(*ParsePrecision("nvfp4"), Precision::kFp4);
  EXPECT_EQ(PrecisionName(Precision::kFp4), "fp4");
  EXPECT_EQ(ParsePrecision("int8").status().message(),
            "precision: unknown precision \"int8\" (expected bf16, fp8 or fp4)");
}

}  // namespace
}  // namespace fleetsim::training
