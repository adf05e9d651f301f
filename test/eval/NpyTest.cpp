//===- NpyTest.cpp - the strict .npy reader and writer ----------*- C++ -*-===//

#include "mpcvit/eval/Npy.h"

#include <gtest/gtest.h>

using namespace mpcvit::eval;

namespace {

std::string header(const std::string &dict) {
  std::string h = dict;
  size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h;
}

std::string errorOf(const std::string &bytes) {
  auto a = parseNpy(bytes, "t.npy");
  EXPECT_FALSE(static_cast<bool>(a));
  return a ? "" : llvm::toString(a.takeError());
}

TEST(Npy, RoundTripFloat32AndFloat64) {
  for (bool f64 : {false, true}) {
    NpyArray a;
    a.shape = {2, 3};
    a.data = {1, -2.5, 3, 0.125, 1e-3, 7};
    a.isFloat64 = f64;
    std::string bytes = serializeNpy(a);
    EXPECT_EQ((bytes.find('\n') + 1) % 64, 0u);
    auto b = parseNpy(bytes, "t.npy");
    ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
    EXPECT_EQ(b->shape, a.shape);
    EXPECT_EQ(b->isFloat64, f64);
    for (size_t i = 0; i < a.data.size(); ++i)
      EXPECT_EQ(b->data[i], f64 ? a.data[i] : double(float(a.data[i])));
  }
}

TEST(Npy, ScalarAndVectorShapes) {
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{}, std::vector<int64_t>{5}}) {
    NpyArray a;
    a.shape = shape;
    a.data.assign(shape.empty() ? 1 : 5, 2.0);
    auto b = parseNpy(serializeNpy(a), "t.npy");
    ASSERT_TRUE(static_cast<bool>(b));
    EXPECT_EQ(b->shape, shape);
  }
  // NumPy writes a 1-tuple as "(5,)".
  EXPECT_NE(serializeNpy(NpyArray{{5}, std::vector<double>(5), false})
                .find("'shape': (5,)"),
            std::string::npos);
}

TEST(Npy, Rejects) {
  EXPECT_NE(errorOf("not a numpy file").find("missing the \\x93NUMPY magic"),
            std::string::npos);
  std::string be = header("{'descr': '>f4', 'fortran_order': False, "
                          "'shape': (1,), }") +
                   std::string(4, '\0');
  EXPECT_NE(errorOf(be).find("dtype '>f4'"), std::string::npos);
  std::string i8 = header("{'descr': '<i8', 'fortran_order': False, "
                          "'shape': (1,), }") +
                   std::string(8, '\0');
  EXPECT_NE(errorOf(i8).find("dtype '<i8'"), std::string::npos);
  std::string fo = header("{'descr': '<f4', 'fortran_order': True, "
                          "'shape': (2, 2), }") +
                   std::string(16, '\0');
  EXPECT_NE(errorOf(fo).find("Fortran-order"), std::string::npos);
  std::string shortData = header("{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (2, 3), }") +
                          std::string(20, '\0');
  EXPECT_NE(errorOf(shortData).find("data holds 20 bytes but the shape "
                                    "needs 24"),
            std::string::npos);
  std::string huge = header("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (99999999999, 99999999999), }");
  EXPECT_NE(errorOf(huge).find("shape"), std::string::npos);
  std::string trunc = header("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (1,), }")
                          .substr(0, 30);
  EXPECT_NE(errorOf(trunc).find("truncated header"), std::string::npos);
  std::string noShape =
      header("{'descr': '<f4', 'fortran_order': False, }") + "";
  EXPECT_NE(errorOf(noShape).find("lacks"), std::string::npos);
}

TEST(Npy, ReadMissingFile) {
  auto a = readNpy("/nonexistent/x.npy");
  ASSERT_FALSE(static_cast<bool>(a));
  EXPECT_NE(
      llvm::toString(a.takeError()).find("cannot read '/nonexistent/x.npy'"),
      std::string::npos);
}

} // namespace
