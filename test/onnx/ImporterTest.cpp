//===- ImporterTest.cpp - node-level errors of the ONNX importer -*- C++
//-*-===//
//
// Small ModelProtos built in C++ exercise the importer's checks one by one:
// every malformed node must give an llvm::Error naming the node, op_type and
// opset, never a crash. (Whole-model behaviour is tested by lit in
// test/onnx/*.test.)
//
//===----------------------------------------------------------------------===//

#include "mpcvit/onnx/Importer.h"

#include "onnx/onnx_pb.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mpcvit::onnx_import;

namespace {

struct ModelBuilder {
  onnx::ModelProto m;
  ModelBuilder(int opset = 13) {
    m.set_ir_version(8);
    auto *o = m.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    m.mutable_graph()->set_name("g");
  }
  void input(const std::string &name, std::vector<int64_t> shape,
             int type = onnx::TensorProto::FLOAT) {
    auto *vi = m.mutable_graph()->add_input();
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    tt->mutable_shape(); // rank 0 has a shape with no dims
    for (int64_t d : shape)
      tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void output(const std::string &name, std::vector<int64_t> shape = {}) {
    auto *vi = m.mutable_graph()->add_output();
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    if (!shape.empty())
      for (int64_t d : shape)
        tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void ints(const std::string &name, std::vector<int64_t> v) {
    auto *t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(v.size());
    for (int64_t x : v)
      t->add_int64_data(x);
  }
  void floats(const std::string &name, std::vector<int64_t> dims,
              std::vector<float> v) {
    auto *t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
      t->add_dims(d);
    for (float x : v)
      t->add_float_data(x);
  }
  onnx::NodeProto *node(const std::string &op, std::vector<std::string> in,
                        std::vector<std::string> out) {
    auto *n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name("n" + std::to_string(m.graph().node_size()));
    for (auto &s : in)
      n->add_input(s);
    for (auto &s : out)
      n->add_output(s);
    return n;
  }
  static void attrInt(onnx::NodeProto *n, const std::string &name, int64_t v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attrInts(onnx::NodeProto *n, const std::string &name,
                       std::vector<int64_t> v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v)
      a->add_ints(x);
  }
  /// Imports without the ONNX checker (so that the importer's own checks
  /// are the ones tested) and returns the error message ("" on success).
  std::string importError(bool checker = false) {
    std::string bytes;
    m.SerializeToString(&bytes);
    mlir::MLIRContext ctx;
    ImportOptions opts;
    opts.runChecker = checker;
    auto r = importOnnxBytes(bytes, "t.onnx", "", ctx, opts);
    return r ? "" : llvm::toString(r.takeError());
  }
};

#define EXPECT_ERROR(builder, text)                                            \
  do {                                                                         \
    std::string e = (builder).importError();                                   \
    EXPECT_NE(e.find(text), std::string::npos) << "error was: " << e;          \
  } while (0)

TEST(OnnxImporter, GatherIndexOutOfRange) {
  ModelBuilder b;
  b.input("x", {2, 3});
  b.ints("i", {3});
  b.node("Gather", {"x", "i"}, {"y"});
  b.output("y");
  EXPECT_ERROR(b, "'t.onnx': node 'n1' (Gather, opset 13): index 3 is out "
                  "of range for axis 0 of [2, 3]");
}

TEST(OnnxImporter, ReshapeElementCount) {
  ModelBuilder b;
  b.input("x", {2, 3});
  b.ints("s", {4, 2});
  b.node("Reshape", {"x", "s"}, {"y"});
  b.output("y");
  EXPECT_ERROR(b, "(Reshape, opset 13): cannot reshape [2, 3] (6 elements) "
                  "to [4, 2]");
}

TEST(OnnxImporter, TransposeNotAPermutation) {
  ModelBuilder b;
  b.input("x", {2, 3});
  ModelBuilder::attrInts(b.node("Transpose", {"x"}, {"y"}), "perm", {0, 0});
  b.output("y");
  EXPECT_ERROR(b, "perm [0, 0] is not a permutation");
}

TEST(OnnxImporter, ConvGroups) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.floats("w", {2, 1, 2, 2}, std::vector<float>(8, 1.0f));
  ModelBuilder::attrInt(b.node("Conv", {"x", "w"}, {"y"}), "group", 2);
  b.output("y");
  EXPECT_ERROR(b, "(Conv, opset 13): attribute group = 2 is not supported "
                  "(expected 1)");
}

TEST(OnnxImporter, SoftmaxBeforeOpset13) {
  ModelBuilder b(11);
  b.input("x", {2, 3, 4});
  ModelBuilder::attrInt(b.node("Softmax", {"x"}, {"y"}), "axis", 1);
  b.output("y");
  EXPECT_ERROR(b, "(Softmax, opset 11): Softmax before opset 13 with axis 1");
}

TEST(OnnxImporter, LayerNormAxis) {
  // Any axis is normalised (issue 18); a Scale that does not broadcast to
  // the normalised shape [3, 4] is an error.
  ModelBuilder a(17);
  a.input("x", {2, 3, 4});
  a.floats("g", {3, 4}, std::vector<float>(12, 1.0f));
  ModelBuilder::attrInt(a.node("LayerNormalization", {"x", "g"}, {"y"}), "axis",
                        1);
  a.output("y", {2, 3, 4});
  EXPECT_EQ(a.importError(), "");
  ModelBuilder b(17);
  b.input("x", {2, 3, 4});
  b.floats("g", {4, 3}, std::vector<float>(12, 1.0f));
  ModelBuilder::attrInt(b.node("LayerNormalization", {"x", "g"}, {"y"}), "axis",
                        1);
  b.output("y");
  EXPECT_ERROR(b, "(LayerNormalization, opset 17): Scale [4, 3] does not "
                  "broadcast to the normalised shape [3, 4]");
}

TEST(OnnxImporter, SliceNegativeStepExtremes) {
  // A step of INT64_MIN selects one element (no overflow in its negation);
  // a zero step is an error.
  ModelBuilder b;
  b.input("x", {2, 5});
  b.ints("st", {4});
  b.ints("en", {INT64_MIN});
  b.ints("ax", {1});
  b.ints("sp", {INT64_MIN});
  b.node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"});
  b.output("y", {2, 1});
  EXPECT_EQ(b.importError(), "");
  ModelBuilder c;
  c.input("x", {2, 5});
  c.ints("st", {0});
  c.ints("en", {5});
  c.ints("ax", {1});
  c.ints("sp", {0});
  c.node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"});
  c.output("y");
  EXPECT_ERROR(c, "(Slice, opset 13): step 0 along axis 1 is invalid");
}

TEST(OnnxImporter, InitializerSizeMismatch) {
  ModelBuilder b;
  b.input("x", {1, 4});
  b.floats("w", {4, 4}, std::vector<float>(15, 1.0f));
  b.node("MatMul", {"x", "w"}, {"y"});
  b.output("y");
  EXPECT_ERROR(b, "initializer: tensor 'w': holds 15 values but the dims "
                  "need 16");
}

TEST(OnnxImporter, UndefinedInputAndDomain) {
  ModelBuilder b;
  b.input("x", {1, 4});
  b.node("Relu", {"nope"}, {"y"});
  b.output("y");
  EXPECT_ERROR(b, "input 'nope' is not defined before its use");
  ModelBuilder c;
  c.input("x", {1, 4});
  c.node("Relu", {"x"}, {"y"})->set_domain("com.microsoft");
  c.output("y");
  EXPECT_ERROR(c, "domain 'com.microsoft' is not supported");
}

TEST(OnnxImporter, RuntimeCastToInteger) {
  ModelBuilder b;
  b.input("x", {1, 4});
  ModelBuilder::attrInt(b.node("Cast", {"x"}, {"y"}), "to",
                        onnx::TensorProto::INT64);
  b.output("y");
  EXPECT_ERROR(b, "Cast of a runtime tensor to data type 7 is not supported");
}

TEST(OnnxImporter, HugeConstantOfShape) {
  ModelBuilder b;
  b.input("x", {1, 4});
  b.ints("s", {1 << 20, 1 << 20, 1 << 20});
  b.node("ConstantOfShape", {"s"}, {"z"});
  b.node("Add", {"x", "z"}, {"y"});
  b.output("y");
  EXPECT_ERROR(b, "exceeds the limit");
}

TEST(OnnxImporter, IntegerInputAndMissingGraphOutput) {
  ModelBuilder b;
  b.input("x", {1, 4}, onnx::TensorProto::INT64);
  b.output("x");
  EXPECT_ERROR(b, "input 'x' has element type INT64 (expected FLOAT or "
                  "DOUBLE)");
  ModelBuilder c;
  c.input("x", {1, 4});
  c.output("never");
  EXPECT_ERROR(c, "graph output 'never' is never produced");
}

TEST(OnnxImporter, SliceHugeStepAndRankZeroAxis) {
  // A step of INT64_MAX selects one element (no overflow in the size).
  ModelBuilder b;
  b.input("x", {2, 5});
  b.ints("st", {1});
  b.ints("en", {5});
  b.ints("ax", {1});
  b.ints("sp", {INT64_MAX});
  b.node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"});
  b.output("y", {2, 1});
  EXPECT_EQ(b.importError(), "");
  // An axis of a rank-0 tensor is an error, not an out-of-bounds access.
  ModelBuilder c;
  c.input("x", {});
  c.ints("ax", {0});
  c.node("Squeeze", {"x", "ax"}, {"y"});
  c.output("y");
  EXPECT_ERROR(c, "(Squeeze, opset 13): axis 0 given for a rank-0 tensor");
}

TEST(OnnxImporter, ValidModelImports) {
  ModelBuilder b;
  b.input("x", {2, 3});
  b.ints("i", {-1});
  b.node("Gather", {"x", "i"}, {"g"});
  b.node("Relu", {"g"}, {"y"});
  b.output("y", {1, 3});
  EXPECT_EQ(b.importError(/*checker=*/true), "");
}

TEST(OnnxImporter, InputShapeSyntax) {
  auto ok = parseInputShape("input:1x3x32x32");
  ASSERT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(ok->first, "input");
  EXPECT_EQ(ok->second, (std::vector<int64_t>{1, 3, 32, 32}));
  auto first = parseInputShape("4x8");
  ASSERT_TRUE(static_cast<bool>(first));
  EXPECT_EQ(first->first, "");
  auto bad = parseInputShape("x:0x3");
  ASSERT_FALSE(static_cast<bool>(bad));
  llvm::consumeError(bad.takeError());
}

} // namespace
