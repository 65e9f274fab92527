// File helpers: whole-file reads, atomic writes, SHA-256 of files.
#ifndef FLEETSIM_SIM_CORE_IO_H_
#define FLEETSIM_SIM_CORE_IO_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fleetsim {

// Reads a whole file. NotFound / InvalidArgument naming the path on failure.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `content` to `path` atomically: a temporary file in the same directory, fsync, rename.
// Readers see either the old file or the whole new one, never a partial file.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view content);

// Lowercase hex SHA-256 (FIPS 180-4) of `data`.
std::string Sha256Hex(absl::string_view data);

// SHA-256 of a file's bytes; error if it cannot be read.
absl::StatusOr<std::string> Sha256File(const std::string& path);

// Creates `dir` and its parents (like mkdir -p).
absl::Status MakeDirs(const std::string& dir);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_IO_H_
