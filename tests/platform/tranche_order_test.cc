// ReadFleet orders a cluster's tranches by the number ending their zone id (t2 before t10), so
// the tranche index matches the build-out phase index whatever the count.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/platform/loader.h"

namespace fleetsim::platform {
namespace {

TEST(TrancheOrder, NumericSuffixesSortNaturally) {
  const std::string path = testing::TempDir() + "/twelve_tranches." + std::to_string(::getpid()) + ".xml";
  {
    std::ofstream x(path);
    x << "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
         "<platform version=\"4.1\"><zone id=\"fleet\" routing=\"Full\">"
         "<zone id=\"s\" routing=\"Full\"><prop id=\"fleetsim.kind\" value=\"site\"/>";
    for (int t = 0; t < 12; ++t) {
      x << "<cluster id=\"s.c.t" << t << "\" prefix=\"s.c.t" << t << "-\" suffix=\"\" radical=\"0-"
        << t << "\" speed=\"1Gf\" core=\"8\" bw=\"1Gbps\" lat=\"1us\">"
        << "<prop id=\"wattage_per_state\" value=\"100:110:200\"/>"
        << "<prop id=\"fleetsim.cluster\" value=\"s.c\"/><prop id=\"fleetsim.site\" value=\"s\"/>"
        << "<prop id=\"fleetsim.vendor\" value=\"V\"/><prop id=\"fleetsim.system\" value=\"sys\"/>"
        << "<prop id=\"fleetsim.online\" value=\"2026-" << (t < 9 ? "0" : "") << t + 1 << "-01\"/>"
        << "</cluster>";
    }
    x << "</zone></zone></platform>\n";
  }
  std::vector<std::string> args = {"tranche_order_test", "--log=root.thres:critical"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  simgrid::s4u::Engine engine(&argc, argv.data());
  ASSERT_TRUE(LoadPlatformFile(engine, path).ok());
  auto fleet = ReadFleet(engine, path, nullptr);
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  ASSERT_EQ(fleet->clusters.size(), 1u);
  const auto& tr = fleet->clusters[0].tranches;
  ASSERT_EQ(tr.size(), 12u);
  for (int t = 0; t < 12; ++t) {
    EXPECT_EQ(tr[t].zone_id, "s.c.t" + std::to_string(t));
    EXPECT_EQ(tr[t].num_hosts, t + 1);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace fleetsim::platform
