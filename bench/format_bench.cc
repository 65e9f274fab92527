// FormatDouble, CsvWriter and request-log row speed: formats a fixed pseudo-random mix of doubles
// (times, ratios, integers) and prints ns per number / row and a checksum of the output (equal
// across equivalent builds).
//   ./build/bench/format_bench [N]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/core/format.h"

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::vector<double> v(n);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const double u = static_cast<double>(x >> 11) * 0x1.0p-53;
    switch (i % 4) {
      case 0:
        v[i] = static_cast<double>(x % 100000);
        break;  // integer seconds
      case 1:
        v[i] = u * 86400.0;
        break;  // a time
      case 2:
        v[i] = u;
        break;  // a fraction
      default:
        v[i] = static_cast<double>(x % 100000) / 1000.0;  // milliseconds as seconds
    }
  }
  uint64_t sum = 0;
  auto start = std::chrono::steady_clock::now();
  for (double d : v) {
    for (char c : fleetsim::FormatDouble(d)) sum = sum * 131 + static_cast<unsigned char>(c);
  }
  std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
  std::printf("FormatDouble: %zu numbers, %.1f ns per number, checksum %016llx\n", n, 1e9 * s.count() / n,
              static_cast<unsigned long long>(sum));
  start = std::chrono::steady_clock::now();
  fleetsim::CsvWriter w({"a", "b", "c", "d"});
  for (size_t i = 0; i + 4 <= n; i += 4) {
    w.Add(v[i]).Add(v[i + 1]).Add(v[i + 2]).Add(v[i + 3]);
    w.EndRow();
  }
  s = std::chrono::steady_clock::now() - start;
  sum = 0;
  for (char c : w.str()) sum = sum * 131 + static_cast<unsigned char>(c);
  std::printf("CsvWriter: %zu rows, %.1f ns per row, %zu bytes, checksum %016llx\n", w.rows(),
              1e9 * s.count() / w.rows(), w.str().size(), static_cast<unsigned long long>(sum));
  // Request-log rows as ServingSim writes them to requests.csv (sim/serve/serving_sim.cc):
  // stream,arrival_s,prompt_tokens,output_tokens,replica,wait_s,ttft_s,tpot_s,e2e_s.
  const size_t rows = n / 4;
  std::string log;
  start = std::chrono::steady_clock::now();
  for (size_t i = 0; i + 4 <= n; i += 4) {
    fleetsim::LineBuilder(&log)
        .Text("chat").Char(',').Number(v[i + 1]).Char(',')
        .Int(static_cast<int32_t>(v[i]) % 6000).Char(',')
        .Int(static_cast<int32_t>(v[i]) % 700).Char(',').Int(static_cast<int32_t>(i % 300))
        .Char(',').Number(v[i + 2]).Char(',').Number(v[i + 3]).Char(',')
        .Number(v[i + 2] * 0.05).Char(',').Number(v[i + 3] + v[i + 1] * 1e-3).Char('\n');
  }
  s = std::chrono::steady_clock::now() - start;
  sum = 0;
  for (char c : log) sum = sum * 131 + static_cast<unsigned char>(c);
  std::printf("request rows: %zu rows, %.1f ns per row, %zu bytes, checksum %016llx\n", rows,
              1e9 * s.count() / rows, log.size(), static_cast<unsigned long long>(sum));
  return 0;
}
