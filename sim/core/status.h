// Status helpers used across fleetsim.
//
// Input errors are reported as absl::Status values whose message is one line of the form
//   FILE:LINE:COLUMN: FIELD: what is wrong
// (LINE/COLUMN omitted when unknown). Abseil 20220623 has no status macros, so we define two.
#ifndef FLEETSIM_SIM_CORE_STATUS_H_
#define FLEETSIM_SIM_CORE_STATUS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define FLEETSIM_RETURN_IF_ERROR(expr)              \
  do {                                              \
    ::absl::Status _fs_status = (expr);             \
    if (!_fs_status.ok()) return _fs_status;        \
  } while (0)

#define FLEETSIM_CONCAT_INNER_(a, b) a##b
#define FLEETSIM_CONCAT_(a, b) FLEETSIM_CONCAT_INNER_(a, b)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or return its status from the enclosing function.
#define FLEETSIM_ASSIGN_OR_RETURN(lhs, rexpr) \
  FLEETSIM_ASSIGN_OR_RETURN_IMPL_(FLEETSIM_CONCAT_(_fs_statusor_, __LINE__), lhs, rexpr)
#define FLEETSIM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                     \
  if (!tmp.ok()) return tmp.status();                     \
  lhs = std::move(tmp).value()

namespace fleetsim {

// A position in an input file. line and column are 1-based; 0 means unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:column", "file:line" or "file"
};

// An InvalidArgument status: "<pos>: <field>: <message>" (field omitted when empty).
absl::Status InputError(const SourcePos& pos, absl::string_view field, absl::string_view message);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_STATUS_H_
