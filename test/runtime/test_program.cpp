//===- test_program.cpp - Layout ops, .npy, weights file, program kernels -===//
//
// The executable side of compiled programs (program.h, kernels.h,
// layout.h, npy.h, weights_file.h) against independent references: index
// arithmetic written out per case, and 2PC kernels checked on real values.
//
//===----------------------------------------------------------------------===//
#include "harness.h"

#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/layout.h"
#include "mpcvit/runtime/npy.h"
#include "mpcvit/runtime/weights_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace mpcvit::rt::test {
namespace {

RingTensor iota(Shape s) {
  RingTensor t(s);
  for (size_t i = 0; i < t.size(); ++i)
    t[i] = i;
  return t;
}

TEST(Layout, TransposeMatchesIndexFormula) {
  RingTensor x = iota({2, 3, 4});
  RingTensor y = transpose(x, {2, 0, 1}); // y[k][i][j] = x[i][j][k]
  ASSERT_EQ(y.shape, (Shape{4, 2, 3}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(y[(k * 2 + i) * 3 + j], x[(i * 3 + j) * 4 + k]);
}

TEST(Layout, SliceGatherConcat) {
  RingTensor x = iota({3, 5});
  RingTensor s = slice(x, {1, 0}, {2, 3}, {1, 2}); // rows 1-2, cols 0,2,4
  EXPECT_EQ(s.data, (std::vector<uint64_t>{5, 7, 9, 10, 12, 14}));
  RingTensor g = gather(x, 1, {4, 0});
  EXPECT_EQ(g.data, (std::vector<uint64_t>{4, 0, 9, 5, 14, 10}));
  RingTensor c = concat({&g, &x}, 1); // [3, 2] ++ [3, 5]
  ASSERT_EQ(c.shape, (Shape{3, 7}));
  EXPECT_EQ(std::vector<uint64_t>(c.data.begin() + 7, c.data.begin() + 14),
            (std::vector<uint64_t>{9, 5, 5, 6, 7, 8, 9}));
  EXPECT_THROW(concat({&x, &s}, 1), std::invalid_argument);
}

TEST(Layout, Im2colIsConvolution) {
  // A 2x2 stride-1 convolution with pad 1 computed through im2col equals
  // the direct formula.
  RingTensor x = iota({1, 2, 3, 3});
  RingTensor cols = im2col(x, {2, 2}, {1, 1}, {1, 1, 1, 1});
  ASSERT_EQ(cols.shape, (Shape{1, 16, 8}));
  for (int oy = 0; oy < 4; ++oy)
    for (int ox = 0; ox < 4; ++ox)
      for (int c = 0; c < 2; ++c)
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j) {
            int yy = oy - 1 + i, xx = ox - 1 + j;
            uint64_t want = (yy < 0 || yy > 2 || xx < 0 || xx > 2)
                                ? 0
                                : x[(c * 3 + yy) * 3 + xx];
            EXPECT_EQ(cols[(oy * 4 + ox) * 8 + (c * 2 + i) * 2 + j], want);
          }
}

TEST(Layout, Broadcast) {
  RingTensor b = iota({3, 1});
  RingTensor y = broadcastTo(b, {2, 3, 4});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(y[(i * 3 + j) * 4 + k], uint64_t(j));
  EXPECT_THROW(broadcastShape({3, 2}, {4, 2}), std::invalid_argument);
}

TEST(Npy, RoundTripAndErrors) {
  std::string path = ::testing::TempDir() + "/mpcvit_npy_test.npy";
  NpyArray a{{2, 3}, {1.5, -2, 3, 4, 5, 6.25}};
  writeNpy(path, a);
  NpyArray b = readNpy(path);
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_EQ(b.data, a.data);
  std::ofstream(path) << "not numpy";
  EXPECT_THROW(readNpy(path), std::runtime_error);
  std::remove(path.c_str());
}

TEST(WeightsFile, ReadsTheFormatAndRejectsTruncation) {
  std::string path = ::testing::TempDir() + "/mpcvit_weights_test.weights";
  {
    std::ofstream o(path, std::ios::binary);
    auto put = [&](auto v) { o.write((const char *)&v, sizeof(v)); };
    o.write("MPCVITW1", 8);
    put(uint64_t(0x1234));
    put(uint32_t(1));
    put(uint32_t(2));
    o.write("w0", 2);
    put(uint32_t(1));
    put(int64_t(2));
    put(uint32_t(16));
    put(uint64_t(65536));
    put(uint64_t(-65536));
  }
  WeightsFile f = readWeightsFile(path);
  EXPECT_EQ(f.programHash, 0x1234u);
  ASSERT_EQ(f.weights.size(), 1u);
  EXPECT_EQ(f.weights[0].name, "w0");
  EXPECT_EQ(FixedPoint(16).decode(f.weights[0].value[1]), -1.0);
  std::ofstream(path, std::ios::app) << "x";
  EXPECT_THROW(readWeightsFile(path), std::runtime_error);
  std::remove(path.c_str());
}

TEST(Kernels, SoftmaxMatchesFloat) {
  // Scores of a trained ViT's range; the precise exponential keeps every
  // probability within 5e-4 of the float softmax.
  const size_t rows = 6, cols = 17;
  auto v = uniform(rows * cols, -6.0, 6.0, 7);
  auto res = run3(
      [&](Context &c, Probe &) {
        Shared x = shareFixed(c, 1, v, {int64_t(rows), int64_t(cols)});
        return revealOut(c, kernels::softmax(c, x));
      },
      testConfig());
  auto got = FixedPoint(16).decode(res.out[1]);
  for (size_t r = 0; r < rows; ++r) {
    double m = -1e9, s = 0;
    for (size_t j = 0; j < cols; ++j)
      m = std::max(m, v[r * cols + j]);
    for (size_t j = 0; j < cols; ++j)
      s += std::exp(v[r * cols + j] - m);
    for (size_t j = 0; j < cols; ++j)
      EXPECT_NEAR(got[r * cols + j], std::exp(v[r * cols + j] - m) / s, 5e-4);
  }
}

TEST(Kernels, MatmulAndBroadcastAdd) {
  // X[2x3x4] · W[4x2] + b[2] with the server's weights, vs float.
  std::vector<double> xv = uniform(24, -2, 2, 3), wv = uniform(8, -1, 1, 4),
                      bv = {0.25, -0.5};
  auto res = run3(
      [&](Context &c, Probe &) {
        FixedPoint fp(16);
        RingTensor w =
            c.party() == 0 ? fp.encode(wv, {4, 2}) : RingTensor({4, 2});
        RingTensor b = c.party() == 0 ? kernels::publicConstant({2}, bv, 32)
                                      : RingTensor({2});
        ServerWeight sw = deploy_weight(c, 0, w);
        Shared x = shareFixed(c, 1, xv, {2, 3, 4});
        Shared y = kernels::mmulSP(c, x, sw);
        y = kernels::add(c, y, b, 'w', {2, 3, 2});
        return revealOut(c, kernels::truncLocal(c, y, 16));
      },
      testConfig());
  auto got = FixedPoint(16).decode(res.out[1]);
  ASSERT_EQ(res.out[1].shape, (Shape{2, 3, 2}));
  for (int r = 0; r < 6; ++r)
    for (int n = 0; n < 2; ++n) {
      double want = bv[n];
      for (int k = 0; k < 4; ++k)
        want += xv[r * 4 + k] * wv[k * 2 + n];
      EXPECT_NEAR(got[r * 2 + n], want, 1e-3);
    }
}

} // namespace
} // namespace mpcvit::rt::test
