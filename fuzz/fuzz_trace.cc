// LLM request traces: the Azure CSV and Mooncake JSON-lines parsers on the same bytes.
#include "fuzz/fuzz_util.h"
#include "sim/serve/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim::serve;
  if (size > fleetsim::fuzz::kMaxInput) return 0;
  const std::string text = fleetsim::fuzz::Text(data, size);
  for (TraceFormat f : {TraceFormat::kAzureCsv, TraceFormat::kMooncakeJsonl}) {
    auto r = ParseTrace(text, f, "fuzz.trace");
    if (!r.ok()) continue;
    double last = 0;
    for (const auto& rec : *r) {
      // Documented: sorted by time, relative to the first record, token counts >= 0.
      if (!(rec.time_s >= last) || rec.prompt_tokens < 0 || rec.output_tokens < 0) {
        __builtin_trap();
      }
      last = rec.time_s;
    }
  }
  return 0;
}
