// Calendar dates (proleptic Gregorian, UTC) as used by scenarios and platform phases.
#ifndef FLEETSIM_SIM_CORE_DATE_H_
#define FLEETSIM_SIM_CORE_DATE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace fleetsim {

// Days since 1970-01-01 of a proleptic Gregorian year, month (1-12), day (1-31); no validation.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
// Days since 1970-01-01 of an ISO "YYYY-MM-DD" date; InvalidArgument for malformed or
// impossible dates (2026-02-30).
absl::StatusOr<int64_t> ParseIsoDate(const std::string& iso);
// Seconds from `epoch_iso` to `iso` (negative if before).
absl::StatusOr<double> SecondsBetween(const std::string& epoch_iso, const std::string& iso);
// "YYYY-MM-DD" of a day count since 1970-01-01.
std::string FormatIsoDate(int64_t days);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_DATE_H_
