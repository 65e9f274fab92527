// SWF traces: ParseSwf under both cleaning rules and both estimate sources.
#include "fuzz/fuzz_util.h"
#include "sim/workload/swf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim::workload;
  if (size > fleetsim::fuzz::kMaxInput) return 0;
  const std::string text = fleetsim::fuzz::Text(data, size);
  SwfOptions a;
  auto r = ParseSwf(text, "fuzz.swf", a);
  if (r.ok()) {
    for (const auto& j : r->workload.jobs) {
      if (!(j.run_s >= 1 && j.estimate_s >= 1 && j.accelerators >= 1)) __builtin_trap();
    }
  }
  SwfOptions b;
  b.cleaning = SwfCleaning::kStrict;
  b.estimates = SwfEstimates::kExact;
  b.max_procs_override = 64;
  (void)ParseSwf(text, "fuzz.swf", b);
  return 0;
}
