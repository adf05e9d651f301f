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

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
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

/// The message of the std::runtime_error `f()` throws ("" if none).
template <typename F> std::string errorOf(F f) {
  try {
    f();
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}

std::string npyError(const std::string &bytes) {
  return errorOf([&] { parseNpy(bytes, "x.npy"); });
}

std::string npyHeader(const std::string &shape) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  dict.append(63 - (10 + dict.size()) % 64, ' ');
  dict += '\n';
  std::string h = "\x93NUMPY\x01";
  h += '\0';
  h += char(dict.size() & 0xff);
  h += char(dict.size() >> 8);
  return h + dict;
}

// Issue 14: a shape whose element count wraps size_t (2^60+1 · 784) was a
// heap-buffer-overflow in the runtime's input loader; it is refused before
// any allocation, as is a file larger than the caller allows.
TEST(Npy, OverflowingShapesAndSizesAreRefused) {
  std::string wrap =
      npyHeader("(1152921504606846977, 1, 28, 28)") + std::string(3136, '\0');
  EXPECT_NE(npyError(wrap).find("'shape' holds a non-integer or huge entry"),
            std::string::npos)
      << npyError(wrap);
  std::string wrap2 = npyHeader("(100000000000000, 100000000000000, 28, 28)") +
                      std::string(3136, '\0');
  EXPECT_NE(npyError(wrap2).find("shape is too large"), std::string::npos)
      << npyError(wrap2);
  std::string big = npyHeader("(65536, 65536, 65536)");
  EXPECT_NE(npyError(big).find("shape is too large"), std::string::npos);
  std::string lie = npyHeader("(2, 3)") + std::string(20, '\0');
  EXPECT_NE(npyError(lie).find("data holds 20 bytes but the shape needs 24"),
            std::string::npos)
      << npyError(lie);
  std::string ok = npyHeader("(2, 3)") + std::string(24, '\0');
  EXPECT_EQ(npyError(ok), "");
  std::string path = ::testing::TempDir() + "/mpcvit_npy_limit.npy";
  std::ofstream(path, std::ios::binary) << ok;
  EXPECT_NO_THROW(readNpy(path, ok.size()));
  try {
    readNpy(path, ok.size() - 1);
    ADD_FAILURE() << "a file over the caller's limit must be refused";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("allowed for an input here"),
              std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
}

TEST(FixedPoint, NanAndInfinityAreRefusedWithTheirCause) {
  FixedPoint fp(16);
  auto what = [&](double v) {
    try {
      fp.encode({0.5, v, 1.0}, Shape{3});
    } catch (const std::out_of_range &e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(what(std::nan("")).find("NaN, not a finite number (element 1)"),
            std::string::npos)
      << what(std::nan(""));
  EXPECT_NE(what(INFINITY).find("an infinity"), std::string::npos);
  EXPECT_NE(what(1e300).find("expected |v| < 2^46"), std::string::npos);
}

/// Bytes of a weights file (format 2, weights_file.h) built by hand:
/// entries are appended raw; `finish` writes the size and the SHA-256.
struct WeightsBytes {
  std::string b;
  template <typename T> void put(T v) {
    b.append(reinterpret_cast<const char *>(&v), sizeof(T));
  }
  WeightsBytes(uint64_t hash, uint32_t count) {
    b = "MPCVITW2";
    put(uint64_t(0)); // size, set by finish()
    put(hash);
    put(count);
  }
  void entry(const std::string &name, const std::vector<int64_t> &dims,
             uint32_t frac, const std::vector<uint64_t> &vals) {
    put(uint32_t(name.size()));
    b += name;
    put(uint32_t(dims.size()));
    for (int64_t d : dims)
      put(d);
    put(frac);
    for (uint64_t v : vals)
      put(v);
  }
  std::string finish() const {
    std::string out = b;
    uint64_t size = out.size() + 32;
    std::memcpy(&out[8], &size, 8);
    std::array<uint8_t, 32> d = sha256(out.data(), out.size());
    out.append(reinterpret_cast<const char *>(d.data()), d.size());
    return out;
  }
};

/// The message of the error parseWeightsFile throws on `bytes`, or "" if it
/// accepts them.
std::string weightsError(const std::string &bytes) {
  return errorOf([&] { parseWeightsFile(bytes, "m.weights"); });
}

std::string twoWeights() {
  WeightsBytes w(0x1234, 2);
  w.entry("w0", {2}, 16, {65536, uint64_t(-65536)});
  w.entry("b", {2, 3}, 32, {1, 2, 3, 4, 5, 6});
  return w.finish();
}

TEST(WeightsFile, Sha256IsTheStandardDigest) {
  // FIPS 180-2 test vector: SHA-256("abc").
  std::array<uint8_t, 32> d = sha256("abc", 3);
  const uint8_t want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                            0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                            0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                            0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(std::memcmp(d.data(), want, 32), 0);
}

TEST(WeightsFile, ReadsTheFormat) {
  std::string path = ::testing::TempDir() + "/mpcvit_weights_test.weights";
  std::ofstream(path, std::ios::binary) << twoWeights();
  WeightsFile f = readWeightsFile(path);
  EXPECT_EQ(f.programHash, 0x1234u);
  ASSERT_EQ(f.weights.size(), 2u);
  EXPECT_EQ(f.weights[0].name, "w0");
  EXPECT_EQ(f.weights[0].frac, 16);
  EXPECT_EQ(f.weights[0].shape, (Shape{2}));
  EXPECT_EQ(FixedPoint(16).decode(f.weights[0].value[0]), 1.0);
  EXPECT_EQ(FixedPoint(16).decode(f.weights[0].value[1]), -1.0);
  EXPECT_EQ(f.weights[1].name, "b");
  EXPECT_EQ(f.weights[1].frac, 32);
  EXPECT_EQ(f.weights[1].shape, (Shape{2, 3}));
  EXPECT_EQ(f.weights[1].value.data, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  std::remove(path.c_str());
}

TEST(WeightsFile, EveryFlippedBitIsRefused) {
  // One bit flipped anywhere: a bad magic, a size that no longer matches
  // or, for every bit of the payload and of the digest, a checksum
  // mismatch; never a file that loads with other values.
  const std::string good = twoWeights();
  ASSERT_EQ(weightsError(good), "");
  for (size_t i = 0; i < good.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = char(uint8_t(bad[i]) ^ (1u << bit));
      std::string e = weightsError(bad);
      SCOPED_TRACE("byte " + std::to_string(i) + " bit " + std::to_string(bit) +
                   ": " + e);
      ASSERT_EQ(e.rfind("m.weights: ", 0), 0u);
      if (i < 8)
        EXPECT_TRUE(e.find("bad magic") != std::string::npos ||
                    e.find("older mpcvit-compile") != std::string::npos);
      else if (i < 16)
        EXPECT_TRUE(e.find("truncated") != std::string::npos ||
                    e.find("trailing bytes") != std::string::npos);
      else
        EXPECT_NE(e.find("checksum mismatch: the file is corrupt or was "
                         "modified"),
                  std::string::npos);
    }
}

TEST(WeightsFile, FlippedWeightBitNamesTheFileThroughReadWeightsFile) {
  std::string path = ::testing::TempDir() + "/mpcvit_weights_flip.weights";
  std::string bad = twoWeights();
  bad[bad.size() - 32 - 8] ^= 0x10; // a bit of the last ring element
  std::ofstream(path, std::ios::binary) << bad;
  try {
    readWeightsFile(path);
    ADD_FAILURE() << "a corrupted weights file was accepted";
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": checksum mismatch", 0), 0u)
        << e.what();
  }
  std::remove(path.c_str());
}

TEST(WeightsFile, TruncationAndTrailingBytesAreRefused) {
  const std::string good = twoWeights();
  for (size_t n = 0; n < good.size(); ++n) {
    std::string e = weightsError(good.substr(0, n));
    SCOPED_TRACE(std::to_string(n) + " bytes: " + e);
    EXPECT_TRUE(e.find("truncated") != std::string::npos ||
                e.find("bad magic") != std::string::npos);
  }
  EXPECT_NE(weightsError(good + "x").find("1 trailing bytes"),
            std::string::npos);
  EXPECT_EQ(weightsError(good.substr(0, good.size() - 5)),
            "m.weights: truncated weights file (" +
                std::to_string(good.size() - 5) + " of " +
                std::to_string(good.size()) + " bytes)");
}

TEST(WeightsFile, OlderFormatAsksForARecompile) {
  std::string v1 = twoWeights();
  v1.replace(0, 8, "MPCVITW1");
  EXPECT_NE(weightsError(v1).find("written by an older mpcvit-compile: "
                                  "recompile"),
            std::string::npos);
  EXPECT_NE(weightsError("GIF89a..........").find("bad magic"),
            std::string::npos);
}

TEST(WeightsFile, SizesAreCheckedAgainstTheBytesLeft) {
  // Files with a valid checksum (what a buggy or malicious writer could
  // produce): the sizes must still fit the bytes really left, checked with
  // overflow-safe products before any allocation or copy.
  {
    // [2^62, 8] wraps to 0 elements in 64-bit arithmetic.
    WeightsBytes w(1, 1);
    w.entry("wrap", {int64_t(1) << 62, 8}, 16, {});
    EXPECT_EQ(weightsError(w.finish()),
              "m.weights: weight 0 'wrap' of shape [4611686018427387904x8] "
              "has more elements than 2^64 but only 0 bytes of the file are "
              "left (corrupt sizes)");
  }
  {
    // [2^61, 1]: no wrap in the count, but 2^64 bytes (wraps in bytes).
    WeightsBytes w(1, 1);
    w.entry("w", {int64_t(1) << 61, 1}, 16, {7});
    EXPECT_EQ(weightsError(w.finish()),
              "m.weights: weight 0 'w' of shape [2305843009213693952x1] has "
              "2305843009213693952 elements but only 8 bytes of the file "
              "are left (corrupt sizes)");
  }
  {
    // More elements than bytes left (one element missing).
    WeightsBytes w(1, 1);
    w.entry("w", {3}, 16, {1, 2});
    EXPECT_NE(weightsError(w.finish())
                  .find("'w' of shape [3] has 3 elements but only 16 bytes"),
              std::string::npos);
  }
  {
    WeightsBytes w(1, 1);
    w.entry("neg", {-1}, 16, {});
    EXPECT_EQ(weightsError(w.finish()),
              "m.weights: weight 0 'neg' has a negative dimension -1");
  }
  {
    WeightsBytes w(1, 1);
    w.put(uint32_t(0xFFFFFFF0)); // name length beyond the file
    EXPECT_NE(weightsError(w.finish())
                  .find("weight 0 (name) needs 4294967280 bytes, 0 left"),
              std::string::npos);
  }
  {
    WeightsBytes w(1, 0xFFFFFFFF); // count from the header: no reservation
    w.entry("w", {1}, 16, {1});
    EXPECT_NE(weightsError(w.finish()).find("weight 1 (name length) needs 4"),
              std::string::npos);
  }
  {
    WeightsBytes w(1, 1);
    w.entry("r", std::vector<int64_t>(17, 1), 16, {1});
    EXPECT_NE(weightsError(w.finish()).find("implausible rank 17"),
              std::string::npos);
  }
  {
    WeightsBytes w(1, 1);
    w.entry("w", {1}, 16, {1});
    w.put(uint64_t(9)); // an extra 8 bytes inside the checksummed part
    EXPECT_EQ(weightsError(w.finish()),
              "m.weights: 8 bytes after the last weight (corrupt count)");
  }
  {
    // Zero-element weights are fine (no copy from a null pointer).
    WeightsBytes w(1, 1);
    w.entry("empty", {0, 4}, 16, {});
    EXPECT_EQ(weightsError(w.finish()), "");
  }
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
        return revealOut(c, kernels::truncProbabilistic(c, y, 16));
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
