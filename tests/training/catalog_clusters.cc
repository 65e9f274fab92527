#include "tests/training/catalog_clusters.h"

#include "gtest/gtest.h"
#include "sim/platform/catalog.h"

namespace fleetsim::training::testing {
namespace {

const platform::Catalog& TheCatalog() {
  static const platform::Catalog* const catalog = [] {
    auto loaded = platform::LoadCatalog(std::string(FLEETSIM_SOURCE_DIR) + "/platforms/catalog");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return new platform::Catalog();
    }
    return new platform::Catalog(*std::move(loaded));
  }();
  return *catalog;
}

}  // namespace

platform::Cluster CatalogCluster(const std::string& system) {
  platform::Cluster c;
  const platform::SystemSpec* spec = TheCatalog().FindSystem(system);
  if (spec == nullptr) {
    ADD_FAILURE() << "system not in catalogue: " << system;
    return c;
  }
  c.name = "test." + system;
  c.site = "test";
  c.vendor = spec->vendor;
  c.system = spec->name;
  c.accelerators_per_host = spec->accelerators_per_host;
  c.peak_flops_bf16 = spec->peak_flops_bf16;
  c.peak_flops_fp8 = spec->peak_flops_fp8;
  c.peak_flops_fp4 = spec->peak_flops_fp4;
  c.mem_bytes = spec->mem_bytes;
  c.mem_bw_bytes_per_s = spec->mem_bw_bytes_per_s;
  c.failures_per_host_year = spec->failures_per_host_year;
  return c;
}

std::vector<std::string> CatalogSystems() {
  std::vector<std::string> names;
  for (const platform::SystemSpec& s : TheCatalog().systems) names.push_back(s.name);
  return names;
}

}  // namespace fleetsim::training::testing
