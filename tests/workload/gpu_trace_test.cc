#include "sim/workload/gpu_trace.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/shared_data.h"

namespace fleetsim::workload {
namespace {

using testing_util::SharedDir;

constexpr char kPhillyHeader[] = "timestamp,duration,num_gpus,gpu_time,cluster\n";
constexpr char kPaiHeader[] =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";

GpuTraceOptions Philly() { return GpuTraceOptions{}; }
GpuTraceOptions Pai() {
  GpuTraceOptions o;
  o.format = GpuTraceFormat::kPai2023;
  return o;
}

// Median of a column of the Acme summary (InternLM/AcmeTrace data/cluster_summary.csv) row
// `cluster`: the statistics of the full traces, computed by their publishers.
std::map<std::string, std::string> AcmeRow(const std::string& cluster) {
  std::ifstream in(SharedDir() + "/data/gpu/acme-cluster_summary.csv");
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> keys = absl::StrSplit(header, ',');
  while (std::getline(in, line)) {
    std::vector<std::string> v = absl::StrSplit(line, ',');
    if (v[0] != cluster) continue;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < keys.size() && i < v.size(); ++i) row[keys[i]] = v[i];
    return row;
  }
  return {};
}

TEST(GpuTrace, PhillyTableMatchesPublishedCountsAndPhillyStatistics) {
  FLEETSIM_REQUIRE_SHARED("data/gpu/philly-derived-pollux-philly.csv",
                          "data/gpu/acme-cluster_summary.csv");
  auto t = LoadGpuTrace(SharedDir() + "/data/gpu/philly-derived-pollux-philly.csv", Philly());
  ASSERT_TRUE(t.ok()) << t.status();
  // ../shared/README.md: "a Philly-derived job table (82,247 jobs)".
  ASSERT_EQ(t->workload.jobs.size(), 82247u);
  std::vector<int64_t> gpus;
  for (const auto& j : t->workload.jobs) gpus.push_back(j.accelerators);
  std::sort(gpus.begin(), gpus.end());
  // The Acme summary of the full Philly trace (112,956 GPU jobs): median 1 GPU, at most 128.
  auto acme = AcmeRow("Philly");
  ASSERT_FALSE(acme.empty());
  EXPECT_EQ(gpus[gpus.size() / 2], static_cast<int64_t>(std::stod(acme["med_gpu_num"])));
  EXPECT_EQ(gpus.back(), static_cast<int64_t>(std::stod(acme["max_gpu"])));
  // Arrivals start at 0 (the earliest timestamp, 2017-09-04 10:30:41) and span to 2017-12-22
  // 08:02:11: 108 days 21:31:30.
  EXPECT_EQ(t->workload.jobs.front().submit_s, 0);
  EXPECT_EQ(t->workload.jobs.back().submit_s, 108 * 86400 + 21 * 3600 + 31 * 60 + 30);
  for (size_t i = 1; i < t->workload.jobs.size(); ++i) {
    ASSERT_LE(t->workload.jobs[i - 1].submit_s, t->workload.jobs[i].submit_s);
  }
}

TEST(GpuTrace, Pai2023PodListCountsAddUp) {
  FLEETSIM_REQUIRE_SHARED("data/gpu/alibaba-v2023-openb_pod_list_default.csv");
  auto t = LoadGpuTrace(SharedDir() + "/data/gpu/alibaba-v2023-openb_pod_list_default.csv", Pai());
  ASSERT_TRUE(t.ok()) << t.status();
  // alibaba-v2023-README.md: "8152 tasks submitted to the GPU cluster", num_gpu 0 to 8.
  EXPECT_EQ(t->rows, 8152);
  EXPECT_EQ(t->skipped_cpu + t->skipped_pending + static_cast<int64_t>(t->workload.jobs.size()),
            t->rows);
  EXPECT_GT(t->skipped_cpu, 0);
  EXPECT_GT(t->skipped_pending, 0);
  for (const auto& j : t->workload.jobs) {
    ASSERT_GE(j.accelerators, 1);
    ASSERT_LE(j.accelerators, 8);
    ASSERT_GT(j.run_s, 0);
  }
}

TEST(GpuTrace, ScalingRules) {
  std::string text = std::string(kPhillyHeader) +
                     "2017-10-01 00:00:10,100.0,2,200.0,abc\n"
                     "2017-10-01 00:00:00,50.0,1,50.0,abc\n";
  GpuTraceOptions o = Philly();
  o.accelerator_scale = 8;
  o.arrival_scale = 2;
  o.duration_scale = 3;
  o.estimate_factor = 1.5;
  auto t = ParseGpuTrace(text, "p.csv", o);
  ASSERT_TRUE(t.ok()) << t.status();
  const auto& j = t->workload.jobs;
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].id, 3);  // line 3 arrived first
  EXPECT_EQ(j[0].submit_s, 0);
  EXPECT_EQ(j[1].submit_s, 5);  // 10 s / arrival_scale 2
  EXPECT_EQ(j[1].accelerators, 16);
  EXPECT_EQ(j[1].run_s, 300);
  EXPECT_EQ(j[1].estimate_s, 450);
  EXPECT_EQ(j[1].name, "philly-abc");
}

TEST(GpuTrace, AsWorkConvertsGpuSecondsToFlops) {
  // One hour on one V100 (datasheet 125 TFLOP/s dense FP16 tensor) at 35% MFU, 1B model:
  // 3600 x 125e12 x 0.35 = 1.575e20 FLOPs = 2.625e10 tokens at 6 FLOPs per parameter-token.
  std::string text = std::string(kPaiHeader) +
                     "pod-a,1000,1024,1,1000,V100M32|V100M16,LS,Succeeded,10,3710,110\n"
                     "pod-b,1000,1024,2,1000,,BE,Failed,20,1820,20\n";
  GpuTraceOptions o = Pai();
  o.as_work = true;
  o.source_gpu = "t4";
  auto t = ParseGpuTrace(text, "pai.csv", o);
  ASSERT_TRUE(t.ok()) << t.status();
  const auto& j = t->workload.jobs;
  ASSERT_EQ(j.size(), 2u);
  ASSERT_TRUE(j[0].training != nullptr);
  EXPECT_DOUBLE_EQ(*j[0].training->work.tokens, 3600 * 125e12 * 0.35 / 6e9);
  EXPECT_EQ(j[0].submit_s, 10);  // PAI arrivals are creation times as given
  // pod-b has no gpu_spec: source_gpu T4 (65 TFLOP/s), 1800 s x 2 GPUs.
  EXPECT_DOUBLE_EQ(*j[1].training->work.tokens, 1800 * 2 * 65e12 * 0.35 / 6e9);
  // accelerator_scale 8: 8x the accelerators and 8x the work (same time at source speed).
  o.accelerator_scale = 8;
  auto t8 = ParseGpuTrace(text, "pai.csv", o);
  ASSERT_TRUE(t8.ok()) << t8.status();
  EXPECT_EQ(t8->workload.jobs[1].accelerators, 16);
  EXPECT_DOUBLE_EQ(*t8->workload.jobs[1].training->work.tokens, 8 * 1800 * 2 * 65e12 * 0.35 / 6e9);
}

std::string ErrorOf(const std::string& text, const GpuTraceOptions& o) {
  auto t = ParseGpuTrace(text, "f.csv", o);
  return t.ok() ? "OK" : std::string(t.status().message());
}

TEST(GpuTrace, BadRowsNameFileLineAndField) {
  const std::string h = kPhillyHeader;
  EXPECT_EQ(ErrorOf(h + "2017-10-01 00:00:00,50.0,1,50.0,a\n2017-10-01 00:00:00,5,2,5,a\n", Philly()),
            "f.csv:3: field gpu_time: 5 is not duration x num_gpus = 10");
  EXPECT_EQ(ErrorOf(h + "2017-13-01 00:00:00,5,1,5,a\n", Philly()).substr(0, 25),
            "f.csv:2: field timestamp:");
  EXPECT_EQ(ErrorOf(h + "2017-10-01 25:00:00,5,1,5,a\n", Philly()),
            "f.csv:2: field timestamp: '2017-10-01 25:00:00' has an invalid time of day");
  EXPECT_EQ(ErrorOf(h + "2017-10-01 00:00:00,5,1.5,5,a\n", Philly()),
            "f.csv:2: field num_gpus: 1.5 is not an integer");
  EXPECT_EQ(ErrorOf(h + "2017-10-01 00:00:00,x,1,5,a\n", Philly()),
            "f.csv:2: field duration: 'x' is not a number");
  EXPECT_EQ(ErrorOf(h + "2017-10-01 00:00:00,5,1,5\n", Philly()),
            "f.csv:2: expected 5 comma-separated fields, got 4");
  EXPECT_EQ(ErrorOf(h + "2017-10-01 00:00:00,5,1,5,\n", Philly()), "f.csv:2: field cluster: is empty");
  EXPECT_EQ(ErrorOf("a,b\n", Philly()),
            "f.csv:1: header: expected 'timestamp,duration,num_gpus,gpu_time,cluster', got 'a,b'");
  const std::string p = kPaiHeader;
  EXPECT_EQ(ErrorOf(p + "x,1,1,1,1000,,LS,Done,0,10,0\n", Pai()),
            "f.csv:2: field pod_phase: 'Done' is not Running, Succeeded, Failed or Pending");
  EXPECT_EQ(ErrorOf(p + "x,1,1,1,1000,,LS,Running,0,10,20\n", Pai()),
            "f.csv:2: field deletion_time: is not after scheduled_time");
  EXPECT_EQ(ErrorOf(p + "x,1,1,9,1200,,LS,Running,0,10,0\n", Pai()),
            "f.csv:2: field gpu_milli: 1200 is out of range [0, 1000]");
  GpuTraceOptions w = Pai();
  w.as_work = true;
  EXPECT_EQ(ErrorOf(p + "x,1,1,1,1000,G2,LS,Running,0,10,0\n", w),
            "f.csv:2: field gpu_spec: GPU type 'g2' has no tabulated peak (known: p100, p40, "
            "v100, v100m16, v100m32, t4, a10, a100)");
  EXPECT_EQ(ErrorOf(p + "x,1,1,1,1000,,LS,Running,0,10,0\n", w),
            "f.csv:2: field gpu_spec: no GPU type recorded and gpu_trace.source_gpu not set");
}

}  // namespace
}  // namespace fleetsim::workload
