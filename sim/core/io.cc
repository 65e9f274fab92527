#include "sim/core/io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "openssl/evp.h"

namespace fleetsim {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  // One read into a buffer sized from fstat (an istream copy through rdbuf costs several times
  // more on multi-megabyte traces); files whose size fstat does not know are read in chunks.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  struct stat st;
  std::string out;
  const bool known = ::fstat(fd, &st) == 0;
  if (known && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) &&
      !S_ISDIR(st.st_mode)) {
    // A device (/dev/zero, /dev/urandom, a terminal) is never an input file, and reading one
    // would only stop at the size cap, seconds and gigabytes later.
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file or a pipe: not read as an input"));
  }
  if (known && S_ISREG(st.st_mode) && st.st_size > 0) {
    // Refused before anything is allocated (reserving a file's size first would try to).
    if (static_cast<uint64_t>(st.st_size) > kMaxInputBytes) {
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxInputBytes >> 30, " GiB: not read as an input"));
    }
    out.reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, ": read error: ", std::strerror(err)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxInputBytes) {
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxInputBytes >> 30, " GiB: not read as an input"));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::Status IoError(const std::string& path, absl::string_view what, int err) {
  return absl::UnavailableError(absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": cannot create directory: ", ec.message()));
  return absl::OkStatus();
}

std::string UniqueTempName(const std::string& path) {
  // Host name + pid separate processes across nodes of a shared file system; the counter
  // separates files of one process; the random part covers pid reuse and identical host names
  // (containers). Leading dot: `ls` and globbing readers skip it.
  static std::atomic<uint64_t> counter{0};
  char host[256] = "host";
  if (::gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "host");
  host[sizeof(host) - 1] = '\0';
  for (char* c = host; *c; ++c) {
    if (*c == '/' || *c == '.') *c = '_';
  }
  uint32_t rnd = 0;
  if (::getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd)) {
    rnd = static_cast<uint32_t>(std::random_device{}());
  }
  std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  return absl::StrCat(dir.empty() ? "" : dir + "/", ".", p.filename().string(), ".tmp.", host, ".",
                      ::getpid(), ".", counter.fetch_add(1), ".", absl::Hex(rnd, absl::kZeroPad8));
}

absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(dir, "cannot open directory to sync", errno);
  // Some file systems (e.g. some FUSE and NFS set-ups) refuse fsync on a directory with EINVAL:
  // nothing more can be done there, so that is not an error.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int e = errno;
    ::close(fd);
    return IoError(dir, "fsync of directory failed", e);
  }
  if (::close(fd) != 0) return IoError(dir, "close of directory failed", errno);
  return absl::OkStatus();
}

absl::Status RemoveFileIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError(path, "cannot remove", errno);
  return absl::OkStatus();
}

namespace {

// Writes all of `content` to `fd`, retrying short writes and EINTR; errno on failure.
int WriteAll(int fd, absl::string_view content) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    off += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

absl::Status WriteFileAtomic(const std::string& path, absl::string_view content,
                             DirSync dir_sync) {
  // A set of one file: the same protocol as a run's outputs.
  AtomicFileSet one(std::filesystem::path(path).parent_path().string());
  if (absl::Status st = one.Add(path, content); !st.ok()) return st;
  return one.Commit(dir_sync);
}

AtomicFileSet::~AtomicFileSet() { Abandon(); }

void AtomicFileSet::Abandon() {
  for (auto& p : pending_) {
    if (p.fd >= 0) ::close(p.fd);
    ::unlink(p.tmp.c_str());
  }
  pending_.clear();
}

absl::Status AtomicFileSet::Write(const std::string& name, absl::string_view content) {
  return Add(dir_ + "/" + name, content);
}

absl::Status AtomicFileSet::Add(std::string path, absl::string_view content) {
  Pending p;
  p.path = std::move(path);
  p.tmp = UniqueTempName(p.path);
  p.fd = ::open(p.tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (p.fd < 0) {
    const int e = errno;
    Abandon();
    return IoError(p.path, "cannot write", e);
  }
  pending_.push_back(p);
  if (const int e = WriteAll(p.fd, content); e != 0) {
    Abandon();
    return IoError(p.path, "write failed", e);
  }
#ifdef __linux__
  // Start write-back now (block allocation joins the running journal transaction), so that the
  // fsyncs of Commit find the data on its way and commit every file together. Advisory: its
  // result does not matter, the fsync below is what is checked.
  (void)::sync_file_range(p.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
  return absl::OkStatus();
}

absl::Status AtomicFileSet::Commit(DirSync dir_sync) {
  // `what` failed on pending_[i]: the first `renamed` files are in place and stay, the others'
  // temporary files are removed.
  auto fail = [this](size_t i, size_t renamed, absl::string_view what, int e) {
    const std::string path = pending_[i].path;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(renamed));
    Abandon();
    return IoError(path, what, e);
  };
  // On NFS/Lustre a quota or space error may only show at fsync or close: both are checked so a
  // truncated file is never renamed into place.
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (::fsync(pending_[i].fd) != 0) return fail(i, 0, "fsync failed", errno);
    const int rc = ::close(pending_[i].fd);
    pending_[i].fd = -1;
    if (rc != 0) return fail(i, 0, "close failed", errno);
  }
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (::rename(pending_[i].tmp.c_str(), pending_[i].path.c_str()) != 0) {
      return fail(i, i, "rename failed", errno);
    }
  }
  pending_.clear();
  if (dir_sync == DirSync::kLater) return absl::OkStatus();
  return SyncDir(dir_);
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // OpenSSL's libcrypto (Debian libssl-dev); fails only when out of memory.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    std::fprintf(stderr, "fleetsim: internal error: EVP_Digest(SHA-256) failed\n");
    std::abort();
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  auto content = ReadFile(path);
  if (!content.ok()) return content.status();
  return Sha256Hex(*content);
}

}  // namespace fleetsim
