//===- CommCostOpInterface.cpp - exact cost of every mpc op -----*- C++ -*-===//
//
// Closed-form communication of each protocol (PROTOCOLS.md): online bytes
// sent by the server (party 0) and the client (party 1), online rounds, and
// offline bytes sent by the dealer, per inference. ℓ = ringBits, B = ℓ/8
// bytes per ring element, n = number of elements.
//
// Single source of truth: the composite ops (comparisons, nonlinear
// functions, normalisations) return the runtime's own closed-form cost
// function of exactly the kernel the C++ emitter calls for the op
// (lib/target/ToCpp.cpp → runtime/src/kernels.cpp), evaluated for the
// session of the enclosing module (fractional bits, truncation mode,
// comparison backend: CostSession.h). The runtime implements ℓ = 64 only,
// so these fail for another ring. The linear-algebra ops keep their
// ℓ-generic formulas below; at ℓ = 64 they equal the runtime's
// (test/dialects/mpc/CommCostTest.cpp checks it). A program's measured
// counters equal the sum over its ops (test/cost/exact-fmnist.test).
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/CommCostOpInterface.h"
#include "mpcvit/dialects/mpc/CostSession.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/exp.h"
#include "mpcvit/runtime/gelu.h"
#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/layernorm.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/softmax.h"

#include "mlir/IR/BuiltinOps.h"

#include "mpcvit/dialects/mpc/CommCostOpInterface.cpp.inc"

using namespace mlir;
using namespace mpcvit::mpc;
namespace rt = mpcvit::rt;

FailureOr<CostSession> CostSession::of(Operation *op, bool diagnose) {
  auto module = llvm::dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  CostSession s;
  if (!module)
    return s;
  auto bad = [&](StringRef attr, StringRef expected) {
    if (diagnose)
      module.emitError("module attribute ")
          << attr << " must be " << expected << ", got "
          << module->getAttr(attr);
    return failure();
  };
  if (Attribute a = module->getAttr("mpcvit.frac_bits")) {
    auto i = llvm::dyn_cast<IntegerAttr>(a);
    if (!i || i.getInt() < 1 || i.getInt() > 31)
      return bad("mpcvit.frac_bits", "an integer in [1, 31]");
    s.fracBits = unsigned(i.getInt());
  }
  if (Attribute a = module->getAttr("mpcvit.trunc")) {
    auto t = llvm::dyn_cast<StringAttr>(a);
    if (!t || (t.getValue() != "local" && t.getValue() != "dealer"))
      return bad("mpcvit.trunc", "\"local\" or \"dealer\"");
    s.dealerTrunc = t.getValue() == "dealer";
  }
  if (Attribute a = module->getAttr("mpcvit.compare")) {
    auto c = llvm::dyn_cast<StringAttr>(a);
    if (!c || (c.getValue() != "a2b" && c.getValue() != "dcf"))
      return bad("mpcvit.compare", "\"a2b\" or \"dcf\"");
    s.dcfCompare = c.getValue() == "dcf";
  }
  return s;
}

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

/// The runtime's cost in the dialect's unit.
CommCost fromRuntime(const rt::CommCost &c) {
  return CommCost{{c.bytesServer, c.bytesClient}, c.rounds, c.dealerBytes};
}

/// Session parameters in the runtime's types.
struct RtSession {
  int frac;
  rt::TruncMode trunc;
  rt::CompareMode cmp;
};

/// Evaluates `f(session)` for a composite op: fails when the ring is not
/// the runtime's (ℓ = 64) or the module's session attributes are malformed.
template <typename F>
FailureOr<CommCost> runtimeCost(Operation *op, unsigned ringBits, F f) {
  if (ringBits != 64)
    return failure();
  FailureOr<CostSession> s = CostSession::of(op);
  if (failed(s))
    return failure();
  RtSession r{int(s->fracBits),
              s->dealerTrunc ? rt::TruncMode::Dealer : rt::TruncMode::Local,
              s->dcfCompare ? rt::CompareMode::DCF : rt::CompareMode::A2B};
  return fromRuntime(f(r));
}

/// rows × cols of a row-wise op on `v` along its last axis (`axis` must be
/// the last one: the verifiers require it, the runtime kernels assume it).
std::pair<uint64_t, uint64_t> rowsCols(Value v) {
  auto t = llvm::cast<RingTensorType>(v.getType());
  uint64_t cols = t.getRank() ? uint64_t(t.getShape().back()) : 1;
  return {cols ? t.getNumElements() / cols : 0, cols};
}

} // namespace

// Local ops: 0 bytes, 0 rounds, nothing from the dealer.
FailureOr<CommCost> ConstantOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> AddOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> SubOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> MulPublicOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> SumOp::getCommCost(unsigned) { return local(); }

// Pseudo-random zero sharing with a seed agreed at connection (CrypTen
// ArithmeticSharedTensor): the non-owner's share is PRG(k01). 0 bytes
// (runtime share_cost).
FailureOr<CommCost> ShareOp::getCommCost(unsigned) { return local(); }

// The non-receiving party sends its n shares: n·B bytes, 1 round
// (runtime reveal_cost).
FailureOr<CommCost> RevealOp::getCommCost(unsigned ringBits) {
  Party receiver = *getOwner(
      llvm::cast<RingTensorType>(getResult().getType()).getVisibility());
  Party sender = receiver == Party::Server ? Party::Client : Party::Server;
  return oneWay(sender, numElements(getResult()) * ringElementBytes(ringBits),
                0);
}

// Beaver (1991); CrypTen beaver.py: open x − a and y − b (2n elements per
// party, 1 round); the dealer sends one correction share of c (n elements)
// (runtime mul_ss_cost).
FailureOr<CommCost> MulSSOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  return symmetric(2 * n * b, n * b);
}

// CrypTen square: pair (a, a²), open x − a (n elements per party, 1 round);
// one correction share of a² from the dealer (runtime square_cost).
FailureOr<CommCost> SquareOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  return symmetric(n * b, n * b);
}

// Elementwise form of mmul_sp: the client opens x₁ − a (n elements) to the
// server only; the dealer corrects the server's share of a ⊙ B (n elements).
// (No runtime kernel emits it yet; the lowering never produces it.)
FailureOr<CommCost> MulSPOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult()), b = ringElementBytes(ringBits);
  return oneWay(Party::Client, n * b, n * b);
}

// SecureML (Mohassel–Zhang 2017) §2.3 matrix triples: per batch element open
// X − A (m·k) and Y − B (k·n) in one round; the dealer corrects C (m·n)
// (runtime mmul_ss_cost).
FailureOr<CommCost> MMulSSOp::getCommCost(unsigned ringBits) {
  ArrayRef<int64_t> xs =
      llvm::cast<RingTensorType>(getLhs().getType()).getShape();
  ArrayRef<int64_t> ys =
      llvm::cast<RingTensorType>(getRhs().getType()).getShape();
  uint64_t batch = 1;
  for (int64_t d : xs.drop_back(2))
    batch *= d;
  uint64_t m = xs.end()[-2], k = xs.back(), n = ys.back();
  uint64_t b = ringElementBytes(ringBits);
  return symmetric(batch * (m * k + k * n) * b, batch * m * n * b);
}

// PROTOCOLS.md mmul_sp: the client opens E = X₁ − A (M·k elements) to the
// server only; the dealer sends the server C₀ = A·B − C₁ (M·n elements).
// F = W − B is sent once per deployment and is not counted per inference
// (runtime mmul_sp_cost).
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
  uint64_t shift =
      llvm::cast<RingTensorType>(getInput().getType()).getFracBits() -
      llvm::cast<RingTensorType>(getResult().getType()).getFracBits();
  return symmetric(n * b, n * b + (n * (shift + 1) + 7) / 8);
}

// ---- Comparisons (runtime compare.h; A2B carry tree or DCF keys) ----------

// DReLU of n elements: A2B 8 rounds, ≈ 37.6n bytes/party; DCF 1 round, 8n.
FailureOr<CommCost> DReluOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::drelu_cost(n, s.cmp);
  });
}

// ReLU = x·DReLU(x) (kernels::relu → rt::relu): A2B 9 rounds; DCF 1 round.
FailureOr<CommCost> ReluOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::relu_cost(n, s.cmp);
  });
}

// c·(x − y) + y: one Beaver product of n elements (runtime mul_ss_cost).
FailureOr<CommCost> SelectOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getResult());
  return runtimeCost(*this, ringBits,
                     [&](const RtSession &) { return rt::mul_ss_cost(n); });
}

// Tree of ⌈log₂ L⌉ ReLU levels over the reduced axis (runtime
// max_rows_cost with rows = n / L); the verifier keeps the axis last for
// the runtime's row layout, other axes cost the same after a local
// transpose.
FailureOr<CommCost> MaxOp::getCommCost(unsigned ringBits) {
  auto t = llvm::cast<RingTensorType>(getInput().getType());
  uint64_t cols = t.getShape()[getAxis()];
  uint64_t rows = cols ? t.getNumElements() / cols : 0;
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::max_rows_cost(rows, cols, s.cmp);
  });
}

// ---- Elementwise nonlinear functions --------------------------------------

// exp for x ≤ 0: the runtime's exp_neg with r = 8 squarings (CrypTen).
// (The emitter fuses exp into mpc.softmax; a standalone mpc.exp is costed as
// the runtime's exp_neg protocol.)
FailureOr<CommCost> ExpOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::exp_neg_cost(s.trunc, n, s.frac, 8);
  });
}

// Normalise to [1, 4) (22 batched comparisons), Newton–Raphson, scale back
// (runtime reciprocal_cost with the op's fractional bits in and out).
FailureOr<CommCost> ReciprocalOp::getCommCost(unsigned ringBits) {
  auto t = llvm::cast<RingTensorType>(getInput().getType());
  uint64_t n = t.getNumElements();
  int frac = int(t.getFracBits());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::reciprocal_cost(s.trunc, n, frac, frac, s.cmp);
  });
}

// Same normalisation with the rsqrt iteration (runtime rsqrt_cost).
FailureOr<CommCost> RsqrtOp::getCommCost(unsigned ringBits) {
  auto t = llvm::cast<RingTensorType>(getInput().getType());
  uint64_t n = t.getNumElements();
  int frac = int(t.getFracBits());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::rsqrt_cost(s.trunc, n, frac, frac, frac, s.cmp);
  });
}

// kernels::gelu → rt::gelu: ReLU − [|x| < 4]·p(u) (SIGMA decomposition).
FailureOr<CommCost> GeluOp::getCommCost(unsigned ringBits) {
  uint64_t n = numElements(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::gelu_cost(s.trunc, n, s.frac, s.cmp);
  });
}

// ---- Fused normalisations (one reciprocal per row) ------------------------

// kernels::softmax: max, expNegPrecise, reciprocal, row product
// (kernels::softmax_cost, not rt::softmax_cost).
FailureOr<CommCost> SoftmaxOp::getCommCost(unsigned ringBits) {
  auto [rows, cols] = rowsCols(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::kernels::softmax_cost(s.trunc, rows, cols, s.frac, s.cmp);
  });
}

// kernels::reluSoftmax → rt::relu_softmax (ε does not change the cost).
FailureOr<CommCost> ReluSoftmaxOp::getCommCost(unsigned ringBits) {
  auto [rows, cols] = rowsCols(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::relu_softmax_cost(s.trunc, rows, cols, s.frac, s.cmp);
  });
}

// kernels::twoQuad → rt::two_quad.
FailureOr<CommCost> TwoQuadOp::getCommCost(unsigned ringBits) {
  auto [rows, cols] = rowsCols(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::two_quad_cost(s.trunc, rows, cols, s.frac, s.cmp);
  });
}

// kernels::twoRelu → rt::two_relu.
FailureOr<CommCost> TwoReluOp::getCommCost(unsigned ringBits) {
  auto [rows, cols] = rowsCols(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::two_relu_cost(s.trunc, rows, cols, s.frac, s.cmp);
  });
}

// kernels::layerNorm → rt::layer_norm with the server's γ, β (shared by the
// server for free): affine.
FailureOr<CommCost> LayerNormOp::getCommCost(unsigned ringBits) {
  auto [rows, d] = rowsCols(getInput());
  return runtimeCost(*this, ringBits, [&](const RtSession &s) {
    return rt::layer_norm_cost(s.trunc, rows, d, s.frac, true, s.cmp);
  });
}

// Server weights (loaded by the server; a per-deployment mask is not a
// per-inference cost) and data movement: each party rearranges its own
// share, 0 bytes, 0 rounds (runtime local_cost).
FailureOr<CommCost> WeightOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> ReshapeOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> TransposeOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> SliceOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> GatherOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> ConcatOp::getCommCost(unsigned) { return local(); }
FailureOr<CommCost> Im2ColOp::getCommCost(unsigned) { return local(); }
