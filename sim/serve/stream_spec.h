// Inference stream specifications and their strict YAML parser.
//
// A stream is a flow of requests for one served model: an arrival process, prompt/output token
// distributions (or a `service` override that bypasses the token model), SLOs, a priority, a
// routing policy and an annual growth factor. Schema with units: sim/serve/README.md.
// Every parse error is one line "file:line:column: field.path: message".
#ifndef FLEETSIM_SIM_SERVE_STREAM_SPEC_H_
#define FLEETSIM_SIM_SERVE_STREAM_SPEC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/core/yaml_reader.h"
#include "sim/serve/trace.h"

namespace fleetsim::serve {

struct ServedModel {
  std::string name;                     // replicas serve a model by this name
  double params_total = 70e9;           // parameters held in HBM
  double params_active = 70e9;          // parameters used per token (MoE: < total)
  double bytes_per_param = 1.0;         // weight precision (FP8 = 1, BF16 = 2, FP4 = 0.5)
  int64_t context_limit_tokens = 4096;  // prompt + output longer than this are dropped
  double kv_bytes_per_token = 163840;   // KV cache per token (Llama-2-70B, FP8 KV: 2*80*8*128*1)
  int layers = 0;  // transformer layers; 0 = estimated from params_total (wafer-scale timing only)
  // Served with speculative decoding (wafer-scale systems only; the GPU model ignores it).
  bool speculative_decoding = false;
  // Latency tier: the strictest `tpot_max_s` of the streams serving this model (0 = none). Set by
  // ParseServingPlan; a replica whose single-user TPOT exceeds it does not fit (ReplicaPerf::fits).
  double tier_tpot_max_s = 0;
};

enum class ArrivalKind { kPoisson, kDiurnal, kMmpp, kTrace };

struct ArrivalSpec {
  ArrivalKind kind = ArrivalKind::kPoisson;
  double rate_per_s = 1.0;  // poisson; diurnal base rate (mean of the shape is the caller's)
  std::vector<double> daily_shape;   // diurnal: 24 hourly multipliers, linear between hours
  std::vector<double> weekly_shape;  // diurnal: 7 daily multipliers (day 0 = t in [0, 86400))
  // mmpp: two states, rate and mean sojourn per state; starts in state 0.
  double mmpp_rate_per_s[2] = {1.0, 1.0};
  double mmpp_sojourn_s[2] = {1.0, 1.0};
  // trace replay
  std::string trace_path;
  TraceFormat trace_format = TraceFormat::kAzureCsv;
  double time_scale = 1.0;      // simulated inter-arrival = trace inter-arrival * time_scale
  double start_offset_s = 0.0;  // skip trace records before this trace time
  int64_t limit = 0;            // max records replayed (0 = all)
  bool loop = false;            // replay again after the last record
  std::shared_ptr<const std::vector<TraceRecord>> trace;  // loaded at parse time
};

enum class TokenDistKind { kFixed, kUniform, kLogNormal, kEmpirical, kFromTrace };

struct TokenDist {
  TokenDistKind kind = TokenDistKind::kFixed;
  double value = 0;          // fixed
  double min = 0, max = 0;   // uniform (integers, inclusive)
  double mu = 0, sigma = 0;  // lognormal parameters of the underlying normal
  double clamp_max = 1e9;    // lognormal results are clamped to [1, clamp_max]
  std::shared_ptr<const std::vector<int32_t>> values;  // empirical samples
  double Mean() const;
};

enum class ServiceKind { kTokens, kExponential, kDeterministic, kEmpirical };

// Bypasses the token model: each replica serves one request at a time for a drawn duration.
struct ServiceOverride {
  ServiceKind kind = ServiceKind::kTokens;
  double mean_s = 0;             // exponential mean, deterministic duration
  std::vector<double> values_s;  // empirical
  double Mean() const;
};

enum class RoutingKind {
  kCentral,  // one FIFO per model pool; an idle replica pulls (M/M/c discipline)
  kRoundRobin,
  kJoinShortestQueue,  // fewest queued + running requests
  kLeastOutstandingTokens,
  kPowerAware,    // most power headroom (supplied by the caller), ties by load
  kVendorSpread,  // least-loaded, but no vendor above vendor_share_cap of the stream
  kSloAware,      // least predicted TTFT
};

struct StreamSpec {
  std::string name;
  ServedModel model;
  ArrivalSpec arrival;
  TokenDist prompt_tokens;
  TokenDist output_tokens;
  ServiceOverride service;
  double slo_ttft_s = 2.0;   // token model: TTFT limit of the SLO
  double slo_tpot_s = 0.2;   // token model: TPOT limit of the SLO
  double slo_sojourn_s = 0;  // service-time streams: sojourn (wait + service) limit; 0 = no SLO
  // Latency tier: per-user speed this stream requires (s per output token, 0 = none). Only
  // systems whose single-user TPOT meets it may serve the stream's model; the outputs report the
  // share of completions with TPOT <= tpot_max_s (`tier_attainment`).
  double tpot_max_s = 0;
  int priority = 0;            // higher is served first from the central queue
  double annual_growth = 1.0;  // arrival rate multiplier per 365 days (compounded)
  RoutingKind routing = RoutingKind::kCentral;
  double vendor_share_cap = 1.0;  // vendor_spread: max share of requests per vendor
  int64_t max_queue = 0;          // per-stream queue cap; arrivals beyond are dropped (0 = none)
};

// Parses one stream from a mapping; calls m.Finish().
absl::StatusOr<StreamSpec> ParseStreamSpec(YamlMap& m);
// Parses a YAML sequence of streams at `path` (e.g. "streams"); names must be unique.
absl::StatusOr<std::vector<StreamSpec>> ParseStreamSpecs(const YAML::Node& list,
                                                         const std::string& file,
                                                         const std::string& path);
// Loads a whole file whose root has key `streams:` (a list) and nothing else.
absl::StatusOr<std::vector<StreamSpec>> LoadStreamFile(const std::string& path);
// The same for the file's text already in memory; `path` names it in messages and anchors
// relative trace paths.
absl::StatusOr<std::vector<StreamSpec>> ParseStreamFileText(const std::string& text,
                                                            const std::string& path);
absl::StatusOr<std::vector<StreamSpec>> ParseStreamDocument(const YAML::Node& root,
                                                            const std::string& path);

std::string RoutingName(RoutingKind k);

}  // namespace fleetsim::serve

#endif  // FLEETSIM_SIM_SERVE_STREAM_SPEC_H_
