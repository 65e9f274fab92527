#include "sim/serve/serving_sim.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <queue>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "sim/core/portable_math.h"
#include "sim/serve/histogram.h"

namespace fleetsim::serve {
namespace {

// Aggregate mode's latency distributions come from a lattice of kAggPoints quasi-Monte-Carlo
// points: a stream's first kFullLatticeSteps steps evaluate all of them, later steps
// kPointsPerStep (one per stratum), so the lattice is covered every kAggCycle steps. Means do
// not depend on the points (closed forms).
constexpr int kAggPoints = 128;
constexpr int kPointsPerStep = 4;
constexpr int kAggCycle = kAggPoints / kPointsPerStep;
constexpr int64_t kFullLatticeSteps = 256;  // steps per stream that take all kAggPoints
constexpr int kTokenDraws = 4096;           // token-size points per stream (latency shapes)

// FIFO of request ids that allocates nothing until used (a std::deque allocates about 600
// bytes at construction; a year of autoscaling creates some 200,000 replicas).
class IdFifo {
 public:
  bool empty() const { return head_ == v_.size(); }
  int32_t front() const { return v_[head_]; }
  void push_back(int32_t id) { v_.push_back(id); }
  void pop_front() {
    if (++head_ == v_.size()) {
      v_.clear();
      head_ = 0;
    } else if (head_ >= 1024 && 2 * head_ >= v_.size()) {
      v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  std::vector<int32_t> v_;
  size_t head_ = 0;
};

struct Req {
  double arrival = 0, start = 0, first = 0, prefill_s = 0;
  int32_t prompt = 0, output = 0, stream = 0, replica = -1;
};

// -log(1 - u_i) for the quasi-Monte-Carlo wait quantiles u_i = (i + 0.5) / kAggPoints.
const std::vector<double> kNegLog1mU = [] {
  std::vector<double> v(kAggPoints);
  for (int i = 0; i < kAggPoints; ++i) v[i] = -pmath::Log(1.0 - (i + 0.5) / kAggPoints);
  return v;
}();

// Token sizes of a stream for aggregate mode (and load accounting in both modes).
// Independent prompt and output distributions (fixed, uniform, lognormal, empirical): their
// probability mass functions, exactly as ArrivalGenerator::DrawTokens draws (lognormal rounded
// and clamped to [1, max]); values above the context limit are lumped (always dropped).
// Distributions wider than kMaxSupport integers are represented by kMaxSupport equal-probability
// strata instead (means then within about 1e-5 relative; never hit by realistic streams). Then
//   p_drop      = P(prompt + output > limit)          (token mode only)
//   mean_prompt = E[prompt | kept], mean_output = E[output | kept]
// in O(support) with prefix sums, with no sampling. Trace-driven sizes (from_trace) are the
// trace's own records, read up to kTraceRecords (its mean then is exact for traces up to that
// size). The shape points are stratified: point k takes the prompt quantile at (k + 0.5) / n
// and the output quantile at ((k * 2531) mod n + 0.5) / n (a rank-1 lattice, so the two are
// paired independently); dropped pairs are skipped.
struct TokenSizes {
  static constexpr int kTraceRecords = 1 << 20;
  static constexpr int kMaxSupport = 1 << 16;  // wider distributions are stratified
  double p_drop = 0, mean_prompt = 0, mean_output = 0;
  double mean_steps = 0;  // E[max(0, output - 1) | kept]: decode steps after the first token
  std::vector<double> s_prompt, s_output;

  struct Pmf {
    std::vector<double> value, prob, cum;  // ascending values; cum = P(X <= value)
    double Quantile(double u) const {
      size_t k = static_cast<size_t>(std::lower_bound(cum.begin(), cum.end(), u) - cum.begin());
      return value[std::min(k, value.size() - 1)];
    }
  };
  static Pmf MakePmf(const TokenDist& d, double lump_above) {
    std::map<double, double> m;
    switch (d.kind) {
      case TokenDistKind::kFixed:
        m[static_cast<int32_t>(d.value)] = 1;
        break;
      case TokenDistKind::kUniform: {
        const int32_t lo = static_cast<int32_t>(d.min), hi = static_cast<int32_t>(d.max);
        const double n = static_cast<double>(hi - lo) + 1;
        const double kept_hi = std::min<double>(hi, lump_above);
        if (kept_hi - lo + 1 > kMaxSupport) {  // wide: kMaxSupport equal-probability strata
          for (int k = 0; k < kMaxSupport; ++k) {
            m[std::round(lo + (hi - lo) * (k + 0.5) / kMaxSupport)] += 1.0 / kMaxSupport;
          }
          break;
        }
        for (int32_t v = lo; v <= hi && v <= lump_above; ++v) m[v] = 1 / n;
        const double above = hi - std::max<double>(lo, lump_above + 1) + 1;  // values > lump_above
        if (above > 0) m[std::max<double>(lo, lump_above + 1)] += above / n;
        break;
      }
      case TokenDistKind::kLogNormal: {
        // P(round(X) = k) for X lognormal, k = a .. top: all mass below a + 0.5 at a, all above
        // top - 0.5 at top; a and the end of the loop skip where less than 1e-18 lies.
        const double top = std::min(d.clamp_max, lump_above + 1);
        auto cdf = [&](double x) { return pmath::NormalCdf((pmath::Log(x) - d.mu) / d.sigma); };
        const double a = std::clamp(std::floor(pmath::Exp(d.mu - 9 * d.sigma)), 1.0, top);
        const double b = std::clamp(std::ceil(pmath::Exp(d.mu + 9 * d.sigma)), a, top);
        if (b - a + 1 > kMaxSupport) {
          // Wide: kMaxSupport equal-probability strata at their midpoint quantiles (the
          // rounding to integers no longer matters at this width).
          for (int k = 0; k < kMaxSupport; ++k) {
            const double u = (k + 0.5) / kMaxSupport;
            double zlo = -10, zhi = 10;
            for (int it = 0; it < 60; ++it) {
              const double mid = 0.5 * (zlo + zhi);
              (pmath::NormalCdf(mid) < u ? zlo : zhi) = mid;
            }
            m[std::clamp(std::round(pmath::Exp(d.mu + d.sigma * zlo)), 1.0, top)] +=
                1.0 / kMaxSupport;
          }
          break;
        }
        double prev = 0;
        for (double k = a; k < b; ++k) {
          const double c = cdf(k + 0.5);
          m[k] = c - prev;
          prev = c;
        }
        m[b] += 1 - prev;
        break;
      }
      case TokenDistKind::kEmpirical:
        for (int32_t v : *d.values) m[std::min<double>(v, lump_above + 1)] += 1.0;
        break;
      case TokenDistKind::kFromTrace:
        break;
    }
    Pmf p;
    double total = 0;
    for (const auto& [v, w] : m) total += w;
    double c = 0;
    for (const auto& [v, w] : m) {
      p.value.push_back(v);
      p.prob.push_back(w / total);
      c += w / total;
      p.cum.push_back(c);
    }
    if (!p.cum.empty()) p.cum.back() = 1.0;
    return p;
  }

  static TokenSizes Of(const StreamSpec& spec, uint64_t seed, uint64_t stream_id) {
    TokenSizes t;
    const bool tokens = spec.service.kind == ServiceKind::kTokens;
    const double limit = tokens ? spec.model.context_limit_tokens : 1e300;
    const bool trace = spec.prompt_tokens.kind == TokenDistKind::kFromTrace ||
                       spec.output_tokens.kind == TokenDistKind::kFromTrace;
    std::vector<std::pair<double, double>> pairs;  // shape points
    if (!tokens) {
      // Service-time streams: no token model; sizes unused.
      t.mean_prompt = std::max(1.0, spec.prompt_tokens.Mean());
      t.mean_output = std::max(1.0, spec.output_tokens.Mean());
    } else if (trace) {
      StreamSpec tmp = spec;
      ArrivalGenerator g(&tmp, seed, stream_id);
      int64_t drops = 0, kept = 0;
      double sp = 0, so = 0, ss = 0;
      for (int k = 0; k < kTraceRecords; ++k) {
        Arrival a = g.Next();
        if (a.time_s == kNever) break;
        if (a.prompt_tokens + a.output_tokens > limit) {
          ++drops;
          continue;
        }
        ++kept;
        sp += a.prompt_tokens;
        so += a.output_tokens;
        ss += std::max<int64_t>(0, a.output_tokens - 1);
        if (pairs.size() < static_cast<size_t>(kTokenDraws)) {
          pairs.push_back(
              {static_cast<double>(a.prompt_tokens), static_cast<double>(a.output_tokens)});
        }
      }
      t.p_drop = kept + drops > 0 ? static_cast<double>(drops) / (kept + drops) : 0;
      if (kept > 0) {
        t.mean_prompt = sp / kept;
        t.mean_output = so / kept;
        t.mean_steps = ss / kept;
      }
    } else {
      const double lump = tokens ? limit : 1e7;
      const Pmf pp = MakePmf(spec.prompt_tokens, lump), po = MakePmf(spec.output_tokens, lump);
      // Output mass and first moment up to each output value (prefix sums).
      std::vector<double> mass(po.value.size()), mom(po.value.size()), steps(po.value.size());
      double cm = 0, cx = 0, cs = 0;
      for (size_t k = 0; k < po.value.size(); ++k) {
        cm += po.prob[k];
        cx += po.prob[k] * po.value[k];
        cs += po.prob[k] * std::max(0.0, po.value[k] - 1);
        mass[k] = cm;
        mom[k] = cx;
        steps[k] = cs;
      }
      double keep = 0, ep = 0, eo = 0, es = 0;
      for (size_t k = 0; k < pp.value.size(); ++k) {
        // Outputs with prompt + output <= limit: values <= limit - prompt.
        const size_t n = static_cast<size_t>(
            std::upper_bound(po.value.begin(), po.value.end(), limit - pp.value[k]) -
            po.value.begin());
        if (n == 0) continue;
        keep += pp.prob[k] * mass[n - 1];
        ep += pp.prob[k] * pp.value[k] * mass[n - 1];
        eo += pp.prob[k] * mom[n - 1];
        es += pp.prob[k] * steps[n - 1];
      }
      t.p_drop = std::clamp(1 - keep, 0.0, 1.0);
      if (keep > 0) {
        t.mean_prompt = ep / keep;
        t.mean_output = eo / keep;
        t.mean_steps = es / keep;
      }
      const int n = kTokenDraws;
      for (int k = 0; k < n; ++k) {
        const double a = pp.Quantile((k + 0.5) / n);
        const double b = po.Quantile(((static_cast<int64_t>(k) * 2531) % n + 0.5) / n);
        if (a + b <= limit) pairs.push_back({a, b});
      }
    }
    if (pairs.empty()) pairs.push_back({1, 1});
    for (const auto& [a, b] : pairs) {
      t.s_prompt.push_back(a);
      t.s_output.push_back(b);
    }
    if (t.mean_prompt == 0 && t.mean_output == 0) {
      t.mean_prompt = 1;
      t.mean_output = 1;
      t.mean_steps = 0;
    }
    return t;
  }
};

// Standard normal quantiles z_i at u_i = ((g i) mod kAggPoints + 0.5) / kAggPoints: further
// lattice coordinates for the prefill interruptions of a request's decode (AggregateStep):
// g = 53 for their number, g = 89 for their total length.
std::vector<double> LatticeZ(int g) {
  std::vector<double> v(kAggPoints);
  for (int i = 0; i < kAggPoints; ++i) {
    const double u = ((i * g) % kAggPoints + 0.5) / kAggPoints;
    double lo = -10, hi = 10;  // Phi rises with z
    for (int k = 0; k < 80; ++k) {
      const double mid = 0.5 * (lo + hi);
      (pmath::NormalCdf(mid) < u ? lo : hi) = mid;
    }
    v[i] = 0.5 * (lo + hi);
  }
  return v;
}
// Built on first use (not at static initialization: a trace replay never needs them).
struct LatticeTables {
  std::vector<double> z = LatticeZ(53), z2 = LatticeZ(89), u;  // u[i] = Phi(z[i])
  LatticeTables() {
    u.resize(kAggPoints);
    for (int i = 0; i < kAggPoints; ++i) u[i] = pmath::NormalCdf(z[i]);
  }
};
const LatticeTables& Lattice() {
  static const LatticeTables t;
  return t;
}

// Quantile of a Poisson count of mean m at lattice point i (standard normal quantile
// lat.z[i], probability lat.u[i], lat = Lattice()): exact inversion of the CDF below m = 30, else the
// normal approximation with continuity correction.
double PoissonQuantile(const LatticeTables& lat, double m, int i) {
  if (m <= 0) return 0;
  if (m > 30) return std::max(0.0, std::floor(m + lat.z[i] * std::sqrt(m) + 0.5));
  const double u = lat.u[i];
  double pk = pmath::Exp(-m), cdf = pk;
  int k = 0;
  while (cdf < u && k < 200) {
    ++k;
    pk *= m / k;
    cdf += pk;
  }
  return k;
}

struct BinStats {
  double arrivals = 0, completed = 0, dropped = 0, area_q = 0, area_sys = 0, tokens = 0;
};
struct PoolBin {
  double busy_s = 0, load_s = 0, replica_s = 0;
};

template <typename T, typename F>
void SplitBins(std::vector<T>& bins, double bin_s, double t0, double t1, F add) {
  while (t0 < t1) {
    const size_t b = static_cast<size_t>(t0 / bin_s);
    if (bins.size() <= b) bins.resize(b + 1);
    const double end = std::min(t1, (static_cast<double>(b) + 1) * bin_s);
    add(bins[b], end - t0);
    if (end <= t0) break;  // guard against no progress at huge t
    t0 = end;
  }
}

// Erlang C probability of waiting for c servers with offered load a (< c).
double ErlangC(int c, double a) {
  if (c <= 0) return 1.0;
  // Erlang B by the recurrence on its inverse: 1/B_k = 1 + (k / a) / B_{k-1} (no divisions).
  const double inv_a = 1.0 / a;
  double r = 1.0;
  for (int k = 1; k <= c; ++k) r = 1.0 + k * inv_a * r;
  const double b = 1.0 / r;
  const double rho = a / c;
  return b / (1.0 - rho * (1.0 - b));
}

}  // namespace

struct ServingSim::Impl {
  struct Stream {
    StreamSpec spec;
    int pool = 0;
    std::unique_ptr<ArrivalGenerator> gen;
    Arrival next;
    std::unique_ptr<Router> router;
    int64_t arrivals = 0, completed = 0, dropped = 0, slo_met = 0, n_tpot = 0, tier_met = 0;
    double out_tokens = 0, sum_ttft = 0, sum_tpot = 0, sum_e2e = 0, sum_wait = 0;
    int64_t in_system = 0, queued = 0;
    double last_t = 0, area_sys = 0, area_q = 0;
    std::vector<BinStats> bins;
    // aggregate mode
    double agg_arrivals = 0, agg_completed = 0, agg_dropped = 0, agg_slo = 0, agg_tier = 0;
    double backlog = 0;
    double p_drop = 0;        // share dropped by the context limit
    double growth_per_s = 0;  // GrowthPerSecond(spec), for MeanRate
    // Size points (TokenSizes, up to kTokenDraws) laid out for AggregateStep: entry
    // ((offset * kAggCycle + phase) * kPointsPerStep + m) holds the point that wait quantile
    // i = phase + kAggCycle * m takes at stratum position `offset`, so one step's points are
    // adjacent in memory (two cache lines instead of sixteen).
    struct SizePoint {
      double prompt, output;
    };
    std::vector<SizePoint> size_points;
    size_t size_stride = 1;  // positions per size stratum
    double mean_prompt = 0, mean_output = 0, mean_steps = 0;
    double sd_prompt = 0;                // standard deviation of the prompt size points
    size_t sample_offset = 0;            // position inside the size strata (AggregateStep)
    int agg_phase = 0;                   // which of the kAggCycle sets of points is next
    int64_t agg_cycle = 0;               // lattice cycles completed
    int64_t agg_steps = 0;               // aggregate steps taken
    std::vector<double> s_service;       // service samples (stratified)
    double service_cs2 = 1;              // squared coefficient of variation of service
    LogHistogram h_ttft, h_tpot, h_e2e;  // latency percentiles (both fidelities)
    // Aggregate mode: the latency points of the stream's last step and their weight. They are
    // added to the histograms at the stream's next step (FlushPoints), a whole step after their
    // buckets were prefetched, so those cache misses (150 histograms of 100 KB in the serving
    // year) overlap the other streams' work. Each histogram receives its points in the same
    // order as if they were added at once; AdvanceTo flushes every stream before it returns.
    struct PendingPoints {
      double ttft[kAggPoints], e2e[kAggPoints], tpot[kAggPoints];
      int n = 0, n_tpot = 0;
      double w = 0;
    };
    PendingPoints pending;
    void FlushPoints() {
      for (int k = 0; k < pending.n; ++k) {
        h_ttft.Add(pending.ttft[k], pending.w);
        h_e2e.Add(pending.e2e[k], pending.w);
      }
      for (int k = 0; k < pending.n_tpot; ++k) h_tpot.Add(pending.tpot[k], pending.w);
      pending.n = pending.n_tpot = 0;
    }
    // Aggregate mode, MMPP arrivals: the modulating chain's own sample path (seeded), so bursts
    // survive aggregation; the state holds until mmpp_switch_s.
    Rng mmpp_rng{1, 0};
    int mmpp_state = 0;
    double mmpp_switch_s = 0;
  };
  struct Pool {
    std::string model;
    bool service_mode = false;
    std::vector<int> streams;
    std::vector<int> accepting;  // replica ids taking new work, ascending
    std::vector<std::pair<int, std::deque<int32_t>>> central;  // by priority, descending
    std::deque<int> idle;  // replicas with capacity and nothing to do, oldest first
    std::vector<PoolBin> bins;
    double demand_arrivals = 0, demand_since = 0;
    // Aggregate mode: per-replica cumulative usage (identical for all live replicas of a pool)
    // and a capacity cache keyed on the token mix and the replica set.
    double acc_busy_s = 0, acc_load_s = 0, acc_tokens = 0;
    uint64_t replica_version = 0, cached_version = ~0ull;
    double cached_mp = -1, cached_mo = -1, cached_ms = -1, cached_cap = 0, cached_tp = 0;
    double cached_first_s = 0;  // mean FirstTokenLatencySeconds of the live replicas
    std::vector<double> step_rates;  // AggregateStep's arrival rate per stream (kept: no allocation)
  };
  struct Replica {
    Replica(const ReplicaSpec& s, const ReplicaPerf& p) : spec(s), perf(p) {}
    ReplicaSpec spec;
    ReplicaPerf perf;
    int pool = 0;
    bool draining = false, removed = false, removed_reported = false, in_idle = false;
    IdFifo queue;
    int32_t prefill_req = -1;
    double prefill_end = 0;
    std::priority_queue<std::pair<double, int32_t>, std::vector<std::pair<double, int32_t>>,
                        std::greater<>>
        decode;
    double steps = 0, step_s = 0, last_t = 0, kv_reserved = 0, kv_eff = 0;
    int32_t serving = -1;
    uint32_t version = 0;
    double busy_s = 0, load_s = 0, usage_last_t = 0, sat_tokens_per_s = 0;
    double mean_prompt = 0, mean_output = 1;  // the pool's mean token sizes (load, power)
    double dynamic_power_share = 1;           // saturated dynamic power vs. without a limit
    int64_t tokens = 0;
    double mark_busy_s = 0, mark_load_s = 0, mark_tokens = 0;  // aggregate mode
  };
  struct Event {
    double t;
    uint64_t seq;
    int32_t replica;  // -1: arrival of `stream`
    int32_t stream;
    uint32_t version;
    bool operator>(const Event& o) const { return t > o.t || (t == o.t && seq > o.seq); }
  };

  ServingOptions opt;
  std::vector<Stream> streams;
  std::vector<Pool> pools;
  std::vector<Replica> replicas;
  struct CachedStats {
    bool valid = false;
    std::tuple<double, int64_t, int64_t, double> key;
    StreamStats stats;
  };
  mutable std::vector<CachedStats> stats_cache;  // per stream (see Stats)
  std::vector<int> unreported;  // ids not yet reported removed, ascending: per-call loops stay
                                // O(live replicas), not O(every replica ever added)
  std::vector<ReplicaLoad> loads;
  std::map<std::string, int> vendors;
  std::vector<Req> reqs;
  std::vector<int32_t> free_reqs;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> heap;
  uint64_t seq = 0;
  double now = 0;
  Rng sample_rng{1, 0};
  std::string request_csv;
  int64_t request_rows = 0;

  // ---------------------------------------------------------------- request mode helpers
  void Push(double t, int32_t replica, int32_t stream, uint32_t version) {
    heap.push(Event{t, seq++, replica, stream, version});
  }

  void UpdateArea(Stream& s, double t) {
    if (t > s.last_t) {
      const double q = static_cast<double>(s.queued), n = static_cast<double>(s.in_system);
      s.area_sys += n * (t - s.last_t);
      s.area_q += q * (t - s.last_t);
      if (q > 0 || n > 0) {
        SplitBins(s.bins, opt.bin_s, s.last_t, t, [&](BinStats& b, double d) {
          b.area_q += q * d;
          b.area_sys += n * d;
        });
      }
      s.last_t = t;
    }
  }

  BinStats& BinAt(Stream& s, double t) {
    const size_t b = static_cast<size_t>(t / opt.bin_s);
    if (s.bins.size() <= b) s.bins.resize(b + 1);
    return s.bins[b];
  }

  bool Busy(const Replica& r) const {
    return r.prefill_req >= 0 || !r.decode.empty() || r.serving >= 0;
  }

  void Touch(Replica& r, double t) {
    if (t <= r.usage_last_t) return;
    const bool busy = Busy(r);
    if (busy) r.busy_s += t - r.usage_last_t;
    SplitBins(pools[r.pool].bins, opt.bin_s, r.usage_last_t, t, [&](PoolBin& b, double d) {
      b.replica_s += d;
      if (busy) b.busy_s += d;
      if (busy && pools[r.pool].service_mode) b.load_s += d;
    });
    if (pools[r.pool].service_mode && busy) r.load_s += t - r.usage_last_t;
    r.usage_last_t = t;
  }

  int32_t NewReq() {
    if (!free_reqs.empty()) {
      int32_t id = free_reqs.back();
      free_reqs.pop_back();
      return id;
    }
    reqs.emplace_back();
    return static_cast<int32_t>(reqs.size() - 1);
  }

  void Drop(Stream& s, double t) {
    ++s.dropped;
    BinAt(s, t).dropped += 1;
  }

  void CentralPush(Pool& p, int prio, int32_t id) {
    for (auto& [pr, q] : p.central) {
      if (pr == prio) {
        q.push_back(id);
        return;
      }
    }
  }

  // Next request for replica r (own queue first, then the pool's queue by priority); -1 if none.
  int32_t Peek(Replica& r, bool* local) {
    if (!r.queue.empty()) {
      *local = true;
      return r.queue.front();
    }
    *local = false;
    if (r.draining) return -1;
    for (auto& [pr, q] : pools[r.pool].central) {
      if (!q.empty()) return q.front();
    }
    return -1;
  }
  void PopPeeked(Replica& r, bool local) {
    if (local) {
      r.queue.pop_front();
      return;
    }
    for (auto& [pr, q] : pools[r.pool].central) {
      if (!q.empty()) {
        q.pop_front();
        return;
      }
    }
  }

  void AdvanceDecode(Replica& r, double t) {
    if (r.prefill_req < 0 && !r.decode.empty() && t > r.last_t) {
      r.steps += (t - r.last_t) / r.step_s;
    }
    r.last_t = t;
  }

  void Schedule(Replica& r, int32_t idx) {
    ++r.version;
    double t;
    if (r.serving >= 0 || r.prefill_req >= 0) {
      t = r.prefill_end;
    } else if (!r.decode.empty()) {
      t = r.last_t + std::max(0.0, r.decode.top().first - r.steps) * r.step_s;
    } else {
      return;
    }
    Push(t, idx, 0, r.version);
  }

  void Started(Replica& r, Req& q, bool local, double t) {
    Stream& s = streams[q.stream];
    UpdateArea(s, t);
    --s.queued;
    q.start = t;
    q.replica = static_cast<int32_t>(&r - replicas.data());
    ReplicaLoad& l = loads[q.replica];
    if (local) {
      --l.queued;
      l.work_ahead_s -= q.prefill_s;
    } else {
      l.outstanding_tokens += q.prompt + q.output;
    }
    ++l.running;
  }

  // Starts as much work as replica r can take at t. Returns true if it started something.
  bool TryStart(int32_t idx, double t) {
    Replica& r = replicas[idx];
    Pool& p = pools[r.pool];
    bool started = false;
    bool nothing_to_do = false;  // queues empty (vs. blocked by batch or KV capacity)
    if (p.service_mode) {
      if (r.serving < 0) {
        bool local;
        int32_t id = Peek(r, &local);
        if (id >= 0) {
          PopPeeked(r, local);
          Touch(r, t);
          Req& q = reqs[id];
          Started(r, q, local, t);
          r.serving = id;
          r.prefill_end = t + q.prefill_s;
          started = true;
        } else {
          nothing_to_do = true;
        }
      }
    } else if (r.prefill_req < 0) {
      for (;;) {
        bool local;
        int32_t id = Peek(r, &local);
        if (id < 0) {
          nothing_to_do = true;
          break;
        }
        Req& q = reqs[id];
        if (!local) FixPrefill(r, q);
        const double need = q.prompt + q.output;
        if (need > r.perf.KvCapacityTokens()) {  // can never fit on this replica: drop
          PopPeeked(r, local);
          Stream& s = streams[q.stream];
          UpdateArea(s, t);
          --s.queued;
          --s.in_system;
          if (local) {
            --loads[idx].queued;
            loads[idx].work_ahead_s -= q.prefill_s;
            loads[idx].outstanding_tokens -= q.prompt + q.output;
          }
          Drop(s, t);
          free_reqs.push_back(id);
          continue;
        }
        if (static_cast<int>(r.decode.size()) + 1 > r.perf.max_batch() ||
            r.kv_reserved + need > r.perf.KvCapacityTokens()) {
          break;  // full: the next completion retries
        }
        PopPeeked(r, local);
        Touch(r, t);
        AdvanceDecode(r, t);
        Started(r, q, local, t);
        r.kv_reserved += need;
        r.prefill_req = id;
        r.prefill_end = t + q.prefill_s;
        started = true;
        break;
      }
    }
    if (started) {
      Schedule(r, idx);
    } else if (nothing_to_do && !r.draining && !r.in_idle && HasCapacity(r)) {
      // Only replicas with nothing to pull wait in `idle`; capacity-blocked ones retry when
      // their own next completion frees room.
      r.in_idle = true;
      p.idle.push_back(idx);
    }
    return started;
  }

  bool HasCapacity(const Replica& r) const {
    if (pools[r.pool].service_mode) return r.serving < 0;
    return r.prefill_req < 0 && static_cast<int>(r.decode.size()) < r.perf.max_batch();
  }

  // Wakes idle replicas of pool p until one takes the pool's queued work.
  void KickIdle(Pool& p, double t) {
    // Each idle replica is tried at most once (a replica with nothing to do re-queues itself).
    for (size_t n = p.idle.size(); n > 0 && !p.idle.empty(); --n) {
      bool queued = false;
      for (const auto& [pr, q] : p.central) queued |= !q.empty();
      if (!queued) return;
      int32_t idx = p.idle.front();
      p.idle.pop_front();
      replicas[idx].in_idle = false;
      if (replicas[idx].removed || replicas[idx].draining) continue;
      if (TryStart(idx, t)) return;
    }
  }

  void Complete(Replica& r, int32_t id, double t) {
    Req& q = reqs[id];
    Stream& s = streams[q.stream];
    UpdateArea(s, t);
    --s.in_system;
    ++s.completed;
    // Wafer-scale: the first token's pipeline traversal and service overhead add latency
    // without occupying the replica (0 on GPUs).
    const double first_extra_s =
        pools[r.pool].service_mode ? 0.0 : r.perf.FirstTokenLatencySeconds();
    const double e2e = t - q.arrival + first_extra_s;
    const double ttft = q.first - q.arrival + first_extra_s;
    const double tpot = q.output > 1 ? (t - q.first) / (q.output - 1) : 0.0;
    s.sum_e2e += e2e;
    s.sum_ttft += ttft;
    s.sum_wait += q.start - q.arrival;
    if (q.output > 1) {
      s.sum_tpot += tpot;
      ++s.n_tpot;
    }
    const bool service = pools[s.pool].service_mode;
    if (!service) s.out_tokens += q.output;
    if (service ? e2e <= s.spec.slo_sojourn_s
                : ttft <= s.spec.slo_ttft_s && tpot <= s.spec.slo_tpot_s) {
      ++s.slo_met;
    }
    if (tpot <= s.spec.tpot_max_s) ++s.tier_met;
    s.h_ttft.Add(ttft);
    s.h_e2e.Add(e2e);
    if (q.output > 1) s.h_tpot.Add(tpot);
    BinStats& b = BinAt(s, t);
    b.completed += 1;
    if (!pools[s.pool].service_mode) b.tokens += q.output;
    if (opt.request_sample_rate > 0 && sample_rng.Uniform() < opt.request_sample_rate) {
      LineBuilder(&request_csv)  // the row in a stack buffer, one append
          .Text(s.spec.name).Char(',').Number(q.arrival).Char(',').Int(q.prompt).Char(',')
          .Int(q.output).Char(',').Int(q.replica).Char(',').Number(q.start - q.arrival)
          .Char(',').Number(ttft).Char(',').Number(tpot).Char(',').Number(e2e).Char('\n');
      ++request_rows;
    }
    ReplicaLoad& l = loads[q.replica];
    --l.running;
    l.outstanding_tokens -= q.prompt + q.output;
    if (!pools[r.pool].service_mode) {
      r.tokens += q.output;
      const double ls = q.output / r.sat_tokens_per_s;
      r.load_s += ls;
      const size_t bi = static_cast<size_t>(t / opt.bin_s);
      auto& pb = pools[r.pool].bins;
      if (pb.size() <= bi) pb.resize(bi + 1);
      pb[bi].load_s += ls;
    } else {
      r.tokens += 1;
    }
    free_reqs.push_back(id);
  }

  void MaybeFinishDrain(int32_t idx) {
    Replica& r = replicas[idx];
    if (r.draining && !r.removed && !Busy(r) && r.queue.empty()) {
      r.removed = true;
      ++r.version;
    }
  }

  void OnReplica(int32_t idx, double t) {
    Replica& r = replicas[idx];
    Touch(r, t);
    if (pools[r.pool].service_mode) {
      int32_t id = r.serving;
      r.serving = -1;
      reqs[id].first = t;
      Complete(r, id, t);
    } else {
      if (r.prefill_req >= 0) {
        if (t >= r.prefill_end) {
          const int32_t id = r.prefill_req;
          Req& q = reqs[id];
          r.prefill_req = -1;
          r.last_t = t;  // decoding resumes
          q.first = t;
          if (q.output <= 1) {
            r.kv_reserved -= q.prompt + q.output;
            Complete(r, id, t);
          } else {
            r.decode.push({r.steps + (q.output - 1), id});
            r.kv_eff += q.prompt + 0.5 * q.output;
          }
        }
      } else {
        AdvanceDecode(r, t);
        // This event was scheduled for the completion of the top sequence (any state change since
        // would have bumped the version): snap to it so rounding cannot stall progress.
        if (!r.decode.empty()) r.steps = std::max(r.steps, r.decode.top().first);
        while (!r.decode.empty() && r.decode.top().first <= r.steps + 1e-9) {
          const int32_t id = r.decode.top().second;
          r.decode.pop();
          const Req& q = reqs[id];
          r.kv_reserved -= q.prompt + q.output;
          r.kv_eff -= q.prompt + 0.5 * q.output;
          Complete(r, id, t);
        }
        if (r.decode.empty()) r.kv_eff = r.kv_reserved = 0;  // no drift
      }
      r.step_s = r.perf.DecodeStepSeconds(static_cast<double>(r.decode.size()), r.kv_eff);
    }
    if (!TryStart(idx, t)) Schedule(r, idx);
    MaybeFinishDrain(idx);  // draining replicas take no new work (Peek)
  }

  void OnArrival(int32_t si, double t) {
    Stream& s = streams[si];
    const Arrival a = s.next;
    s.next = s.gen->Next();
    if (s.next.time_s != kNever) Push(s.next.time_s, -1, si, 0);
    UpdateArea(s, t);
    ++s.arrivals;
    BinAt(s, t).arrivals += 1;
    Pool& p = pools[s.pool];
    p.demand_arrivals += 1;
    if ((!p.service_mode &&
         a.prompt_tokens + a.output_tokens > s.spec.model.context_limit_tokens) ||
        (s.spec.max_queue > 0 && s.queued >= s.spec.max_queue)) {
      Drop(s, t);
      return;
    }
    const int32_t id = NewReq();
    Req& q = reqs[id];
    q.arrival = t;
    q.prompt = a.prompt_tokens;
    q.output = a.output_tokens;
    q.stream = si;
    q.replica = -1;
    ++s.in_system;
    ++s.queued;
    if (p.service_mode) {
      const ServiceOverride& sv = s.spec.service;
      Rng& rng = service_rngs[si];
      q.prefill_s = sv.kind == ServiceKind::kExponential ? rng.Exponential(sv.mean_s)
                    : sv.kind == ServiceKind::kDeterministic
                        ? sv.mean_s
                        : sv.values_s[rng.Below(sv.values_s.size())];
    } else {
      q.prefill_s = 0;  // set per replica below when routed; central uses replica's own perf
    }
    if (s.router && !p.accepting.empty()) {
      RouteRequest rr{q.prompt, q.output, q.prefill_s};
      if (!p.service_mode) rr.prefill_s = replicas[p.accepting[0]].perf.PrefillSeconds(q.prompt);
      const int idx = s.router->Pick(rr, loads, p.accepting);
      Replica& r = replicas[idx];
      if (!p.service_mode) q.prefill_s = r.perf.PrefillSeconds(q.prompt);
      r.queue.push_back(id);
      ReplicaLoad& l = loads[idx];
      ++l.queued;
      l.outstanding_tokens += q.prompt + q.output;
      l.work_ahead_s += q.prefill_s;
      TryStart(idx, t);
      return;
    }
    CentralPush(p, s.spec.priority, id);
    KickIdle(p, t);
  }

  std::vector<Rng> service_rngs;

  // Prefill time depends on the replica that takes the request (central queue).
  void FixPrefill(Replica& r, Req& q) {
    if (!pools[r.pool].service_mode) q.prefill_s = r.perf.PrefillSeconds(q.prompt);
  }

  // ---------------------------------------------------------------- aggregate mode
  // Moves the pool's per-replica usage since the replica's marks into the replica.
  void FoldAggregateUsage(Replica& r) {
    const Pool& p = pools[r.pool];
    r.busy_s += p.acc_busy_s - r.mark_busy_s;
    r.load_s += p.acc_load_s - r.mark_load_s;
    const double tok = p.acc_tokens - r.mark_tokens;
    r.tokens += static_cast<int64_t>(std::llround(tok));
    r.mark_busy_s = p.acc_busy_s;
    r.mark_load_s = p.acc_load_s;
    r.mark_tokens += static_cast<double>(std::llround(tok));  // keep rounding remainder
  }
  void AggregateStep(double t0, double t1);
  double AggregateRate(Stream& s, double t0, double t1);  // arrivals/s over [t0, t1)
};

ServingSim::ServingSim(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServingSim::~ServingSim() = default;

absl::StatusOr<std::unique_ptr<ServingSim>> ServingSim::Create(std::vector<StreamSpec> specs,
                                                               const ServingOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->opt = options;
  if (!(options.bin_s > 0) || !(options.aggregate_step_s > 0)) {
    return absl::InvalidArgumentError("serving: bin_s and aggregate_step_s must be > 0");
  }
  impl->sample_rng = Rng(options.seed, 0x5eed);
  std::map<std::string, int> pool_of;
  for (size_t i = 0; i < specs.size(); ++i) {
    Impl::Stream s;
    s.spec = std::move(specs[i]);
    s.growth_per_s = GrowthPerSecond(s.spec);
    const bool svc = s.spec.service.kind != ServiceKind::kTokens;
    auto it = pool_of.find(s.spec.model.name);
    if (it == pool_of.end()) {
      it = pool_of.emplace(s.spec.model.name, static_cast<int>(impl->pools.size())).first;
      impl->pools.emplace_back();
      impl->pools.back().model = s.spec.model.name;
      impl->pools.back().service_mode = svc;
    } else if (impl->pools[it->second].service_mode != svc) {
      return absl::InvalidArgumentError(absl::StrCat(
          "stream '", s.spec.name, "': model '", s.spec.model.name,
          "' is served both with and without a `service` override; use distinct model names"));
    }
    s.pool = it->second;
    Impl::Pool& p = impl->pools[s.pool];
    p.streams.push_back(static_cast<int>(i));
    bool have = false;
    for (auto& [pr, q] : p.central) have |= pr == s.spec.priority;
    if (!have) {
      p.central.push_back({s.spec.priority, {}});
      std::sort(p.central.begin(), p.central.end(),
                [](const auto& a, const auto& b) { return a.first > b.first; });
    }
    s.router = MakeRouter(s.spec.routing, s.spec.vendor_share_cap);
    impl->streams.push_back(std::move(s));
  }
  for (size_t i = 0; i < impl->streams.size(); ++i) {
    Impl::Stream& s = impl->streams[i];
    s.gen = std::make_unique<ArrivalGenerator>(&s.spec, options.seed, i);
    impl->service_rngs.emplace_back(options.seed, 0x100000 + i);
    // Aggregate-mode samples (also cheap in request mode).
    Rng rng(options.seed, 0x200000 + i);
    if (s.spec.arrival.kind == ArrivalKind::kMmpp) {
      s.mmpp_rng = Rng(options.seed, 0x400000 + i);
      s.mmpp_switch_s = s.mmpp_rng.Exponential(s.spec.arrival.mmpp_sojourn_s[0]);
    }
    // Token sizes: exact moments of the stream's own distributions (TokenSizes), conditioned
    // on fitting the context limit, and kTokenDraws stratified (prompt, output) points for the
    // latency shapes.
    const TokenSizes ts = TokenSizes::Of(s.spec, options.seed, 0x300000 + i);
    s.p_drop = ts.p_drop;
    s.mean_prompt = ts.mean_prompt;
    s.mean_output = ts.mean_output;
    s.mean_steps = ts.mean_steps;
    {
      const size_t n = ts.s_prompt.size();
      s.size_stride = std::max<size_t>(1, n / kAggPoints);
      s.size_points.resize(s.size_stride * kAggPoints);
      for (size_t off = 0; off < s.size_stride; ++off) {
        for (int i = 0; i < kAggPoints; ++i) {
          // Rank-1 lattice pairing of wait quantiles with sizes: stratum (37 i) mod kAggPoints.
          const size_t j = (off + s.size_stride * ((static_cast<size_t>(i) * 37) % kAggPoints)) % n;
          s.size_points[(off * kAggCycle + i % kAggCycle) * kPointsPerStep + i / kAggCycle] = {
              ts.s_prompt[j], ts.s_output[j]};
        }
      }
      s.sample_offset = s.size_stride / 2;  // cycle 0 takes the middle of each stratum
      double m = 0, v = 0;
      for (double x : ts.s_prompt) m += x / n;
      for (double x : ts.s_prompt) v += (x - m) * (x - m) / n;
      s.sd_prompt = std::sqrt(v);
    }
    const ServiceOverride& sv = s.spec.service;
    if (sv.kind != ServiceKind::kTokens) {
      std::vector<double> sorted = sv.values_s;
      std::sort(sorted.begin(), sorted.end());
      double m = sv.Mean(), var = 0;
      for (int k = 0; k < kAggPoints; ++k) {
        const double v = (k + 0.5) / kAggPoints;
        double x = sv.kind == ServiceKind::kExponential ? -sv.mean_s * pmath::Log(1 - v)
                   : sv.kind == ServiceKind::kDeterministic
                       ? sv.mean_s
                       : sorted[static_cast<size_t>(v * sorted.size())];
        s.s_service.push_back(x);
      }
      if (sv.kind == ServiceKind::kEmpirical) {
        for (double x : sv.values_s) var += (x - m) * (x - m);
        var /= static_cast<double>(sv.values_s.size());
        s.service_cs2 = m > 0 ? var / (m * m) : 0;
      } else {
        s.service_cs2 = sv.kind == ServiceKind::kExponential ? 1.0 : 0.0;
      }
    }
    s.next = s.gen->Next();
    if (options.fidelity == Fidelity::kRequest && s.next.time_s != kNever) {
      impl->Push(s.next.time_s, -1, static_cast<int32_t>(i), 0);
    }
  }
  return std::unique_ptr<ServingSim>(new ServingSim(std::move(impl)));
}

absl::StatusOr<int> ServingSim::AddReplica(const ReplicaSpec& spec) {
  Impl& m = *impl_;
  int pool = -1;
  for (size_t i = 0; i < m.pools.size(); ++i) {
    if (m.pools[i].model == spec.model) pool = static_cast<int>(i);
  }
  if (pool < 0)
    return absl::InvalidArgumentError(absl::StrCat("no stream serves model '", spec.model, "'"));
  if (spec.tp < 1) return absl::InvalidArgumentError("replica tp must be >= 1");
  const StreamSpec& s0 = m.streams[m.pools[pool].streams[0]].spec;
  ReplicaPerf perf(spec.system, spec.tp, s0.model);
  Impl::Pool& p = m.pools[pool];
  if (!p.service_mode && !perf.fits()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model '", spec.model, "' does not fit in tp=", spec.tp, " x ", spec.system.name));
  }
  const int idx = static_cast<int>(m.replicas.size());
  Impl::Replica r(spec, perf);
  r.pool = pool;
  r.usage_last_t = r.last_t = now_;
  // Saturated rate for load accounting: the pool's mean token sizes.
  double mp = 0, mo = 0;
  for (int si : p.streams) {
    mp += m.streams[si].mean_prompt;
    mo += m.streams[si].mean_output;
  }
  const double n = static_cast<double>(p.streams.size());
  r.mean_prompt = mp / n;
  r.mean_output = std::max(1.0, mo / n);
  r.sat_tokens_per_s =
      std::max(1e-9, perf.SaturatedOutputTokensPerSecond(r.mean_prompt, r.mean_output));
  m.unreported.push_back(static_cast<int>(m.replicas.size()));
  m.replicas.push_back(std::move(r));
  ReplicaLoad l;
  l.id = idx;
  auto v = m.vendors.emplace(spec.system.vendor, static_cast<int>(m.vendors.size())).first;
  l.vendor = v->second;
  m.loads.push_back(l);
  p.accepting.push_back(idx);
  ++p.replica_version;
  m.replicas[idx].mark_busy_s = p.acc_busy_s;
  m.replicas[idx].mark_load_s = p.acc_load_s;
  m.replicas[idx].mark_tokens = p.acc_tokens;
  if (m.opt.fidelity == Fidelity::kRequest) m.TryStart(idx, now_);
  return idx;
}

void ServingSim::RemoveReplica(int id) {
  Impl& m = *impl_;
  if (id < 0 || id >= static_cast<int>(m.replicas.size())) return;
  Impl::Replica& r = m.replicas[id];
  if (r.draining) return;
  r.draining = true;
  m.loads[id].accepting = false;
  Impl::Pool& p = m.pools[r.pool];
  p.accepting.erase(std::remove(p.accepting.begin(), p.accepting.end(), id), p.accepting.end());
  ++p.replica_version;
  if (m.opt.fidelity == Fidelity::kAggregate) m.FoldAggregateUsage(r);
  // Its own queue goes back to the pool's queue.
  while (!r.queue.empty()) {
    const int32_t q = r.queue.front();
    r.queue.pop_front();
    Req& req = m.reqs[q];
    m.loads[id].queued--;
    m.loads[id].outstanding_tokens -= req.prompt + req.output;
    m.loads[id].work_ahead_s -= req.prefill_s;
    m.CentralPush(p, m.streams[req.stream].spec.priority, q);
  }
  if (m.opt.fidelity == Fidelity::kRequest) {
    m.Touch(r, now_);
    m.MaybeFinishDrain(id);
    m.KickIdle(p, now_);
  } else {
    r.removed = true;
  }
}

bool ServingSim::IsRemoved(int id) const { return impl_->replicas.at(id).removed; }

void ServingSim::SetPowerLimitW(int id, double limit_w) {
  Impl& m = *impl_;
  auto& r = m.replicas.at(id);
  if (m.pools[r.pool].service_mode) return;
  ReplicaPerf free = r.perf;
  free.set_power_limit_w(ReplicaPerf::kNoLimitW);
  r.perf.set_power_limit_w(limit_w);
  r.sat_tokens_per_s =
      std::max(1e-9, r.perf.SaturatedOutputTokensPerSecond(r.mean_prompt, r.mean_output));
  const double idle = r.perf.IdlePowerW();
  const double full = free.SaturatedPowerW(r.mean_prompt, r.mean_output) - idle;
  r.dynamic_power_share =
      full > 0 ? (r.perf.SaturatedPowerW(r.mean_prompt, r.mean_output) - idle) / full : 1.0;
  ++m.pools[r.pool].replica_version;  // aggregate mode: capacity and timing recomputed
}

void ServingSim::SetPowerShare(int id, double share) {
  const auto& r = impl_->replicas.at(id);
  SetPowerLimitW(id, share >= 1 ? ReplicaPerf::kNoLimitW
                                : r.perf.LimitForDynamicShare(share, r.mean_prompt, r.mean_output));
}

double ServingSim::DynamicPowerShare(int id) const {
  return impl_->replicas.at(id).dynamic_power_share;
}

void ServingSim::SetPowerHeadroom(int id, double headroom_w) {
  impl_->loads.at(id).headroom_w = headroom_w;
}

int ServingSim::ActiveReplicas(const std::string& model) const {
  for (const auto& p : impl_->pools) {
    if (p.model == model) return static_cast<int>(p.accepting.size());
  }
  return 0;
}

void ServingSim::AdvanceTo(double t_s) {
  Impl& m = *impl_;
  if (t_s < now_) t_s = now_;
  if (m.opt.fidelity == Fidelity::kRequest) {
    while (!m.heap.empty() && m.heap.top().t <= t_s) {
      const Impl::Event e = m.heap.top();
      m.heap.pop();
      if (e.replica < 0) {
        m.OnArrival(e.stream, e.t);
      } else if (m.replicas[e.replica].version == e.version && !m.replicas[e.replica].removed) {
        m.OnReplica(e.replica, e.t);
      }
    }
    for (auto& s : m.streams) m.UpdateArea(s, t_s);
    for (int id : m.unreported) {
      auto& r = m.replicas[id];
      if (!r.removed) m.Touch(r, t_s);
    }
  } else {
    double t = now_;
    while (t < t_s) {
      const double next = std::min(
          t_s, (std::floor(t / m.opt.aggregate_step_s + 1e-9) + 1) * m.opt.aggregate_step_s);
      m.AggregateStep(t, next);
      t = next;
    }
    for (auto& s : m.streams) s.FlushPoints();
  }
  now_ = t_s;
  m.now = t_s;
}

double ServingSim::Impl::AggregateRate(Stream& s, double t0, double t1) {
  const ArrivalSpec& a = s.spec.arrival;
  if (a.kind != ArrivalKind::kMmpp || t1 <= t0) return MeanRate(s.spec, t0, t1, s.growth_per_s);
  // Growth over the window = MeanRate / stationary mean; the chain gives the modulated rate.
  const double p0 = a.mmpp_sojourn_s[0] / (a.mmpp_sojourn_s[0] + a.mmpp_sojourn_s[1]);
  const double stationary = p0 * a.mmpp_rate_per_s[0] + (1 - p0) * a.mmpp_rate_per_s[1];
  const double growth =
      stationary > 0 ? MeanRate(s.spec, t0, t1, s.growth_per_s) / stationary : 0;
  double t = t0, integral = 0;
  while (t < t1) {
    const double until = std::min(t1, s.mmpp_switch_s);
    integral += a.mmpp_rate_per_s[s.mmpp_state] * (until - t);
    t = until;
    if (t >= s.mmpp_switch_s) {
      s.mmpp_state = 1 - s.mmpp_state;
      s.mmpp_switch_s += s.mmpp_rng.Exponential(a.mmpp_sojourn_s[s.mmpp_state]);
    }
  }
  return growth * integral / (t1 - t0);
}

void ServingSim::Impl::AggregateStep(double t0, double t1) {
  const double dt = t1 - t0;
  const LatticeTables& lat = Lattice();
  for (Pool& p : pools) {
    // Live replicas and their mean timing.
    const std::vector<int>& live = p.accepting;
    const int c = static_cast<int>(live.size());
    double lam = 0, mp = 0, mo = 0, cs2 = 0, ms = 0;
    std::vector<double>& lam_s = p.step_rates;
    lam_s.resize(p.streams.size());
    for (size_t k = 0; k < p.streams.size(); ++k) {
      Stream& s = streams[p.streams[k]];
      lam_s[k] = AggregateRate(s, t0, t1);
      const double acc = lam_s[k] * (1 - s.p_drop);
      lam += acc;
      mp += acc * s.mean_prompt;
      mo += acc * s.mean_output;
      if (p.service_mode) {
        ms += acc * s.spec.service.Mean();
        cs2 += acc * s.service_cs2;
      }
    }
    if (lam > 0) {
      mp /= lam;
      mo /= lam;
      ms /= lam;
      cs2 /= lam;
    }
    // Capacity in requests/s and per-replica timing.
    auto changed = [](double x, double y) { return std::fabs(x - y) > 1e-9 * std::fabs(y); };
    if (p.cached_version != p.replica_version || changed(p.cached_mp, mp) ||
        changed(p.cached_mo, mo) || changed(p.cached_ms, ms)) {
      double cap = 0, tpt = 0, first = 0;
      // Consecutive live replicas with equal ReplicaPerf (same system, tp, limit and
      // calibration) reuse the last one's figures.
      const Replica* last = nullptr;
      double r_first = 0, r_cap = 0, r_tpt = 0;
      for (int id : live) {
        const Replica& r = replicas[id];
        if (last == nullptr || !(r.perf == last->perf)) {
          last = &r;
          r_first = r.perf.FirstTokenLatencySeconds();
          r_cap = p.service_mode ? (ms > 0 ? 1.0 / ms : 0)
                                 : r.perf.SaturatedOutputTokensPerSecond(mp, std::max(1.0, mo)) /
                                       std::max(1.0, mo);
          r_tpt = p.service_mode ? 0 : r.perf.PrefillSeconds(1.0);
        }
        first += r_first;
        cap += r_cap;
        tpt += r_tpt;
      }
      p.cached_cap = cap;
      p.cached_tp = c > 0 ? tpt / c : 0;
      p.cached_first_s = c > 0 ? first / c : 0;
      p.cached_version = p.replica_version;
      p.cached_mp = mp;
      p.cached_mo = mo;
      p.cached_ms = ms;
    }
    const double cap = p.cached_cap, tp_per_token = p.cached_tp;
    double backlog = 0;
    for (int si : p.streams) backlog += streams[si].backlog;
    const double offered = lam * dt + backlog;
    const double served = std::min(offered, cap * dt);
    const double share = offered > 0 ? served / offered : 0;
    const double backlog_after = offered - served;
    const double lam_eff = std::min(lam, cap * 0.999);
    const double drain_wait = cap > 0 ? backlog_after / cap : 0;  // extra wait for backlog
    // Queueing: wait distribution P(Wq > x) = pw * exp(-x / tail_mean).
    double pw = 0, tail_mean = 0, tpot = 0, busy = 0;
    double step0 = 0, lam_r = 0, tp_mean = 0;  // decode step alone, per-replica rate, prefill
    double rho_p = 0;                          // prefill utilization of a replica
    if (c > 0 && lam_eff > 0) {
      if (p.service_mode) {
        const double a = lam_eff * ms;
        pw = ErlangC(c, a);
        tail_mean = ms / (c - a) * (1.0 + cs2) / 2.0;
        busy = a / c;
      } else {
        tp_mean = tp_per_token * mp;
        const double a = std::min(lam_eff * tp_mean, 0.999 * c);
        pw = ErlangC(c, a);
        tail_mean = tp_mean / (c - a);  // prefill times vary little: M/D/c-like, keep M/M/c tail
        rho_p = a / c;
        lam_r = lam_eff / c;
        // TPOT fixed point: n sequences decode, step slowed by prefill interference.
        const ReplicaPerf& perf = replicas[live[0]].perf;  // pools are assumed homogeneous
        double n = 1;
        for (int it = 0; it < 50; ++it) {
          const double step = perf.DecodeStepSeconds(n, n * (mp + 0.5 * mo)) / (1 - rho_p);
          const double n_new = std::max(1.0, lam_r * std::max(0.0, mo - 1) * step);
          n = 0.5 * n + 0.5 * std::min(n_new, static_cast<double>(perf.max_batch()));
        }
        step0 = perf.DecodeStepSeconds(n, n * (mp + 0.5 * mo));
        tpot = step0 / (1 - rho_p);
        const double e2e_mean = tp_mean + pw * tail_mean + std::max(0.0, mo - 1) * tpot;
        busy = 1 - pmath::Exp(-lam_r * e2e_mean);
      }
    }
    if (backlog_after > 1e-9) busy = c > 0 ? 1.0 : 0.0;
    const double log_pw = pw > 0 ? pmath::Log(pw) : 0;  // for the wait quantiles below
    // Per stream: counts, latency points, areas.
    for (size_t k = 0; k < p.streams.size(); ++k) {
      Stream& s = streams[p.streams[k]];
      s.FlushPoints();  // the last step's points, prefetched then
      const double arr = lam_s[k] * dt;
      const double drop = arr * s.p_drop;
      const double in = arr - drop + s.backlog;
      const double done = in * share;
      s.backlog = in - done;
      s.agg_arrivals += arr;
      s.agg_dropped += drop;
      s.agg_completed += done;
      // Means in closed form (exact under the step's queueing model): the wait is
      // pw * tail_mean (+ the backlog's drain), TTFT adds the mean prefill, TPOT averages to
      // `tpot` (below), and e2e adds E[max(0, output - 1)] decode steps.
      const double mean_wait = pw * tail_mean + drain_wait;
      double mean_ttft, mean_e2e;
      if (p.service_mode) {
        mean_ttft = mean_e2e = mean_wait + s.spec.service.Mean();
      } else {
        mean_ttft = mean_wait + tp_per_token * s.mean_prompt + p.cached_first_s;
        mean_e2e = mean_ttft + s.mean_steps * tpot;
        s.sum_tpot += done * tpot;
      }
      s.sum_e2e += done * mean_e2e;
      s.sum_ttft += done * mean_ttft;
      s.sum_wait += done * mean_wait;
      // Distributions and SLO attainment from lattice points. The first kFullLatticeSteps
      // steps of a stream take all kAggPoints points (short runs keep their resolution); later
      // steps take kPointsPerStep, one from each stratum of wait quantiles (phase r: i = r,
      // r + kAggCycle, ...), so kAggCycle consecutive steps cover the lattice once. Each point
      // weighs done / (points taken).
      const size_t stride = s.size_stride;
      const bool full = s.agg_steps < kFullLatticeSteps;
      const double points = full ? kAggPoints : kPointsPerStep;
      if (done > 0) {
        double slo = 0, tier = 0;
        // Prefill busy periods (TPOT points below): mean and standard deviation.
        const double busy_mean = tp_mean / (1 - rho_p);
        const double et2 = tp_per_token * tp_per_token * (s.sd_prompt * s.sd_prompt + mp * mp);
        const double busy_sd = std::sqrt(
            std::max(0.0, et2 / ((1 - rho_p) * (1 - rho_p) * (1 - rho_p)) - busy_mean * busy_mean));
        const double w = done / points;
        double* pt_ttft = s.pending.ttft;
        double* pt_e2e = s.pending.e2e;
        double* pt_tpot = s.pending.tpot;
        int n_pts = 0, n_tpot = 0;
        const Stream::SizePoint* sizes = &s.size_points[s.sample_offset * kAggPoints];
        for (int n = full ? 0 : s.agg_phase * kPointsPerStep;
             n < (full ? kAggPoints : (s.agg_phase + 1) * kPointsPerStep); ++n) {
          const int i = n / kPointsPerStep + kAggCycle * (n % kPointsPerStep);
          const double u = (i + 0.5) / kAggPoints;
          const double wq = (u < 1 - pw ? 0.0 : tail_mean * (log_pw + kNegLog1mU[i])) + drain_wait;
          double ttft, e2e, tpot_i = 0;
          // Its size point: stratum (37 i) mod kAggPoints (a rank-1 lattice pairing), at the
          // cycle's position inside the strata.
          const Stream::SizePoint& z = sizes[n];
          if (p.service_mode) {
            e2e = ttft = wq + s.s_service[(i * 79) % kAggPoints];
          } else {
            ttft = wq + tp_per_token * z.prompt + p.cached_first_s;
            // TPOT of this request: the decode step plus the prefills that pause its decoding.
            // Prefills come in M/G/1 busy periods (prefill first): a Poisson number k of them,
            // of mean lam_r * (1 - rho_p) * (output - 1) * tpot, each of mean T / (1 - rho_p)
            // and variance E[T^2] / (1 - rho_p)^3 - mean^2 (T the prefill time); their total
            // is k * mean + sqrt(k) * sd * z. E[tpot_i] = step + rho_p * tpot = tpot.
            const double steps = std::max(0.0, z.output - 1);
            if (steps > 0) {
              const double k = PoissonQuantile(lat, lam_r * (1 - rho_p) * steps * tpot, i);
              const double pause =
                  std::max(0.0, k * busy_mean + std::sqrt(k) * busy_sd * lat.z2[i]);
              tpot_i = step0 + pause / steps;
              pt_tpot[n_tpot++] = tpot_i;
              s.h_tpot.Prefetch(tpot_i);
            }
            e2e = ttft + steps * tpot_i;
          }
          s.h_ttft.Prefetch(ttft);
          s.h_e2e.Prefetch(e2e);
          pt_ttft[n_pts] = ttft;
          pt_e2e[n_pts++] = e2e;
          if (p.service_mode ? e2e <= s.spec.slo_sojourn_s
                             : ttft <= s.spec.slo_ttft_s && tpot_i <= s.spec.slo_tpot_s) {
            slo += 1;
          }
          if (tpot_i <= s.spec.tpot_max_s) tier += 1;
        }
        // The histogram writes wait for the stream's next step (Stream::PendingPoints).
        s.pending.n = n_pts;
        s.pending.n_tpot = n_tpot;
        s.pending.w = w;
        s.agg_slo += done * slo / points;
        s.agg_tier += done * tier / points;
      }
      ++s.agg_steps;
      if (full || ++s.agg_phase == kAggCycle) {
        // Next cycle: the position inside the size strata follows the golden-ratio sequence
        // frac(1/2 + c / phi), so even a few cycles spread over each stratum (the first takes
        // its middle) instead of creeping up from its bottom.
        s.agg_phase = 0;
        ++s.agg_cycle;
        const double x = 0.5 + static_cast<double>(s.agg_cycle) * 0.6180339887498949;
        s.sample_offset = std::min(stride - 1, static_cast<size_t>((x - std::floor(x)) * stride));
      }
      // The next step's size points (one cache line), loaded while the other streams step.
      __builtin_prefetch(&s.size_points[(s.sample_offset * kAggCycle + s.agg_phase) * kPointsPerStep]);
      const double tok = p.service_mode ? 0.0 : done * s.mean_output;
      s.out_tokens += tok;
      // Little's law for the areas: L = lambda W (+ backlog held through the step).
      const double l_sys = (done / dt) * mean_e2e + s.backlog;
      const double l_q = (done / dt) * mean_wait + s.backlog;
      s.area_sys += l_sys * dt;
      s.area_q += l_q * dt;
      SplitBins(s.bins, opt.bin_s, t0, t1, [&](BinStats& b, double d) {
        const double f = d / dt;
        b.arrivals += arr * f;
        b.dropped += drop * f;
        b.completed += done * f;
        b.tokens += tok * f;
        b.area_sys += l_sys * d;
        b.area_q += l_q * d;
      });
      p.demand_arrivals += arr;
    }
    const double load = cap > 0 ? served / (cap * dt) : 0;
    if (c > 0) {
      p.acc_busy_s += busy * dt;
      p.acc_load_s += load * dt;
      p.acc_tokens += (p.service_mode ? served : served * mo) / c;
    }
    SplitBins(p.bins, opt.bin_s, t0, t1, [&](PoolBin& b, double d) {
      b.replica_s += c * d;
      b.busy_s += c * busy * d;
      b.load_s += c * load * d;
    });
  }
}

std::vector<ReplicaUsage> ServingSim::TakeUsage() {
  std::vector<ReplicaUsage> out;
  out.reserve(impl_->unreported.size());
  size_t keep = 0;
  for (int i : impl_->unreported) {
    auto& r = impl_->replicas[i];
    if (impl_->opt.fidelity == Fidelity::kAggregate && !r.removed) impl_->FoldAggregateUsage(r);
    ReplicaUsage u;
    u.id = static_cast<int>(i);
    u.busy_s = r.busy_s;
    u.load_s = r.load_s;
    u.output_tokens = r.tokens;
    u.removed = r.removed;
    if (r.removed) {
      r.removed_reported = true;
    } else {
      impl_->unreported[keep++] = i;
    }
    r.busy_s = r.load_s = 0;
    r.tokens = 0;
    out.push_back(u);
  }
  impl_->unreported.resize(keep);
  return out;
}

double ServingSim::TakeDemandRate(const std::string& model) {
  for (auto& p : impl_->pools) {
    if (p.model != model) continue;
    const double span = now_ - p.demand_since;
    const double rate = span > 0 ? p.demand_arrivals / span : 0;
    p.demand_arrivals = 0;
    p.demand_since = now_;
    return rate;
  }
  return 0;
}

double ServingSim::Backlog(const std::string& model) const {
  double b = 0;
  for (const auto& p : impl_->pools) {
    if (p.model != model) continue;
    for (int si : p.streams) {
      const auto& s = impl_->streams[si];
      b += impl_->opt.fidelity == Fidelity::kRequest ? static_cast<double>(s.queued) : s.backlog;
    }
  }
  return b;
}

double ServingSim::ReplicaCapacityPerS(const ReplicaSpec& spec) const {
  for (const auto& p : impl_->pools) {
    if (p.model != spec.model) continue;
    double ms = 0, mp = 0, mo = 0;
    for (int si : p.streams) {
      const auto& s = impl_->streams[si];
      ms += s.spec.service.Mean();
      mp += s.mean_prompt;
      mo += s.mean_output;
    }
    const double n = static_cast<double>(p.streams.size());
    if (p.service_mode) return ms > 0 ? n / ms : 0;
    mp /= n;
    mo = std::max(1.0, mo / n);
    const StreamSpec& s0 = impl_->streams[p.streams[0]].spec;
    return ReplicaPerf(spec.system, spec.tp, s0.model).SaturatedOutputTokensPerSecond(mp, mo) / mo;
  }
  return 0;
}

int ServingSim::num_streams() const { return static_cast<int>(impl_->streams.size()); }

int64_t ServingSim::InSystem(int i) const {
  return impl_->opt.fidelity == Fidelity::kAggregate ? -1 : impl_->streams.at(i).in_system;
}

int64_t ServingSim::LiveRequests() const {
  const Impl& m = *impl_;
  if (m.opt.fidelity == Fidelity::kAggregate) return -1;
  return static_cast<int64_t>(m.reqs.size() - m.free_reqs.size());
}

StreamStats ServingSim::Stats(int i) const {
  const Impl& m = *impl_;
  const Impl::Stream& s = m.streams.at(i);
  // Exact percentiles select over every sample: reuse the result while nothing has changed.
  auto& cache = m.stats_cache;
  if (cache.size() != m.streams.size()) cache.assign(m.streams.size(), {});
  const std::tuple<double, int64_t, int64_t, double> key{now_, s.arrivals, s.completed,
                                                         s.agg_completed};
  if (cache[i].valid && cache[i].key == key) return cache[i].stats;
  StreamStats st = ComputeStats(i);
  cache[i] = {true, key, st};
  return st;
}

StreamStats ServingSim::ComputeStats(int i) const {
  const Impl& m = *impl_;
  const Impl::Stream& s = m.streams.at(i);
  StreamStats st;
  const bool agg = m.opt.fidelity == Fidelity::kAggregate;
  st.arrivals = agg ? std::llround(s.agg_arrivals) : s.arrivals;
  st.completed = agg ? std::llround(s.agg_completed) : s.completed;
  st.dropped = agg ? std::llround(s.agg_dropped) : s.dropped;
  st.slo_met = agg ? std::llround(s.agg_slo) : s.slo_met;
  st.tier_met = agg ? std::llround(s.agg_tier) : s.tier_met;
  const double done = agg ? s.agg_completed : static_cast<double>(s.completed);
  st.output_tokens = s.out_tokens;
  if (done > 0) {
    st.mean_e2e_s = s.sum_e2e / done;
    st.mean_ttft_s = s.sum_ttft / done;
    st.mean_wait_s = s.sum_wait / done;
    st.mean_tpot_s = agg ? s.sum_tpot / done : (s.n_tpot > 0 ? s.sum_tpot / s.n_tpot : 0);
  }
  {
    st.p50_ttft_s = s.h_ttft.Quantile(0.5);
    st.p95_ttft_s = s.h_ttft.Quantile(0.95);
    st.p99_ttft_s = s.h_ttft.Quantile(0.99);
    st.p50_tpot_s = s.h_tpot.Quantile(0.5);
    st.p95_tpot_s = s.h_tpot.Quantile(0.95);
    st.p99_tpot_s = s.h_tpot.Quantile(0.99);
    st.p50_e2e_s = s.h_e2e.Quantile(0.5);
    st.p95_e2e_s = s.h_e2e.Quantile(0.95);
    st.p99_e2e_s = s.h_e2e.Quantile(0.99);
  }
  if (now_ > 0) {
    st.mean_in_system = s.area_sys / now_;
    st.mean_queued = s.area_q / now_;
    st.throughput_per_s = done / now_;
    st.goodput_per_s = (agg ? s.agg_slo : static_cast<double>(s.slo_met)) / now_;
  }
  double busy = 0, load = 0, rs = 0;
  for (const auto& b : m.pools[s.pool].bins) {
    busy += b.busy_s;
    load += b.load_s;
    rs += b.replica_s;
  }
  if (rs > 0) {
    st.busy_fraction = busy / rs;
    st.load_fraction = load / rs;
  }
  if (m.pools[s.pool].service_mode) {
    // No tokens are modelled: token figures are undefined (NaN), and without a stated
    // sojourn SLO so are the attainment and goodput. e2e is the sojourn time.
    st.token_model = false;
    st.output_tokens = NAN;
    st.mean_ttft_s = st.p50_ttft_s = st.p95_ttft_s = st.p99_ttft_s = NAN;
    st.mean_tpot_s = st.p50_tpot_s = st.p95_tpot_s = st.p99_tpot_s = NAN;
    if (s.spec.slo_sojourn_s <= 0) st.goodput_per_s = NAN;
  }
  return st;
}

std::string ServingSim::SeriesCsv() const {
  CsvWriter csv({"stream", "bin_start_s", "arrivals", "completed", "dropped", "queue_mean",
                 "in_system_mean", "tokens_per_s", "replica_busy_fraction",
                 "replica_load_fraction"});
  const Impl& m = *impl_;
  const double bin = m.opt.bin_s;
  const size_t nbins = static_cast<size_t>(std::ceil(now_ / bin - 1e-9));
  for (const auto& s : m.streams) {
    const auto& pb = m.pools[s.pool].bins;
    for (size_t b = 0; b < nbins; ++b) {
      const BinStats z;
      const BinStats& x = b < s.bins.size() ? s.bins[b] : z;
      const double width = std::min(bin, now_ - b * bin);
      const PoolBin pz;
      const PoolBin& p = b < pb.size() ? pb[b] : pz;
      csv.Add(s.spec.name)
          .Add(static_cast<double>(b) * bin)
          .Add(x.arrivals)
          .Add(x.completed)
          .Add(x.dropped)
          .Add(x.area_q / width)
          .Add(x.area_sys / width)
          .Add(m.pools[s.pool].service_mode ? NAN : x.tokens / width)
          .Add(p.replica_s > 0 ? p.busy_s / p.replica_s : 0.0)
          .Add(p.replica_s > 0 ? p.load_s / p.replica_s : 0.0);
      csv.EndRow();
    }
  }
  return csv.Release();
}

double ServingSim::SloAttainment(int i, const StreamStats& st) const {
  const StreamSpec& spec = impl_->streams[i].spec;
  if (st.completed <= 0 || (!st.token_model && spec.slo_sojourn_s <= 0)) return NAN;
  return static_cast<double>(st.slo_met) / st.completed;
}

std::string ServingSim::LatencyCsv() const {
  CsvWriter csv({"stream",        "arrivals",     "completed",   "dropped",    "ttft_p50_s",
                 "ttft_p95_s",    "ttft_p99_s",   "tpot_p50_s",  "tpot_p95_s", "tpot_p99_s",
                 "e2e_p50_s",     "e2e_p95_s",    "e2e_p99_s",   "e2e_mean_s", "slo_attainment",
                 "goodput_per_s", "tokens_per_s", "wait_mean_s", "tpot_max_s", "tier_attainment"});
  for (int i = 0; i < num_streams(); ++i) {
    const StreamStats st = Stats(i);
    csv.Add(impl_->streams[i].spec.name)
        .Add(st.arrivals)
        .Add(st.completed)
        .Add(st.dropped)
        .Add(st.p50_ttft_s)
        .Add(st.p95_ttft_s)
        .Add(st.p99_ttft_s)
        .Add(st.p50_tpot_s)
        .Add(st.p95_tpot_s)
        .Add(st.p99_tpot_s)
        .Add(st.p50_e2e_s)
        .Add(st.p95_e2e_s)
        .Add(st.p99_e2e_s)
        .Add(st.mean_e2e_s)
        .Add(SloAttainment(i, st))
        .Add(st.goodput_per_s)
        .Add(now_ > 0 ? st.output_tokens / now_ : 0.0)
        .Add(st.mean_wait_s);
    // Latency tier: share of completions at or under the stream's tpot_max_s (empty: no tier).
    const double tier_s = impl_->streams[i].spec.tpot_max_s;
    csv.Add(tier_s).Add(
        tier_s > 0 && st.completed > 0 ? static_cast<double>(st.tier_met) / st.completed : NAN);
    csv.EndRow();
  }
  return csv.Release();
}

std::string ServingSim::RequestCsv() const {
  return "stream,arrival_s,prompt_tokens,output_tokens,replica,wait_s,ttft_s,tpot_s,e2e_s\n" +
         impl_->request_csv;
}

void ServingSim::WriteSummary(JsonWriter& json) const {
  json.Key("serving").BeginObject();
  json.Key("fidelity").Value(impl_->opt.fidelity == Fidelity::kRequest ? "request" : "aggregate");
  json.Key("horizon_s").Value(now_);
  json.Key("streams").BeginArray();
  for (int i = 0; i < num_streams(); ++i) {
    const StreamStats st = Stats(i);
    json.BeginObject();
    json.Key("name").Value(impl_->streams[i].spec.name);
    json.Key("arrivals").Value(st.arrivals);
    json.Key("completed").Value(st.completed);
    json.Key("dropped").Value(st.dropped);
    json.Key("wait_mean_s").Value(st.mean_wait_s);
    json.Key("ttft_mean_s").Value(st.mean_ttft_s);
    json.Key("ttft_p50_s").Value(st.p50_ttft_s);
    json.Key("ttft_p95_s").Value(st.p95_ttft_s);
    json.Key("ttft_p99_s").Value(st.p99_ttft_s);
    json.Key("tpot_mean_s").Value(st.mean_tpot_s);
    json.Key("tpot_p50_s").Value(st.p50_tpot_s);
    json.Key("tpot_p95_s").Value(st.p95_tpot_s);
    json.Key("tpot_p99_s").Value(st.p99_tpot_s);
    json.Key("e2e_mean_s").Value(st.mean_e2e_s);
    json.Key("e2e_p50_s").Value(st.p50_e2e_s);
    json.Key("e2e_p95_s").Value(st.p95_e2e_s);
    json.Key("e2e_p99_s").Value(st.p99_e2e_s);
    json.Key("in_system_mean").Value(st.mean_in_system);
    json.Key("queued_mean").Value(st.mean_queued);
    json.Key("throughput_per_s").Value(st.throughput_per_s);
    json.Key("slo_attainment").Value(SloAttainment(i, st));
    json.Key("goodput_per_s").Value(st.goodput_per_s);
    if (impl_->streams[i].spec.tpot_max_s > 0) {
      json.Key("tpot_max_s").Value(impl_->streams[i].spec.tpot_max_s);
      json.Key("tier_attainment")
          .Value(st.completed > 0 ? static_cast<double>(st.tier_met) / st.completed : NAN);
    }
    json.Key("tokens_per_s").Value(now_ > 0 ? st.output_tokens / now_ : 0.0);
    json.Key("replica_busy_fraction").Value(st.busy_fraction);
    json.Key("replica_load_fraction").Value(st.load_fraction);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

}  // namespace fleetsim::serve
