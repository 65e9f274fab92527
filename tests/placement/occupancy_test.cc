// Occupancy (sim/placement/occupancy.h) driven without an engine: first fit, counters, hosts
// going offline and retiring.
#include "sim/placement/occupancy.h"

#include "gtest/gtest.h"

namespace fleetsim::placement {
namespace {

// Cluster 0: 3 hosts of 4 accelerators (hosts 0-2); cluster 1: 2 hosts of 8 (hosts 3-4).
Occupancy Two() { return Occupancy({3, 2}, {4, 8}); }

TEST(Occupancy, FirstFitPacksLowHostsAndCountsExactly) {
  Occupancy o = Two();
  EXPECT_EQ(o.num_hosts(), 5);
  EXPECT_EQ(o.first_host(1), 3);
  EXPECT_EQ(o.free(0), 12);
  Placement a = o.Find(0, 6);
  EXPECT_EQ(a, (Placement{{0, 4}, {1, 2}}));
  o.Hold(a);
  EXPECT_EQ(o.held_in(0), 6);
  EXPECT_EQ(o.free(0), 6);
  // The next gang starts on the partly held host 1.
  EXPECT_EQ(o.Find(0, 3), (Placement{{1, 2}, {2, 1}}));
  // One host with room for all: host 2, not 1 (which has only 2 free).
  EXPECT_EQ(o.Find(0, 3, /*one_host=*/true), (Placement{{2, 3}}));
  EXPECT_TRUE(o.Find(0, 7).empty());  // more than is free
  EXPECT_EQ(o.Find(1, 9), (Placement{{3, 8}, {4, 1}}));
  o.Release(a);
  EXPECT_EQ(o.held_in(0), 0);
  EXPECT_EQ(o.free(0), 12);
}

TEST(Occupancy, RetiringHostsTakeNoWorkAndAreCounted) {
  Occupancy o = Two();
  Placement a = o.Find(0, 2);
  o.Hold(a);  // host 0 holds 2 of 4
  EXPECT_EQ(o.retiring_online(), 0);
  o.SetRetiring(0);
  o.SetRetiring(0);  // twice is once
  o.SetRetiring(1);
  EXPECT_EQ(o.retiring_online(), 2);
  EXPECT_EQ(o.free(0), 4);  // host 2 only
  EXPECT_EQ(o.online(0), 12);
  EXPECT_EQ(o.Find(0, 4), (Placement{{2, 4}}));
  o.SetOnline(1, false);  // host 1 held nothing: offline now
  EXPECT_EQ(o.retiring_online(), 1);
  EXPECT_EQ(o.online(0), 8);
  o.Release(a);
  o.SetOnline(0, false);
  EXPECT_EQ(o.retiring_online(), 0);
  EXPECT_EQ(o.online(0), 4);
  // Back online (a new tranche on the same hosts): available again, not retiring.
  o.SetOnline(0, true);
  EXPECT_FALSE(o.retiring(0));
  EXPECT_EQ(o.retiring_online(), 0);
  EXPECT_EQ(o.free(0), 8);
  // Retiring an offline host does nothing.
  o.SetRetiring(1);
  EXPECT_EQ(o.retiring_online(), 0);
}

}  // namespace
}  // namespace fleetsim::placement
