// Scenario YAML with --set overrides: leading "#set key=value" lines are overrides, the whole
// input is the document. It is loaded as if it were workloads/fuzz.yaml, so the repo's platforms
// and traces resolve (fuzz.sh rewrites the seeds' platform paths accordingly).
#include "fuzz/fuzz_util.h"
#include "sim/scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > fleetsim::fuzz::kMaxInput) return 0;
  const std::string text = fleetsim::fuzz::Text(data, size);
  static const std::string kPath = std::string(FLEETSIM_SOURCE_DIR) + "/workloads/fuzz.yaml";
  (void)fleetsim::scenario::LoadScenarioText(text, kPath,
                                             fleetsim::fuzz::LeadingOverrides(text));
  return 0;
}
