// Generation of SimGrid platform XML from the catalogue (plain C++, no SimGrid).
//
// Every phase of every cluster becomes one tranche: a compact SimGrid <cluster> with id
// "<site>.<cluster>.t<phase index>" inside the site's <zone>, carrying the properties of
// platforms/README.md. Output is a pure function of the catalogue and the scale: byte-for-byte
// reproducible.
#ifndef FLEETSIM_SIM_PLATFORM_GENERATOR_H_
#define FLEETSIM_SIM_PLATFORM_GENERATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/platform/catalog.h"

namespace fleetsim::platform {

// One tranche as it will appear in a platform file.
struct PlannedTranche {
  int site = 0;              // index in Catalog::sites
  int cluster = 0;           // index in SiteSpec::clusters
  int phase = 0;             // index in ClusterSpec::phases
  std::string zone_id;       // "<site>.<cluster>.t<phase>"
  std::string cluster_name;  // "<site>.<cluster>"
  int64_t hosts = 0;         // after scaling
  std::optional<std::string> online_date;
  std::optional<std::string> retire_date;
};

// Which tranches a file holds: all of one provider, or a composition's date window.
struct Selection {
  std::optional<std::string> provider;    // only sites of this provider
  std::optional<CompositionSpec> window;  // only tranches in service during the window
};

// Scaled host count: max(1, llround(hosts * scale)) (round half away from zero, >= 1 per tranche).
int64_t ScaleHosts(int64_t hosts, double scale);

// "" for scale 1, else "-s<scale>" with the shortest round-trip decimal, e.g. "-s0.01".
std::string ScaleSuffix(double scale);

// True if a tranche with these dates is in service at some time in [start, end] (dates compare
// as strings): online absent or <= end, and retire absent or > start.
bool InWindow(const std::optional<std::string>& online, const std::optional<std::string>& retire,
              const std::string& start, const std::string& end);

// Tranches selected by `sel` at `scale`, in catalogue order (site, cluster, phase).
std::vector<PlannedTranche> PlanTranches(const Catalog& cat, const Selection& sel, double scale);

// The SimGrid XML text of a selection. `title` goes in the header comment.
std::string RenderPlatform(const Catalog& cat, const std::vector<PlannedTranche>& tranches,
                           const std::string& title, double scale,
                           const std::string& catalog_sha256);

struct GeneratedFile {
  std::string name;  // file name, e.g. "stargate.xml", "fleet-2026-s0.01.xml"
  std::string content;
};

// Every output for each scale: one file per provider and one per composition.
// `catalog_sha256` identifies the catalogue text (see CatalogDigest).
std::vector<GeneratedFile> GeneratePlatforms(const Catalog& cat, const std::vector<double>& scales,
                                             const std::string& catalog_sha256);

// SHA-256 over systems.yaml and sites.yaml of `dir` (used in headers of generated files).
absl::StatusOr<std::string> CatalogDigest(const std::string& dir);

}  // namespace fleetsim::platform

#endif  // FLEETSIM_SIM_PLATFORM_GENERATOR_H_
