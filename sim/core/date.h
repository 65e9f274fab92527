// Calendar dates (proleptic Gregorian, ISO "YYYY-MM-DD") and their distance in days / seconds.
//
// Dates are civil days in UTC; a date's time is its midnight. Conversions use Howard Hinnant's
// days_from_civil / civil_from_days algorithms, exact for years 1..9999 accepted here.
#ifndef FLEETSIM_SIM_CORE_DATE_H_
#define FLEETSIM_SIM_CORE_DATE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace fleetsim {

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..days in month
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

// Parses exactly "YYYY-MM-DD" (4-2-2 digits, year 1..9999, real day of month incl. leap years).
// InvalidArgument naming the text otherwise.
absl::StatusOr<CivilDate> ParseIsoDate(const std::string& text);

// "YYYY-MM-DD".
std::string FormatIsoDate(const CivilDate& d);

// Days since 1970-01-01 (negative before). Requires a valid date.
int64_t DaysFromCivil(const CivilDate& d);
// Inverse of DaysFromCivil.
CivilDate CivilFromDays(int64_t days);

// Days from `epoch_date` to `iso_date` (negative if before the epoch). Errors if either is invalid.
absl::StatusOr<int64_t> DaysBetween(const std::string& epoch_date, const std::string& iso_date);

// Seconds from midnight of `epoch_date` to midnight of `iso_date` (86400 per day, no leap
// seconds); an exact integer-valued double. Errors if either date is invalid.
absl::StatusOr<double> DateToSeconds(const std::string& iso_date, const std::string& epoch_date);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_DATE_H_
