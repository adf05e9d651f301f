//===- Calibration.h - local compute time per unit of work ------*- C++ -*-===//
//
// The compute term of the latency estimate (DESIGN.md §6). A calibration
// file, written by `mpcvit_runtime_bench --calibrate FILE` (bench/runtime)
// on the machine that will run the parties, gives seconds of local work
// per unit for each protocol family, measured over loopback with the
// network rounds (rounds × loopback_round_s, the time of one message hop
// over loopback) subtracted:
//
//   {"format": "mpcvit.calibration.v1", "machine": "...", "date": "...",
//    "loopback_round_s": 3.1e-05,
//    "seconds_per_unit": {"mmul_sp": 1.9e-10, "softmax.a2b": 2.1e-06, ...}}
//
// Keys and units are declared with each op (MpcOps.td `calibration`,
// `calibrationUnits`, read through KernelOpInterface): e.g. mmul_sp and
// mmul_ss per multiply-accumulate; trunc.probabilistic / trunc.exact per
// element; the comparison-based protocols (relu, gelu, softmax,
// relu_softmax, two_quad, two_relu, layer_norm) per input element under
// MNEMONIC.CMP (".a2b" / ".dcf", optionally followed by the truncation
// kind); mul_ss, square, reveal per element; `local` (add, sub,
// mul_public, layout ops) per result element. mpc.weight, mpc.constant and
// mpc.share take no online compute. The lookup tries the most specific key
// first.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_COST_CALIBRATION_H
#define MPCVIT_COST_CALIBRATION_H

#include "mlir/IR/Operation.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <string>

namespace mpcvit::cost {

struct Calibration {
  std::string path;                             ///< file it was read from
  std::map<std::string, double> secondsPerUnit; ///< key → seconds per unit
};

/// Reads a calibration file. Errors name the file and the malformed field.
llvm::Expected<Calibration> loadCalibration(llvm::StringRef path);

/// The work of one op for the compute term: keys to look up, most specific
/// first, and the number of units. Empty keys: no online compute.
struct ComputeWork {
  std::vector<std::string> keys;
  uint64_t units = 0;
};
ComputeWork computeWork(mlir::Operation *op);

/// Seconds of compute of `w` under `c`, or nullopt when no key is
/// calibrated (the report marks the op uncalibrated and counts 0).
std::optional<double> computeSeconds(const ComputeWork &w,
                                     const Calibration &c);

} // namespace mpcvit::cost

#endif // MPCVIT_COST_CALIBRATION_H
