//===- HostTensor.h - constant ONNX tensors on the host ---------*- C++ -*-===//
//
// Private to lib/onnx. A constant of an ONNX graph (initializer, Constant
// node, or the folded result of shape arithmetic) held on the host: floats
// as double, integers and booleans as int64. Large float initializers stay
// undecoded (`proto`) until a fold needs their values, so that weights are
// copied once, straight into their dense_resource blob.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_LIB_ONNX_HOSTTENSOR_H
#define MPCVIT_LIB_ONNX_HOSTTENSOR_H

#include "onnx/onnx_pb.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpcvit::onnx_import {

struct HostTensor {
  enum class Kind { F32, F64, I64, Bool };
  Kind kind = Kind::F32;
  std::vector<int64_t> shape;
  std::vector<double> f;  // F32 / F64 values once decoded
  std::vector<int64_t> i; // I64 / Bool values
  /// Undecoded float initializer (data still in the protobuf).
  const onnx::TensorProto *proto = nullptr;
  /// The ONNX name of the initializer or Constant output whose values this
  /// tensor holds (also after a reshape, transpose or slice of it); empty
  /// for computed tensors. Named on the `vit.constant` location (see
  /// GraphImporter.cpp) so that later errors can name the ONNX tensor.
  std::string name;

  bool isFloat() const { return kind == Kind::F32 || kind == Kind::F64; }
  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

/// Reads the header of `t` (dtype, dims) and, unless `lazyFloats` and the
/// tensor is float, its values. Supported dtypes: FLOAT, DOUBLE, INT64,
/// INT32, INT8/16, UINT8/16, BOOL. Errors on other dtypes, negative or
/// overflowing dims, more than `maxElements` elements and data whose size
/// does not match the dims. `what` names the tensor in messages.
llvm::Expected<HostTensor> decodeTensorProto(const onnx::TensorProto &t,
                                             bool lazyFloats,
                                             int64_t maxElements,
                                             const std::string &what);

/// Decodes the values of a lazy float tensor in place.
llvm::Error materializeFloats(HostTensor &h, int64_t maxElements);

/// The raw little-endian float32 bytes of a float tensor (lazy or decoded),
/// ready for a dense_resource blob; values are converted if needed.
std::vector<char> float32Bytes(const HostTensor &h);

/// The same for float64.
std::vector<char> float64Bytes(const HostTensor &h);

} // namespace mpcvit::onnx_import

#endif // MPCVIT_LIB_ONNX_HOSTTENSOR_H
