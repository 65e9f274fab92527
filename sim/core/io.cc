#include "sim/core/io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"

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

absl::Status WriteFileAtomic(const std::string& path, absl::string_view content) {
  const std::string tmp = UniqueTempName(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(path, "cannot write", errno);
  auto fail = [&](absl::string_view what, int e) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return IoError(path, what, e);
  };
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write failed", errno);
    }
    off += static_cast<size_t>(n);
  }
  // On NFS/Lustre a quota or space error may only show at fsync or close: both are checked so a
  // truncated file is never renamed into place.
  if (::fsync(fd) != 0) return fail("fsync failed", errno);
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail("close failed", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename failed", errno);
  return SyncDir(std::filesystem::path(path).parent_path().string());
}

namespace {

constexpr std::array<uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void Block(std::array<uint32_t, 8>& h, const unsigned char* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = (uint32_t(p[4 * i]) << 24) | (uint32_t(p[4 * i + 1]) << 16) | (uint32_t(p[4 * i + 2]) << 8) |
           uint32_t(p[4 * i + 3]);
  }
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t S1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + S1 + ch + kK[i] + w[i];
    uint32_t S0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
    uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = S0 + mj;
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  size_t full = n / 64;
  for (size_t i = 0; i < full; ++i) Block(h, p + 64 * i);
  unsigned char tail[128] = {0};
  size_t rem = n - full * 64;
  std::memcpy(tail, p + full * 64, rem);
  tail[rem] = 0x80;
  size_t tail_len = (rem + 9 <= 64) ? 64 : 128;
  uint64_t bits = uint64_t(n) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  Block(h, tail);
  if (tail_len == 128) Block(h, tail + 64);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint32_t v : h) {
    for (int s = 28; s >= 0; s -= 4) out.push_back(kHex[(v >> s) & 0xf]);
  }
  return out;
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  auto content = ReadFile(path);
  if (!content.ok()) return content.status();
  return Sha256Hex(*content);
}

}  // namespace fleetsim
