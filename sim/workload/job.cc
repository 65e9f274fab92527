#include "sim/workload/job.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fleetsim::workload {

bool Allows(const std::vector<std::string>& allowed, const std::string& name) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

absl::Status CheckJobNames(const Workload& workload, const std::vector<std::string>& systems,
                           const std::vector<std::string>& vendors,
                           const std::vector<std::string>& sites,
                           const std::string& platform_path) {
  for (const auto& j : workload.jobs) {
    for (const auto& r : j.name_refs) {
      const std::vector<std::string>* known = &systems;
      const char* what = "system";
      if (r.kind == NameRef::Kind::kVendor) known = &vendors, what = "vendor";
      if (r.kind == NameRef::Kind::kSite) known = &sites, what = "site";
      if (std::find(known->begin(), known->end(), r.name) != known->end()) continue;
      std::vector<std::string> sorted = *known;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      return InputError(r.pos, r.field,
                        absl::StrCat("no cluster of ", platform_path, " has ", what, " '", r.name,
                                     "' (it has: ", absl::StrJoin(sorted, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace fleetsim::workload
