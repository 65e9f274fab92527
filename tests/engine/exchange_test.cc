// Runs larger than a cluster (sim/engine/exchange.h): the gradient exchange timed by SimGrid
// against the hand calculation of a ring all-reduce, a spanning run end to end, and concurrent
// spanning runs sharing one WAN link (each gets its max-min share of it).
//
// The hand calculation (the ring all-reduce cost of Patarasuk & Yuan 2009, "Bandwidth optimal
// all-reduce algorithms for clusters of workstations", and Thakur et al. 2005, "Optimization of
// collective communication operations in MPICH"): k parts, S bytes, each of the 2(k-1) steps
// moves S/k bytes over every ring hop at once, so
//     T = 2 (k - 1) (L + S / (k B))
// with L the latency of the slowest hop's route and B the bandwidth of its bottleneck, when no
// two flows of a step share a link direction (true of tests/data/valid/span-three-site.xml:
// full-duplex links, one uplink per cluster, one WAN link per site pair). With r parallel rings
// each flow carries S/(k r) on a 1/r share of the bottleneck: the same T.
#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "sim/engine/engine.h"
#include "tests/cli/cli_util.h"

namespace fleetsim::engine {
namespace {

// The test platform's links (tests/data/valid/span-three-site.xml), bytes/s and seconds.
constexpr double kHostLat = 1e-6, kUplinkLat = 2e-6, kUplinkB = 100e9 / 8, kWanB = 10e9 / 8;
constexpr double kWanLatAB = 5e-3, kWanLatBC = 7e-3, kWanLatAC = 9e-3;

double HandRing(int k, double latency_s, double bandwidth_b_per_s, double bytes) {
  return 2.0 * (k - 1) * (latency_s + bytes / (k * bandwidth_b_per_s));
}
// Route latency between hosts of two clusters: two host links, two uplinks, the WAN if any.
double RouteLat(double wan_s) { return 2 * kHostLat + 2 * kUplinkLat + wan_s; }

std::string Platform() {
  return std::string(FLEETSIM_SOURCE_DIR) + "/tests/data/valid/span-three-site.xml";
}

TEST(Exchange, SimGridRingEqualsHandCalculation) {
  const double s = 1e10;  // bytes
  auto t = TimeExchanges(Platform(), {
                                         {{"a.x", "a.y"}, 2, s},         // one site: uplinks
                                         {{"a.x", "b.x"}, 2, s},         // two sites: WAN a-b
                                         {{"a.x", "b.x"}, 1, s},         // the same, one ring
                                         {{"a.x", "b.x", "c.x"}, 1, s},  // three sites
                                         {{"a.x", "b.x", "c.x"}, 2, 2 * s},
                                     });
  ASSERT_TRUE(t.ok()) << t.status();
  const double expect[] = {
      HandRing(2, RouteLat(0), kUplinkB, s),
      HandRing(2, RouteLat(kWanLatAB), kWanB, s),
      HandRing(2, RouteLat(kWanLatAB), kWanB, s),
      // Ring a -> b -> c -> a: every step waits for its slowest hop, c -> a over WAN a-c.
      HandRing(3, RouteLat(kWanLatAC), kWanB, s),
      HandRing(3, RouteLat(kWanLatAC), kWanB, 2 * s),
  };
  for (size_t i = 0; i < std::size(expect); ++i) {
    EXPECT_NEAR((*t)[i].exchange_s, expect[i], 1e-9 * expect[i]) << "case " << i;
    std::printf("case %zu: SimGrid %.9f s, hand %.9f s, wall %.3f ms\n", i, (*t)[i].exchange_s,
                expect[i], 1e3 * (*t)[i].wall_s);
  }
  (void)kWanLatBC;
}

TEST(Exchange, UnroutedClustersAreRefused) {
  auto t = TimeExchanges(std::string(FLEETSIM_SOURCE_DIR) + "/platforms/examples/two-site.xml",
                         {{{"azure-example.h100", "oci-example.gb200"}, 1, 1e9}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("no route between azure-example.h100"),
            std::string::npos)
      << t.status();
}

// A spanning run end to end: each spanning job runs for exactly its twin's time on one cluster
// times the slowdown 1 + exchange x steps / twin's run time, and the exchange is the hand ring.
TEST(Exchange, SpanningRunIsStretchedByTheTimedExchange) {
  const std::string dir = cli_test::Tmp("span_e2e");
  std::filesystem::create_directories(dir);
  const std::string yaml = dir + "/span.yaml";
  const std::string job =
      "model: {params: 8e9, precision: bf16}, "
      "work: {steps: 100, global_batch: 512, seq_len: 4096}";
  std::ofstream(yaml) << "platform: " << Platform() << "\n"
                      << "scheduler: {policy: easy}\n"
                      << "workload:\n  jobs:\n"
                      // twins on one cluster (site c has 32 accelerators)
                      << "    - {id: 1, submit_s: 0, accelerators: 32, sites: [c], " << job << "}\n"
                      << "    - {id: 2, submit_s: 0, accelerators: 28, sites: [c], " << job
                      << "}\n"
                      // a.x + a.y (16 + 16): over site a's uplinks
                      << "    - {id: 3, submit_s: 0, accelerators: 32, sites: [a], span: clusters, "
                      << job
                      << "}\n"
                      // b.x 24 (most free first) + a.x 4: over the WAN a-b
                      << "    - {id: 4, submit_s: 0, accelerators: 28, sites: [a, b], span: sites, "
                      << job << "}\n";
  auto r = cli_test::Fleetsim("run " + yaml + " --quiet --out " + dir + "/out");
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : cli_test::ReadCsv(dir + "/out/jobs.csv")) by_id[row["job_id"]] = row;
  auto num = [&](const char* id, const char* col) { return std::stod(by_id[id][col]); };
  const double bytes = 2 * 8e9, steps = 100;
  struct Case {
    const char* id;
    const char* twin;
    double exchange_s;
    const char* cluster;
  } cases[] = {
      {"3", "1", HandRing(2, RouteLat(0), kUplinkB, bytes), "a.x"},
      {"4", "2", HandRing(2, RouteLat(kWanLatAB), kWanB, bytes), "b.x"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(by_id[c.twin]["span_clusters"], "1");
    EXPECT_EQ(num(c.twin, "exchange_slowdown"), 1.0);
    EXPECT_EQ(by_id[c.id]["span_clusters"], "2") << c.id;
    EXPECT_EQ(by_id[c.id]["cluster"], c.cluster) << c.id;
    EXPECT_EQ(by_id[c.id]["status"], "completed") << c.id;
    EXPECT_NEAR(num(c.id, "step_exchange_s"), c.exchange_s, 1e-9 * c.exchange_s) << c.id;
    const double twin_run = num(c.twin, "run_s");
    const double slowdown = 1 + num(c.id, "step_exchange_s") * steps / twin_run;
    EXPECT_NEAR(num(c.id, "exchange_slowdown"), slowdown, 1e-12 * slowdown) << c.id;
    EXPECT_NEAR(num(c.id, "run_s"), twin_run * slowdown, 1e-9 * twin_run) << c.id;
    EXPECT_NEAR(num(c.id, "end_s") - num(c.id, "start_s"), num(c.id, "run_s"),
                1e-9 * num(c.id, "run_s"))
        << c.id;
    std::printf("job %s: exchange %.6f s per step, slowdown %.6f (twin %.3f s, span %.3f s)\n",
                c.id, num(c.id, "step_exchange_s"), num(c.id, "exchange_slowdown"), twin_run,
                num(c.id, "run_s"));
  }
}

// Concurrent exchanges over one WAN link (tests/data/valid/span-shared-wan.xml): two rings
// p.h100 <-> q.h100 and p.h200 <-> q.h200 started together each have 1 flow per direction on
// wan.p.q, so max-min sharing gives each B/2: T = 2 (L + S / (2 (B/2))) = 2 (L + S / B), twice
// the bandwidth term of one ring alone, the latency term unchanged.
constexpr double kSharedWanB = 10e9 / 8, kSharedWanLat = 5e-3;
std::string SharedWanPlatform() {
  return std::string(FLEETSIM_SOURCE_DIR) + "/tests/data/valid/span-shared-wan.xml";
}

TEST(Exchange, ConcurrentRingsShareTheWanLink) {
  const double s = 1.6e10;
  auto t = TimeExchanges(SharedWanPlatform(),
                         {{{"p.h100", "q.h100"}, 1, s}, {{"p.h200", "q.h200"}, 1, s}},
                         /*together=*/true);
  ASSERT_TRUE(t.ok()) << t.status();
  const double lat = RouteLat(kSharedWanLat);
  const double alone = HandRing(2, lat, kSharedWanB, s);
  const double shared = HandRing(2, lat, kSharedWanB / 2, s);
  EXPECT_NEAR(shared, 2 * (lat + s / kSharedWanB), 1e-12 * shared);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR((*t)[i].exchange_s, shared, 1e-9 * shared) << i;
    std::printf("ring %d with the other: SimGrid %.9f s, hand %.9f s (alone %.9f s)\n", i,
                (*t)[i].exchange_s, shared, alone);
  }
}

// Two spanning runs sharing wan.p.q end to end, against the hand calculation. Both start at 0:
// X (H100, 100 steps) on p.h100 + q.h100, Y (H200, 50 steps) on p.h200 + q.h200; R_X, R_Y are
// their single-cluster twins' run times on site r. While both run, each step's exchange is the
// shared T2 = 2 (L + S/B); once Y ends, X's is T1 = 2 (L + S/(2B)), alone. So
//   Y ends at  t_Y = R_Y (1 + 50 T2 / R_Y) = R_Y + 50 T2
//   X has done f = t_Y / (R_X + 100 T2) of its work by then, and ends at
//              t_X = t_Y + (1 - f) R_X (1 + 100 T1 / R_X) = t_Y + (1 - f) (R_X + 100 T1)
// and reports exchange_slowdown = t_X / R_X, step_exchange_s = (t_X - R_X) / 100 (its mean).
TEST(Exchange, ConcurrentSpanningRunsShareTheWanLink) {
  const std::string dir = cli_test::Tmp("span_shared_wan");
  std::filesystem::create_directories(dir);
  const std::string yaml = dir + "/span.yaml";
  const std::string model = "model: {params: 8e9, precision: bf16}, ";
  auto work = [](int steps) {
    return "work: {steps: " + std::to_string(steps) + ", global_batch: 512, seq_len: 4096}";
  };
  std::ofstream(yaml) << "platform: " << SharedWanPlatform() << "\n"
                      << "scheduler: {policy: easy}\n"
                      << "workload:\n  jobs:\n"
                      << "    - {id: 1, submit_s: 0, accelerators: 24, sites: [r], "
                      << "systems: [hgx_h100], " << model << work(100) << "}\n"
                      << "    - {id: 2, submit_s: 0, accelerators: 24, sites: [r], "
                      << "systems: [hgx_h200], " << model << work(50) << "}\n"
                      << "    - {id: 3, submit_s: 0, accelerators: 24, sites: [p, q], "
                      << "systems: [hgx_h100], span: sites, " << model << work(100) << "}\n"
                      << "    - {id: 4, submit_s: 0, accelerators: 24, sites: [p, q], "
                      << "systems: [hgx_h200], span: sites, " << model << work(50) << "}\n";
  auto r = cli_test::Fleetsim("run " + yaml + " --quiet --out " + dir + "/out");
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : cli_test::ReadCsv(dir + "/out/jobs.csv")) by_id[row["job_id"]] = row;
  auto num = [&](const char* id, const char* col) { return std::stod(by_id[id][col]); };
  for (const char* id : {"3", "4"}) {
    ASSERT_EQ(by_id[id]["status"], "completed") << id;
    EXPECT_EQ(by_id[id]["span_clusters"], "2") << id;
    EXPECT_EQ(num(id, "start_s"), 0.0) << id;
  }
  const double bytes = 2 * 8e9, lat = RouteLat(kSharedWanLat);
  const double t1 = HandRing(2, lat, kSharedWanB, bytes);
  const double t2 = HandRing(2, lat, kSharedWanB / 2, bytes);
  const double r_x = num("1", "run_s"), r_y = num("2", "run_s");
  const double t_y = r_y + 50 * t2;
  const double f = t_y / (r_x + 100 * t2);
  ASSERT_LT(f, 1.0);  // X is still running when Y ends
  const double t_x = t_y + (1 - f) * (r_x + 100 * t1);
  struct Row {
    const char* id;
    double end_s, slowdown, step_exchange_s;
  } rows[] = {
      {"4", t_y, t_y / r_y, t2},
      {"3", t_x, t_x / r_x, (t_x - r_x) / 100},
  };
  for (const auto& w : rows) {
    EXPECT_NEAR(num(w.id, "end_s"), w.end_s, 1e-9 * w.end_s) << w.id;
    EXPECT_NEAR(num(w.id, "run_s"), w.end_s, 1e-9 * w.end_s) << w.id;
    EXPECT_NEAR(num(w.id, "exchange_slowdown"), w.slowdown, 1e-9 * w.slowdown) << w.id;
    EXPECT_NEAR(num(w.id, "step_exchange_s"), w.step_exchange_s, 1e-9 * w.step_exchange_s) << w.id;
    std::printf(
        "job %s: end %.6f s (hand %.6f), slowdown %.6f (hand %.6f), mean exchange "
        "%.6f s per step (hand %.6f)\n",
        w.id, num(w.id, "end_s"), w.end_s, num(w.id, "exchange_slowdown"), w.slowdown,
        num(w.id, "step_exchange_s"), w.step_exchange_s);
  }
  // Without the other run X would have ended at R_X + 100 T1: sharing cost it this much.
  std::printf("X alone would end at %.6f s; sharing the WAN with Y: %.6f s (T1 %.6f, T2 %.6f)\n",
              r_x + 100 * t1, t_x, t1, t2);
  EXPECT_GT(t_x, r_x + 100 * t1);
}

// A spanning run under a site cap (power/cap_policy.h: each part counts in its own site's cap
// domain). Job 4 of the test above starts over b.x (24 accelerators) and a.x (4); at 10 s site b's
// cap drops to 20 kW, above its idle floor (3 hosts x 2500 W x PUE 1.2 = 9 kW) but below the
// floor plus the run's part there. The run is shed at once (before, it counted only at its first
// part's site and b stayed over its cap); b's committed power never exceeds its cap. A cap on an
// unknown cluster is an input error naming file, line, column and field.
TEST(Exchange, SpanningRunCountsAtEverySiteItSpansUnderCaps) {
  const std::string dir = cli_test::Tmp("span_caps");
  std::filesystem::create_directories(dir);
  const std::string job =
      "model: {params: 8e9, precision: bf16}, "
      "work: {steps: 100, global_batch: 512, seq_len: 4096}";
  auto write = [&](const std::string& path, const std::string& cap_step,
                   const std::string& last = "{site: b, at_s: 1000000, uncapped: true}") {
    std::ofstream(path) << "platform: " << Platform() << "\n"
                        << "scheduler: {policy: easy}\n"
                        << "workload:\n  jobs:\n"
                        << "    - {id: 4, submit_s: 0, accelerators: 28, sites: [a, b], "
                        << "span: sites, " << job << "}\n"
                        << "power:\n  levers: [admission, shed]\n  caps:\n"
                        << "    - " << cap_step << "\n"
                        << "    - " << last << "\n";
  };
  write(dir + "/span.yaml", "{site: b, at_s: 10, cap_mw: 0.02}");
  auto r = cli_test::Fleetsim("run " + dir + "/span.yaml --quiet --out " + dir + "/out");
  ASSERT_EQ(r.status, 0) << r.err;
  auto jobs = cli_test::ReadCsv(dir + "/out/jobs.csv");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["preemptions"], "1");
  EXPECT_EQ(jobs[0]["status"], "completed");
  int capped_rows = 0;
  bool ran_at_b = false;
  for (auto& row : cli_test::ReadCsv(dir + "/out/power.csv")) {
    if (row["site"] != "b") continue;
    if (std::stod(row["time_s"]) < 10 && row["jobs_running"] == "1") ran_at_b = true;
    if (row["power_cap_w"].empty()) continue;
    ++capped_rows;
    EXPECT_LE(std::stod(row["committed_power_w"]), 20000 * (1 + 1e-9)) << row["time_s"];
  }
  EXPECT_TRUE(ran_at_b) << "the run's part at b counts at b";
  EXPECT_GT(capped_rows, 0);
  const std::string summary = cli_test::Slurp(dir + "/out/summary.json");
  const size_t b = summary.find("\"site\": \"b\"", summary.find("\"sites\": ["));
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(cli_test::JsonNumber(summary.substr(b), "shed_jobs"), 1);
  EXPECT_EQ(cli_test::JsonNumber(summary.substr(b), "min_power_cap_w"), 20000);

  // The same with a fleet-wide cap of 50 kW from 10 s (the fleet's idle floor: 11 hosts x
  // 2500 W x 1.2 = 33 kW): the run is shed for the fleet's cap, counted in its own domain.
  write(dir + "/fleet.yaml", "{fleet: true, at_s: 10, cap_mw: 0.05}",
        "{fleet: true, at_s: 1000000, uncapped: true}");
  r = cli_test::Fleetsim("run " + dir + "/fleet.yaml --quiet --out " + dir + "/fleet");
  ASSERT_EQ(r.status, 0) << r.err;
  jobs = cli_test::ReadCsv(dir + "/fleet/jobs.csv");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["preemptions"], "1");
  EXPECT_EQ(jobs[0]["status"], "completed");
  int fleet_rows = 0;
  for (auto& row : cli_test::ReadCsv(dir + "/fleet/power_domains.csv")) {
    EXPECT_EQ(row["domain"], "fleet");
    EXPECT_EQ(row["scope"], "fleet");
    if (row["power_cap_w"].empty()) continue;
    ++fleet_rows;
    EXPECT_LE(std::stod(row["committed_power_w"]), 50000 * (1 + 1e-9)) << row["time_s"];
  }
  EXPECT_GT(fleet_rows, 0);
  const std::string fs = cli_test::Slurp(dir + "/fleet/summary.json");
  const size_t fd = fs.find("\"domain\": \"fleet\"", fs.find("\"power_domains\": ["));
  ASSERT_NE(fd, std::string::npos) << fs;
  EXPECT_EQ(cli_test::JsonNumber(fs.substr(fd), "shed_jobs"), 1);
  EXPECT_EQ(cli_test::JsonNumber(fs.substr(fd), "min_power_cap_w"), 50000);

  write(dir + "/bad.yaml", "{cluster: nope, at_s: 10, cap_mw: 0.02}");
  auto e = cli_test::Fleetsim("run " + dir + "/bad.yaml --quiet --out " + dir + "/bad");
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("bad.yaml:9:7: power.caps[0].cluster: no cluster 'nope'"),
            std::string::npos)
      << e.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad"));
}

// The example's figures (workloads/examples/span-fairwater.yaml): 405B over the Fairwater WAN of
// the 1% fleet (rule W: 100 Tbit/s x 0.01, 6.6 ms; GB200 uplinks of rule U, 2 us; host links
// 1 us), 810 GB of gradients, 1e11 / 16M = 6,250 steps.
TEST(Exchange, FairwaterExampleFigures) {
  const std::string out = cli_test::Tmp("span_fairwater");
  auto r = cli_test::Fleetsim("run " + cli_test::Src("workloads/examples/span-fairwater.yaml") +
                              " --quiet --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : cli_test::ReadCsv(out + "/jobs.csv")) by_id[row["job_id"]] = row;
  const double wan_b = 100e12 / 8 * 0.01, lat = 2 * kHostLat + 2 * kUplinkLat + 6.6e-3;
  const double hand = HandRing(2, lat, wan_b, 2 * 405e9);
  EXPECT_NEAR(std::stod(by_id["2"]["step_exchange_s"]), hand, 1e-9 * hand);
  EXPECT_NEAR(hand, 6.49, 0.005);  // as the example's comment says
  const double one_site = std::stod(by_id["1"]["run_s"]);
  const double slowdown = 1 + hand * (1e11 / 16e6) / one_site;
  EXPECT_NEAR(std::stod(by_id["2"]["exchange_slowdown"]), slowdown, 1e-6);
  EXPECT_NEAR(slowdown, 1.44, 0.005);
  EXPECT_NEAR(one_site / 3600, 25.4, 0.05);
  EXPECT_NEAR(std::stod(by_id["2"]["run_s"]) / 3600, 36.6, 0.05);
  EXPECT_EQ(by_id["2"]["cluster"], "fairwater-wi.gb200");
  EXPECT_EQ(by_id["2"]["span_clusters"], "2");
}

}  // namespace
}  // namespace fleetsim::engine
