// sim/metrics/accounting: energy and cost of a hand-built run, every figure worked out below
// from the definitions in accounting.h (watts x seconds per pstate; facility = IT x PUE;
// electricity = facility MWh x the price in force; capital = accelerator-hours x the rate).
#include "sim/metrics/accounting.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace fleetsim::metrics {
namespace {

constexpr double kJPerMwh = 3.6e9;

platform::Cluster MakeCluster(const std::string& name, const std::string& site,
                              const std::string& system, int per_host, double idle_w, double full_w) {
  platform::Cluster c;
  c.name = name;
  c.site = site;
  c.system = system;
  c.vendor = "V";
  c.provider = "P";
  c.accelerators_per_host = per_host;
  c.pstates = {{100, idle_w, idle_w, full_w}};
  platform::Tranche t;
  t.num_hosts = 1;
  c.tranches.push_back(t);
  return c;
}

// Site A (PUE 1.5, cap 20 kW): cluster a, one host of 8 accelerators (idle 1000 W, full 9000 W).
// Site B (PUE 1.0, uncapped): cluster b, one host of 4 (idle = epsilon 400 W, full 2400 W).
// Job 1 (8 accelerators on a): pstate 0 (9000 W) over [0, 100), then a slower pstate (3000 W)
// over [100, 300). Replica 0 (tp 2 on b, model m) placed over [50, 250), with 60 kJ dynamic
// energy in the serving tick (100, 200]. The run ends at 400 s.
RunResult HandRun() {
  RunResult r;
  r.fleet.sites = {platform::Site{"A", "P", "", 20000, 1.5, {0}},
                   platform::Site{"B", "P", "", 0, 1.0, {1}}};
  r.fleet.clusters = {MakeCluster("a", "A", "h", 8, 1000, 9000),
                      MakeCluster("b", "B", "g", 4, 400, 2400)};
  JobRecord j;
  j.id = 1, j.cluster = 0, j.accelerators = 8, j.start_s = 0, j.end_s = 300;
  j.status = JobStatus::kCompleted;
  j.segments = {{0, 100, 9000}, {100, 300, 3000}};
  j.energy_j = 9000.0 * 100 + 3000.0 * 200;
  r.jobs = {j};
  ReplicaRecord x;
  x.model = "m", x.tp = 2, x.start_s = 50, x.end_s = 250, x.cluster = 1, x.energy_j = 60000;
  r.replicas = {x};
  r.serving_sites = {ServingSiteSample{200, 100, 1, "m", 1, 2, 0, 50, 60000}};
  r.samples = {{0, 0, 8, 8, 0, 9000},   {100, 0, 8, 8, 0, 3000},   {300, 0, 0, 8, 0, 1000},
               {0, 1, 0, 4, 0, 400},    {50, 1, 2, 4, 2, 400},     {100, 1, 2, 4, 2, 1000},
               {200, 1, 2, 4, 2, 400},  {250, 1, 0, 4, 0, 400}};
  SiteSample s0, s1, s2;
  s0.time_s = 0, s0.site = 0, s0.facility_power_w = 13500, s0.power_cap_w = 20000;
  s1 = s0, s1.time_s = 100, s1.facility_power_w = 4500;
  s2 = s0, s2.time_s = 300, s2.facility_power_w = 1500;
  r.site_samples = {s0, s1, s2};
  r.end_time_s = 400;
  return r;
}

// $100/MWh at A until t = 150, then $40; B the default $81; capital $2 per accelerator-hour on
// system h, $3 on g; periods of 200 s.
CostPlan HandPlan() {
  CostPlan p;
  p.electricity = {{"A", 0, 100, ""}, {"A", 150, 40, ""}};
  p.capex = {{"h", 2, ""}, {"g", 3, ""}};
  p.period = PeriodKind::kSeconds;
  p.period_s = 200;
  return p;
}

TEST(Accounting, JobEnergyIsWattsTimesSecondsPerPstate) {
  const Accounting a = Account(HandRun(), HandPlan(), {});
  ASSERT_EQ(a.jobs.size(), 1u);
  EXPECT_DOUBLE_EQ(a.jobs[0].it_energy_j, 9000.0 * 100 + 3000.0 * 200);
  EXPECT_DOUBLE_EQ(a.jobs[0].facility_energy_j, 1.5 * (9000.0 * 100 + 3000.0 * 200));
  EXPECT_DOUBLE_EQ(a.jobs[0].accelerator_s, 8.0 * 300);
}

TEST(Accounting, CostIsEnergyTimesPricePlusAcceleratorHoursTimesCapex) {
  const Accounting a = Account(HandRun(), HandPlan(), {});
  // The price step at 150 s splits the 3000 W stretch [100, 300) into 50 s at $100 and 150 s
  // at $40; facility J = IT J x 1.5.
  const double electricity =
      (9000.0 * 100 * 1.5 * 100 + 3000.0 * 50 * 1.5 * 100 + 3000.0 * 150 * 1.5 * 40) / kJPerMwh;
  const double capex = 8.0 * 300 / 3600 * 2;
  EXPECT_DOUBLE_EQ(a.jobs[0].electricity_usd, electricity);
  EXPECT_DOUBLE_EQ(a.jobs[0].capex_usd, capex);
  EXPECT_DOUBLE_EQ(a.jobs[0].cost_usd(), electricity + capex);
}

TEST(Accounting, PeriodsSplitEnergyAndCostAtTheirBoundaries) {
  const Accounting a = Account(HandRun(), HandPlan(), {});
  ASSERT_EQ(a.periods.size(), 2u);
  EXPECT_EQ(a.periods[0].label, "p0");
  EXPECT_DOUBLE_EQ(a.periods[1].start_s, 200);
  EXPECT_DOUBLE_EQ(a.periods[1].end_s, 400);
  // Training on a: [0, 200) = 9000 x 100 + 3000 x 100; [200, 300) = 3000 x 100.
  EXPECT_DOUBLE_EQ(a.Bin(0, 0, kTraining).it_energy_j, 9000.0 * 100 + 3000.0 * 100);
  EXPECT_DOUBLE_EQ(a.Bin(1, 0, kTraining).it_energy_j, 3000.0 * 100);
  EXPECT_DOUBLE_EQ(a.Bin(0, 0, kTraining).electricity_usd,
                   (9000.0 * 100 * 100 + 3000.0 * 50 * 100 + 3000.0 * 50 * 40) * 1.5 / kJPerMwh);
  EXPECT_DOUBLE_EQ(a.Bin(1, 0, kTraining).electricity_usd, 3000.0 * 100 * 40 * 1.5 / kJPerMwh);
  // Idle on a: the host at 1000 W over [300, 400), its 8 accelerators online and unheld.
  EXPECT_NEAR(a.Bin(0, 0, kIdle).it_energy_j, 0, 1e-6);
  EXPECT_NEAR(a.Bin(1, 0, kIdle).it_energy_j, 1000.0 * 100, 1e-6);
  EXPECT_NEAR(a.Bin(1, 0, kIdle).capex_usd, 8.0 * 100 / 3600 * 2, 1e-12);
  EXPECT_NEAR(a.Bin(1, 0, kIdle).electricity_usd, 1000.0 * 100 * 1.5 * 40 / kJPerMwh, 1e-15);
}

TEST(Accounting, ReplicaIdleShareGoesToItsDeploymentAndTheRestIsIdle) {
  const Accounting a = Account(HandRun(), HandPlan(), {});
  // tp 2 x epsilon 400 W / 4 per host = 200 W over [50, 250).
  ASSERT_EQ(a.replica_idle_energy_j.size(), 1u);
  EXPECT_DOUBLE_EQ(a.replica_idle_energy_j[0], 200.0 * 200);
  // Inference on b: period 0 = 200 W x 150 s + the tick's 60 kJ; period 1 = 200 W x 50 s.
  EXPECT_DOUBLE_EQ(a.Bin(0, 1, kInference).it_energy_j, 200.0 * 150 + 60000);
  EXPECT_DOUBLE_EQ(a.Bin(1, 1, kInference).it_energy_j, 200.0 * 50);
  EXPECT_DOUBLE_EQ(a.Bin(0, 1, kInference).accelerator_s, 2.0 * 150);
  // b drew 400 W for 400 s plus 600 W over the tick: 220 kJ; idle = 220 kJ - 100 kJ.
  const double idle = a.Bin(0, 1, kIdle).it_energy_j + a.Bin(1, 1, kIdle).it_energy_j;
  EXPECT_NEAR(idle, 400.0 * 400 + 600 * 100 - (200.0 * 200 + 60000), 1e-6);
  // B pays the default $81/MWh at PUE 1; capital $3/h on 4 online accelerators for 400 s in all.
  double cost = 0;
  for (int p = 0; p < 2; ++p) {
    for (int c = 0; c < kNumCategories; ++c) cost += a.Bin(p, 1, c).cost_usd();
  }
  EXPECT_NEAR(cost, 220000.0 * 81 / kJPerMwh + 4.0 * 400 / 3600 * 3, 1e-12);
}

TEST(Accounting, StreamsShareTheirModelByTokens) {
  const Accounting a = Account(HandRun(), HandPlan(),
                               {{"s1", "m", true, 3e6, 10}, {"s2", "m", true, 1e6, 10}});
  ASSERT_EQ(a.streams.size(), 2u);
  const double model_j = 200.0 * 200 + 60000;
  EXPECT_DOUBLE_EQ(a.streams[0].share, 0.75);
  EXPECT_DOUBLE_EQ(a.streams[0].tally.it_energy_j, 0.75 * model_j);
  EXPECT_DOUBLE_EQ(a.streams[1].tally.it_energy_j, 0.25 * model_j);
  const double model_usd = model_j * 81 / kJPerMwh + 2.0 * 200 / 3600 * 3;
  EXPECT_NEAR(a.streams[1].tally.cost_usd(), 0.25 * model_usd, 1e-15);
}

TEST(Accounting, StrandedPowerIsCapMinusDrawPerPeriod) {
  const Accounting a = Account(HandRun(), HandPlan(), {});
  // A: cap 20 kW; facility 13.5 kW over [0, 100), 4.5 kW over [100, 300), 1.5 kW to 400.
  EXPECT_DOUBLE_EQ(a.stranded_j[0 * 2 + 0], 6500.0 * 100 + 15500.0 * 100);
  EXPECT_DOUBLE_EQ(a.stranded_j[1 * 2 + 0], 15500.0 * 100 + 18500.0 * 100);
  EXPECT_EQ(a.stranded_j[0 * 2 + 1], 0);  // B is uncapped
}

TEST(Accounting, CalendarQuartersFromTheStartDate) {
  CostPlan p;
  p.period = PeriodKind::kQuarter;
  p.start_date = "2026-11-15";
  RunResult r;
  r.end_time_s = 120 * 86400.0;
  const Accounting a = Account(r, p, {});
  ASSERT_EQ(a.periods.size(), 2u);
  EXPECT_EQ(a.periods[0].label, "2026-Q4");
  EXPECT_DOUBLE_EQ(a.periods[0].end_s, 47 * 86400.0);  // 2027-01-01 is 47 days later
  EXPECT_EQ(a.periods[1].label, "2027-Q1");
  EXPECT_DOUBLE_EQ(a.periods[1].end_s, 120 * 86400.0);
}

TEST(Accounting, DefaultCapexIsAllInCapitalPerFacilityWattOverTheAmortization) {
  CostPlan p;  // $50B per GW, 5 years
  const Accounting a = Account(HandRun(), p, {});
  // a: 9000 W / 8 accelerators x PUE 1.5 = 1687.5 W per accelerator.
  EXPECT_DOUBLE_EQ(a.capex_rate_usd_per_hour[0], 50e9 * 1687.5 / 1e9 / (5 * 365.25 * 24));
}

TEST(Accounting, CheckCostPlanNamesTheEntry) {
  RunResult r = HandRun();
  r.fleet.source_path = "f.xml";
  CostPlan p;
  p.electricity = {{"nowhere", 0, 1, "s.yaml:3:5: cost.electricity[0]"}};
  auto st = CheckCostPlan(p, r.fleet);
  EXPECT_EQ(st.message(), "s.yaml:3:5: cost.electricity[0].site: no site 'nowhere' in f.xml");
  p.electricity.clear();
  p.capex = {{"zz", 1, "s.yaml:7:5: cost.capex[0]"}};
  EXPECT_FALSE(CheckCostPlan(p, r.fleet).ok());
  p.capex = {{"g", 1, ""}};
  EXPECT_TRUE(CheckCostPlan(p, r.fleet).ok());
}

TEST(AccountingCsv, RowsPerPeriodSiteAndCategory) {
  const RunResult r = HandRun();
  const std::vector<std::string> lines =
      absl::StrSplit(AccountingCsv(r, Account(r, HandPlan(), {})), '\n', absl::SkipEmpty());
  // 2 periods x 2 sites x (3 categories + stranded) + header.
  ASSERT_EQ(lines.size(), 17u);
  EXPECT_EQ(lines[0],
            "period,period_start_s,period_end_s,site,provider,category,it_energy_j,"
            "facility_energy_j,accelerator_s,electricity_cost_usd,capex_cost_usd,cost_usd");
  EXPECT_EQ(lines[1].substr(0, 30), "p0,0,200,A,P,training,1200000,");
  EXPECT_EQ(lines[4], "p0,0,200,A,P,stranded,,2200000,,,,");
}

}  // namespace
}  // namespace fleetsim::metrics
