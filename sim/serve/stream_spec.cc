#include "sim/serve/stream_spec.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "sim/core/io.h"
#include "sim/core/portable_math.h"

namespace fleetsim::serve {
namespace {

constexpr double kBig = 1e18;

std::string Resolve(const std::string& yaml_file, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  size_t slash = yaml_file.rfind('/');
  if (slash == std::string::npos) return p;
  return yaml_file.substr(0, slash + 1) + p;
}

absl::StatusOr<std::vector<double>> DoubleList(YamlMap& m, const std::string& key, size_t n,
                                               double min, double max) {
  YAML::Node l = m.Child(key);
  if (!l.IsDefined() || l.IsNull()) return m.ErrorAt(key, "missing required field");
  if (!l.IsSequence()) return InputError(PosOf(l, m.file()), m.FieldPath(key), "must be a list");
  if (n > 0 && l.size() != n) {
    return InputError(PosOf(l, m.file()), m.FieldPath(key),
                      absl::StrCat("must have ", n, " values, got ", l.size()));
  }
  if (l.size() == 0) return InputError(PosOf(l, m.file()), m.FieldPath(key), "must not be empty");
  std::vector<double> out;
  for (size_t i = 0; i < l.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(
        double v,
        YamlDouble(l[i], m.file(), absl::StrCat(m.FieldPath(key), "[", i, "]"), min, max));
    out.push_back(v);
  }
  return out;
}

absl::StatusOr<TraceFormat> ParseFormat(YamlMap& m, const std::string& key) {
  FLEETSIM_ASSIGN_OR_RETURN(std::string f, m.Enum(key, {"azure_csv", "mooncake_jsonl"}, ""));
  return f == "azure_csv" ? TraceFormat::kAzureCsv : TraceFormat::kMooncakeJsonl;
}

absl::StatusOr<std::shared_ptr<const std::vector<TraceRecord>>> LoadTraceAt(YamlMap& m,
                                                                            const std::string& key,
                                                                            TraceFormat fmt,
                                                                            std::string* resolved) {
  FLEETSIM_ASSIGN_OR_RETURN(std::string p, m.String(key));
  *resolved = Resolve(m.file(), p);
  // Missing file: the error points at the YAML field. Malformed content: the trace's file:line.
  auto text = ReadFile(*resolved);
  if (!text.ok()) {
    return m.ErrorAt(
        key, absl::StrCat("cannot load trace '", *resolved, "': ", text.status().message()));
  }
  auto recs = ParseTrace(*text, fmt, *resolved);
  if (!recs.ok()) return recs.status();
  return std::make_shared<const std::vector<TraceRecord>>(std::move(*recs));
}

absl::StatusOr<ServedModel> ParseModel(YamlMap m) {
  ServedModel s;
  FLEETSIM_ASSIGN_OR_RETURN(s.name, m.String("name"));
  FLEETSIM_ASSIGN_OR_RETURN(s.params_total, m.Double("params_total", 1e6, 1e15));
  FLEETSIM_ASSIGN_OR_RETURN(s.params_active,
                            m.Double("params_active", 1e6, s.params_total, s.params_total));
  FLEETSIM_ASSIGN_OR_RETURN(s.bytes_per_param, m.Double("bytes_per_param", 0.125, 8, 1.0));
  FLEETSIM_ASSIGN_OR_RETURN(s.context_limit_tokens,
                            m.Int("context_limit_tokens", 1, 100000000, 4096));
  FLEETSIM_ASSIGN_OR_RETURN(s.kv_bytes_per_token, m.Double("kv_bytes_per_token", 0, 1e9, 163840));
  FLEETSIM_ASSIGN_OR_RETURN(int64_t layers, m.Int("layers", 0, 100000, 0));
  s.layers = static_cast<int>(layers);
  FLEETSIM_ASSIGN_OR_RETURN(s.speculative_decoding, m.Bool("speculative_decoding", false));
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return s;
}

absl::StatusOr<ArrivalSpec> ParseArrival(YamlMap m) {
  ArrivalSpec a;
  FLEETSIM_ASSIGN_OR_RETURN(std::string kind,
                            m.Enum("kind", {"poisson", "diurnal", "mmpp", "trace"}, ""));
  if (kind == "poisson") {
    a.kind = ArrivalKind::kPoisson;
    FLEETSIM_ASSIGN_OR_RETURN(a.rate_per_s, m.Double("rate_per_s", 1e-12, 1e12));
  } else if (kind == "diurnal") {
    a.kind = ArrivalKind::kDiurnal;
    FLEETSIM_ASSIGN_OR_RETURN(a.rate_per_s, m.Double("rate_per_s", 1e-12, 1e12));
    FLEETSIM_ASSIGN_OR_RETURN(a.daily_shape, DoubleList(m, "daily_shape", 24, 0, 1e6));
    if (m.Has("weekly_shape")) {
      FLEETSIM_ASSIGN_OR_RETURN(a.weekly_shape, DoubleList(m, "weekly_shape", 7, 0, 1e6));
    } else {
      m.Child("weekly_shape");
      a.weekly_shape.assign(7, 1.0);
    }
  } else if (kind == "mmpp") {
    a.kind = ArrivalKind::kMmpp;
    FLEETSIM_ASSIGN_OR_RETURN(auto rates, DoubleList(m, "rates_per_s", 2, 0, 1e12));
    FLEETSIM_ASSIGN_OR_RETURN(auto soj, DoubleList(m, "mean_sojourn_s", 2, 1e-9, 1e12));
    if (rates[0] + rates[1] <= 0) return m.ErrorAt("rates_per_s", "at least one rate must be > 0");
    for (int i = 0; i < 2; ++i) {
      a.mmpp_rate_per_s[i] = rates[i];
      a.mmpp_sojourn_s[i] = soj[i];
    }
  } else {
    a.kind = ArrivalKind::kTrace;
    FLEETSIM_ASSIGN_OR_RETURN(a.trace_format, ParseFormat(m, "format"));
    FLEETSIM_ASSIGN_OR_RETURN(a.trace, LoadTraceAt(m, "path", a.trace_format, &a.trace_path));
    FLEETSIM_ASSIGN_OR_RETURN(a.time_scale, m.Double("time_scale", 1e-9, 1e9, 1.0));
    FLEETSIM_ASSIGN_OR_RETURN(a.start_offset_s, m.Double("start_offset_s", 0, kBig, 0.0));
    FLEETSIM_ASSIGN_OR_RETURN(a.limit, m.Int("limit", 0, INT64_MAX, 0));
    FLEETSIM_ASSIGN_OR_RETURN(a.loop, m.Bool("loop", false));
    size_t left = 0;
    for (const auto& r : *a.trace) left += r.time_s >= a.start_offset_s;
    if (left == 0) return m.ErrorAt("start_offset_s", "no trace records at or after this offset");
    if (a.loop && a.trace->back().time_s - a.start_offset_s <= 0) {
      return m.ErrorAt("loop", "cannot loop a trace that spans zero time");
    }
  }
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return a;
}

absl::StatusOr<TokenDist> ParseTokens(YamlMap m, bool trace_arrivals) {
  TokenDist d;
  std::vector<std::string> kinds = {"fixed", "uniform", "lognormal", "empirical"};
  if (trace_arrivals) kinds.push_back("from_trace");
  FLEETSIM_ASSIGN_OR_RETURN(std::string kind, m.Enum("kind", kinds, ""));
  if (kind == "fixed") {
    d.kind = TokenDistKind::kFixed;
    FLEETSIM_ASSIGN_OR_RETURN(int64_t v, m.Int("tokens", 0, 100000000));
    d.value = static_cast<double>(v);
  } else if (kind == "uniform") {
    d.kind = TokenDistKind::kUniform;
    FLEETSIM_ASSIGN_OR_RETURN(int64_t lo, m.Int("min", 0, 100000000));
    FLEETSIM_ASSIGN_OR_RETURN(int64_t hi, m.Int("max", lo, 100000000));
    d.min = static_cast<double>(lo);
    d.max = static_cast<double>(hi);
  } else if (kind == "lognormal") {
    d.kind = TokenDistKind::kLogNormal;
    FLEETSIM_ASSIGN_OR_RETURN(d.mu, m.Double("mu", -100, 100));
    FLEETSIM_ASSIGN_OR_RETURN(d.sigma, m.Double("sigma", 0, 20));
    FLEETSIM_ASSIGN_OR_RETURN(d.clamp_max, m.Double("max", 1, 1e8, 1e8));
  } else if (kind == "empirical") {
    d.kind = TokenDistKind::kEmpirical;
    FLEETSIM_ASSIGN_OR_RETURN(TraceFormat fmt, ParseFormat(m, "format"));
    FLEETSIM_ASSIGN_OR_RETURN(std::string column, m.Enum("column", {"prompt", "output"}, ""));
    std::string resolved;
    FLEETSIM_ASSIGN_OR_RETURN(auto recs, LoadTraceAt(m, "path", fmt, &resolved));
    auto vals = std::make_shared<std::vector<int32_t>>();
    for (const auto& r : *recs)
      vals->push_back(column == "prompt" ? r.prompt_tokens : r.output_tokens);
    d.values = vals;
  } else {
    d.kind = TokenDistKind::kFromTrace;
  }
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return d;
}

absl::StatusOr<ServiceOverride> ParseService(YamlMap m) {
  ServiceOverride s;
  FLEETSIM_ASSIGN_OR_RETURN(std::string kind,
                            m.Enum("kind", {"exponential", "deterministic", "empirical"}, ""));
  if (kind == "exponential") {
    s.kind = ServiceKind::kExponential;
    FLEETSIM_ASSIGN_OR_RETURN(s.mean_s, m.Double("mean_s", 1e-12, 1e12));
  } else if (kind == "deterministic") {
    s.kind = ServiceKind::kDeterministic;
    FLEETSIM_ASSIGN_OR_RETURN(s.mean_s, m.Double("duration_s", 1e-12, 1e12));
  } else {
    s.kind = ServiceKind::kEmpirical;
    FLEETSIM_ASSIGN_OR_RETURN(s.values_s, DoubleList(m, "values_s", 0, 0, 1e12));
  }
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return s;
}

}  // namespace

double TokenDist::Mean() const {
  switch (kind) {
    case TokenDistKind::kFixed:
      return value;
    case TokenDistKind::kUniform:
      return 0.5 * (min + max);
    case TokenDistKind::kLogNormal:
      return std::min(clamp_max, pmath::Exp(mu + 0.5 * sigma * sigma));
    case TokenDistKind::kEmpirical: {
      double s = 0;
      for (int32_t v : *values) s += v;
      return values->empty() ? 0 : s / static_cast<double>(values->size());
    }
    case TokenDistKind::kFromTrace:
      return 0;
  }
  return 0;
}

double ServiceOverride::Mean() const {
  if (kind == ServiceKind::kEmpirical) {
    double s = 0;
    for (double v : values_s) s += v;
    return values_s.empty() ? 0 : s / static_cast<double>(values_s.size());
  }
  return mean_s;
}

std::string RoutingName(RoutingKind k) {
  switch (k) {
    case RoutingKind::kCentral:
      return "central";
    case RoutingKind::kRoundRobin:
      return "round_robin";
    case RoutingKind::kJoinShortestQueue:
      return "join_shortest_queue";
    case RoutingKind::kLeastOutstandingTokens:
      return "least_outstanding_tokens";
    case RoutingKind::kPowerAware:
      return "power_aware";
    case RoutingKind::kVendorSpread:
      return "vendor_spread";
    case RoutingKind::kSloAware:
      return "slo_aware";
  }
  return "?";
}

absl::StatusOr<StreamSpec> ParseStreamSpec(YamlMap& m) {
  StreamSpec s;
  FLEETSIM_ASSIGN_OR_RETURN(s.name, m.String("name"));
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap model, m.Map("model"));
  FLEETSIM_ASSIGN_OR_RETURN(s.model, ParseModel(std::move(model)));
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap arrival, m.Map("arrival"));
  FLEETSIM_ASSIGN_OR_RETURN(s.arrival, ParseArrival(std::move(arrival)));
  const bool trace = s.arrival.kind == ArrivalKind::kTrace;
  if (m.Has("service")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap sm, m.Map("service"));
    FLEETSIM_ASSIGN_OR_RETURN(s.service, ParseService(std::move(sm)));
  } else {
    m.Child("service");
  }
  const bool tokens_needed = s.service.kind == ServiceKind::kTokens;
  for (const char* key : {"prompt_tokens", "output_tokens"}) {
    TokenDist& d = std::string(key) == "prompt_tokens" ? s.prompt_tokens : s.output_tokens;
    if (m.Has(key)) {
      FLEETSIM_ASSIGN_OR_RETURN(YamlMap tm, m.Map(key));
      FLEETSIM_ASSIGN_OR_RETURN(d, ParseTokens(std::move(tm), trace));
    } else if (trace) {
      m.Child(key);
      d.kind = TokenDistKind::kFromTrace;
    } else if (tokens_needed) {
      return m.ErrorAt(key, "missing required field (needed unless `service` is given)");
    } else {
      m.Child(key);
      d.kind = TokenDistKind::kFixed;
      d.value = 1;
    }
  }
  if (m.Has("slo")) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap slo, m.Map("slo"));
    if (tokens_needed) {
      FLEETSIM_ASSIGN_OR_RETURN(s.slo_ttft_s, slo.Double("ttft_s", 1e-9, 1e9, 2.0));
      FLEETSIM_ASSIGN_OR_RETURN(s.slo_tpot_s, slo.Double("tpot_s", 1e-9, 1e9, 0.2));
    } else {  // no tokens are modelled: the SLO is on the sojourn time (ttft_s is unknown here)
      FLEETSIM_ASSIGN_OR_RETURN(s.slo_sojourn_s, slo.Double("sojourn_s", 1e-9, 1e9, 0));
    }
    FLEETSIM_RETURN_IF_ERROR(slo.Finish());
  } else {
    m.Child("slo");
  }
  FLEETSIM_ASSIGN_OR_RETURN(s.tpot_max_s, m.Double("tpot_max_s", 0, 1e9, 0));
  if (s.tpot_max_s > 0 && !tokens_needed) {
    return m.ErrorAt("tpot_max_s", "needs the token model (no `service` override)");
  }
  FLEETSIM_ASSIGN_OR_RETURN(int64_t prio, m.Int("priority", -1000, 1000, 0));
  s.priority = static_cast<int>(prio);
  FLEETSIM_ASSIGN_OR_RETURN(s.annual_growth, m.Double("annual_growth", 1e-3, 1e3, 1.0));
  FLEETSIM_ASSIGN_OR_RETURN(
      std::string routing,
      m.Enum("routing",
             {"central", "round_robin", "join_shortest_queue", "least_outstanding_tokens",
              "power_aware", "vendor_spread", "slo_aware"},
             "central"));
  for (RoutingKind k :
       {RoutingKind::kCentral, RoutingKind::kRoundRobin, RoutingKind::kJoinShortestQueue,
        RoutingKind::kLeastOutstandingTokens, RoutingKind::kPowerAware, RoutingKind::kVendorSpread,
        RoutingKind::kSloAware}) {
    if (RoutingName(k) == routing) s.routing = k;
  }
  FLEETSIM_ASSIGN_OR_RETURN(s.vendor_share_cap, m.Double("vendor_share_cap", 1e-3, 1.0, 1.0));
  FLEETSIM_ASSIGN_OR_RETURN(s.max_queue, m.Int("max_queue", 0, INT64_MAX, 0));
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return s;
}

absl::StatusOr<std::vector<StreamSpec>> ParseStreamSpecs(const YAML::Node& list,
                                                         const std::string& file,
                                                         const std::string& path) {
  if (!list.IsDefined() || !list.IsSequence()) {
    return InputError(PosOf(list, file), path, "must be a list of streams");
  }
  std::vector<StreamSpec> out;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    FLEETSIM_ASSIGN_OR_RETURN(YamlMap m,
                              YamlMap::Make(list[i], file, absl::StrCat(path, "[", i, "]")));
    FLEETSIM_ASSIGN_OR_RETURN(StreamSpec s, ParseStreamSpec(m));
    if (!names.insert(s.name).second) {
      return m.ErrorAt("name", absl::StrCat("duplicate stream name '", s.name, "'"));
    }
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::vector<StreamSpec>> LoadStreamFile(const std::string& path) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, LoadYamlFile(path));
  return ParseStreamDocument(root, path);
}

absl::StatusOr<std::vector<StreamSpec>> ParseStreamFileText(const std::string& text,
                                                            const std::string& path) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(text, path));
  return ParseStreamDocument(root, path);
}

absl::StatusOr<std::vector<StreamSpec>> ParseStreamDocument(const YAML::Node& root,
                                                            const std::string& path) {
  FLEETSIM_ASSIGN_OR_RETURN(YamlMap m, YamlMap::Make(root, path, ""));
  YAML::Node list = m.Child("streams");
  if (!list.IsDefined()) return m.ErrorAt("streams", "missing required field");
  FLEETSIM_ASSIGN_OR_RETURN(auto specs, ParseStreamSpecs(list, path, "streams"));
  FLEETSIM_RETURN_IF_ERROR(m.Finish());
  return specs;
}

}  // namespace fleetsim::serve
