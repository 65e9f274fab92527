#include "sim/workload/swf.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sim/core/io.h"
#include <zlib.h>

#include <cstdio>

#include "gtest/gtest.h"

namespace fleetsim::workload {
namespace {

constexpr char kTrace[] =
    "; MaxProcs: 8\n"
    // id submit wait run alloc cpu mem reqproc reqtime ...
    "1 10 -1 100 4 -1 -1 4 50 -1 1 1 1 -1 -1 -1 -1 -1\n"     // run > requested: run lowered
    "2 20 -1 0 4 -1 -1 4 50 -1 1 1 1 -1 -1 -1 -1 -1\n"       // run 0: 1-second job
    "3 30 -1 60.7 4 -1 -1 -1 300 -1 1 1 1 -1 -1 -1 -1 -1\n"  // reqproc -1: allocated; run truncated
    "4 5 -1 60 16 -1 -1 16 300 -1 1 1 1 -1 -1 -1 -1 -1\n";   // capped at MaxProcs, sorted first

TEST(Swf, PredictsimCleaningRules) {
  auto t = ParseSwf(kTrace, "t.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->max_procs, 8);
  const auto& j = t->workload.jobs;
  ASSERT_EQ(j.size(), 4u);
  EXPECT_EQ(j[0].id, 4);  // submit 5 sorts first
  EXPECT_EQ(j[0].accelerators, 8);
  EXPECT_EQ(j[1].id, 1);
  EXPECT_EQ(j[1].estimate_s, 100);  // raised to the recorded run
  EXPECT_EQ(j[1].run_s, 50);        // lowered to the request
  EXPECT_EQ(j[2].id, 2);
  EXPECT_EQ(j[2].run_s, 1);
  EXPECT_EQ(j[2].estimate_s, 1);
  EXPECT_EQ(j[3].id, 3);
  EXPECT_EQ(j[3].accelerators, 4);
  EXPECT_EQ(j[3].run_s, 60);
  EXPECT_EQ(j[3].estimate_s, 300);
}

// One job per line, submit = line number; returns {run_s, estimate_s} in file order.
std::vector<std::pair<double, double>> RunsAndEstimates(const std::string& text,
                                                        const SwfOptions& o = {}) {
  auto t = ParseSwf(text, "r.swf", o);
  EXPECT_TRUE(t.ok()) << t.status();
  std::vector<std::pair<double, double>> out;
  if (t.ok()) {
    for (const auto& j : t->workload.jobs) out.emplace_back(j.run_s, j.estimate_s);
  }
  return out;
}

TEST(Swf, RunPastRequestIsLoweredToTheRequest) {
  constexpr char kOver[] =
      "; MaxProcs: 8\n"
      // id submit wait run alloc cpu mem reqproc reqtime ...
      "1 1 -1 100.9 1 -1 -1 1 50 -1 1 1 1 -1 -1 -1 -1 -1\n"   // truncated 100 > 50: run 50
      "2 2 -1 100.9 1 -1 -1 1 200 -1 1 1 1 -1 -1 -1 -1 -1\n"  // within the request: run 100
      "3 3 -1 50.7 1 -1 -1 1 50 -1 1 1 1 -1 -1 -1 -1 -1\n"    // truncated 50 = request: run 50
      "4 4 -1 3601 1 -1 -1 1 3600 -1 1 1 1 -1 -1 -1 -1 -1\n"  // one second over: run 3600
      "5 5 -1 100 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"     // no request: run kept
      "6 6 -1 100 1 -1 -1 1 0 -1 1 1 1 -1 -1 -1 -1 -1\n"      // request 0: run kept
      "7 7 -1 0.5 1 -1 -1 1 300 -1 1 1 1 -1 -1 -1 -1 -1\n"    // 0 < run < 1: a valid 1 s run
      "8 8 -1 5 1 -1 -1 1 0.5 -1 1 1 1 -1 -1 -1 -1 -1\n";     // request truncates to 0: kept
  using P = std::pair<double, double>;
  EXPECT_EQ(RunsAndEstimates(kOver), (std::vector<P>{{50, 100},
                                                     {100, 200},
                                                     {50, 50},
                                                     {3600, 3601},
                                                     {100, 100},
                                                     {100, 100},
                                                     {1, 300},
                                                     {5, 5}}));
  SwfOptions exact;
  exact.estimates = SwfEstimates::kExact;
  EXPECT_EQ(
      RunsAndEstimates(kOver, exact),
      (std::vector<P>{
          {50, 50}, {100, 100}, {50, 50}, {3600, 3600}, {100, 100}, {100, 100}, {1, 1}, {5, 5}}));
  // Strict cleaning applies the same rule (it only rejects what must be repaired).
  SwfOptions strict;
  strict.cleaning = SwfCleaning::kStrict;
  EXPECT_EQ(RunsAndEstimates(kOver, strict)[0], (P{50, 100}));
}

TEST(Swf, SubSecondRunKeepsItsSubmitTime) {
  // Not a 1-second repair job (those get submit max(submit, 1)): the run field is positive.
  auto t = ParseSwf("1 0 -1 0.5 1 -1 -1 1 300 -1 1 1 1 -1 -1 -1 -1 -1\n", "s.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->workload.jobs[0].submit_s, 0);
  EXPECT_EQ(t->workload.jobs[0].run_s, 1);
  EXPECT_EQ(t->workload.jobs[0].estimate_s, 300);
}

TEST(Swf, ExactEstimates) {
  SwfOptions o;
  o.estimates = SwfEstimates::kExact;
  auto t = ParseSwf(kTrace, "t.swf", o);
  ASSERT_TRUE(t.ok());
  for (const auto& j : t->workload.jobs) EXPECT_EQ(j.estimate_s, j.run_s);
}

TEST(Swf, StrictRejectsWhatPredictsimRepairs) {
  SwfOptions o;
  o.cleaning = SwfCleaning::kStrict;
  auto t = ParseSwf(kTrace, "t.swf", o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "t.swf:3: field 4 (run_time): must be positive (strict cleaning)");
}

TEST(Swf, MalformedLines) {
  auto a = ParseSwf("1 2 3\n", "m.swf", SwfOptions{});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "m.swf:1: expected 18 whitespace-separated fields, got 3");
  auto b = ParseSwf(
      "1 0 -1 5 1 -1 -1 1 5 -1 1 1 1 -1 -1 -1 -1 -1\n1 0 -1 5 1 -1 -1 1 5 -1 1 1 1 -1 -1 -1 -1 -1\n",
      "d.swf", SwfOptions{});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "d.swf:2: field 1 (job_number): duplicate job id 1");
  auto c = LoadSwf("/no/such.swf", SwfOptions{});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/no/such.swf"), std::string::npos);
}

// A valid line with field `field` (1-based) replaced by `value`.
std::string LineWith(int field, const std::string& value) {
  std::vector<std::string> f = {"7",  "10", "-1", "100", "4",  "-1", "-1", "4",  "200",
                                "-1", "1",  "1",  "1",   "-1", "-1", "-1", "-1", "-1"};
  f[field - 1] = value;
  std::string line = "; MaxProcs: 8\n";
  for (const auto& v : f) line += v + " ";
  return line + "\n";
}

TEST(Swf, HugeAndNonFiniteFieldsAreErrors) {
  const char* kNames[] = {"",
                          "job_number",
                          "submit_time",
                          "wait_time",
                          "run_time",
                          "allocated_processors",
                          "average_cpu_time",
                          "used_memory",
                          "requested_processors",
                          "requested_time"};
  for (SwfCleaning cleaning : {SwfCleaning::kPredictsim, SwfCleaning::kStrict}) {
    SwfOptions o;
    o.cleaning = cleaning;
    // Fields that are converted to integers: beyond 2^53 in magnitude is out of range.
    for (int field : {1, 2, 4, 5, 8, 9}) {
      for (const std::string v :
           {"1e30", "-1e30", "1e300", "-9007199254740994", "9223372036854775808", "1e19"}) {
        SCOPED_TRACE(absl::StrCat("field ", field, " = ", v));
        auto t = ParseSwf(LineWith(field, v), "h.swf", o);
        ASSERT_FALSE(t.ok());
        EXPECT_EQ(t.status().message(),
                  absl::StrCat("h.swf:2: field ", field, " (", kNames[field], "): out of range: '",
                               v, "' (magnitude above 2^53)"));
      }
    }
    // Every field: not finite is not a number (1e400 overflows to infinity).
    for (int field = 1; field <= 18; ++field) {
      for (const std::string v :
           {"nan", "-nan", "inf", "-inf", "infinity", "NaN", "1e400", "-1e400"}) {
        SCOPED_TRACE(absl::StrCat("field ", field, " = ", v));
        auto t = ParseSwf(LineWith(field, v), "n.swf", o);
        ASSERT_FALSE(t.ok());
        const std::string prefix = absl::StrCat("n.swf:2: field ", field, " (");
        EXPECT_EQ(t.status().message().substr(0, prefix.size()), prefix);
        EXPECT_TRUE(
            absl::EndsWith(t.status().message(), absl::StrCat("): not a number: '", v, "'")))
            << t.status().message();
      }
    }
  }
  // Fields not used by the cleaning may hold any finite number.
  auto t = ParseSwf(LineWith(10, "1e30"), "u.swf", SwfOptions{});
  EXPECT_TRUE(t.ok()) << t.status();
  // The bound itself is accepted: 2^53 processors are capped at MaxProcs.
  t = ParseSwf(LineWith(5, "9007199254740992"), "b.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->workload.jobs[0].accelerators, 4);  // field 8 (requested) wins
  t = ParseSwf(LineWith(8, "-9007199254740992"), "b.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->workload.jobs[0].accelerators, 4);  // requested <= 0: allocated
  // Tiny values underflow to (nearly) zero and are accepted, as before.
  t = ParseSwf(LineWith(4, "1e-400"), "t.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->workload.jobs[0].run_s, 1);  // run <= 0: a 1-second job
}

TEST(Swf, NumberForms) {
  // Accepted as absl::SimpleAtod accepts them; tabs and runs of blanks separate fields.
  auto t = ParseSwf(
      "+7\t 1.0e1 -1 0100.9 4. -1 -1 .4e1 2E2 -0 1 1 1 -1 -1 -1 -1 -1 \r\n"
      "8 -0 -1 1234567890.000001 4 -1 -1 4 123456789012345 -1 1 1 1 -1 -1 -1 -1 -1",
      "f.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->workload.jobs.size(), 2u);
  const JobSpec& a = t->workload.jobs[1];
  EXPECT_EQ(a.id, 7);
  EXPECT_EQ(a.submit_s, 10);
  EXPECT_EQ(a.run_s, 100);
  EXPECT_EQ(a.estimate_s, 200);
  EXPECT_EQ(a.accelerators, 4);
  const JobSpec& b = t->workload.jobs[0];
  EXPECT_EQ(b.id, 8);
  EXPECT_EQ(b.run_s, 1234567890);
  EXPECT_EQ(b.estimate_s, 123456789012345);
  auto h = ParseSwf(LineWith(5, "0x10"), "f.swf", SwfOptions{});  // hex, as SimpleAtod reads it
  ASSERT_TRUE(h.ok()) << h.status();
  t = ParseSwf(LineWith(8, "0x3"), "f.swf", SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->workload.jobs[0].accelerators, 3);
  for (const std::string v : {"1_0", "+-1", "--1", "-", "+", "1e", "abc", "1,5"}) {
    SCOPED_TRACE(v);
    auto e = ParseSwf(LineWith(5, v), "f.swf", SwfOptions{});
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().message(),
              absl::StrCat("f.swf:2: field 5 (allocated_processors): not a number: '", v, "'"));
  }
  auto e = ParseSwf(LineWith(18, "1 2"), "f.swf", SwfOptions{});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "f.swf:2: expected 18 whitespace-separated fields, got 19");
}

}  // namespace
}  // namespace fleetsim::workload

namespace fleetsim::workload {
namespace {

// A .gz trace is read through zlib (the archive ships traces gzipped); MaxNodes stands in for
// a missing MaxProcs (Lublin's synthetic traces), capping processors as MaxProcs would.
TEST(Swf, GzipAndMaxNodes) {
  const std::string path = ::testing::TempDir() + "/tiny.swf.gz";
  const std::string text =
      "; MaxNodes: 8\n"
      "1 0 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 -1 -1 -1\n"
      "2 5 -1 50 16 -1 -1 16 60 -1 1 1 1 -1 -1 -1 -1 -1\n";
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(f);
  auto t = LoadSwf(path, SwfOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->max_procs, 0);
  EXPECT_EQ(t->max_nodes, 8);
  ASSERT_EQ(t->workload.jobs.size(), 2u);
  EXPECT_EQ(t->workload.jobs[1].accelerators, 8);  // capped at MaxNodes
  EXPECT_EQ(t->file_sha256, "");                   // not asked for
  // The manifest's hash is of the bytes as stored, for a .gz and a plain file alike.
  SwfOptions hashed;
  hashed.hash_file = true;
  auto h = LoadSwf(path, hashed);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->file_sha256, *Sha256File(path));
  EXPECT_NE(h->file_sha256, Sha256Hex(text));
  const std::string plain = ::testing::TempDir() + "/tiny.swf";
  ASSERT_TRUE(WriteFileAtomic(plain, text).ok());
  auto p = LoadSwf(plain, hashed);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->file_sha256, Sha256Hex(text));
  EXPECT_EQ(p->workload.jobs.size(), 2u);
  // A corrupt .gz is an input error naming the file.
  const std::string bad = ::testing::TempDir() + "/bad.swf.gz";
  FILE* b = std::fopen(bad.c_str(), "wb");
  ASSERT_NE(b, nullptr);
  std::fputs("\x1f\x8b\x08garbage", b);
  std::fclose(b);
  auto e = LoadSwf(bad, SwfOptions{});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find(bad), std::string::npos);
}

}  // namespace
}  // namespace fleetsim::workload
