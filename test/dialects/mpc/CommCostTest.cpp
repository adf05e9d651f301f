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
#include "mlir/IR/Diagnostics.h"
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
  OpTy parseOp(const std::string &args, const std::string &body,
               const std::string &session = "") {
    std::string src =
        (session.empty()
             ? std::string()
             : "module attributes {mpc.session = " + session + "} {\n") +
        "func.func @f(" + args + ") {\n" + body + "\n  return\n}\n" +
        (session.empty() ? "" : "}\n");
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

  static CommCost cost(Operation *op) {
    auto iface = llvm::dyn_cast<CommCostOpInterface>(op);
    EXPECT_TRUE(iface) << op->getName().getStringRef().str()
                       << " does not implement CommCostOpInterface";
    FailureOr<CommCost> c = iface.getCommCost();
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
  EXPECT_EQ(maxOnlineBytes(c), 0u);
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
  EXPECT_EQ(c.bytesServer, 2 * n * 8);
  EXPECT_EQ(c.bytesClient, 2 * n * 8);
  EXPECT_EQ(c.rounds, 1u);
  EXPECT_EQ(c.dealerBytes, n * 8);
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
  EXPECT_EQ(c.bytesServer, h * (m * k + k * n) * 8);
  EXPECT_EQ(c.bytesClient, h * (m * k + k * n) * 8);
  EXPECT_EQ(c.rounds, 1u);
  EXPECT_EQ(c.dealerBytes, h * m * n * 8);
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
  EXPECT_EQ(c.bytesServer, 0u) << "the server sends nothing online";
  EXPECT_EQ(c.bytesClient, m * k * 8);
  EXPECT_EQ(maxOnlineBytes(c), m * k * 8);
  EXPECT_EQ(c.rounds, 1u);
  EXPECT_EQ(c.dealerBytes, m * n * 8);
}

TEST_F(CommCostTest, TruncLocalIsFreeDealerPairCostsOneOpening) {
  const uint64_t n = 7 * 11;
  auto local =
      parseOp<TruncOp>("%x: " + sh("7x11", 32),
                       "%0 = mpc.trunc probabilistic %x : " + sh("7x11", 32) +
                           " -> " + sh("7x11"));
  ASSERT_TRUE(local);
  EXPECT_EQ(cost(local), CommCost{});

  auto dealer = parseOp<TruncOp>("%x: " + sh("7x11", 32),
                                 "%0 = mpc.trunc exact %x : " + sh("7x11", 32) +
                                     " -> " + sh("7x11"));
  ASSERT_TRUE(dealer);
  CommCost c = cost(dealer);
  EXPECT_EQ(c.bytesServer, n * 8);
  EXPECT_EQ(c.bytesClient, n * 8);
  EXPECT_EQ(c.rounds, 1u);
  // r ≫ 16 correction (n ring elements) + a 17-bit carry per element.
  EXPECT_EQ(c.dealerBytes, n * 8 + (n * 17 + 7) / 8);
}

TEST_F(CommCostTest, RevealToClientIsSentByServer) {
  auto op =
      parseOp<RevealOp>("%x: " + sh("1x10"),
                        "%0 = mpc.reveal %x : " + sh("1x10") +
                            " -> !mpc.tensor<1x10, private<client>, frac 16>");
  ASSERT_TRUE(op);
  CommCost c = cost(op);
  EXPECT_EQ(c.bytesServer, 10u * 8);
  EXPECT_EQ(c.bytesClient, 0u);
  EXPECT_EQ(c.rounds, 1u);
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
  EXPECT_EQ(total.bytesClient, 83200u * 8);
  EXPECT_EQ(total.bytesServer, 0u);
  EXPECT_EQ(total.rounds, 4u);
}

TEST_F(CommCostTest, CompositeCostsFollowTheModuleSession) {
  // The comparison backend and the truncation kind come from the module's
  // #mpc.session (PROTOCOLS.md): ReLU of n elements under A2B is a DReLU
  // (8 rounds) plus one Beaver product (1 round); under DCF one masked
  // opening of n elements whose two-output DCF gives ReLU itself (1 round).
  const uint64_t n = 6;
  const std::string args = "%x: " + sh("2x3");
  const std::string body = "%0 = mpc.relu %x : " + sh("2x3");
  auto a2b = parseOp<ReluOp>(args, body);
  ASSERT_TRUE(a2b);
  CommCost ca = cost(a2b);
  EXPECT_EQ(ca.rounds, 8u + 1u);
  auto dcf = parseOp<ReluOp>(args, body,
                             "#mpc.session<ring = 64, frac_bits = 16, trunc = "
                             "exact, protocols = fss>");
  ASSERT_TRUE(dcf);
  CommCost cd = cost(dcf);
  EXPECT_EQ(cd.rounds, 1u);
  EXPECT_EQ(cd.bytesServer, n * 8);
  EXPECT_EQ(cd.bytesClient, n * 8);
  auto keys =
      llvm::cast<KernelOpInterface>(dcf.getOperation()).getCalibrationKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0], "relu.fss.exact");
  EXPECT_EQ(keys[1], "relu.fss");
  EXPECT_EQ(keys[2], "relu");
}

TEST_F(CommCostTest, CalibrationUnitsFollowTheDeclaration) {
  // Data movement is calibrated per result element (a slice of 17x192 to
  // 17x64 moves 17·64 elements), products per multiply-accumulate.
  auto sl = parseOp<SliceOp>("%x: " + sh("17x192"),
                             "%0 = mpc.slice %x offsets [0, 0] sizes [17, 64] "
                             "strides [1, 1] : " +
                                 sh("17x192") + " -> " + sh("17x64"));
  ASSERT_TRUE(sl);
  auto k = llvm::cast<KernelOpInterface>(sl.getOperation());
  EXPECT_EQ(k.getCalibrationUnits(), 17u * 64);
  ASSERT_EQ(k.getCalibrationKeys().size(), 1u);
  EXPECT_EQ(k.getCalibrationKeys()[0], "local");
  auto sp = parseOp<MMulSPOp>("%x: " + sh("9x4") + ", %w: " + srv("4x6"),
                              "%0 = mpc.mmul_sp %x, %w : (" + sh("9x4") + ", " +
                                  srv("4x6") + ") -> " + sh("9x6", 32));
  ASSERT_TRUE(sp);
  EXPECT_EQ(
      llvm::cast<KernelOpInterface>(sp.getOperation()).getCalibrationUnits(),
      9u * 4 * 6);
}

TEST_F(CommCostTest, SessionAttributeIsVerified) {
  // Unknown values are parse errors; a ring other than the runtime's and
  // fractional bits out of range are verifier errors.
  for (const char *bad :
       {"#mpc.session<ring = 32, frac_bits = 16, trunc = exact, protocols = "
        "a2b>",
        "#mpc.session<ring = 64, frac_bits = 0, trunc = exact, protocols = "
        "a2b>",
        "#mpc.session<ring = 64, frac_bits = 16, trunc = dealer, compare = "
        "a2b>",
        "#mpc.session<ring = 64, frac_bits = 16, trunc = exact, compare = "
        "dpf>"}) {
    ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
    std::string src =
        std::string("module attributes {mpc.session = ") + bad + "} {}";
    EXPECT_FALSE(parseSourceString<ModuleOp>(src, &ctx)) << bad;
  }
  {
    ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
    EXPECT_FALSE(parseSourceString<ModuleOp>(
        "module attributes {mpc.session = 16 : i64} {}", &ctx));
  }
  auto ok = parseSourceString<ModuleOp>(
      "module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = "
      "12, trunc = exact, protocols = fss>} {}",
      &ctx);
  ASSERT_TRUE(ok);
  SessionAttr s = getSession(*ok);
  EXPECT_EQ(s.getFracBits(), 12u);
  EXPECT_EQ(s.getTrunc(), TruncKind::Exact);
  EXPECT_EQ(s.getProtocols(), ProtocolKind::FSS);
  // No attribute: the runtime's defaults.
  auto none = parseSourceString<ModuleOp>("module {}", &ctx);
  ASSERT_TRUE(none);
  EXPECT_EQ(getSession(*none).getFracBits(), 16u);
  EXPECT_EQ(getSession(*none).getTrunc(), TruncKind::Probabilistic);
}

} // namespace
