//===- bench_fss.cpp - FSS core: PRG, DCF, DPF (keygen / eval / key bytes)
//-===//
//
// Not a test. Prints JSON (stdout) with the local work of the FSS gates per
// element: key generation (dealer, both keys) and evaluation (one party) in
// µs per element, and correction-word bytes per element, for
//   dcf_evp   the DCF of dcf.h with the PRG forced to OpenSSL EVP (the
//             backend the runtime had before fss_prg.h),
//   dcf       the same DCF on the automatic backend (fss_prg.h),
//   dpf       point evaluation of the early-terminated DPF (dpf.h, w = 1),
//   dpf_lt    comparison [x < α] from the same DPF key (dpf_eval_lt),
// at n = 16, 32, 63 bits, 1 and 2 threads; the fixed-key AES MMO in ns per
// block per backend; and DPF evaluate-all (LUT domains) per element.
//   mpcvit_fss_bench [--elems N] [--reps R]
// Each figure is the best of R runs (the machine may be shared);
// "two_thread_speedup_prg" (the PRG alone on 1 vs 2 threads) says how much
// of a second core the run actually had, to read the 2-thread rows by.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/dcf.h"
#include "mpcvit/runtime/dpf.h"
#include "mpcvit/runtime/fss_prg.h"
#include "mpcvit/runtime/parallel_for.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <sys/utsname.h>
#include <thread>
#include <vector>

using namespace mpcvit::rt;
using Clock = std::chrono::steady_clock;

namespace {
int gReps = 3;

double bestSeconds(const std::function<void()> &f) {
  double best = 1e300;
  for (int r = 0; r < gReps; ++r) {
    auto t0 = Clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

std::string loadAvg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      return p == std::string::npos ? line : line.substr(p + 2);
    }
  return "unknown";
}

struct Row {
  std::string scheme;
  int n, threads;
  double genUs, evalUs;
  size_t keyBytes;
};
} // namespace

int main(int argc, char **argv) {
  size_t N = size_t(1) << 16;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--elems") && i + 1 < argc)
      N = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      gReps = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: mpcvit_fss_bench [--elems N] [--reps R]\n");
      return 2;
    }
  }
  std::mt19937_64 rng(1);

  // ---- PRG: ns per block, per backend, batch sizes typical of the gates.
  std::vector<std::string> prgRows;
  for (FssAesImpl impl :
       {FssAesImpl::Evp, FssAesImpl::AesNi, FssAesImpl::Vaes}) {
    if (!fss_aes_supported(impl))
      continue;
    for (size_t batch : {size_t(256), size_t(4096), size_t(1) << 20}) {
      const size_t total = size_t(1) << 22;
      std::vector<FssBlock> buf(batch);
      for (auto &b : buf)
        b = {rng(), rng()};
      double s = bestSeconds([&] {
        for (size_t done = 0; done < total; done += batch)
          fss_mmo(buf.data(), buf.data(), batch, impl);
      });
      char line[200];
      std::snprintf(line, sizeof line,
                    "    {\"backend\": \"%s\", \"batch_blocks\": %zu, "
                    "\"ns_per_block\": %.3f}",
                    fss_aes_name(impl), batch, 1e9 * s / double(total));
      prgRows.push_back(line);
    }
  }

  // ---- How much a second thread can run here: the PRG over 2^22 blocks on
  // one thread vs split over two (≈ 2 on two free cores, ≈ 1 when the
  // machine gives this process one core's worth).
  double speedup2;
  {
    const size_t total = size_t(1) << 22;
    std::vector<FssBlock> buf(total);
    auto run = [&](int th) {
      return bestSeconds([&] {
        parallel_for(total, th, 4096, [&](size_t b, size_t e) {
          for (size_t o = b; o < e; o += 4096)
            fss_mmo(buf.data() + o, buf.data() + o,
                    std::min<size_t>(4096, e - o));
        });
      });
    };
    speedup2 = run(1) / run(2);
  }

  // ---- Comparison gates.
  std::vector<uint64_t> alpha(N), x(N), beta(N), y(N);
  std::vector<FssBlock> s0(N), s1(N);
  for (size_t i = 0; i < N; ++i) {
    alpha[i] = rng();
    x[i] = rng();
    beta[i] = rng();
    s0[i] = {rng(), rng()};
    s1[i] = {rng(), rng()};
  }
  // Every (scheme, n, threads) measurement is a task; the reps go round all
  // tasks in turn, so a busy phase of a shared machine hits them alike.
  struct Task {
    Row *row;
    bool gen;
    std::function<void()> f;
  };
  std::vector<Row> rows;
  rows.reserve(64);
  std::vector<Task> tasks;
  std::map<std::pair<std::string, int>, std::vector<uint8_t>> keys;
  for (int n : {16, 32, 63})
    for (int th : {1, 2})
      for (const char *scheme : {"dcf_evp", "dcf", "dpf", "dpf_lt"}) {
        const std::string sc = scheme;
        const bool isDcf = sc.rfind("dcf", 0) == 0;
        const FssAesImpl impl =
            sc == "dcf_evp" ? FssAesImpl::Evp : FssAesImpl::Auto;
        const size_t kb = isDcf ? dcf_cw_bytes(n, 1) : dpf_key_bytes(n, 1);
        auto &cw = keys[{isDcf ? "dcf" : "dpf", n}];
        cw.resize(N * kb);
        rows.push_back({sc, n, th, 1e300, 1e300, kb});
        Row *r = &rows.back();
        uint8_t *k = cw.data();
        std::function<void()> gen, eval;
        if (isDcf) {
          gen = [=, &alpha, &beta, &s0, &s1] {
            fss_aes_set_default(impl);
            dcf_gen(n, 1, N, alpha.data(), beta.data(), s0.data(), s1.data(), k,
                    th);
          };
          eval = [=, &x, &s1, &y] {
            fss_aes_set_default(impl);
            dcf_eval(1, n, 1, N, x.data(), s1.data(), k, y.data(), th);
          };
        } else {
          gen = [=, &alpha, &s0, &s1] {
            fss_aes_set_default(FssAesImpl::Auto);
            dpf_gen(n, 1, N, alpha.data(), nullptr, s0.data(), s1.data(), k,
                    th);
          };
          if (sc == "dpf")
            eval = [=, &x, &s1, &y] {
              dpf_eval(1, n, 1, N, x.data(), s1.data(), k, y.data(), th);
            };
          else
            eval = [=, &x, &s1, &y] {
              dpf_eval_lt(1, n, N, x.data(), s1.data(), k, y.data(), th);
            };
        }
        tasks.push_back({r, true, gen});
        tasks.push_back({r, false, eval});
      }
  for (int rep = 0; rep < gReps; ++rep)
    for (auto &t : tasks) {
      auto t0 = Clock::now();
      t.f();
      const double us =
          1e6 * std::chrono::duration<double>(Clock::now() - t0).count() /
          double(N);
      double &best = t.gen ? t.row->genUs : t.row->evalUs;
      best = std::min(best, us);
    }
  fss_aes_set_default(FssAesImpl::Auto);
  keys.clear();
  std::vector<uint8_t> cw;

  // ---- Evaluate-all (LUT domains).
  std::vector<std::string> allRows;
  for (int n : {8, 13, 16})
    for (int w : {1, 64}) {
      if (n > 8 && w == 64)
        continue;
      for (int th : {1, 2}) {
        const size_t M = std::max<size_t>(16, N >> (n - 6)); // elements
        const size_t kb = dpf_key_bytes(n, w), W = dpf_eval_all_words(n, w);
        cw.resize(M * kb);
        std::vector<uint64_t> out(M * W);
        dpf_gen(n, w, M, alpha.data(), nullptr, s0.data(), s1.data(), cw.data(),
                th);
        double e = bestSeconds([&] {
          dpf_eval_all(0, n, w, M, s0.data(), cw.data(), out.data(), th);
        });
        char line[240];
        std::snprintf(line, sizeof line,
                      "    {\"n\": %d, \"w\": %d, \"threads\": %d, "
                      "\"elements\": %zu, \"key_bytes\": %zu, "
                      "\"eval_all_us_per_elem\": %.3f}",
                      n, w, th, M, kb, 1e6 * e / double(M));
        allRows.push_back(line);
      }
    }

  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  struct utsname un;
  uname(&un);
  std::printf("{\n  \"bench\": \"mpcvit fss core\",\n  \"date\": \"%s\",\n"
              "  \"machine\": \"%s\", \"nproc\": %u, \"cpu\": \"%s\",\n"
              "  \"aes_auto\": \"%s\", \"elements\": %zu, \"reps\": %d,\n"
              "  \"two_thread_speedup_prg\": %.2f, \"loadavg\": \"%s\",\n"
              "  \"setup\": \"local work only, one process; gen = both keys "
              "(dealer), eval = one party; best of reps\",\n",
              date, un.machine, std::thread::hardware_concurrency(),
              cpuModel().c_str(), fss_aes_name(fss_aes_auto()), N, gReps,
              speedup2, loadAvg().c_str());
  std::printf("  \"prg\": [\n");
  for (size_t i = 0; i < prgRows.size(); ++i)
    std::printf("%s%s\n", prgRows[i].c_str(),
                i + 1 < prgRows.size() ? "," : "");
  std::printf("  ],\n  \"compare\": [\n");
  for (size_t i = 0; i < rows.size(); ++i)
    std::printf("    {\"scheme\": \"%s\", \"n\": %d, \"threads\": %d, "
                "\"keygen_us_per_elem\": %.3f, \"eval_us_per_elem\": %.3f, "
                "\"key_bytes_per_elem\": %zu}%s\n",
                rows[i].scheme.c_str(), rows[i].n, rows[i].threads,
                rows[i].genUs, rows[i].evalUs, rows[i].keyBytes,
                i + 1 < rows.size() ? "," : "");
  std::printf("  ],\n  \"eval_all\": [\n");
  for (size_t i = 0; i < allRows.size(); ++i)
    std::printf("%s%s\n", allRows[i].c_str(),
                i + 1 < allRows.size() ? "," : "");
  std::printf("  ]\n}\n");
  return 0;
}
