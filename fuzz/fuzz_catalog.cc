// The platform catalogue: systems.yaml, a line "#---sites---", then sites.yaml.
#include "fuzz/fuzz_util.h"
#include "sim/platform/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetsim;
  if (size > fuzz::kMaxInput) return 0;
  auto [systems, sites] = fuzz::SplitAt(fuzz::Text(data, size), "#---sites---");
  (void)platform::ParseCatalog(systems, sites, "fuzz-catalog");
  return 0;
}
