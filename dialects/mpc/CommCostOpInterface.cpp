//===- CommCostOpInterface.cpp - exact cost of every mpc op -----*- C++ -*-===//
//
// Closed-form communication of each protocol (PROTOCOLS.md): online bytes
// sent by the server (party 0) and the client (party 1), online rounds, and
// offline bytes sent by the dealer, per inference. ℓ = ringBits, B = ℓ/8
// bytes per ring element, n = number of elements.
//
// Ops whose protocol is chosen by the runtime issue (comparisons, exp,
// reciprocal, rsqrt and the fused normalisations) return failure until the
// runtime fixes their protocol; the cost report names them.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/CommCostOpInterface.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mpcvit/dialects/mpc/CommCostOpInterface.cpp.inc"

using namespace mlir;
using namespace mpcvit::mpc;

namespace {

uint64_t numElements(Value v) {
  return llvm::cast<RingTensorType>(v.getType()).getNumElements();
}

/// A protocol that runs without communication.
CommCost local() { return CommCost{}; }

/// One round in which each party sends `each` bytes.
CommCost symmetric(uint64_t each, uint64_t offline) {
  return CommCost{{each, each}, 1, offline};
}

/// One round in which only `sender` sends `bytes`.
CommCost oneWay(Party sender, uint64_t bytes, uint64_t offline) {
  CommCost c;
  c.onlineBytes[static_cast<unsigned>(sender)] = bytes;
  c.onlineRounds = 1;
  c.offlineBytes = offline;
  return c;
}

} // namespace

// Local ops: 0 bytes, 0 rounds, nothing from the dealer.
FailureOr<CommCost> ConstantOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> AddOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> SubOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> MulPublicOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> SumOp::getCommCost(unsigned) { return local(); }

// Pseudo-random zero sharing with a seed agreed at connection (CrypTen
// ArithmeticSharedTensor): the non-owner's share is PRG(k01). 0 bytes.
FailureOr<CommCost> ShareOp::getCommCost(unsigned) { return local(); }

// The non-receiving party sends its n shares: n·B bytes, 1 round.
FailureOr<CommCost> RevealOp::getCommCost(unsigned ringBits) {
  Party receiver = *getOwner(
      llvm::cast<RingTensorType>(getResult().getType()).getVisibility());
  Party sender = receiver == Party::Server ? Party::Client : Party::Server;
  return oneWay(sender, numElements(getResult()) * ringElementBytes(ringBits),
                0);
}

// Beaver (1991); CrypTen beaver.py: open x − a and y − b (2n elements per
// party, 1 round); the dealer sends one correction share of c (n elements).
FailureOr<CommCost> MulSSOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  return symmetric(2 * n * b, n * b);
}

// CrypTen square: pair (a, a²), open x − a (n elements per party, 1 round);
// one correction share of a² from the dealer.
FailureOr<CommCost> SquareOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  return symmetric(n * b, n * b);
}

// Elementwise form of mmul_sp: the client opens x₁ − a (n elements) to the
// server only; the dealer corrects the server's share of a ⊙ B (n elements).
FailureOr<CommCost> MulSPOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  return oneWay(Party::Client, n * b, n * b);
}

// SecureML (Mohassel–Zhang 2017) §2.3 matrix triples: per batch element open
// X − A (m·k) and Y − B (k·n) in one round; the dealer corrects C (m·n).
FailureOr<CommCost> MMulSSOp::getCommCost(unsigned ringBits) {
  ArrayRef<int64_t> xs = llvm::cast<RingTensorType>(getLhs().getType()).getShape();
  ArrayRef<int64_t> ys = llvm::cast<RingTensorType>(getRhs().getType()).getShape();
  uint64_t batch = 1;
  for (int64_t d : xs.drop_back(2))
    batch *= d;
  uint64_t m = xs.end()[-2], k = xs.back(), n = ys.back();
  uint64_t b = ringElementBytes(ringBits);
  return symmetric(batch * (m * k + k * n) * b, batch * m * n * b);
}

// PROTOCOLS.md mmul_sp: the client opens E = X₁ − A (M·k elements) to the
// server only; the dealer sends the server C₀ = A·B − C₁ (M·n elements).
// F = W − B is sent once per deployment and is not counted per inference.
FailureOr<CommCost> MMulSPOp::getCommCost(unsigned ringBits) {
  auto w = llvm::cast<RingTensorType>(getRhs().getType());
  uint64_t k = w.getShape()[0], n = w.getShape()[1];
  uint64_t rows = numElements(getLhs()) / k;
  uint64_t b = ringElementBytes(ringBits);
  return oneWay(Party::Client, rows * k * b, rows * n * b);
}

// local: SecureML §4.1, each party shifts its share, no communication.
// dealer: open x − r (n elements per party, 1 round). The dealer corrects
// one share of r ≫ s (n elements) and sends the (s+1)-bit wrap/carry
// correction of every element packed (⌈n·(s+1)/8⌉ bytes), which makes the
// result exact up to +1 ulp for |x| < 2^62 (runtime/src/trunc.cpp,
// trunc_dealer_cost; SPU SEMI2K trunc_a without its wrap failure).
FailureOr<CommCost> TruncOp::getCommCost(unsigned ringBits) {
  if (getKind() == TruncKind::Local)
    return local();
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  uint64_t shift = llvm::cast<RingTensorType>(getInput().getType()).getFracBits() -
                   llvm::cast<RingTensorType>(getResult().getType()).getFracBits();
  return symmetric(n * b, n * b + (n * (shift + 1) + 7) / 8);
}

// Not modelled until the runtime fixes these protocols (PROTOCOLS.md lists
// the options): the cost report names any op that returns failure.
FailureOr<CommCost> DReluOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> ReluOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> SelectOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> MaxOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> ExpOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> ReciprocalOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> RsqrtOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> GeluOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> SoftmaxOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> ReluSoftmaxOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> LayerNormOp::getCommCost(unsigned) { return failure(); }

// Server weights (loaded by the server; a per-deployment mask is not a
// per-inference cost) and data movement: each party rearranges its own
// share, 0 bytes, 0 rounds.
FailureOr<CommCost> WeightOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> ReshapeOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> TransposeOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> SliceOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> GatherOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> ConcatOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> Im2ColOp::getCommCost(unsigned) { return local(); }
// Fused MPCFormer normalisations: not modelled until the reciprocal's cost
// is (as softmax and relu_softmax above).
FailureOr<CommCost> TwoQuadOp::getCommCost(unsigned) { return failure(); }
FailureOr<CommCost> TwoReluOp::getCommCost(unsigned) { return failure(); }
