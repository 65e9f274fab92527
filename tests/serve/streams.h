// Stream specs shared by the serving tests and bench/serve_bench.cc.
#ifndef FLEETSIM_TESTS_SERVE_STREAMS_H_
#define FLEETSIM_TESTS_SERVE_STREAMS_H_

#include <string>

#include "sim/serve/stream_spec.h"

namespace fleetsim::serve::testing_streams {

// Llama-2-70B at FP8 (68.98e9 parameters, default FP8 KV cache), 8192-token context.
inline ServedModel Llama70B(const std::string& name = "llama") {
  ServedModel m;
  m.name = name;
  m.params_total = m.params_active = 68.98e9;
  m.bytes_per_param = 1.0;
  m.context_limit_tokens = 8192;
  return m;
}

// A chat-like Poisson stream on Llama70B(model): lognormal prompts (mu 6.5, sigma 0.8, at most
// prompt_max tokens) and uniform outputs of 20..600 tokens.
inline StreamSpec ChatStream(const std::string& name, const std::string& model, double rate,
                             RoutingKind routing = RoutingKind::kCentral,
                             double prompt_max = 6000) {
  StreamSpec s;
  s.name = name;
  s.model = Llama70B(model);
  s.arrival.rate_per_s = rate;
  s.prompt_tokens.kind = TokenDistKind::kLogNormal;
  s.prompt_tokens.mu = 6.5;
  s.prompt_tokens.sigma = 0.8;
  s.prompt_tokens.clamp_max = prompt_max;
  s.output_tokens.kind = TokenDistKind::kUniform;
  s.output_tokens.min = 20;
  s.output_tokens.max = 600;
  s.routing = routing;
  return s;
}

}  // namespace fleetsim::serve::testing_streams

#endif  // FLEETSIM_TESTS_SERVE_STREAMS_H_
