//===- ArchSpecTest.cpp - unit tests of the arch.json reader ----*- C++ -*-===//

#include "mpcvit/arch/ArchSpec.h"

#include <gtest/gtest.h>

using namespace mpcvit;
using namespace mpcvit::arch;

namespace {

const char *kValid = R"({ "format": "mpcvit.arch.v1",
  "model": { "depth": 2, "heads": 3, "tokens": 4, "dim": 8 },
  "layers": [
    { "heads": ["relu_softmax", "scale", "2relu"], "gelu": { "kind": "quad" } },
    { "heads": ["softmax", "2quad", "scale"],
      "gelu": { "kind": "linearize", "tokens": [1, 0, 0, 1] } } ] })";

std::string errorOf(llvm::StringRef json) {
  llvm::Expected<ArchSpec> spec = parseArch(json, "a.json");
  if (spec)
    return "";
  return llvm::toString(spec.takeError());
}

TEST(ArchSpec, ParsesEveryField) {
  llvm::Expected<ArchSpec> spec = parseArch(kValid, "a.json");
  ASSERT_TRUE(static_cast<bool>(spec)) << llvm::toString(spec.takeError());
  EXPECT_EQ(spec->depth, 2);
  EXPECT_EQ(spec->heads, 3);
  EXPECT_EQ(spec->tokens, 4);
  EXPECT_EQ(spec->dim, 8);
  ASSERT_EQ(spec->layers.size(), 2u);
  EXPECT_EQ(spec->layers[0].heads[0], vit::HeadKind::ReluSoftmax);
  EXPECT_EQ(spec->layers[0].heads[2], vit::HeadKind::TwoRelu);
  EXPECT_EQ(spec->layers[0].gelu, GeluMode::Quad);
  EXPECT_TRUE(spec->layers[0].tokens.empty());
  EXPECT_EQ(spec->layers[1].heads[1], vit::HeadKind::TwoQuad);
  EXPECT_EQ(spec->layers[1].gelu, GeluMode::Linearize);
  EXPECT_EQ(spec->layers[1].tokens,
            (llvm::SmallVector<bool>{true, false, false, true}));
}

TEST(ArchSpec, RoundTripsThroughJson) {
  llvm::Expected<ArchSpec> spec = parseArch(kValid, "a.json");
  ASSERT_TRUE(static_cast<bool>(spec));
  std::string text = toJson(*spec);
  llvm::Expected<ArchSpec> again = parseArch(text, "b.json");
  ASSERT_TRUE(static_cast<bool>(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(toJson(*again), text);
  EXPECT_EQ(again->layers[1].tokens, spec->layers[1].tokens);
  EXPECT_EQ(again->layers[0].heads, spec->layers[0].heads);
}

TEST(ArchSpec, ErrorsNameThePathAndTheExpectation) {
  EXPECT_EQ(errorOf("[1]"), "a.json: <root>: expected an object, got [1]");
  EXPECT_EQ(errorOf(R"({"format": 1})"),
            "a.json: format: expected a string, got 1");
  EXPECT_EQ(errorOf(R"({"format": "mpcvit.arch.v1"})"),
            "a.json: model: missing; expected an object");
  EXPECT_EQ(errorOf(R"({"format": "mpcvit.arch.v1", "model": {"depth": 0,
              "heads": 1, "tokens": 1, "dim": 1}, "layers": []})"),
            "a.json: model.depth: expected a positive integer, got 0");
  std::string bad = kValid;
  bad.replace(bad.find("[1, 0, 0, 1]"), 12, "[1, 0, 0]");
  EXPECT_EQ(errorOf(bad), "a.json: layers[1].gelu.tokens: expected "
                          "model.tokens = 4 entries, got 3");
  bad = kValid;
  bad.replace(bad.find("\"2quad\""), 7, "\"gelu\"");
  EXPECT_EQ(errorOf(bad),
            "a.json: layers[1].heads[1]: expected one of softmax, "
            "relu_softmax, scale, 2quad, 2relu, got \"gelu\"");
  EXPECT_NE(errorOf("{").find("a.json: invalid JSON"), std::string::npos);
}

// Issue 14: 50,000 nested arrays made mpcvit-compile overflow its stack
// inside the JSON parser; the depth is now checked first, and brackets in
// strings do not count.
TEST(ArchSpec, DeepNestingIsRefusedBeforeParsing) {
  std::string deep(50000, '[');
  deep += std::string(50000, ']');
  EXPECT_EQ(errorOf(deep), "a.json: JSON nests deeper than 32 levels; an "
                           "arch file needs 4");
  std::string ok(32, '[');
  ok += std::string(32, ']');
  EXPECT_EQ(errorOf(ok).find("nests deeper"), std::string::npos);
  std::string quoted = kValid;
  quoted.replace(quoted.find("\"format\""), 0,
                 "\"note\": \"" + std::string(100, '[') + "\", ");
  EXPECT_EQ(errorOf(quoted).find("nests deeper"), std::string::npos)
      << errorOf(quoted);
}

TEST(ArchSpec, MissingFileIsAnErrorNamingIt) {
  llvm::Expected<ArchSpec> spec = loadArch("/nonexistent/arch.json");
  ASSERT_FALSE(static_cast<bool>(spec));
  std::string msg = llvm::toString(spec.takeError());
  EXPECT_NE(msg.find("cannot read arch file '/nonexistent/arch.json'"),
            std::string::npos)
      << msg;
}

} // namespace
