#include "sim/core/status.h"

#include "absl/strings/str_cat.h"

namespace fleetsim {

std::string SourcePos::ToString() const {
  std::string s = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    absl::StrAppend(&s, ":", line);
    if (column > 0) absl::StrAppend(&s, ":", column);
  }
  return s;
}

absl::Status InputError(const SourcePos& pos, absl::string_view field, absl::string_view message) {
  if (field.empty()) return absl::InvalidArgumentError(absl::StrCat(pos.ToString(), ": ", message));
  return absl::InvalidArgumentError(absl::StrCat(pos.ToString(), ": ", field, ": ", message));
}

}  // namespace fleetsim
