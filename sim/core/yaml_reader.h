// Strict, position-aware access to YAML documents.
//
// A YamlMap wraps one mapping node and remembers which keys were read; Finish() reports the first
// key nobody asked for ("unknown key"). Every error names file:line:column and the dotted field
// path, e.g. "workloads/x.yaml:12:5: workload.jobs[3].accelerators: must be >= 1, got -2".
// yaml-cpp marks are 0-based; messages are 1-based.
#ifndef FLEETSIM_SIM_CORE_YAML_READER_H_
#define FLEETSIM_SIM_CORE_YAML_READER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/core/status.h"
#include "yaml-cpp/yaml.h"

namespace fleetsim {

// Parses YAML text; syntax errors become InputError with the parser's position.
absl::StatusOr<YAML::Node> ParseYaml(const std::string& text, const std::string& file);
// Reads and parses a YAML file.
absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path);

// Position of `node` in `file` (1-based).
SourcePos PosOf(const YAML::Node& node, const std::string& file);

class YamlMap {
 public:
  // `node` must be a map (checked by Make). `path` is the dotted field path of the map itself
  // ("" for the document root).
  static absl::StatusOr<YamlMap> Make(const YAML::Node& node, std::string file, std::string path);

  bool Has(const std::string& key) const;
  // The raw child (marks the key as used). Undefined node if absent.
  YAML::Node Child(const std::string& key);
  std::string FieldPath(const std::string& key) const;
  SourcePos Pos() const { return PosOf(node_, file_); }
  SourcePos PosOfKey(const std::string& key) const;
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }

  // Required / optional scalars. Numbers must be finite; ranges are inclusive.
  absl::StatusOr<std::string> String(const std::string& key);
  absl::StatusOr<std::string> String(const std::string& key, const std::string& dflt);
  absl::StatusOr<double> Double(const std::string& key, double min, double max);
  absl::StatusOr<double> Double(const std::string& key, double min, double max, double dflt);
  absl::StatusOr<int64_t> Int(const std::string& key, int64_t min, int64_t max);
  absl::StatusOr<int64_t> Int(const std::string& key, int64_t min, int64_t max, int64_t dflt);
  absl::StatusOr<bool> Bool(const std::string& key, bool dflt);
  // One of `allowed`.
  absl::StatusOr<std::string> Enum(const std::string& key, const std::vector<std::string>& allowed,
                                   const std::string& dflt);
  // A nested map (required).
  absl::StatusOr<YamlMap> Map(const std::string& key);

  // Error if any key of the map was never read.
  absl::Status Finish() const;

  // Error helper at this map's key.
  absl::Status ErrorAt(const std::string& key, const std::string& message) const;

 private:
  YamlMap(YAML::Node node, std::string file, std::string path)
      : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}
  absl::StatusOr<YAML::Node> Scalar(const std::string& key);

  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

// Scalar conversions of a node with errors naming `field` at the node's position.
absl::StatusOr<double> YamlDouble(const YAML::Node& n, const std::string& file,
                                  const std::string& field, double min, double max);
absl::StatusOr<int64_t> YamlInt(const YAML::Node& n, const std::string& file,
                                const std::string& field, int64_t min, int64_t max);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_YAML_READER_H_
