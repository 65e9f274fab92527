#include "sim/core/yaml_reader.h"

#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/core/io.h"
#include "yaml-cpp/depthguard.h"

namespace fleetsim {

absl::StatusOr<YAML::Node> ParseYaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node root = YAML::Load(text);
    return root;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at about 500 nested collections (its message says "bad file").
    SourcePos pos{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                  e.mark.column >= 0 ? e.mark.column + 1 : 0};
    return InputError(pos, "", "malformed YAML: nested too deeply (limit about 500 levels)");
  } catch (const YAML::Exception& e) {
    SourcePos pos{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                  e.mark.column >= 0 ? e.mark.column + 1 : 0};
    return InputError(pos, "", absl::StrCat("malformed YAML: ", e.msg));
  }
}

absl::StatusOr<YAML::Node> LoadYamlFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(std::string(text.status().message()));
  return ParseYaml(*text, path);
}

SourcePos PosOf(const YAML::Node& node, const std::string& file) {
  if (!node.IsDefined()) return SourcePos{file, 0, 0};
  YAML::Mark m = node.Mark();
  if (m.line < 0) return SourcePos{file, 0, 0};
  return SourcePos{file, m.line + 1, m.column + 1};
}

absl::StatusOr<YamlMap> YamlMap::Make(const YAML::Node& node, std::string file, std::string path) {
  if (!node.IsDefined() || !node.IsMap()) {
    return InputError(PosOf(node, file), path.empty() ? "<document>" : path, "must be a mapping");
  }
  // Duplicate keys are an error: yaml-cpp keeps both silently.
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return InputError(PosOf(kv.first, file), path, "keys must be scalars");
    std::string k = kv.first.Scalar();
    if (!seen.insert(k).second) {
      return InputError(PosOf(kv.first, file), path.empty() ? k : absl::StrCat(path, ".", k),
                        "duplicate key");
    }
  }
  return YamlMap(node, std::move(file), std::move(path));
}

bool YamlMap::Has(const std::string& key) const { return node_[key].IsDefined() && !node_[key].IsNull(); }

YAML::Node YamlMap::Child(const std::string& key) {
  used_.insert(key);
  return node_[key];
}

std::string YamlMap::FieldPath(const std::string& key) const {
  return path_.empty() ? key : absl::StrCat(path_, ".", key);
}

SourcePos YamlMap::PosOfKey(const std::string& key) const {
  for (const auto& kv : node_) {
    if (kv.first.Scalar() == key) return PosOf(kv.second, file_);
  }
  return Pos();
}

absl::Status YamlMap::ErrorAt(const std::string& key, const std::string& message) const {
  return InputError(PosOfKey(key), FieldPath(key), message);
}

absl::StatusOr<YAML::Node> YamlMap::Scalar(const std::string& key) {
  YAML::Node n = Child(key);
  if (!n.IsDefined() || n.IsNull()) return ErrorAt(key, "missing required field");
  if (!n.IsScalar()) return InputError(PosOf(n, file_), FieldPath(key), "must be a scalar");
  return n;
}

absl::StatusOr<std::string> YamlMap::String(const std::string& key) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node n, Scalar(key));
  if (n.Scalar().empty()) return InputError(PosOf(n, file_), FieldPath(key), "must not be empty");
  return n.Scalar();
}

absl::StatusOr<std::string> YamlMap::String(const std::string& key, const std::string& dflt) {
  if (!Has(key)) {
    used_.insert(key);
    return dflt;
  }
  return String(key);
}

absl::StatusOr<double> YamlDouble(const YAML::Node& n, const std::string& file,
                                  const std::string& field, double min, double max) {
  if (!n.IsScalar()) return InputError(PosOf(n, file), field, "must be a number");
  double v = 0;
  if (!absl::SimpleAtod(n.Scalar(), &v) || !std::isfinite(v)) {
    return InputError(PosOf(n, file), field, absl::StrCat("must be a number, got '", n.Scalar(), "'"));
  }
  if (v < min) return InputError(PosOf(n, file), field, absl::StrCat("must be >= ", min, ", got ", v));
  if (v > max) return InputError(PosOf(n, file), field, absl::StrCat("must be <= ", max, ", got ", v));
  return v;
}

absl::StatusOr<int64_t> YamlInt(const YAML::Node& n, const std::string& file,
                                const std::string& field, int64_t min, int64_t max) {
  if (!n.IsScalar()) return InputError(PosOf(n, file), field, "must be an integer");
  int64_t v = 0;
  if (!absl::SimpleAtoi(n.Scalar(), &v)) {
    return InputError(PosOf(n, file), field, absl::StrCat("must be an integer, got '", n.Scalar(), "'"));
  }
  if (v < min) return InputError(PosOf(n, file), field, absl::StrCat("must be >= ", min, ", got ", v));
  if (v > max) return InputError(PosOf(n, file), field, absl::StrCat("must be <= ", max, ", got ", v));
  return v;
}

absl::StatusOr<double> YamlMap::Double(const std::string& key, double min, double max) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node n, Scalar(key));
  return YamlDouble(n, file_, FieldPath(key), min, max);
}

absl::StatusOr<double> YamlMap::Double(const std::string& key, double min, double max, double dflt) {
  if (!Has(key)) {
    used_.insert(key);
    return dflt;
  }
  return Double(key, min, max);
}

absl::StatusOr<int64_t> YamlMap::Int(const std::string& key, int64_t min, int64_t max) {
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node n, Scalar(key));
  return YamlInt(n, file_, FieldPath(key), min, max);
}

absl::StatusOr<int64_t> YamlMap::Int(const std::string& key, int64_t min, int64_t max, int64_t dflt) {
  if (!Has(key)) {
    used_.insert(key);
    return dflt;
  }
  return Int(key, min, max);
}

absl::StatusOr<bool> YamlMap::Bool(const std::string& key, bool dflt) {
  if (!Has(key)) {
    used_.insert(key);
    return dflt;
  }
  FLEETSIM_ASSIGN_OR_RETURN(YAML::Node n, Scalar(key));
  const std::string& s = n.Scalar();
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return InputError(PosOf(n, file_), FieldPath(key), absl::StrCat("must be true or false, got '", s, "'"));
}

absl::StatusOr<std::string> YamlMap::Enum(const std::string& key, const std::vector<std::string>& allowed,
                                          const std::string& dflt) {
  FLEETSIM_ASSIGN_OR_RETURN(std::string v, dflt.empty() ? String(key) : String(key, dflt));
  for (const auto& a : allowed) {
    if (a == v) return v;
  }
  return ErrorAt(key, absl::StrCat("unknown value '", v, "' (expected one of: ",
                                   absl::StrJoin(allowed, ", "), ")"));
}

absl::StatusOr<YamlMap> YamlMap::Map(const std::string& key) {
  YAML::Node n = Child(key);
  if (!n.IsDefined() || n.IsNull()) return ErrorAt(key, "missing required field");
  return YamlMap::Make(n, file_, FieldPath(key));
}

absl::Status YamlMap::Finish() const {
  for (const auto& kv : node_) {
    std::string k = kv.first.Scalar();
    if (!used_.count(k)) return InputError(PosOf(kv.first, file_), FieldPath(k), "unknown key");
  }
  return absl::OkStatus();
}

}  // namespace fleetsim
