#include "sim/serve/arrival.h"

#include <algorithm>
#include <cmath>

#include "sim/core/portable_math.h"

namespace fleetsim::serve {
namespace {
constexpr double kHour = 3600.0;
double NextHour(double t) { return (std::floor(t / kHour) + 1.0) * kHour; }

// fmod(t, 86400) for 0 <= t < 2^53 without the library call (about 100 instructions): with q the
// day count, t - q * 86400 is exact (Sterbenz, q >= 1; q * 86400 is an integer below 2^53), and
// when t / 86400 rounded up to an integer the day before is taken; equal to fmod bit for bit.
double DayTime(double t_s) {
  if (!(t_s >= 0 && t_s < 9e15)) return std::fmod(t_s, 86400.0);
  const double q = std::floor(t_s / 86400.0);
  const double r = t_s - q * 86400.0;
  return r >= 0 ? r : t_s - (q - 1) * 86400.0;
}

}  // namespace

double DiurnalShape(const ArrivalSpec& a, double t_s) {
  const double day_t = DayTime(t_s);
  const double h = day_t / kHour;
  const int h0 = std::min(23, static_cast<int>(h));
  const double f = h - h0;
  const double daily = a.daily_shape[h0] * (1 - f) + a.daily_shape[(h0 + 1) % 24] * f;
  // fmod(floor(t / 86400), 7) of a whole number in int64 range: its remainder.
  const double days = std::floor(t_s / 86400.0);
  const int day = days >= 0 && days < 9e15
                      ? static_cast<int>(static_cast<int64_t>(days) % 7)
                      : static_cast<int>(std::fmod(days, 7.0));
  return daily * a.weekly_shape[day];
}

double GrowthPerSecond(const StreamSpec& s) {
  return s.annual_growth != 1 ? pmath::Log(s.annual_growth) / kSecondsPerYear : 0;
}

double MeanRate(const StreamSpec& s, double t0, double t1) {
  return MeanRate(s, t0, t1, GrowthPerSecond(s));
}

double MeanRate(const StreamSpec& s, double t0, double t1, double growth_per_s) {
  const ArrivalSpec& a = s.arrival;
  const double len = t1 - t0;
  if (len <= 0) return 0;
  // Mean of g^(t/Y) over the window (exact integral): with a = ln(g) / Y, x = a len / 2 and tm
  // the window's middle, (e^(a t1) - e^(a t0)) / (a len) = e^(a tm) sinh(x) / x. One exponential,
  // and no cancellation for short windows: below |x| = 1e-3 the series 1 + x^2/6 + x^4/120 is
  // exact to 2e-22.
  double g = 1;
  if (s.annual_growth != 1) {
    const double a = growth_per_s;
    const double x = 0.5 * a * len, x2 = x * x;
    const double sinhc = std::fabs(x) < 1e-3 ? 1 + x2 / 6 * (1 + x2 / 20)
                                             : (pmath::Exp(x) - pmath::Exp(-x)) / (2 * x);
    g = pmath::Exp(a * 0.5 * (t0 + t1)) * sinhc;
  }
  switch (a.kind) {
    case ArrivalKind::kPoisson:
      return a.rate_per_s * g;
    case ArrivalKind::kDiurnal: {
      // Integrate the piecewise-linear shape with 16 points per hour (trapezoid; exact enough).
      const int n = std::max(1, static_cast<int>(std::ceil(len / kHour * 16)));
      double sum = 0;
      for (int i = 0; i < n; ++i) sum += DiurnalShape(a, t0 + (i + 0.5) * len / n);
      return a.rate_per_s * g * sum / n;
    }
    case ArrivalKind::kMmpp: {
      const double p0 = a.mmpp_sojourn_s[0] / (a.mmpp_sojourn_s[0] + a.mmpp_sojourn_s[1]);
      return g * (p0 * a.mmpp_rate_per_s[0] + (1 - p0) * a.mmpp_rate_per_s[1]);
    }
    case ArrivalKind::kTrace: {
      const auto& tr = *a.trace;
      const double span = (tr.back().time_s - a.start_offset_s) * a.time_scale;
      int64_t count = 0;
      auto count_in = [&](double lo, double hi) {  // simulated window of one loop
        // record time -> simulated: (r - offset) * scale
        double rlo = lo / a.time_scale + a.start_offset_s,
               rhi = hi / a.time_scale + a.start_offset_s;
        auto it0 = std::lower_bound(tr.begin(), tr.end(), rlo,
                                    [](const TraceRecord& r, double v) { return r.time_s < v; });
        auto it1 = std::lower_bound(tr.begin(), tr.end(), rhi,
                                    [](const TraceRecord& r, double v) { return r.time_s < v; });
        auto first = std::lower_bound(tr.begin(), tr.end(), a.start_offset_s,
                                      [](const TraceRecord& r, double v) { return r.time_s < v; });
        int64_t lo_idx = std::max<int64_t>(it0 - first, 0),
                hi_idx = std::max<int64_t>(it1 - first, 0);
        if (a.limit > 0) {
          lo_idx = std::min<int64_t>(lo_idx, a.limit);
          hi_idx = std::min<int64_t>(hi_idx, a.limit);
        }
        return hi_idx - lo_idx;
      };
      if (!a.loop || span <= 0) return count_in(t0, t1) / len;
      // Looping: approximate period = span (records replay back to back).
      const double period = span;
      double lo = t0;
      while (lo < t1) {
        const double base = std::floor(lo / period) * period;
        const double hi = std::min(t1, base + period);
        count += count_in(lo - base, hi - base);
        lo = hi;
      }
      return count / len;
    }
  }
  return 0;
}

ArrivalGenerator::ArrivalGenerator(const StreamSpec* spec, uint64_t seed, uint64_t stream_index)
    : spec_(spec),
      arrival_rng_(seed, 2 * stream_index + 1),
      token_rng_(seed, 2 * stream_index + 2) {
  log_growth_per_s_ = pmath::Log(spec->annual_growth) / kSecondsPerYear;
  if (spec->arrival.kind == ArrivalKind::kMmpp) {
    mmpp_switch_s_ = arrival_rng_.Exponential(spec->arrival.mmpp_sojourn_s[0]);
  }
  if (spec->arrival.kind == ArrivalKind::kTrace) {
    const auto& tr = *spec->arrival.trace;
    while (trace_pos_ < tr.size() && tr[trace_pos_].time_s < spec->arrival.start_offset_s) {
      ++trace_pos_;
    }
  }
}

double ArrivalGenerator::GrowthAt(double t_s) const {
  if (log_growth_per_s_ == 0) return 1.0;
  return pmath::Exp(log_growth_per_s_ * std::floor(t_s / kHour) * kHour);
}

int32_t ArrivalGenerator::DrawTokens(const TokenDist& d, int32_t from_trace) {
  switch (d.kind) {
    case TokenDistKind::kFixed:
      return static_cast<int32_t>(d.value);
    case TokenDistKind::kUniform:
      return static_cast<int32_t>(d.min) +
             static_cast<int32_t>(token_rng_.Below(static_cast<uint64_t>(d.max - d.min) + 1));
    case TokenDistKind::kLogNormal:
      return static_cast<int32_t>(
          std::clamp(std::round(token_rng_.LogNormal(d.mu, d.sigma)), 1.0, d.clamp_max));
    case TokenDistKind::kEmpirical:
      return (*d.values)[token_rng_.Below(d.values->size())];
    case TokenDistKind::kFromTrace:
      return from_trace;
  }
  return 0;
}

Arrival ArrivalGenerator::Next() {
  const ArrivalSpec& a = spec_->arrival;
  Arrival out;
  int32_t trace_prompt = 0, trace_output = 0;
  switch (a.kind) {
    case ArrivalKind::kPoisson: {
      if (log_growth_per_s_ == 0) {
        t_ += arrival_rng_.Exponential(1.0 / a.rate_per_s);
        break;
      }
      for (;;) {  // piecewise-constant rate per hour
        const double end = NextHour(t_);
        const double cand = t_ + arrival_rng_.Exponential(1.0 / (a.rate_per_s * GrowthAt(t_)));
        if (cand < end) {
          t_ = cand;
          break;
        }
        t_ = end;
      }
      break;
    }
    case ArrivalKind::kDiurnal: {
      for (;;) {  // thinning within the hour [t_, end)
        const double end = NextHour(t_);
        const double g = GrowthAt(t_);
        const double bound =
            a.rate_per_s * g * std::max(DiurnalShape(a, t_), DiurnalShape(a, end - 1e-9));
        if (bound <= 0) {
          t_ = end;
          continue;
        }
        const double cand = t_ + arrival_rng_.Exponential(1.0 / bound);
        if (cand >= end) {
          t_ = end;
          continue;
        }
        t_ = cand;
        if (arrival_rng_.Uniform() * bound < a.rate_per_s * g * DiurnalShape(a, t_)) break;
      }
      break;
    }
    case ArrivalKind::kMmpp: {
      for (;;) {
        const double end = std::min(NextHour(t_), mmpp_switch_s_);
        const double rate = a.mmpp_rate_per_s[mmpp_state_] * GrowthAt(t_);
        const double cand = rate > 0 ? t_ + arrival_rng_.Exponential(1.0 / rate) : kNever;
        if (cand < end) {
          t_ = cand;
          break;
        }
        t_ = end;
        if (end == mmpp_switch_s_) {
          mmpp_state_ ^= 1;
          mmpp_switch_s_ = t_ + arrival_rng_.Exponential(a.mmpp_sojourn_s[mmpp_state_]);
        }
      }
      break;
    }
    case ArrivalKind::kTrace: {
      const auto& tr = *a.trace;
      if (trace_pos_ >= tr.size() || (a.limit > 0 && trace_emitted_ >= a.limit)) {
        if (!a.loop) return out;
        // Restart at the offset; the new loop begins one mean gap after the previous last record.
        const double span = (tr.back().time_s - a.start_offset_s) * a.time_scale;
        trace_base_s_ += span;
        trace_pos_ = 0;
        trace_emitted_ = 0;
        while (trace_pos_ < tr.size() && tr[trace_pos_].time_s < a.start_offset_s) ++trace_pos_;
      }
      const TraceRecord& r = tr[trace_pos_++];
      ++trace_emitted_;
      t_ = std::max(t_, trace_base_s_ + (r.time_s - a.start_offset_s) * a.time_scale);
      trace_prompt = r.prompt_tokens;
      trace_output = r.output_tokens;
      break;
    }
  }
  out.time_s = t_;
  out.prompt_tokens = DrawTokens(spec_->prompt_tokens, trace_prompt);
  out.output_tokens = DrawTokens(spec_->output_tokens, trace_output);
  return out;
}

}  // namespace fleetsim::serve
