// The power model against SimGrid 3.32's host energy plugin, on one small platform run both
// ways: SimGrid executions (thread count = busy accelerators) with the plugin, and our
// PowerAccountant fed the same timeline. Per-host energies must agree to 1e-9 relative.
// Hosts: three-value and two-value wattages, 1-core and 8-core hosts, three pstates, a host
// switched off and on.
#include <simgrid/plugins/energy.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/platform/fleet.h"
#include "sim/platform/loader.h"
#include "sim/power/accountant.h"

namespace sg = simgrid::s4u;

namespace fleetsim::power {
namespace {

constexpr char kPlatform[] = R"(<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1"><zone id="z" routing="Full">
  <host id="three" speed="100f,60f,30f" core="8" pstate="0">
    <prop id="wattage_per_state" value="100:180:900, 90:150:600, 80:120:400"/>
    <prop id="wattage_off" value="7"/></host>
  <host id="two" speed="100f,50f,25f" core="8" pstate="0">
    <prop id="wattage_per_state" value="100:900, 90:500, 80:300"/>
    <prop id="wattage_off" value="5"/></host>
  <host id="single" speed="100f,50f,20f" core="1" pstate="0">
    <prop id="wattage_per_state" value="50:70:200, 40:60:150, 30:50:100"/>
    <prop id="wattage_off" value="3"/></host>
</zone></platform>
)";

// One step of the timeline: from `t0_s` for `dt_s`, host `h` at `pstate` with `busy` cores
// busy (or off).
struct Step {
  int host;
  double t0_s, dt_s;
  int pstate;
  int busy;
  bool off = false;
};

TEST(EnergyCrossTest, AccountantEqualsSimGridPluginPerHost) {
  const std::string path = ::testing::TempDir() + "/energy_cross.xml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(kPlatform, f);
  std::fclose(f);

  // Per host, consecutive steps covering [0, 100).
  const std::vector<std::vector<Step>> plan = {
      {{0, 0, 10, 0, 0}, {0, 10, 20, 0, 3}, {0, 30, 15, 1, 8}, {0, 45, 5, 2, 1},
       {0, 50, 20, 0, 0, true}, {0, 70, 30, 2, 5}},
      {{1, 0, 25, 0, 1}, {1, 25, 25, 1, 7}, {1, 50, 10, 0, 0}, {1, 60, 40, 0, 8}},
      {{2, 0, 30, 0, 1}, {2, 30, 30, 0, 0}, {2, 60, 10, 0, 0, true}, {2, 70, 30, 2, 1}},
  };

  char a0[] = "cross", a1[] = "--log=root.thres:critical", a2[] = "--cfg=contexts/factory:thread";
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer (scripts/sanitize.sh) the actors run on threads, which ASan follows,
  // not on SimGrid's default raw stack switching, which it cannot.
  int argc = 3;
#else
  int argc = 2;
#endif
  char* argv[] = {a0, a1, a2, nullptr};
  sg_host_energy_plugin_init();
  sg::Engine e(&argc, argv);
  e.load_platform(path);
  std::vector<sg::Host*> hosts = {e.host_by_name("three"), e.host_by_name("two"),
                                  e.host_by_name("single")};
  // SimGrid: one driver actor per host on a host of its own (the driver must survive turn_off).
  sg::Host* ctl = e.get_netzone_root()->create_host("ctl", 1.0);
  ctl->set_property("wattage_per_state", "0:0:0");
  ctl->set_property("wattage_off", "0");
  ctl->seal();
  std::vector<double> simgrid_j(hosts.size());
  for (size_t h = 0; h < hosts.size(); ++h) {
    sg::Actor::create("drive", ctl, [&, h] {
      sg::Host* host = hosts[h];
      for (const Step& s : plan[h]) {
        sg::this_actor::sleep_until(s.t0_s);
        if (s.off) {
          host->turn_off();
          sg::this_actor::sleep_until(s.t0_s + s.dt_s);
          host->turn_on();
          continue;
        }
        host->set_pstate(s.pstate);
        if (s.busy > 0) {
          // Work per thread so that it ends exactly at t0 + dt at this pstate's speed.
          auto ex = sg::this_actor::exec_init(host->get_speed() * s.dt_s)
                        ->set_host(host)
                        ->set_thread_count(s.busy);
          ex->start();
          ex->wait();
        }
      }
      sg::this_actor::sleep_until(100);
      simgrid_j[h] = sg_host_get_consumed_energy(host);
    });
  }
  e.run();

  // Ours: the same timeline through the accountant (an idle host is at pstate 0 in fleetsim:
  // the plan above idles at pstate 0 so both sides mean the same thing), on a fleet built by
  // hand from the same wattages and parsed by the loader's ParseWattages.
  platform::Fleet fleet;
  auto pstates = [&](const std::string& w, std::vector<double> speeds) {
    return *platform::ParseWattages(w, speeds);
  };
  auto add = [&](const char* name, int cores, const std::string& w, std::vector<double> sp,
                 double off_w) {
    platform::Cluster c;
    c.name = name;
    c.site = "z";
    c.accelerators_per_host = cores;
    c.pstates = pstates(w, sp);
    c.off_w = off_w;
    platform::Tranche t;
    t.num_hosts = 1;
    c.tranches.push_back(t);
    fleet.clusters.push_back(c);
  };
  add("three", 8, "100:180:900, 90:150:600, 80:120:400", {100, 60, 30}, 7);
  add("two", 8, "100:900, 90:500, 80:300", {100, 50, 25}, 5);
  add("single", 1, "50:70:200, 40:60:150, 30:50:100", {100, 50, 20}, 3);
  fleet.sites.push_back(platform::Site{"z", "", "", 0, 1.0, {0, 1, 2}});
  PowerAccountant acc(fleet, {0, 1, 2});
  for (size_t h = 0; h < plan.size(); ++h) {
    for (const Step& s : plan[h]) {
      const int hi = static_cast<int>(h);
      if (s.off) {
        acc.SetOnline(hi, false, s.t0_s);
        acc.SetOnline(hi, true, s.t0_s + s.dt_s);
        continue;
      }
      if (s.busy > 0) {
        acc.Hold(hi, s.busy, s.pstate, 1.0, s.t0_s);
        acc.Release(hi, s.busy, s.pstate, 1.0, s.t0_s + s.dt_s);
      }
    }
  }
  for (size_t h = 0; h < hosts.size(); ++h) {
    const double ours = acc.HostEnergyJ(static_cast<int>(h), 100);
    EXPECT_NEAR(ours / simgrid_j[h], 1.0, 1e-9)
        << hosts[h]->get_name() << ": ours " << ours << " J, SimGrid " << simgrid_j[h] << " J";
  }
  // Hand check of host "two" (two-value form, epsilon = idle): 1 of 8 busy 25 s at pstate 0
  // (100 + 800/8 = 200 W), 7 of 8 busy 25 s at pstate 1 (90 + 410 x 7/8 W), idle 10 s (100 W),
  // 8 of 8 busy 40 s (900 W).
  EXPECT_NEAR(simgrid_j[1], 200 * 25 + (90 + 410 * 7.0 / 8) * 25 + 100 * 10 + 900 * 40, 1e-6);
}

}  // namespace
}  // namespace fleetsim::power
