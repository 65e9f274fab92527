#include "sim/serve/stream_spec.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/shared_data.h"

namespace fleetsim::serve {
namespace {

const char* kModel = R"(  model: {name: llama, params_total: 70e9, bytes_per_param: 1}
)";

absl::StatusOr<std::vector<StreamSpec>> ParseText(const std::string& text) {
  auto root = ParseYaml(text, "s.yaml");
  if (!root.ok()) return root.status();
  auto m = YamlMap::Make(*root, "s.yaml", "");
  if (!m.ok()) return m.status();
  auto specs = ParseStreamSpecs(m->Child("streams"), "s.yaml", "streams");
  if (!specs.ok()) return specs.status();
  FLEETSIM_RETURN_IF_ERROR(m->Finish());
  return specs;
}

std::string Stream(const std::string& body) {
  return std::string("streams:\n- name: chat\n") + kModel + body;
}

std::string Err(const std::string& text) {
  auto r = ParseText(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : std::string(r.status().message());
}

std::string TmpFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(StreamSpec, ParsesFullPoissonStream) {
  auto r = ParseText(Stream(R"(  arrival: {kind: poisson, rate_per_s: 5}
  prompt_tokens: {kind: lognormal, mu: 6.5, sigma: 0.8, max: 4000}
  output_tokens: {kind: uniform, min: 10, max: 500}
  slo: {ttft_s: 1.5, tpot_s: 0.05}
  priority: 2
  annual_growth: 3
  routing: join_shortest_queue
)"));
  ASSERT_TRUE(r.ok()) << r.status();
  const StreamSpec& s = (*r)[0];
  EXPECT_EQ(s.name, "chat");
  EXPECT_EQ(s.arrival.kind, ArrivalKind::kPoisson);
  EXPECT_EQ(s.arrival.rate_per_s, 5);
  EXPECT_EQ(s.prompt_tokens.kind, TokenDistKind::kLogNormal);
  EXPECT_EQ(s.output_tokens.Mean(), 255);
  EXPECT_EQ(s.slo_ttft_s, 1.5);
  EXPECT_EQ(s.priority, 2);
  EXPECT_EQ(s.annual_growth, 3);
  EXPECT_EQ(s.routing, RoutingKind::kJoinShortestQueue);
  EXPECT_EQ(s.model.params_active, 70e9);  // defaults to total
}

TEST(StreamSpec, DiurnalMmppAndServiceOverride) {
  std::string daily = "[";
  for (int h = 0; h < 24; ++h) daily += (h ? ", " : "") + std::to_string(0.5 + h / 24.0);
  daily += "]";
  auto r = ParseText(std::string("streams:\n- name: a\n") + kModel +
                     "  arrival: {kind: diurnal, rate_per_s: 2, daily_shape: " + daily +
                     "}\n  service: {kind: exponential, mean_s: 0.5}\n- name: b\n" + kModel +
                     "  arrival: {kind: mmpp, rates_per_s: [1, 20], mean_sojourn_s: [60, 5]}\n"
                     "  service: {kind: empirical, values_s: [0.1, 0.2, 0.3]}\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].arrival.weekly_shape.size(), 7u);
  EXPECT_EQ((*r)[0].service.kind, ServiceKind::kExponential);
  EXPECT_EQ((*r)[1].arrival.mmpp_rate_per_s[1], 20);
  EXPECT_NEAR((*r)[1].service.Mean(), 0.2, 1e-12);
}

TEST(StreamSpec, BadType) {
  EXPECT_EQ(Err(Stream("  arrival: {kind: poisson, rate_per_s: fast}\n")),
            "s.yaml:4:40: streams[0].arrival.rate_per_s: must be a number, got 'fast'");
}

TEST(StreamSpec, NegativeRate) {
  EXPECT_EQ(Err(Stream("  arrival: {kind: poisson, rate_per_s: -3}\n")),
            "s.yaml:4:40: streams[0].arrival.rate_per_s: must be >= 1e-12, got -3");
}

TEST(StreamSpec, UnknownKey) {
  EXPECT_EQ(Err(Stream("  arrival: {kind: poisson, rate_per_s: 3}\n  prompt_tokens: {kind: fixed, "
                       "tokens: 10}\n  output_tokens: {kind: fixed, tokens: 10}\n  colour: red\n")),
            "s.yaml:7:3: streams[0].colour: unknown key");
  EXPECT_EQ(Err(Stream("  arrival: {kind: poisson, rate_per_s: 3, burst: 2}\n")),
            "s.yaml:4:43: streams[0].arrival.burst: unknown key");
}

TEST(StreamSpec, UnknownArrivalKind) {
  EXPECT_EQ(Err(Stream("  arrival: {kind: hawkes, rate_per_s: 3}\n")),
            "s.yaml:4:19: streams[0].arrival.kind: unknown value 'hawkes' (expected one of: "
            "poisson, diurnal, mmpp, trace)");
}

TEST(StreamSpec, MissingTokensAndWrongShapeLength) {
  EXPECT_EQ(Err(Stream("  arrival: {kind: poisson, rate_per_s: 3}\n")),
            "s.yaml:2:3: streams[0].prompt_tokens: missing required field (needed unless "
            "`service` is given)");
  EXPECT_EQ(Err(Stream("  arrival: {kind: diurnal, rate_per_s: 3, daily_shape: [1, 2]}\n")),
            "s.yaml:4:56: streams[0].arrival.daily_shape: must have 24 values, got 2");
  EXPECT_EQ(Err(Stream("  arrival: {kind: mmpp, rates_per_s: [0, 0], mean_sojourn_s: [1, 1]}\n")),
            "s.yaml:4:38: streams[0].arrival.rates_per_s: at least one rate must be > 0");
}

TEST(StreamSpec, DuplicateNameAndNotAList) {
  std::string one = "- name: x\n" + std::string(kModel) +
                    "  arrival: {kind: poisson, rate_per_s: 1}\n  service: {kind: "
                    "deterministic, duration_s: 1}\n";
  EXPECT_EQ(Err("streams:\n" + one + one),
            "s.yaml:6:9: streams[1].name: duplicate stream name 'x'");
  EXPECT_EQ(Err("streams: {a: 1}\n"), "s.yaml:1:10: streams: must be a list of streams");
}

TEST(StreamSpec, MissingTraceFile) {
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: azure_csv, path: /nonexistent/t.csv}\n")),
            "s.yaml:4:51: streams[0].arrival.path: cannot load trace '/nonexistent/t.csv': "
            "/nonexistent/t.csv: cannot open: No such file or directory");
}

TEST(StreamSpec, MalformedTraceCsvNamesFileLineAndField) {
  std::string p = TmpFile("bad.csv",
                          "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                          "2023-11-16 18:17:03.9799600,4808,10\n"
                          "2023-11-16 18:17:04.0319600,many,8\n");
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: azure_csv, path: " + p + "}\n")),
            p + ":3:29: ContextTokens: must be a non-negative integer, got 'many'");
  std::string q =
      TmpFile("badts.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-13-16 18:17:03,1,1\n");
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: azure_csv, path: " + q + "}\n")),
            q + ":2:1: TIMESTAMP: malformed timestamp '2023-13-16 18:17:03'");
  std::string h = TmpFile("badhdr.csv", "time,a,b\n");
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: azure_csv, path: " + h + "}\n")),
            h + ":1:1: header: expected 'TIMESTAMP,ContextTokens,GeneratedTokens'");
}

TEST(StreamSpec, MalformedTraceJsonNamesFileLineAndField) {
  std::string p = TmpFile("bad.jsonl",
                          "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5}\n"
                          "{\"timestamp\": 40, \"input_length\": -1, \"output_length\": 5}\n");
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: mooncake_jsonl, path: " + p + "}\n")),
            p + ":2:35: input_length: must be a non-negative number, got '-1'");
  std::string q = TmpFile("bad2.jsonl", "{\"timestamp\": 0, \"input_length\": 10}\n");
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: mooncake_jsonl, path: " + q + "}\n")),
            q + ":1: output_length: missing field");
  std::string r = TmpFile("bad3.jsonl", "timestamp 0\n");
  EXPECT_EQ(Err(Stream("  arrival: {kind: trace, format: mooncake_jsonl, path: " + r + "}\n")),
            r + ":1:1: expected one JSON object per line");
}

TEST(StreamSpec, RealTracesLoad) {
  const std::string dir = std::string(FLEETSIM_SHARED_DIR) + "/data/llm/";
  FLEETSIM_REQUIRE_SHARED("data/llm/AzureLLMInferenceTrace_code.csv",
                          "data/llm/AzureLLMInferenceTrace_conv.csv",
                          "data/llm/mooncake_conversation_trace.jsonl",
                          "data/llm/mooncake_synthetic_trace.jsonl");
  auto az = LoadTrace(dir + "AzureLLMInferenceTrace_code.csv", TraceFormat::kAzureCsv);
  ASSERT_TRUE(az.ok()) << az.status();
  EXPECT_EQ(az->size(), 8819u);
  EXPECT_EQ((*az)[0].time_s, 0);
  EXPECT_EQ((*az)[0].prompt_tokens, 4808);
  EXPECT_GT(az->back().time_s, 3000);  // about an hour
  auto mc = LoadTrace(dir + "mooncake_conversation_trace.jsonl", TraceFormat::kMooncakeJsonl);
  ASSERT_TRUE(mc.ok()) << mc.status();
  EXPECT_EQ(mc->size(), 12031u);
  EXPECT_EQ((*mc)[0].prompt_tokens, 6758);
  // Empirical token distribution and trace arrival through YAML.
  auto r = ParseText(Stream("  arrival: {kind: trace, format: azure_csv, path: " + dir +
                            "AzureLLMInferenceTrace_conv.csv, time_scale: 0.5, limit: 1000}\n"
                            "  output_tokens: {kind: empirical, format: mooncake_jsonl, column: "
                            "output, path: " +
                            dir + "mooncake_synthetic_trace.jsonl}\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].prompt_tokens.kind, TokenDistKind::kFromTrace);
  EXPECT_EQ((*r)[0].output_tokens.values->size(), 3993u);
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

TEST(StreamSpec, ExampleFileLoads) {
  auto specs = LoadStreamFile(std::string(FLEETSIM_SOURCE_DIR) + "/tests/serve/data/streams.yaml");
  ASSERT_TRUE(specs.ok()) << specs.status();
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].routing, RoutingKind::kLeastOutstandingTokens);
  EXPECT_EQ((*specs)[1].arrival.kind, ArrivalKind::kMmpp);
  auto missing = LoadStreamFile("/nonexistent/streams.yaml");
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace fleetsim::serve

namespace fleetsim::serve {
namespace {

TEST(StreamSpec, LatencyTierAndWaferScaleModelFields) {
  auto r = ParseText(
      "streams:\n- name: fast\n  model: {name: m, params_total: 70e9, layers: 80, "
      "speculative_decoding: true}\n  arrival: {kind: poisson, rate_per_s: 1}\n"
      "  prompt_tokens: {kind: fixed, tokens: 10}\n  output_tokens: {kind: fixed, tokens: 10}\n"
      "  tpot_max_s: 0.002\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].model.layers, 80);
  EXPECT_TRUE((*r)[0].model.speculative_decoding);
  EXPECT_EQ((*r)[0].tpot_max_s, 0.002);
  EXPECT_EQ((*r)[0].model.tier_tpot_max_s, 0);  // set by ParseServingPlan
  EXPECT_EQ(Err("streams:\n- name: s\n" + std::string(kModel) +
                "  arrival: {kind: poisson, rate_per_s: 1}\n"
                "  service: {kind: exponential, mean_s: 1}\n  tpot_max_s: 0.01\n"),
            "s.yaml:6:15: streams[0].tpot_max_s: needs the token model (no `service` override)");
}

}  // namespace
}  // namespace fleetsim::serve
