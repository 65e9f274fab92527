#include "sim/core/date.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fleetsim {
// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {
bool Leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
}  // namespace

absl::StatusOr<int64_t> ParseIsoDate(const std::string& iso) {
  int y = 0, m = 0, d = 0;
  bool digits = iso.size() == 10;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) digits = digits && iso[i] >= '0' && iso[i] <= '9';
  if (!digits || iso[4] != '-' || iso[7] != '-' ||
      !absl::SimpleAtoi(iso.substr(0, 4), &y) || !absl::SimpleAtoi(iso.substr(5, 2), &m) ||
      !absl::SimpleAtoi(iso.substr(8, 2), &d)) {
    return absl::InvalidArgumentError(absl::StrCat("not a date YYYY-MM-DD: '", iso, "'"));
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] + (m == 2 && Leap(y) ? 1 : 0)) {
    return absl::InvalidArgumentError(absl::StrCat("no such date: '", iso, "'"));
  }
  return DaysFromCivil(y, m, d);
}

absl::StatusOr<double> SecondsBetween(const std::string& epoch_iso, const std::string& iso) {
  auto a = ParseIsoDate(epoch_iso);
  if (!a.ok()) return a.status();
  auto b = ParseIsoDate(iso);
  if (!b.ok()) return b.status();
  return static_cast<double>(*b - *a) * 86400.0;
}

std::string FormatIsoDate(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

}  // namespace fleetsim
