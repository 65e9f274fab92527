// ReadFleet orders a cluster's tranches in build-out order (online date, then the numeric index
// of the zone id: t2 before t10), whatever the order of the <cluster> elements in the file and of
// the zone ids as text. One in-process SimGrid engine (one per process), so one test.
#include <fstream>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sim/platform/loader.h"

namespace fleetsim::platform {
namespace {

// One <cluster> tranche of logical cluster `cluster` at site `site` with `hosts` hosts.
std::string TrancheXml(const std::string& site, const std::string& cluster, int index, int hosts,
                       const std::string& online) {
  const std::string id = absl::StrCat(site, ".", cluster, ".t", index);
  std::string xml =
      absl::StrCat("    <cluster id=\"", id, "\" prefix=\"", id, "-\" suffix=\"\" radical=\"0-",
                   hosts - 1, "\" speed=\"1f\" core=\"2\" bw=\"1GBps\" lat=\"1us\">\n");
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"wattage_per_state", "100:150:200"},
           {"fleetsim.cluster", absl::StrCat(site, ".", cluster)},
           {"fleetsim.site", site},
           {"fleetsim.vendor", "V"},
           {"fleetsim.system", "sys"}}) {
    absl::StrAppend(&xml, "      <prop id=\"", k, "\" value=\"", v, "\"/>\n");
  }
  if (!online.empty()) {
    absl::StrAppend(&xml, "      <prop id=\"fleetsim.online\" value=\"", online, "\"/>\n");
  }
  absl::StrAppend(&xml, "    </cluster>\n");
  return xml;
}

TEST(TrancheOrder, ByOnlineDateThenNumericIndexNotText) {
  std::string xml =
      "<?xml version='1.0'?>\n"
      "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
      "<platform version=\"4.1\">\n<zone id=\"fleet\" routing=\"Full\">\n"
      "  <zone id=\"s\" routing=\"Full\">\n";
  // Cluster s.num: 12 tranches without dates, written in a scrambled order; tranche i has
  // i + 1 hosts so that every tranche is recognisable by its size. Tranche 11 has 12 hosts
  // (host -10 and -11 sort after -2 too).
  for (int i : {10, 2, 11, 0, 7, 1, 9, 3, 5, 4, 8, 6})
    absl::StrAppend(&xml, TrancheXml("s", "num", i, i + 1, ""));
  // Cluster s.dated: dates decide before indices; equal dates fall back to the index.
  absl::StrAppend(&xml, TrancheXml("s", "dated", 10, 1, "2026-03-01"));
  absl::StrAppend(&xml, TrancheXml("s", "dated", 1, 1, "2026-03-01"));
  absl::StrAppend(&xml, TrancheXml("s", "dated", 3, 1, "2026-01-15"));
  absl::StrAppend(&xml, TrancheXml("s", "dated", 2, 1, "2026-03-01"));
  absl::StrAppend(&xml, TrancheXml("s", "dated", 11, 1, "2026-02-01"));
  absl::StrAppend(&xml, TrancheXml("s", "dated", 0, 1, ""));
  absl::StrAppend(&xml, "  </zone>\n</zone>\n</platform>\n");
  const std::string path = testing::TempDir() + "/tranche_order.xml";
  std::ofstream(path) << xml;

  std::vector<std::string> args = {"tranche_order_test", "--log=root.thres:critical"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  simgrid::s4u::Engine engine(&argc, argv.data());
  ASSERT_TRUE(LoadPlatformFile(engine, path).ok());
  std::vector<std::vector<std::vector<simgrid::s4u::Host*>>> hosts;
  auto fleet = ReadFleet(engine, path, &hosts);
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  ASSERT_EQ(fleet->clusters.size(), 2u);
  ASSERT_EQ(hosts.size(), 2u);

  const Cluster& num = fleet->clusters[fleet->FindCluster("s.num")];
  ASSERT_EQ(num.tranches.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    SCOPED_TRACE(i);
    const Tranche& t = num.tranches[i];
    EXPECT_EQ(t.zone_id, absl::StrCat("s.num.t", i));
    EXPECT_EQ(t.num_hosts, i + 1);
    EXPECT_FALSE(t.online_date.has_value());
    ASSERT_EQ(t.host_names.size(), static_cast<size_t>(i + 1));
    for (int h = 0; h <= i; ++h) EXPECT_EQ(t.host_names[h], absl::StrCat("s.num.t", i, "-", h));
  }
  EXPECT_EQ(num.num_hosts(), 78);

  const int di = fleet->FindCluster("s.dated");
  const Cluster& dated = fleet->clusters[di];
  std::vector<std::string> ids;
  for (const auto& t : dated.tranches) ids.push_back(t.zone_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"s.dated.t0", "s.dated.t3", "s.dated.t11", "s.dated.t1",
                                           "s.dated.t2", "s.dated.t10"}));
  EXPECT_FALSE(dated.tranches[0].online_date.has_value());
  EXPECT_EQ(dated.tranches[1].online_date, "2026-01-15");
  EXPECT_EQ(dated.tranches[5].online_date, "2026-03-01");

  // The SimGrid hosts handed back follow the same order, tranche by tranche and host by host.
  for (int c = 0; c < 2; ++c) {
    const Cluster& cl = fleet->clusters[c];
    ASSERT_EQ(hosts[c].size(), cl.tranches.size());
    for (size_t t = 0; t < cl.tranches.size(); ++t) {
      ASSERT_EQ(hosts[c][t].size(), cl.tranches[t].host_names.size());
      for (size_t h = 0; h < hosts[c][t].size(); ++h) {
        EXPECT_EQ(hosts[c][t][h]->get_name(), cl.tranches[t].host_names[h]);
      }
    }
  }
}

}  // namespace
}  // namespace fleetsim::platform
