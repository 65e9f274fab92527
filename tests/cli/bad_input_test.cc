// The bad-input catalogue (issue 11, docs: results/README.md "Bad input catalogue"): inputs no
// parser should ever crash or hang on, for every kind of input file, through the fleetsim binary:
// too large (a sparse 3 GiB file, /dev/zero, a gzip bomb), nested without end, binary garbage, a
// directory. Each row: exit status 2, exactly one line on stderr containing the expected
// fragment, nothing on stdout, and no output directory. The per-field errors of each kind are
// tabled where they are tested: tests/cli/cli_test.cc (scenarios), serving_test.cc (serving),
// replay_swf_errors_test.cc (SWF and flags), tests/serve/stream_spec_test.cc (stream specs and
// LLM traces), tests/platform/platform_errors_test.cc (platform XML), tests/platform/ (the
// catalogue), sweep_test.cc (sweep files).
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_util.h"

namespace fleetsim::cli_test {
namespace {
namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A literal's bytes, NULs included.
template <size_t N>
std::string Bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// A sparse file of 3 GiB (no disk blocks): above the 2 GiB input cap (sim/core/io.h).
void Sparse(const std::string& path) {
  Write(path, "");
  fs::resize_file(path, uint64_t{3} << 30);
}

// A gzip file of a few hundred kB that expands to 2 GiB + 64 MiB of zeros: 33 gzip members of
// 64 MiB each (gzread reads concatenated members as one stream).
void GzipBomb(const std::string& path) {
  const std::string one = path + ".member";
  gzFile f = gzopen(one.c_str(), "wb1");
  ASSERT_NE(f, nullptr);
  const std::string zeros(1 << 20, '\0');
  for (int i = 0; i < 64; ++i) ASSERT_EQ(gzwrite(f, zeros.data(), zeros.size()), 1 << 20);
  gzclose(f);
  const std::string member = Slurp(one);
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 33; ++i) out << member;
}

// `depth` nested flow sequences: [[[...]]].
std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

struct Case {
  const char* name;
  // Writes the case's files into `dir` (a fresh directory).
  std::function<void(const std::string& dir)> setup;
  // fleetsim arguments; {d} = the case's directory, {src} = the source tree, {out} = the output
  // directory that must not be created.
  const char* args;
  const char* fragment;  // part of the one stderr line ({d} replaced)
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// A valid scenario on the repo's example platform, with `extra` appended (under workload:).
std::string Scenario(const std::string& platform, const std::string& extra = "") {
  return absl::StrCat("name: bad\nplatform: ", platform,
                      "\nhorizon_s: 600\nscheduler: {policy: easy}\nworkload:\n  jobs:\n"
                      "    - {id: 1, submit_s: 0, run_s: 100, accelerators: 8}\n",
                      extra);
}
const std::string kPlatform = Src("platforms/examples/two-site.xml");
// A stream whose arrivals come from the trace `path` (format azure_csv or mooncake_jsonl), and
// the serving section that serves it.
std::string TraceScenario(const std::string& path, const std::string& format) {
  return Scenario(kPlatform,
                  absl::StrCat("  streams:\n    - name: s\n      model: {name: m, params_total: 8e9,"
                               " bytes_per_param: 2}\n      arrival: {kind: trace, format: ",
                               format, ", path: ", path,
                               "}\nserving:\n  deployments:\n    - {model: m, tp: 1, replicas: 1}\n"));
}

class BadInput : public testing::TestWithParam<Case> {};

TEST_P(BadInput, ExitTwoWithOneLineAndNothingWritten) {
  const Case& c = GetParam();
  const std::string dir = fs::path(Tmp(absl::StrCat("bad_input.", c.name))).lexically_normal();
  fs::create_directories(dir);
  c.setup(dir);
  const auto fill = [&](const std::string& s) {
    return absl::StrReplaceAll(s, {{"{d}", dir}, {"{src}", FLEETSIM_SOURCE_DIR}, {"{out}", dir + "/out"}});
  };
  auto r = Fleetsim(fill(c.args));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(fill(c.fragment)), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(dir + "/out")) << "output directory created";
  fs::remove_all(dir);
}

const Case kCases[] = {
    // Scenario YAML.
    {"scenario_3gib", [](const std::string& d) { Sparse(d + "/s.yaml"); },
     "run {d}/s.yaml --quiet --out {out}", "{d}/s.yaml: larger than 2 GiB: not read as an input"},
    {"scenario_dev_zero", [](const std::string&) {}, "run /dev/zero --quiet --out {out}",
     "/dev/zero: not a regular file or a pipe: not read as an input"},
    {"scenario_directory", [](const std::string& d) { fs::create_directories(d + "/s.yaml"); },
     "run {d}/s.yaml --quiet --out {out}", "{d}/s.yaml: read error: Is a directory"},
    {"scenario_nested",
     [](const std::string& d) { Write(d + "/s.yaml", "name: x\nhorizon_s: " + Nested(100000) + "\n"); },
     "run {d}/s.yaml --quiet --out {out}", "nested too deeply"},
    {"scenario_binary",
     [](const std::string& d) { Write(d + "/s.yaml", Bytes("name: \"\x01\x00\xff\xfe\"\n")); },
     "run {d}/s.yaml --quiet --out {out}", "{d}/s.yaml:1:"},
    {"set_nested", [](const std::string& d) { Write(d + "/s.yaml", Scenario(kPlatform)); },
     "run {d}/s.yaml --quiet --out {out} --set 'horizon_s=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['",
     "nested too deeply"},
    // SWF traces (replay-swf and a scenario's workload.swf).
    {"swf_3gib", [](const std::string& d) { Sparse(d + "/t.swf"); },
     "replay-swf {d}/t.swf --quiet --out {out}", "{d}/t.swf: larger than 2 GiB: not read as an input"},
    {"swf_gzip_bomb", [](const std::string& d) { GzipBomb(d + "/t.swf.gz"); },
     "replay-swf {d}/t.swf.gz --quiet --out {out}",
     "{d}/t.swf.gz: larger than 2 GiB uncompressed: not read as an input"},
    {"swf_truncated_gzip",
     [](const std::string& d) {
       gzFile f = gzopen((d + "/full.gz").c_str(), "wb");
       const std::string text(100000, '1');
       gzwrite(f, text.data(), text.size());
       gzclose(f);
       const std::string gz = Slurp(d + "/full.gz");
       Write(d + "/t.swf.gz", gz.substr(0, gz.size() / 2));
     },
     "replay-swf {d}/t.swf.gz --quiet --out {out}", "{d}/t.swf.gz: not a readable gzip file"},
    {"swf_binary",
     [](const std::string& d) { Write(d + "/t.swf", Bytes("; MaxProcs: 8\n1 \0\xff 3\n")); },
     "replay-swf {d}/t.swf --quiet --out {out}", "{d}/t.swf:2: expected 18 whitespace-separated fields"},
    {"scenario_swf_3gib",
     [](const std::string& d) {
       Sparse(d + "/t.swf");
       Write(d + "/s.yaml", absl::StrCat("name: x\nplatform: ", kPlatform,
                                         "\nscheduler: {policy: easy}\nworkload:\n  swf: {path: ", d, "/t.swf}\n"));
     },
     "run {d}/s.yaml --quiet --out {out}", "{d}/t.swf: larger than 2 GiB: not read as an input"},
    // LLM traces (a stream's arrival: kind trace).
    {"azure_trace_3gib",
     [](const std::string& d) {
       Sparse(d + "/t.csv");
       Write(d + "/s.yaml", TraceScenario(d + "/t.csv", "azure_csv"));
     },
     "run {d}/s.yaml --quiet --out {out}", "{d}/t.csv: larger than 2 GiB: not read as an input"},
    {"azure_trace_binary",
     [](const std::string& d) {
       Write(d + "/t.csv", Bytes("TIMESTAMP,ContextTokens,GeneratedTokens\n\0\xff,1,1\n"));
       Write(d + "/s.yaml", TraceScenario(d + "/t.csv", "azure_csv"));
     },
     "run {d}/s.yaml --quiet --out {out}", "{d}/t.csv:2:1: TIMESTAMP: malformed timestamp"},
    {"mooncake_trace_nested",
     [](const std::string& d) {
       Write(d + "/t.jsonl", "{\"timestamp\": " + Nested(100000) +
                                 ", \"input_length\": 1, \"output_length\": 1}\n");
       Write(d + "/s.yaml", TraceScenario(d + "/t.jsonl", "mooncake_jsonl"));
     },
     "run {d}/s.yaml --quiet --out {out}", "{d}/t.jsonl:1:"},
    // Platform XML.
    {"platform_3gib",
     [](const std::string& d) {
       Sparse(d + "/p.xml");
       Write(d + "/s.yaml", Scenario(d + "/p.xml"));
     },
     "run {d}/s.yaml --quiet --out {out}", "{d}/p.xml: larger than 2 GiB: not read as an input"},
    {"platform_nested",
     [](const std::string& d) {
       std::string x = "<?xml version='1.0'?>\n<platform version=\"4.1\">\n";
       for (int i = 0; i < 100000; ++i) absl::StrAppend(&x, "<zone id=\"z", i, "\" routing=\"Full\">");
       for (int i = 0; i < 100000; ++i) x += "</zone>";
       Write(d + "/p.xml", x + "\n</platform>\n");
       Write(d + "/s.yaml", Scenario(d + "/p.xml"));
     },
     "run {d}/s.yaml --quiet --out {out}", "{d}/p.xml"},
    {"platform_info_binary",
     [](const std::string& d) { Write(d + "/p.xml", Bytes("\0\xff<platform>")); },
     "platform info {d}/p.xml", "{d}/p.xml"},
    // The platform catalogue.
    {"catalogue_nested",
     [](const std::string& d) {
       fs::create_directories(d + "/cat");
       Write(d + "/cat/systems.yaml", "systems: " + Nested(100000) + "\n");
       fs::copy_file(Src("platforms/catalog/sites.yaml"), d + "/cat/sites.yaml");
     },
     "platform build --catalog {d}/cat --out {out}", "nested too deeply"},
    {"catalogue_3gib",
     [](const std::string& d) {
       fs::create_directories(d + "/cat");
       fs::copy_file(Src("platforms/catalog/systems.yaml"), d + "/cat/systems.yaml");
       Sparse(d + "/cat/sites.yaml");
     },
     "platform build --catalog {d}/cat --out {out}",
     "{d}/cat/sites.yaml: larger than 2 GiB: not read as an input"},
    // Sweep files.
    {"sweep_3gib", [](const std::string& d) { Sparse(d + "/w.yaml"); },
     "sweep plan {d}/w.yaml --out {out}", "{d}/w.yaml: larger than 2 GiB: not read as an input"},
    {"sweep_nested",
     [](const std::string& d) { Write(d + "/w.yaml", "scenario: " + Nested(100000) + "\n"); },
     "sweep plan {d}/w.yaml --out {out}", "nested too deeply"},
};

INSTANTIATE_TEST_SUITE_P(All, BadInput, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace fleetsim::cli_test
