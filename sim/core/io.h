// File helpers: whole-file reads, atomic writes, SHA-256 of files.
//
// Error codes: a file the user named that cannot be read is NotFound/InvalidArgument (bad input,
// exit 2); a failure of the file system while writing (open, write, fsync, close, rename, mkdir)
// is Unavailable ("I/O error", exit 1), so retry logic can tell the two apart.
#ifndef FLEETSIM_SIM_CORE_IO_H_
#define FLEETSIM_SIM_CORE_IO_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fleetsim {

// Inputs larger than this are refused (a pipe fed without end would otherwise never stop).
inline constexpr size_t kMaxInputBytes = size_t{2} << 30;

// The whole file; NotFound if it cannot be opened, InvalidArgument on a read error, beyond
// kMaxInputBytes (a regular file is refused from its size, before anything is read), or if it is
// a device (/dev/zero, a terminal) rather than a regular file or a pipe.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `content` to `path` atomically (an AtomicFileSet of one file): a temporary file in the
// same directory with a name unique across hosts (see UniqueTempName), every write/fsync/close
// result checked, rename, then the directory fsynced so the rename itself is durable. Readers see
// either the old file or the whole new one, never a partial file; on any failure the temporary
// file is removed and the old file (if any) is untouched. Errors are Unavailable and name the
// path.
// With DirSync::kLater the final directory fsync is left to the caller, who writes several files
// into one directory and then calls SyncDir once (each file's data is still fsynced before its
// rename, so a rename never exposes a partial file).
enum class DirSync { kNow, kLater };
absl::Status WriteFileAtomic(const std::string& path, absl::string_view content,
                             DirSync dir_sync = DirSync::kNow);

// Several files of one directory made durable and visible together. Write() writes each to a
// temporary file (UniqueTempName) and starts its write-back without waiting; Commit() then
// fsyncs every temporary file (the file system commits them in one journal transaction rather
// than one per file), renames each into place in the order written, and fsyncs the directory
// once. Readers see each file old or whole, never partial; on any failure every temporary file
// not yet renamed is removed, as it is when the set is destroyed without Commit. Errors are
// Unavailable and name the path. Not thread-safe.
class AtomicFileSet {
 public:
  explicit AtomicFileSet(std::string dir) : dir_(std::move(dir)) {}
  AtomicFileSet(const AtomicFileSet&) = delete;
  AtomicFileSet& operator=(const AtomicFileSet&) = delete;
  ~AtomicFileSet();

  // `name` is a file name inside the directory.
  absl::Status Write(const std::string& name, absl::string_view content);
  // With DirSync::kLater the directory fsync is left to the caller (as for WriteFileAtomic).
  absl::Status Commit(DirSync dir_sync = DirSync::kNow);

 private:
  friend absl::Status WriteFileAtomic(const std::string& path, absl::string_view content,
                                      DirSync dir_sync);
  struct Pending {
    std::string path, tmp;
    int fd = -1;
  };
  absl::Status Add(std::string path, absl::string_view content);  // `path` lies in the directory
  void Abandon();  // closes and removes every pending temporary file

  std::string dir_;
  std::vector<Pending> pending_;
};

// "<dir>/.<file name>.tmp.<host>.<pid>.<counter>.<8 random hex>" for `path`: two processes on
// two nodes writing into one shared directory never pick the same name.
std::string UniqueTempName(const std::string& path);

// fsync of a directory (makes renames and unlinks in it durable). Unavailable on failure.
absl::Status SyncDir(const std::string& dir);

// Removes a file; OK if it does not exist. Unavailable on other failures.
absl::Status RemoveFileIfExists(const std::string& path);

// Unavailable status "<path>: <what>: <strerror(err)>".
absl::Status IoError(const std::string& path, absl::string_view what, int err);

// Lowercase hex SHA-256 (FIPS 180-4) of `data`, by OpenSSL's libcrypto.
std::string Sha256Hex(absl::string_view data);

// SHA-256 of a file's bytes; error if it cannot be read.
absl::StatusOr<std::string> Sha256File(const std::string& path);

// Creates `dir` and its parents (like mkdir -p). Unavailable on failure.
absl::Status MakeDirs(const std::string& dir);

}  // namespace fleetsim

#endif  // FLEETSIM_SIM_CORE_IO_H_
