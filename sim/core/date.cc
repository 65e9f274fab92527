#include "sim/core/date.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/core/status.h"

namespace fleetsim {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

absl::StatusOr<CivilDate> ParseIsoDate(const std::string& text) {
  auto bad = [&](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid date '", text, "': ", why, " (expected YYYY-MM-DD)"));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad("wrong format");
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return bad("wrong format");
  }
  auto num = [&](int pos, int len) {
    int v = 0;
    for (int i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  CivilDate d{num(0, 4), num(5, 2), num(8, 2)};
  if (d.year < 1) return bad("year out of range");
  if (d.month < 1 || d.month > 12) return bad("month out of range");
  if (d.day < 1 || d.day > DaysInMonth(d.year, d.month)) return bad("day out of range");
  return d;
}

std::string FormatIsoDate(const CivilDate& d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

int64_t DaysFromCivil(const CivilDate& d) {
  const int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                      // [0, 399]
  const int64_t mp = (d.month + 9) % 12;                                  // March = 0
  const int64_t doy = (153 * mp + 2) / 5 + d.day - 1;                     // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              // [0, 146096]
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  return CivilDate{y, m, d};
}

absl::StatusOr<int64_t> DaysBetween(const std::string& epoch_date, const std::string& iso_date) {
  FLEETSIM_ASSIGN_OR_RETURN(CivilDate e, ParseIsoDate(epoch_date));
  FLEETSIM_ASSIGN_OR_RETURN(CivilDate d, ParseIsoDate(iso_date));
  return DaysFromCivil(d) - DaysFromCivil(e);
}

absl::StatusOr<double> DateToSeconds(const std::string& iso_date, const std::string& epoch_date) {
  FLEETSIM_ASSIGN_OR_RETURN(int64_t days, DaysBetween(epoch_date, iso_date));
  return static_cast<double>(days) * 86400.0;
}

}  // namespace fleetsim
