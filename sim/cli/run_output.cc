#include "sim/cli/run_output.h"

// version.h needs xbt/base.h (SG_BEGIN_DECL, XBT_PUBLIC) first.
// clang-format off
#include <xbt/base.h>
#include <simgrid/version.h>
// clang-format on

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sim/cli/signals.h"
#include "sim/core/build_info.h"
#include "sim/core/format.h"
#include "sim/core/io.h"
#include "sim/core/status.h"

namespace fleetsim::cli {
namespace fs = std::filesystem;

namespace {

// Serializes the writer (main thread) and the interrupt action (signal thread).
std::mutex g_out_mu;
bool g_committed = false;  // guarded by g_out_mu

absl::Status ClaimDir(const std::string& dir, const std::string& claim_manifest) {
  FLEETSIM_RETURN_IF_ERROR(MakeDirs(dir));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": --out: not a directory"));
  }
  const std::string manifest = dir + "/manifest.json";
  bool ours = false;
  if (fs::exists(manifest, ec)) {
    auto text = ReadFile(manifest);
    ours = text.ok() && absl::StrContains(*text, "\"fleetsim_version\"");
  }
  if (!ours) {
    if (fs::exists(manifest, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir,
          ": --out: holds a manifest.json that fleetsim did not write; refusing to replace it "
          "(choose another directory)"));
    }
    for (const auto& name : KnownOutputNames()) {
      if (fs::exists(dir + "/" + name, ec)) {
        return absl::InvalidArgumentError(
            absl::StrCat(dir, ": --out: holds ", name,
                         " but no fleetsim manifest.json; refusing to replace "
                         "files fleetsim did not write (choose another directory)"));
      }
    }
  }
  // Made durable with the removals below by the one SyncDir at the end.
  FLEETSIM_RETURN_IF_ERROR(WriteFileAtomic(manifest, claim_manifest, DirSync::kLater));
  for (const auto& name : KnownOutputNames()) {
    FLEETSIM_RETURN_IF_ERROR(RemoveFileIfExists(dir + "/" + name));
  }
  // Temporary files of a writer that died (ours: ".<known name>.tmp.*").
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    for (const auto& name : KnownOutputNames()) {
      if (absl::StartsWith(f, absl::StrCat(".", name, ".tmp.")) ||
          absl::StartsWith(f, ".manifest.json.tmp.")) {
        // Another live writer's temp file in our directory would be misuse; removing is safe.
        (void)RemoveFileIfExists(e.path().string());
        break;
      }
    }
  }
  return SyncDir(dir);
}

}  // namespace

const std::vector<std::string>& KnownOutputNames() {
  static const std::vector<std::string> kNames = {
      "jobs.csv",           "utilization.csv",   "power.csv",           "summary.json",
      "replicas.csv",       "accounting.csv",    "power_domains.csv",
      "serving_series.csv", "serving_sites.csv", "serving_latency.csv", "requests.csv",
      // Written by earlier versions (now power.csv): removed with the rest, so a re-used
      // directory holds no stale table.
      "site_power.csv"};
  return kNames;
}

std::string ManifestJson(const ManifestInfo& m, const std::vector<std::string>& outputs,
                         const std::string& status) {
  JsonWriter j;
  j.BeginObject();
  j.Key("fleetsim_version").Value(FLEETSIM_VERSION);
  j.Key("source_commit").Value(kSourceCommit);
  j.Key("source_modified").Value(kSourceModified);
  j.Key("build_type").Value(kBuildType);
  j.Key("simgrid_version")
      .Value(!m.simgrid_version.empty()
                 ? m.simgrid_version
                 : absl::StrCat(SIMGRID_VERSION_MAJOR, ".", SIMGRID_VERSION_MINOR, ".",
                                SIMGRID_VERSION_PATCH));
  j.Key("command").Value(m.command);
  j.Key("run_id").Value(m.run_id);
  j.Key("scenario").Value(m.scenario);
  j.Key("scenario_file").Value(m.scenario_file);
  j.Key("scenario_sha256").Value(m.config_sha256);
  j.Key("seed").Value(static_cast<int64_t>(m.seed));
  j.Key("parameters").BeginObject();
  for (const auto& [k, v] : m.parameters) j.Key(k).Value(v);
  j.EndObject();
  j.Key("overrides").BeginArray();
  for (const auto& s : m.overrides) j.Value(s);
  j.EndArray();
  j.Key("inputs").BeginArray();
  for (const auto& [p, h] : m.inputs)
    j.BeginObject().Key("path").Value(p).Key("sha256").Value(h).EndObject();
  j.EndArray();
  j.Key("outputs").BeginArray();
  for (const auto& f : outputs) j.Value(f);
  j.EndArray();
  j.Key("status").Value(status);
  j.EndObject();
  return j.str();
}

absl::Status WriteRunOutputs(const std::string& dir, const ManifestInfo& m,
                             const std::vector<OutputFile>& files, const std::string& status) {
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name);
  std::lock_guard<std::mutex> l(g_out_mu);
  FLEETSIM_RETURN_IF_ERROR(ClaimDir(dir, ManifestJson(m, names, "incomplete")));
  // Made one at a time (a run never holds all its texts), made durable and renamed together:
  // one journal commit and one directory fsync for all of them instead of one each (fsyncs were
  // 65-78 ms of a 0.4 s trace replay), and every rename is durable before the complete manifest
  // lands.
  AtomicFileSet outputs(dir);
  for (const auto& f : files) FLEETSIM_RETURN_IF_ERROR(outputs.Write(f.name, f.make()));
  FLEETSIM_RETURN_IF_ERROR(outputs.Commit());
  FLEETSIM_RETURN_IF_ERROR(
      WriteFileAtomic(dir + "/manifest.json", ManifestJson(m, names, status)));
  g_committed = true;
  return absl::OkStatus();
}

void ArmInterrupt(const std::string& dir, const ManifestInfo& m,
                  std::vector<std::string> temp_files) {
  SetInterruptAction([dir, m, temp_files](int) {
    std::lock_guard<std::mutex> l(g_out_mu);  // waits for a write in progress
    for (const auto& t : temp_files) std::remove(t.c_str());
    if (g_committed) return;
    auto st = ClaimDir(dir, ManifestJson(m, {}, "interrupted"));
    if (!st.ok()) std::fprintf(stderr, "fleetsim: %s\n", std::string(st.message()).c_str());
  });
}

}  // namespace fleetsim::cli
