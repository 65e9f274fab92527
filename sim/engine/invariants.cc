#include "sim/engine/invariants.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "sim/core/format.h"

namespace fleetsim::engine {

namespace {

std::string Tenant(int64_t t) {
  return t >= 0 ? absl::StrCat("job ", t) : absl::StrCat("replica ", -t - 1);
}

}  // namespace

void InvariantChecker::Violation(double now_s, const std::string& what) {
  std::fprintf(stderr, "internal error: invariant violated at t=%s s: %s\n",
               FormatDouble(now_s).c_str(), what.c_str());
  std::abort();
}

InvariantChecker::InvariantChecker(const placement::Occupancy& occ)
    : occ_(occ), held_(occ.num_hosts(), 0) {}

void InvariantChecker::Hold(int64_t tenant, const placement::Placement& p, double now_s) {
  int64_t total = 0;
  for (const auto& [h, k] : p) {
    if (h < 0 || h >= occ_.num_hosts() || k <= 0) {
      Violation(now_s, absl::StrCat(Tenant(tenant), " took ", k, " accelerators of host ", h,
                                    " (hosts 0..", occ_.num_hosts() - 1, ")"));
    }
    held_[h] += k;
    total += k;
    if (held_[h] > occ_.cores(h)) {
      Violation(now_s, absl::StrCat(Tenant(tenant), " took ", k, " accelerators of host ", h,
                                    ": its tenants now hold ", held_[h], " of its ", occ_.cores(h)));
    }
    if (!occ_.host_online(h)) {
      Violation(now_s, absl::StrCat(Tenant(tenant), " took accelerators of offline host ", h));
    }
    if (occ_.held(h) != held_[h]) {
      Violation(now_s, absl::StrCat("host ", h, ": occupancy counts ", occ_.held(h),
                                    " accelerators held, its tenants hold ", held_[h], " (after ",
                                    Tenant(tenant), " took ", k, ")"));
    }
  }
  if (total == 0) Violation(now_s, absl::StrCat(Tenant(tenant), " took an empty placement"));
  if (!tenant_acc_.emplace(tenant, total).second) {
    Violation(now_s, absl::StrCat(Tenant(tenant), " took ", total,
                                  " accelerators while already holding ", tenant_acc_[tenant]));
  }
}

void InvariantChecker::Release(int64_t tenant, const placement::Placement& p, double now_s) {
  auto it = tenant_acc_.find(tenant);
  if (it == tenant_acc_.end()) {
    Violation(now_s, absl::StrCat(Tenant(tenant), " gave back accelerators it did not hold"));
  }
  int64_t total = 0;
  for (const auto& [h, k] : p) {
    if (h < 0 || h >= occ_.num_hosts()) {
      Violation(now_s, absl::StrCat(Tenant(tenant), " gave back host ", h));
    }
    held_[h] -= k;
    total += k;
    if (held_[h] < 0) {
      Violation(now_s, absl::StrCat(Tenant(tenant), " gave back ", k, " accelerators of host ", h,
                                    ", more than its tenants held"));
    }
    if (occ_.held(h) != held_[h]) {
      Violation(now_s, absl::StrCat("host ", h, ": occupancy counts ", occ_.held(h),
                                    " accelerators held, its tenants hold ", held_[h], " (after ",
                                    Tenant(tenant), " gave back ", k, ")"));
    }
  }
  if (total != it->second) {
    Violation(now_s, absl::StrCat(Tenant(tenant), " gave back ", total, " accelerators but held ",
                                  it->second));
  }
  tenant_acc_.erase(it);
}

void InvariantChecker::Finish(const metrics::RunResult& out, const End& end) const {
  const double t = end.end_s;
  // 2. Jobs: every one in exactly one state, consistent with the ledger and the queue.
  size_t waiting = 0, holding = 0;
  for (size_t i = 0; i < out.jobs.size(); ++i) {
    const auto& j = out.jobs[i];
    const auto it = tenant_acc_.find(j.id);
    const int64_t held = it == tenant_acc_.end() ? 0 : it->second;
    const char* status = metrics::JobStatusName(j.status);
    const bool running = j.status == metrics::JobStatus::kRunning;
    if (running ? held != j.accelerators : held != 0) {
      Violation(t, absl::StrCat("job ", j.id, " is ", status, " and holds ", held, " of its ",
                                j.accelerators, " accelerators"));
    }
    if (running) ++holding;
    if (i >= end.submitted) {
      if (j.status != metrics::JobStatus::kQueued || j.start_s >= 0) {
        Violation(t, absl::StrCat("job ", j.id, " (submit ", FormatDouble(j.submit_s),
                                  " s, not yet submitted) is ", status, " and started at ",
                                  FormatDouble(j.start_s)));
      }
      continue;
    }
    if (j.status == metrics::JobStatus::kQueued) ++waiting;
    if (j.status == metrics::JobStatus::kCompleted &&
        !(j.submit_s <= j.start_s && j.start_s <= j.end_s && j.end_s <= t)) {
      Violation(t, absl::StrCat("job ", j.id, " completed with submit ", FormatDouble(j.submit_s),
                                " start ", FormatDouble(j.start_s), " end ",
                                FormatDouble(j.end_s)));
    }
  }
  // Replicas: waiting (never placed), serving (holding tp accelerators) or gone.
  if (out.replicas.size() != end.replica_requests) {
    Violation(t, absl::StrCat(end.replica_requests, " replica requests but ", out.replicas.size(),
                              " replica records"));
  }
  for (size_t r = 0; r < out.replicas.size(); ++r) {
    const auto& x = out.replicas[r];
    const int64_t id = -static_cast<int64_t>(r) - 1;
    const auto it = tenant_acc_.find(id);
    const int64_t held = it == tenant_acc_.end() ? 0 : it->second;
    const bool serving = x.start_s >= 0 && x.end_s < 0;
    if (serving ? held != x.tp : held != 0) {
      Violation(t, absl::StrCat("replica ", r, " (placed at ", FormatDouble(x.start_s),
                                ", ended at ", FormatDouble(x.end_s), ") holds ", held, " of its ",
                                x.tp, " accelerators"));
    }
    if (serving) ++holding;
    if (x.start_s < 0) ++waiting;
  }
  if (holding != tenant_acc_.size()) {
    Violation(t, absl::StrCat(tenant_acc_.size(), " tenants hold accelerators but ", holding,
                              " jobs and replicas are running"));
  }
  if (waiting != end.queue_length) {
    Violation(t, absl::StrCat(waiting, " jobs and replicas are waiting but the scheduler's queue has ",
                              end.queue_length));
  }
  // Requests (request fidelity): each arrival completed, dropped or still in the system.
  if (out.serving) {
    const auto& sv = *out.serving;
    int64_t in_system = 0;
    bool request_level = true;
    for (int s = 0; s < sv.num_streams(); ++s) {
      const int64_t n = sv.InSystem(s);
      if (n < 0) {
        request_level = false;
        continue;
      }
      const auto st = sv.Stats(s);
      if (st.arrivals != st.completed + st.dropped + n) {
        Violation(t, absl::StrCat("stream ", s, ": ", st.arrivals, " arrivals but ", st.completed,
                                  " completed + ", st.dropped, " dropped + ", n,
                                  " in the system"));
      }
      in_system += n;
    }
    if (request_level && in_system != sv.LiveRequests()) {
      Violation(t, absl::StrCat(in_system, " requests in the system but ", sv.LiveRequests(),
                                " live entries in the request table"));
    }
  }
  // 3. Energy: integral of each cluster's power series = its integrated energy.
  const size_t nc = out.cluster_energy_j.size();
  std::vector<double> integral(nc, 0.0), last_t(nc, 0.0), last_w(nc, 0.0);
  std::vector<char> seen(nc, 0);
  for (const auto& s : out.samples) {
    const size_t c = static_cast<size_t>(s.cluster);
    if (c >= nc || s.time_s < last_t[c]) {
      Violation(s.time_s, absl::StrCat("utilization row of cluster ", s.cluster, " out of order"));
    }
    if (seen[c]) integral[c] += last_w[c] * (s.time_s - last_t[c]);
    seen[c] = 1;
    last_t[c] = s.time_s;
    last_w[c] = s.power_w;
  }
  for (size_t c = 0; c < nc; ++c) {
    if (seen[c]) integral[c] += last_w[c] * (t - last_t[c]);
    const double e = out.cluster_energy_j[c];
    if (!(std::abs(integral[c] - e) <= 1e-9 * std::max(std::abs(e), 1.0))) {
      Violation(t, absl::StrCat("cluster ", c, ": integral of its power series ",
                                FormatDouble(integral[c]), " J but its hosts' energy ",
                                FormatDouble(e), " J"));
    }
  }
}

}  // namespace fleetsim::engine
