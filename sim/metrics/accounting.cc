#include "sim/metrics/accounting.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "sim/core/date.h"

namespace fleetsim::metrics {

namespace {
constexpr double kJPerMwh = 3.6e9;
constexpr double kSPerHour = 3600;
constexpr double kHoursPerYear = 365.25 * 24;
}  // namespace

void Tally::operator+=(const Tally& o) {
  it_energy_j += o.it_energy_j;
  facility_energy_j += o.facility_energy_j;
  accelerator_s += o.accelerator_s;
  electricity_usd += o.electricity_usd;
  capex_usd += o.capex_usd;
}

void Tally::operator-=(const Tally& o) {
  it_energy_j -= o.it_energy_j;
  facility_energy_j -= o.facility_energy_j;
  accelerator_s -= o.accelerator_s;
  electricity_usd -= o.electricity_usd;
  capex_usd -= o.capex_usd;
}

const char* CategoryName(int c) {
  switch (c) {
    case kTraining: return "training";
    case kInference: return "inference";
    default: return "idle";
  }
}

absl::Status CheckCostPlan(const CostPlan& plan, const platform::Fleet& fleet) {
  for (const auto& p : plan.electricity) {
    if (fleet.FindSite(p.site) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(p.where, ".site: no site '", p.site, "' in ", fleet.source_path));
    }
  }
  for (const auto& c : plan.capex) {
    bool found = false;
    for (const auto& cl : fleet.clusters) found = found || cl.system == c.system;
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat(c.where, ".system: no cluster of system '", c.system, "' in ",
                       fleet.source_path));
    }
  }
  return absl::OkStatus();
}

const Tally& Accounting::Bin(int period, int cluster, int category) const {
  const size_t nc = capex_rate_usd_per_hour.size();
  return bins[(period * nc + cluster) * kNumCategories + category];
}

namespace {

// Period boundaries covering [0, end_s].
std::vector<Period> MakePeriods(const CostPlan& plan, double end_s) {
  std::vector<Period> out;
  if (plan.period == PeriodKind::kRun || end_s <= 0) {
    out.push_back({0, end_s, "run"});
    return out;
  }
  if (plan.period == PeriodKind::kSeconds) {
    for (int64_t i = 0; i * plan.period_s < end_s || i == 0; ++i) {
      out.push_back({i * plan.period_s, std::min(end_s, (i + 1) * plan.period_s),
                     absl::StrCat("p", i)});
    }
    return out;
  }
  const int64_t d0 = *ParseIsoDate(plan.start_date);
  double t = 0;
  int64_t day = d0;
  while (t < end_s || out.empty()) {
    const std::string iso = FormatIsoDate(day);
    const int64_t y = std::stoll(iso.substr(0, 4));
    const int m = std::stoi(iso.substr(5, 2));
    int64_t ny = y;
    int nm = m;
    std::string label;
    if (plan.period == PeriodKind::kMonth) {
      label = iso.substr(0, 7);
      nm = m + 1;
    } else if (plan.period == PeriodKind::kQuarter) {
      label = absl::StrCat(y, "-Q", (m - 1) / 3 + 1);
      nm = (m - 1) / 3 * 3 + 4;
    } else {
      label = absl::StrCat(y);
      nm = 13;
    }
    if (nm > 12) nm -= 12, ++ny;
    const int64_t next = DaysFromCivil(ny, nm, 1);
    const double t1 = static_cast<double>(next - d0) * 86400;
    out.push_back({t, std::min(t1, end_s), label});
    t = t1;
    day = next;
  }
  return out;
}

class Integrator {
 public:
  Integrator(const RunResult& r, const CostPlan& plan, std::vector<double> rates,
             std::vector<Period> periods)
      : r_(r),
        rates_(std::move(rates)),
        periods_(std::move(periods)),
        default_price_(plan.default_usd_per_mwh) {
    const size_t ns = r.fleet.sites.size();
    prices_.resize(ns);
    for (auto& p : prices_) p.push_back({-std::numeric_limits<double>::infinity(), plan.default_usd_per_mwh});
    std::vector<PriceStep> steps = plan.electricity;
    std::stable_sort(steps.begin(), steps.end(),
                     [](const PriceStep& a, const PriceStep& b) { return a.time_s < b.time_s; });
    for (const auto& s : steps) {
      auto& v = prices_[r.fleet.FindSite(s.site)];
      if (v.back().first == s.time_s) {
        v.back().second = s.usd_per_mwh;  // a later entry at the same instant wins
      } else {
        v.push_back({s.time_s, s.usd_per_mwh});
      }
    }
    cluster_site_.resize(r.fleet.clusters.size());
    for (size_t c = 0; c < cluster_site_.size(); ++c) {
      cluster_site_[c] = r.fleet.FindSite(r.fleet.clusters[c].site);
    }
  }

  // Constant IT `power_w` and `accelerators` held on cluster `c` over [t0, t1): added to
  // `out` and, split by period, to `bins` at `category` (null bins: only `out`).
  void Add(int c, double t0, double t1, double power_w, double accelerators, Tally* out,
           std::vector<Tally>* bins, int category) const {
    if (!(t1 > t0)) return;
    const int s = cluster_site_[c];
    const double pue = s >= 0 ? r_.fleet.sites[s].pue : 1.0;
    const double rate = rates_[c];
    const size_t nc = rates_.size();
    // First period containing t0.
    size_t p = std::upper_bound(periods_.begin(), periods_.end(), t0,
                                [](double t, const Period& x) { return t < x.end_s; }) -
               periods_.begin();
    if (p >= periods_.size()) p = periods_.size() - 1;
    double t = t0;
    while (t < t1) {
      double until = t1;
      if (p + 1 < periods_.size()) until = std::min(until, periods_[p].end_s);
      // Price steps inside [t, until); a cluster without a site pays the default price.
      double price = default_price_;
      const std::vector<std::pair<double, double>>* pv = s >= 0 ? &prices_[s] : nullptr;
      size_t k = 0;
      if (pv) {
        k = std::upper_bound(pv->begin(), pv->end(), t,
                             [](double x, const std::pair<double, double>& e) { return x < e.first; }) -
            pv->begin() - 1;
        price = (*pv)[k].second;
      }
      double u = t;
      while (u < until) {
        double v = until;
        if (pv && k + 1 < pv->size()) v = std::min(v, (*pv)[k + 1].first);
        Tally x;
        const double dt = v - u;
        x.it_energy_j = power_w * dt;
        x.facility_energy_j = x.it_energy_j * pue;
        x.accelerator_s = accelerators * dt;
        x.electricity_usd = x.facility_energy_j / kJPerMwh * price;
        x.capex_usd = x.accelerator_s / kSPerHour * rate;
        if (out) *out += x;
        if (bins) (*bins)[(p * nc + c) * kNumCategories + category] += x;
        u = v;
        if (pv && k + 1 < pv->size() && u >= (*pv)[k + 1].first) price = (*pv)[++k].second;
      }
      t = until;
      ++p;
    }
  }

 private:
  const RunResult& r_;
  std::vector<double> rates_;
  std::vector<Period> periods_;
  double default_price_;
  std::vector<std::vector<std::pair<double, double>>> prices_;  // per site: (from_s, usd/MWh)
  std::vector<int> cluster_site_;
};

}  // namespace

Accounting Account(const RunResult& r, const CostPlan& plan, const std::vector<StreamRef>& streams) {
  Accounting a;
  a.plan = plan;
  const size_t nc = r.fleet.clusters.size(), ns = r.fleet.sites.size();
  const double end = r.end_time_s;
  a.capex_rate_usd_per_hour.resize(nc);
  for (size_t c = 0; c < nc; ++c) {
    const auto& cl = r.fleet.clusters[c];
    const int s = r.fleet.FindSite(cl.site);
    const double pue = s >= 0 ? r.fleet.sites[s].pue : 1.0;
    const double facility_w =
        cl.pstates.empty() ? 0 : cl.pstates[0].full_w / cl.accelerators_per_host * pue;
    double rate = plan.capex_usd_per_gw * facility_w / 1e9 / (plan.amortization_years * kHoursPerYear);
    for (const auto& x : plan.capex) {
      if (x.system == cl.system) rate = x.usd_per_accelerator_hour;
    }
    a.capex_rate_usd_per_hour[c] = rate;
  }
  a.periods = MakePeriods(plan, end);
  const size_t np = a.periods.size();
  Integrator in(r, plan, a.capex_rate_usd_per_hour, a.periods);
  std::vector<Tally> total(np * nc * kNumCategories);  // category slot kTraining = all
  a.bins.assign(np * nc * kNumCategories, Tally{});

  a.jobs.resize(r.jobs.size());
  for (size_t j = 0; j < r.jobs.size(); ++j) {
    const auto& job = r.jobs[j];
    for (const auto& seg : job.segments) {
      in.Add(job.cluster, seg.start_s, seg.end_s, seg.power_w,
             static_cast<double>(job.accelerators), &a.jobs[j], &a.bins, kTraining);
    }
  }

  // Inference: each replica's idle share while placed, and per model for the streams.
  std::map<std::string, Tally> by_model;
  a.replica_idle_energy_j.assign(r.replicas.size(), 0);
  for (size_t i = 0; i < r.replicas.size(); ++i) {
    const auto& x = r.replicas[i];
    if (x.start_s < 0 || x.cluster < 0) continue;
    const auto& cl = r.fleet.clusters[x.cluster];
    const double w =
        cl.pstates.empty() ? 0 : x.tp * cl.pstates[0].epsilon_w / cl.accelerators_per_host;
    const double t1 = x.end_s >= 0 ? x.end_s : end;
    Tally t;
    in.Add(x.cluster, x.start_s, t1, w, x.tp, &t, &a.bins, kInference);
    a.replica_idle_energy_j[i] = t.it_energy_j;
    by_model[x.model] += t;
  }
  for (const auto& x : r.serving_sites) {
    if (x.interval_s <= 0 || x.dynamic_energy_j == 0) continue;
    Tally t;
    in.Add(x.cluster, x.time_s - x.interval_s, x.time_s, x.dynamic_energy_j / x.interval_s, 0, &t,
           &a.bins, kInference);
    by_model[x.model] += t;
  }

  // Everything the clusters drew and every online accelerator: idle is the remainder.
  {
    std::vector<const ClusterSample*> prev(nc, nullptr);
    auto close = [&](const ClusterSample& s, double until) {
      in.Add(s.cluster, s.time_s, until, s.power_w, static_cast<double>(s.online_accelerators),
             nullptr, &total, kTraining);
    };
    for (const auto& s : r.samples) {
      if (prev[s.cluster]) close(*prev[s.cluster], s.time_s);
      prev[s.cluster] = &s;
    }
    for (const auto* s : prev) {
      if (s) close(*s, end);
    }
  }
  for (size_t p = 0; p < np; ++p) {
    for (size_t c = 0; c < nc; ++c) {
      const size_t b = (p * nc + c) * kNumCategories;
      Tally idle = total[b];
      idle -= a.bins[b + kTraining];
      idle -= a.bins[b + kInference];
      a.bins[b + kIdle] = idle;
    }
  }

  // Stranded facility power per site: cap minus measured facility power while under the cap.
  a.stranded_j.assign(np * ns, 0);
  {
    std::vector<const SiteSample*> prev(ns, nullptr);
    auto close = [&](const SiteSample& x, double until) {
      if (x.power_cap_w <= 0 || x.facility_power_w >= x.power_cap_w) return;
      const double w = x.power_cap_w - x.facility_power_w;
      for (size_t p = 0; p < np; ++p) {
        const double lo = std::max(x.time_s, a.periods[p].start_s);
        const double hi = std::min(until, p + 1 < np ? a.periods[p].end_s : until);
        if (hi > lo) a.stranded_j[p * ns + x.site] += w * (hi - lo);
      }
    };
    for (const auto& x : r.site_samples) {
      if (prev[x.site]) close(*prev[x.site], x.time_s);
      prev[x.site] = &x;
    }
    for (const auto* x : prev) {
      if (x) close(*x, end);
    }
  }

  // Streams: their model's inference tally in proportion to output tokens (service-time
  // streams: completed requests).
  {
    std::map<std::string, double> model_weight;
    std::vector<double> weight(streams.size(), 0);
    for (size_t i = 0; i < streams.size(); ++i) {
      const StreamRef& st = streams[i];
      StreamCost sc;
      sc.stream = st.name;
      sc.model = st.model;
      sc.output_tokens = st.token_model ? st.output_tokens : 0;
      sc.completed = st.completed;
      weight[i] = st.token_model ? st.output_tokens : st.completed;
      model_weight[sc.model] += weight[i];
      a.streams.push_back(std::move(sc));
    }
    for (size_t i = 0; i < a.streams.size(); ++i) {
      auto& sc = a.streams[i];
      const double w = model_weight[sc.model];
      sc.share = w > 0 ? weight[i] / w : 0;
      const Tally& m = by_model[sc.model];
      sc.tally.it_energy_j = m.it_energy_j * sc.share;
      sc.tally.facility_energy_j = m.facility_energy_j * sc.share;
      sc.tally.accelerator_s = m.accelerator_s * sc.share;
      sc.tally.electricity_usd = m.electricity_usd * sc.share;
      sc.tally.capex_usd = m.capex_usd * sc.share;
    }
  }
  return a;
}

std::string AccountingCsv(const RunResult& r, const Accounting& a) {
  CsvWriter w({"period", "period_start_s", "period_end_s", "site", "provider", "category",
               "it_energy_j", "facility_energy_j", "accelerator_s", "electricity_cost_usd",
               "capex_cost_usd", "cost_usd"});
  const size_t nc = r.fleet.clusters.size(), ns = r.fleet.sites.size();
  for (size_t p = 0; p < a.periods.size(); ++p) {
    const auto& per = a.periods[p];
    for (size_t s = 0; s < ns; ++s) {
      const auto& site = r.fleet.sites[s];
      for (int cat = 0; cat < kNumCategories; ++cat) {
        Tally t;
        for (size_t c = 0; c < nc; ++c) {
          if (r.fleet.clusters[c].site == site.name) t += a.Bin(p, c, cat);
        }
        w.Add(per.label).Add(per.start_s).Add(per.end_s).Add(site.name).Add(site.provider);
        w.Add(CategoryName(cat)).Add(t.it_energy_j).Add(t.facility_energy_j).Add(t.accelerator_s);
        w.Add(t.electricity_usd).Add(t.capex_usd).Add(t.cost_usd());
        w.EndRow();
      }
      w.Add(per.label).Add(per.start_s).Add(per.end_s).Add(site.name).Add(site.provider);
      w.Add("stranded").Add("").Add(a.stranded_j[p * ns + s]).Add("").Add("").Add("").Add("");
      w.EndRow();
    }
  }
  return w.Release();
}

namespace {

void WriteTally(JsonWriter& j, const Tally& t) {
  j.Key("it_energy_j").Value(t.it_energy_j);
  j.Key("facility_energy_j").Value(t.facility_energy_j);
  j.Key("accelerator_s").Value(t.accelerator_s);
  j.Key("electricity_cost_usd").Value(t.electricity_usd);
  j.Key("capex_cost_usd").Value(t.capex_usd);
  j.Key("cost_usd").Value(t.cost_usd());
}

double Share(double part, double other) {
  return part + other > 0 ? part / (part + other) : std::numeric_limits<double>::quiet_NaN();
}

// Per group (cluster, site, vendor, provider): energy and cost by category.
void WriteGroups(JsonWriter& j, const char* key, const RunResult& r, const Accounting& a,
                 const std::function<std::string(const platform::Cluster&)>& name_of) {
  std::vector<std::string> order;
  std::map<std::string, std::array<Tally, kNumCategories>> g;
  for (size_t c = 0; c < r.fleet.clusters.size(); ++c) {
    const std::string n = name_of(r.fleet.clusters[c]);
    if (!g.count(n)) order.push_back(n);
    auto& t = g[n];
    for (size_t p = 0; p < a.periods.size(); ++p) {
      for (int cat = 0; cat < kNumCategories; ++cat) t[cat] += a.Bin(p, c, cat);
    }
  }
  j.Key(key).BeginArray();
  for (const auto& n : order) {
    const auto& t = g[n];
    j.BeginObject();
    j.Key("name").Value(n);
    for (int cat = 0; cat < kNumCategories; ++cat) {
      j.Key(absl::StrCat(CategoryName(cat), "_it_energy_j")).Value(t[cat].it_energy_j);
      j.Key(absl::StrCat(CategoryName(cat), "_cost_usd")).Value(t[cat].cost_usd());
    }
    j.EndObject();
  }
  j.EndArray();
}

}  // namespace

void WriteAccountingJson(JsonWriter& j, const RunResult& r, const Accounting& a) {
  std::array<Tally, kNumCategories> tot;
  const size_t nc = r.fleet.clusters.size();
  for (size_t p = 0; p < a.periods.size(); ++p) {
    for (size_t c = 0; c < nc; ++c) {
      for (int cat = 0; cat < kNumCategories; ++cat) tot[cat] += a.Bin(p, c, cat);
    }
  }
  j.Key("accounting").BeginObject();
  j.Key("default_usd_per_mwh").Value(a.plan.default_usd_per_mwh);
  j.Key("periods").Value(static_cast<int64_t>(a.periods.size()));
  for (int cat = 0; cat < kNumCategories; ++cat) {
    j.Key(CategoryName(cat)).BeginObject();
    WriteTally(j, tot[cat]);
    j.EndObject();
  }
  j.Key("inference_share_of_energy")
      .Value(Share(tot[kInference].it_energy_j, tot[kTraining].it_energy_j));
  j.Key("inference_share_of_cost").Value(Share(tot[kInference].cost_usd(), tot[kTraining].cost_usd()));
  // The first period from which inference cost exceeds training cost in every later period.
  std::string crossover;
  for (size_t p = a.periods.size(); p-- > 0;) {
    double tr = 0, inf = 0;
    for (size_t c = 0; c < nc; ++c) {
      tr += a.Bin(p, c, kTraining).cost_usd();
      inf += a.Bin(p, c, kInference).cost_usd();
    }
    if (!(inf > tr)) break;
    crossover = a.periods[p].label;
  }
  if (crossover.empty()) {
    j.Key("inference_cost_crossover_period").Null();
  } else {
    j.Key("inference_cost_crossover_period").Value(crossover);
  }
  double stranded = 0;
  for (double x : a.stranded_j) stranded += x;
  j.Key("stranded_facility_energy_j").Value(stranded);
  WriteGroups(j, "clusters", r, a, [](const platform::Cluster& c) { return c.name; });
  WriteGroups(j, "sites", r, a, [](const platform::Cluster& c) { return c.site; });
  WriteGroups(j, "vendors", r, a, [](const platform::Cluster& c) { return c.vendor; });
  WriteGroups(j, "providers", r, a, [](const platform::Cluster& c) { return c.provider; });
  j.Key("streams").BeginArray();
  for (const auto& s : a.streams) {
    j.BeginObject();
    j.Key("stream").Value(s.stream);
    j.Key("model").Value(s.model);
    j.Key("output_tokens").Value(s.output_tokens);
    j.Key("share_of_model").Value(s.share);
    WriteTally(j, s.tally);
    j.Key("usd_per_million_tokens")
        .Value(s.output_tokens > 0 ? s.tally.cost_usd() / s.output_tokens * 1e6
                                   : std::numeric_limits<double>::quiet_NaN());
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
}

}  // namespace fleetsim::metrics
