// GPU-cluster job traces: ParseGpuTrace in both formats, by time and as work.
#include "fuzz/fuzz_util.h"
#include "sim/workload/gpu_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim::workload;
  if (size > fleetsim::fuzz::kMaxInput) return 0;
  const std::string text = fleetsim::fuzz::Text(data, size);
  for (GpuTraceFormat f : {GpuTraceFormat::kPhilly, GpuTraceFormat::kPai2023}) {
    for (bool work : {false, true}) {
      GpuTraceOptions o;
      o.format = f;
      o.as_work = work;
      o.source_gpu = "v100";
      o.accelerator_scale = 8;
      o.arrival_scale = 3;
      o.limit_jobs = work ? 5 : 0;
      auto r = ParseGpuTrace(text, "fuzz.csv", o);
      if (!r.ok()) continue;
      double prev = 0;
      for (const auto& j : r->workload.jobs) {
        // Invariants: positive sizes and times, arrivals sorted and not before 0.
        if (!(j.accelerators >= 8 && j.run_s > 0 && j.submit_s >= 0 && j.submit_s >= prev)) {
          __builtin_trap();
        }
        if (work && !(j.training && *j.training->work.tokens > 0)) __builtin_trap();
        prev = j.submit_s;
      }
    }
  }
  return 0;
}
