// Sweep files, as if they were tests/data/sweep/fuzz.yaml (so `scenario:
// ../valid/hand_schedule.yaml` resolves). Every run's scenario is validated, so plans are
// capped at 64 runs here to keep each input fast.
#include "fuzz/fuzz_util.h"
#include "sim/sweep/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim;
  if (size > fuzz::kMaxInput) return 0;
  static const std::string kPath = std::string(FLEETSIM_SOURCE_DIR) + "/tests/data/sweep/fuzz.yaml";
  (void)sweep::MakePlanFromText(fuzz::Text(data, size), kPath, "/nonexistent/fuzz-plan", 64);
  return 0;
}
