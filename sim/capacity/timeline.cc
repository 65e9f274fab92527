#include "sim/capacity/timeline.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "sim/core/date.h"
#include "sim/core/status.h"

namespace fleetsim::capacity {

absl::StatusOr<Timeline> BuildTimeline(const platform::Fleet& fleet, const std::string& start_date,
                                       const std::string& platform_path) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Timeline out;
  for (size_t c = 0; c < fleet.clusters.size(); ++c) {
    const auto& cl = fleet.clusters[c];
    out.online_at_start.emplace_back();
    for (size_t t = 0; t < cl.tranches.size(); ++t) {
      const auto& tr = cl.tranches[t];
      if ((tr.online_date || tr.retire_date) && start_date.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            platform_path, ": cluster ", tr.zone_id,
            ": has build-out dates; the scenario must set start_date"));
      }
      // A tranche date as seconds from start_date, or `dflt` when the date is absent.
      auto at = [&](const std::optional<std::string>& date, const char* prop,
                    double dflt) -> absl::StatusOr<double> {
        if (!date) return dflt;
        auto sec = SecondsBetween(start_date, *date);
        if (!sec.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(platform_path, ": cluster ", tr.zone_id,
                                                         ": ", prop, ": ", sec.status().message()));
        }
        return *sec;
      };
      double on_s, off_s;
      FLEETSIM_ASSIGN_OR_RETURN(on_s, at(tr.online_date, "fleetsim.online", -kInf));
      FLEETSIM_ASSIGN_OR_RETURN(off_s, at(tr.retire_date, "fleetsim.retire", kInf));
      out.online_at_start.back().push_back(on_s <= 0 && off_s > 0);
      const int ci = static_cast<int>(c), ti = static_cast<int>(t);
      if (on_s > 0 && on_s < off_s) out.events.push_back({on_s, ci, ti, true});
      if (off_s > 0 && off_s < kInf) out.events.push_back({off_s, ci, ti, false});
    }
  }
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const CapacityEvent& a, const CapacityEvent& b) { return a.time_s < b.time_s; });
  return out;
}

}  // namespace fleetsim::capacity
