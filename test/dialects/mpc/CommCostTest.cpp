//===- CommCostTest.cpp - unit tests of CommCostOpInterface -----*- C++ -*-===//
//
// Each test parses a small mpc program, asks the op for its cost through
// the interface, and compares it with the formula of PROTOCOLS.md evaluated
// independently here (ℓ = 64 → 8 bytes per element unless stated).
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/CommCostOpInterface.h"
#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/mmul_sp.h"
#include "mpcvit/runtime/sharing.h"
#include "mpcvit/runtime/trunc.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mpcvit::mpc;

namespace {

class CommCostTest : public ::testing::Test {
protected:
  CommCostTest() { ctx.loadDialect<MpcDialect, func::FuncDialect>(); }

  /// Parses `body` inside a function with the given argument list and
  /// returns the first op of type OpTy.
  template <typename OpTy>
  OpTy parseOp(const std::string &args, const std::string &body) {
    std::string src =
        "func.func @f(" + args + ") {\n" + body + "\n  return\n}\n";
    module = parseSourceString<ModuleOp>(src, &ctx);
    EXPECT_TRUE(module) << "failed to parse:\n" << src;
    OpTy found;
    if (module)
      module->walk([&](OpTy op) {
        if (!found)
          found = op;
      });
    EXPECT_TRUE(found) << "no " << OpTy::getOperationName().str() << " in:\n"
                       << src;
    return found;
  }

  static CommCost cost(Operation *op, unsigned ringBits = 64) {
    auto iface = llvm::dyn_cast<CommCostOpInterface>(op);
    EXPECT_TRUE(iface) << op->getName().getStringRef().str()
                       << " does not implement CommCostOpInterface";
    FailureOr<CommCost> c = iface.getCommCost(ringBits);
    EXPECT_TRUE(succeeded(c));
    return succeeded(c) ? *c : CommCost{};
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

std::string sh(const std::string &shape, unsigned frac = 16) {
  return "!mpc.tensor<" + shape + ", shared, frac " + std::to_string(frac) +
         ">";
}
std::string srv(const std::string &shape, unsigned frac = 16) {
  return "!mpc.tensor<" + shape + ", private<server>, frac " +
         std::to_string(frac) + ">";
}

TEST_F(CommCostTest, AddIsLocal) {
  auto op = parseOp<AddOp>("%a: " + sh("65x256") + ", %b: " + srv("256"),
                           "%0 = mpc.add %a, %b : (" + sh("65x256") + ", " +
                               srv("256") + ") -> " + sh("65x256"));
  ASSERT_TRUE(op);
  CommCost c = cost(op);
  EXPECT_EQ(c, CommCost{});
  EXPECT_EQ(c.maxOnlineBytes(), 0u);
}

TEST_F(CommCostTest, MulSSOpensTwoMaskedTensors) {
  // Beaver: each party sends x−a and y−b: 2·n elements; dealer n elements.
  const uint64_t n = 65 * 512;
  auto op =
      parseOp<MulSSOp>("%a: " + sh("65x512") + ", %b: " + sh("65x512"),
                       "%0 = mpc.mul_ss %a, %b : (" + sh("65x512") + ", " +
                           sh("65x512") + ") -> " + sh("65x512", 32));
  ASSERT_TRUE(op);
  CommCost c = cost(op);
  EXPECT_EQ(c.onlineBytes[0], 2 * n * 8);
  EXPECT_EQ(c.onlineBytes[1], 2 * n * 8);
  EXPECT_EQ(c.onlineRounds, 1u);
  EXPECT_EQ(c.offlineBytes, n * 8);
  // A 32-bit ring halves every byte count and keeps the rounds.
  CommCost c32 = cost(op, 32);
  EXPECT_EQ(c32.onlineBytes[0], 2 * n * 4);
  EXPECT_EQ(c32.offlineBytes, n * 4);
  EXPECT_EQ(c32.onlineRounds, 1u);
}

TEST_F(CommCostTest, MMulSSPerBatchMatrixTriple) {
  // Q·Kᵀ of vit_7_4_32: 4 heads, 65 tokens, head dim 64.
  const uint64_t h = 4, m = 65, k = 64, n = 65;
  auto op =
      parseOp<MMulSSOp>("%q: " + sh("4x65x64") + ", %k: " + sh("4x64x65"),
                        "%0 = mpc.mmul_ss %q, %k : (" + sh("4x65x64") + ", " +
                            sh("4x64x65") + ") -> " + sh("4x65x65", 32));
  ASSERT_TRUE(op);
  CommCost c = cost(op);
  EXPECT_EQ(c.onlineBytes[0], h * (m * k + k * n) * 8);
  EXPECT_EQ(c.onlineBytes[1], h * (m * k + k * n) * 8);
  EXPECT_EQ(c.onlineRounds, 1u);
  EXPECT_EQ(c.offlineBytes, h * m * n * 8);
}

TEST_F(CommCostTest, MMulSPOpensOnlyTheClientActivation) {
  // vit_7_4_32 MLP up-projection: X [65, 256] · W [256, 512].
  const uint64_t m = 65, k = 256, n = 512;
  auto op =
      parseOp<MMulSPOp>("%x: " + sh("1x65x256") + ", %w: " + srv("256x512"),
                        "%0 = mpc.mmul_sp %x, %w : (" + sh("1x65x256") + ", " +
                            srv("256x512") + ") -> " + sh("1x65x512", 32));
  ASSERT_TRUE(op);
  CommCost c = cost(op);
  EXPECT_EQ(c.onlineBytes[0], 0u) << "the server sends nothing online";
  EXPECT_EQ(c.onlineBytes[1], m * k * 8);
  EXPECT_EQ(c.maxOnlineBytes(), m * k * 8);
  EXPECT_EQ(c.onlineRounds, 1u);
  EXPECT_EQ(c.offlineBytes, m * n * 8);
}

TEST_F(CommCostTest, TruncLocalIsFreeDealerPairCostsOneOpening) {
  const uint64_t n = 7 * 11;
  auto local = parseOp<TruncOp>("%x: " + sh("7x11", 32),
                                "%0 = mpc.trunc local %x : " + sh("7x11", 32) +
                                    " -> " + sh("7x11"));
  ASSERT_TRUE(local);
  EXPECT_EQ(cost(local), CommCost{});

  auto dealer = parseOp<TruncOp>(
      "%x: " + sh("7x11", 32),
      "%0 = mpc.trunc dealer %x : " + sh("7x11", 32) + " -> " + sh("7x11"));
  ASSERT_TRUE(dealer);
  CommCost c = cost(dealer);
  EXPECT_EQ(c.onlineBytes[0], n * 8);
  EXPECT_EQ(c.onlineBytes[1], n * 8);
  EXPECT_EQ(c.onlineRounds, 1u);
  // r ≫ 16 correction (n ring elements) + a 17-bit carry per element.
  EXPECT_EQ(c.offlineBytes, n * 8 + (n * 17 + 7) / 8);
}

TEST_F(CommCostTest, RevealToClientIsSentByServer) {
  auto op =
      parseOp<RevealOp>("%x: " + sh("1x10"),
                        "%0 = mpc.reveal %x : " + sh("1x10") +
                            " -> !mpc.tensor<1x10, private<client>, frac 16>");
  ASSERT_TRUE(op);
  CommCost c = cost(op);
  EXPECT_EQ(c.onlineBytes[0], 10u * 8);
  EXPECT_EQ(c.onlineBytes[1], 0u);
  EXPECT_EQ(c.onlineRounds, 1u);
}

TEST_F(CommCostTest, LinearLayerSumsMatchPaperReferencePoint) {
  // PROTOCOLS.md reference: one vit_7_4_32 layer opens 65·(256+256+256+512)
  // client-side activation elements through mmul_sp (QKV share one input,
  // then the attention output projection, MLP up and MLP down).
  std::string args = "%x: " + sh("65x256") + ", %h: " + sh("65x512") +
                     ", %wqkv: " + srv("256x768") + ", %wo: " + srv("256x256") +
                     ", %w1: " + srv("256x512") + ", %w2: " + srv("512x256");
  std::string body =
      "%0 = mpc.mmul_sp %x, %wqkv : (" + sh("65x256") + ", " + srv("256x768") +
      ") -> " + sh("65x768", 32) + "\n" + "%1 = mpc.mmul_sp %x, %wo : (" +
      sh("65x256") + ", " + srv("256x256") + ") -> " + sh("65x256", 32) + "\n" +
      "%2 = mpc.mmul_sp %x, %w1 : (" + sh("65x256") + ", " + srv("256x512") +
      ") -> " + sh("65x512", 32) + "\n" + "%3 = mpc.mmul_sp %h, %w2 : (" +
      sh("65x512") + ", " + srv("512x256") + ") -> " + sh("65x256", 32);
  ASSERT_TRUE(parseOp<MMulSPOp>(args, body));
  CommCost total;
  module->walk([&](CommCostOpInterface op) { total += cost(op); });
  EXPECT_EQ(total.onlineBytes[1], 83200u * 8);
  EXPECT_EQ(total.onlineBytes[0], 0u);
  EXPECT_EQ(total.onlineRounds, 4u);
}

TEST_F(CommCostTest, RuntimeProtocolsFailOnAnotherRing) {
  // Composite protocols are the runtime's (ℓ = 64 only); exp_neg with
  // r = 8 at the default session (f = 16, local truncation): 8 squarings of
  // 4 elements, 8 rounds (test/cost checks every op against the runtime).
  auto op = parseOp<ExpOp>("%x: " + sh("4"), "%0 = mpc.exp %x : " + sh("4"));
  ASSERT_TRUE(op);
  EXPECT_TRUE(failed(op.getCommCost(32)));
  CommCost c = cost(op);
  EXPECT_EQ(c.onlineRounds, 8u);
  EXPECT_EQ(c.onlineBytes[0], 8u * 4 * 8);
}

/// The compiler's closed forms for the simple protocols equal the runtime's
/// own cost functions (which test/runtime checks against measured
/// counters) at ℓ = 64.
TEST_F(CommCostTest, SimpleFormulasEqualTheRuntimesAtRing64) {
  auto same = [](const CommCost &c, const mpcvit::rt::CommCost &r) {
    EXPECT_EQ(c.onlineBytes[0], r.bytesServer);
    EXPECT_EQ(c.onlineBytes[1], r.bytesClient);
    EXPECT_EQ(c.onlineRounds, r.rounds);
    EXPECT_EQ(c.offlineBytes, r.dealerBytes);
  };
  auto mul = parseOp<MulSSOp>("%a: " + sh("6x7") + ", %b: " + sh("6x7"),
                              "%0 = mpc.mul_ss %a, %b : (" + sh("6x7") + ", " +
                                  sh("6x7") + ") -> " + sh("6x7", 32));
  ASSERT_TRUE(mul);
  same(cost(mul), mpcvit::rt::mul_ss_cost(42));
  auto sq = parseOp<SquareOp>("%a: " + sh("6x7"),
                              "%0 = mpc.square %a : " + sh("6x7") + " -> " +
                                  sh("6x7", 32));
  ASSERT_TRUE(sq);
  same(cost(sq), mpcvit::rt::square_cost(42));
  auto mm =
      parseOp<MMulSSOp>("%q: " + sh("3x5x4") + ", %k: " + sh("3x4x6"),
                        "%0 = mpc.mmul_ss %q, %k : (" + sh("3x5x4") + ", " +
                            sh("3x4x6") + ") -> " + sh("3x5x6", 32));
  ASSERT_TRUE(mm);
  same(cost(mm), mpcvit::rt::mmul_ss_cost(5, 4, 6, 3));
  auto sp = parseOp<MMulSPOp>("%x: " + sh("9x4") + ", %w: " + srv("4x6"),
                              "%0 = mpc.mmul_sp %x, %w : (" + sh("9x4") + ", " +
                                  srv("4x6") + ") -> " + sh("9x6", 32));
  ASSERT_TRUE(sp);
  same(cost(sp), mpcvit::rt::mmul_sp_cost(9, 4, 6));
  auto tr = parseOp<TruncOp>("%x: " + sh("7x11", 32),
                             "%0 = mpc.trunc dealer %x : " + sh("7x11", 32) +
                                 " -> " + sh("7x11"));
  ASSERT_TRUE(tr);
  same(cost(tr), mpcvit::rt::trunc_dealer_cost(77, 16));
  auto rv =
      parseOp<RevealOp>("%x: " + sh("1x10"),
                        "%0 = mpc.reveal %x : " + sh("1x10") +
                            " -> !mpc.tensor<1x10, private<client>, frac 16>");
  ASSERT_TRUE(rv);
  same(cost(rv), mpcvit::rt::reveal_cost(10));
}

} // namespace
