// `fleetsim replay-swf` usage and input errors: exit status 2, exactly one line on stderr naming
// the flag (or the trace), nothing on stdout, and no output directory created.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"

namespace {
namespace fs = std::filesystem;
using fleetsim::cli_test::Fleetsim;
using fleetsim::cli_test::Tmp;

// Two jobs on 8 processors.
constexpr char kTrace[] =
    "; MaxProcs: 8\n"
    "1 0 -1 10 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
    "2 5 -1 30 8 -1 -1 8 60 -1 1 1 1 -1 -1 -1 -1 -1\n";

struct Case {
  const char* name;
  // Arguments after "replay-swf": {trace} = a valid trace, {out} = the output directory,
  // {nomax} / {empty} / {missing} = a trace without a MaxProcs header / without jobs / absent;
  // {huge} / {nan} = a trace with a field of 1e30 / nan.
  const char* args;
  const char* message;  // the whole stderr line after "fleetsim: " (same placeholders)
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ReplaySwfErrors : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = fs::path(Tmp(absl::StrCat("replay_swf_errors.", GetParam().name))).lexically_normal();
    fs::create_directories(dir_);
    std::ofstream(dir_ + "/t.swf") << kTrace;
    std::ofstream(dir_ + "/nomax.swf") << "1 0 -1 10 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n";
    std::ofstream(dir_ + "/empty.swf") << "; MaxProcs: 8\n";
    std::ofstream(dir_ + "/huge.swf")
        << "; MaxProcs: 8\n1 0 -1 10 1e30 -1 -1 -1 20 -1 1 1 1 -1 -1 -1 -1 -1\n";
    std::ofstream(dir_ + "/nan.swf")
        << "; MaxProcs: 8\n1 0 -1 10 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
           "2 nan -1 10 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n";
  }
  std::string Fill(const std::string& s) const {
    return absl::StrReplaceAll(s, {{"{trace}", dir_ + "/t.swf"},
                                   {"{nomax}", dir_ + "/nomax.swf"},
                                   {"{empty}", dir_ + "/empty.swf"},
                                   {"{missing}", dir_ + "/missing.swf"},
                                   {"{huge}", dir_ + "/huge.swf"},
                                   {"{nan}", dir_ + "/nan.swf"},
                                   {"{out}", dir_ + "/out"}});
  }
  std::string dir_;
};

TEST_P(ReplaySwfErrors, ExitTwoWithOneLineAndNothingWritten) {
  const Case& c = GetParam();
  auto r = Fleetsim(Fill(absl::StrCat("replay-swf ", c.args)));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err, Fill(absl::StrCat("fleetsim: ", c.message, "\n")));
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(dir_ + "/out")) << "output directory created";
}

const Case kCases[] = {
    // The trace argument.
    {"no_trace", "", "replay-swf needs exactly one TRACE.swf (see fleetsim --help)"},
    {"no_trace_with_out", "--out {out}",
     "replay-swf needs exactly one TRACE.swf (see fleetsim --help)"},
    {"two_traces", "{trace} {trace} --out {out}",
     "replay-swf needs exactly one TRACE.swf (see fleetsim --help)"},
    {"extra_argument", "{trace} --out {out} extra",
     "replay-swf needs exactly one TRACE.swf (see fleetsim --help)"},
    // --out.
    {"no_out", "{trace}", "replay-swf needs --out DIR (see fleetsim --help)"},
    {"empty_out", "{trace} --out=", "replay-swf needs --out DIR (see fleetsim --help)"},
    {"out_without_value", "{trace} --quiet --out", "--out needs a value"},
    // --policy and --estimates.
    {"bad_policy", "{trace} --out {out} --policy lifo",
     "--policy: unknown scheduling policy 'lifo' (expected one of: fcfs, easy, fcfs-het, easy-het, ftf) (see fleetsim "
     "--help)"},
    {"bad_estimates", "{trace} --out {out} --estimates oracle",
     "--estimates: expected user or exact, got 'oracle' (see fleetsim --help)"},
    {"estimates_without_value", "{trace} --out {out} --estimates", "--estimates needs a value"},
    // --processors.
    {"processors_zero", "{trace} --out {out} --processors 0",
     "--processors must be >= 1 (see fleetsim --help)"},
    {"processors_negative", "{trace} --out {out} --processors -1",
     "--processors must be >= 1 (see fleetsim --help)"},
    {"processors_negative_eq", "{trace} --out {out} --processors=-5",
     "--processors must be >= 1 (see fleetsim --help)"},
    {"processors_not_a_number", "{trace} --out {out} --processors abc",
     "--processors: Illegal value 'abc' specified for flag 'processors'"},
    {"processors_fraction", "{trace} --out {out} --processors 1.5",
     "--processors: Illegal value '1.5' specified for flag 'processors'"},
    {"processors_too_big", "{trace} --out {out} --processors 99999999999999999999",
     "--processors: Illegal value '99999999999999999999' specified for flag 'processors'"},
    {"processors_without_value", "{trace} --out {out} --processors", "--processors needs a value"},
    // --accelerators-per-host.
    {"per_host_zero", "{trace} --out {out} --accelerators-per-host 0",
     "--accelerators-per-host must be >= 1 (see fleetsim --help)"},
    {"per_host_negative", "{trace} --out {out} --accelerators-per-host -3",
     "--accelerators-per-host must be >= 1 (see fleetsim --help)"},
    {"per_host_not_a_number", "{trace} --out {out} --accelerators-per-host x",
     "--accelerators-per-host: Illegal value 'x' specified for flag 'accelerators_per_host'"},
    {"per_host_not_dividing_maxprocs", "{trace} --out {out} --accelerators-per-host 3",
     "--accelerators-per-host 3 must divide the cluster size 8 (see fleetsim --help)"},
    {"per_host_not_dividing_processors",
     "{trace} --out {out} --processors 6 --accelerators-per-host 4",
     "--accelerators-per-host 4 must divide the cluster size 6 (see fleetsim --help)"},
    {"per_host_huge", "{trace} --out {out} --accelerators-per-host 9223372036854775807",
     "--accelerators-per-host 9223372036854775807 must divide the cluster size 8 (see fleetsim "
     "--help)"},
    // Other options.
    {"unknown_option", "{trace} --out {out} --bogus 1",
     "unknown option '--bogus' (see fleetsim --help)"},
    {"unknown_dashed_option", "{trace} --out {out} --max-procs 1",
     "unknown option '--max-procs' (see fleetsim --help)"},
    {"bad_quiet", "{trace} --out {out} --quiet=maybe",
     "--quiet: Illegal value 'maybe' specified for flag 'quiet'"},
    // The trace itself.
    {"missing_trace", "{missing} --out {out}", "{missing}: cannot open: No such file or directory"},
    {"no_maxprocs_header", "{nomax} --out {out}",
     "{nomax}: no '; MaxProcs:' or '; MaxNodes:' header; give --processors N"},
    {"no_jobs", "{empty} --out {out}", "{empty}: no jobs"},
    {"huge_field", "{huge} --out {out}",
     "{huge}:2: field 5 (allocated_processors): out of range: '1e30' (magnitude above 2^53)"},
    {"nan_field", "{nan} --out {out}", "{nan}:3: field 2 (submit_time): not a number: 'nan'"},
};

INSTANTIATE_TEST_SUITE_P(All, ReplaySwfErrors, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

// The same trace and flags are accepted when valid (each error above is its flag's fault).
TEST(ReplaySwf, ValidFlagsAreAccepted) {
  const std::string dir = Tmp("replay_swf_ok");
  fs::create_directories(dir);
  std::ofstream(dir + "/t.swf") << kTrace;
  std::ofstream(dir + "/nomax.swf") << "1 0 -1 10 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n";
  for (const std::string args :
       {"t.swf --policy fcfs --estimates exact --processors 8 --accelerators-per-host 4",
        "t.swf --processors=16 --accelerators-per-host=8", "nomax.swf --processors 4"}) {
    SCOPED_TRACE(args);
    const std::string out = dir + "/out";
    fs::remove_all(out);
    auto r = Fleetsim("replay-swf " + dir + "/" + args + " --quiet --out " + out);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_TRUE(fs::exists(out + "/jobs.csv"));
  }
}

}  // namespace
