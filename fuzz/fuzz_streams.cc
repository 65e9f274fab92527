// Inference stream specs (a `streams:` file, sim/serve/stream_spec.h), loaded as if it were
// tests/serve/data/fuzz.yaml.
#include "fuzz/fuzz_util.h"
#include "sim/core/yaml_reader.h"
#include "sim/serve/stream_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim;
  if (size > fuzz::kMaxInput) return 0;
  static const std::string kPath = std::string(FLEETSIM_SOURCE_DIR) + "/tests/serve/data/fuzz.yaml";
  (void)serve::ParseStreamFileText(fuzz::Text(data, size), kPath);
  return 0;
}
