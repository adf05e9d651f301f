//===- HostTensor.cpp - decode ONNX TensorProto data ------------*- C++ -*-===//
//
// TensorProto stores values either in `raw_data` (little-endian bytes) or in
// a typed repeated field (float_data, double_data, int64_data, int32_data
// for the small integer types and bool), see onnx/onnx.proto3.
//
//===----------------------------------------------------------------------===//

#include "HostTensor.h"

#include <cstring>

using llvm::Error;
using llvm::Expected;

namespace mpcvit::onnx_import {

static Error tensorError(const std::string &what, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "tensor '" + what + "': " + msg);
}

/// Number of elements described by `dims`, or -1 on a negative dim or an
/// overflow beyond `maxElements`.
static int64_t
countElements(const google::protobuf::RepeatedField<int64_t> &dims,
              int64_t maxElements) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0)
      return -1;
    if (d != 0 && n > maxElements / d)
      return -1;
    n *= d;
  }
  return n;
}

template <typename T>
static void readRaw(const std::string &raw, std::vector<T> &out) {
  out.resize(raw.size() / sizeof(T));
  if (!out.empty())
    std::memcpy(out.data(), raw.data(), out.size() * sizeof(T));
}

static Error decodeFloats(const onnx::TensorProto &t, int64_t n,
                          std::vector<double> &out, const std::string &what) {
  out.clear();
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    if (t.has_raw_data()) {
      if (int64_t(t.raw_data().size()) != 4 * n)
        return tensorError(
            what, "raw_data holds " + llvm::Twine(t.raw_data().size()) +
                      " bytes but the dims need " + llvm::Twine(4 * n));
      std::vector<float> tmp;
      readRaw(t.raw_data(), tmp);
      out.assign(tmp.begin(), tmp.end());
    } else {
      if (t.float_data_size() != n)
        return tensorError(
            what, "float_data holds " + llvm::Twine(t.float_data_size()) +
                      " values but the dims need " + llvm::Twine(n));
      out.assign(t.float_data().begin(), t.float_data().end());
    }
  } else {
    if (t.has_raw_data()) {
      if (int64_t(t.raw_data().size()) != 8 * n)
        return tensorError(
            what, "raw_data holds " + llvm::Twine(t.raw_data().size()) +
                      " bytes but the dims need " + llvm::Twine(8 * n));
      readRaw(t.raw_data(), out);
    } else {
      if (t.double_data_size() != n)
        return tensorError(
            what, "double_data holds " + llvm::Twine(t.double_data_size()) +
                      " values but the dims need " + llvm::Twine(n));
      out.assign(t.double_data().begin(), t.double_data().end());
    }
  }
  return Error::success();
}

Expected<HostTensor> decodeTensorProto(const onnx::TensorProto &t,
                                       bool lazyFloats, int64_t maxElements,
                                       const std::string &what) {
  HostTensor h;
  int64_t n = countElements(t.dims(), maxElements);
  if (n < 0)
    return tensorError(what, "negative or too large dims");
  h.shape.assign(t.dims().begin(), t.dims().end());
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return tensorError(what, "external data was not loaded");
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::DOUBLE: {
    h.kind = t.data_type() == onnx::TensorProto::FLOAT ? HostTensor::Kind::F32
                                                       : HostTensor::Kind::F64;
    if (lazyFloats) {
      // Validate the size now so that later copies cannot overrun.
      size_t elt = h.kind == HostTensor::Kind::F32 ? 4 : 8;
      int64_t have = t.has_raw_data() ? int64_t(t.raw_data().size() / elt)
                                      : (h.kind == HostTensor::Kind::F32
                                             ? t.float_data_size()
                                             : t.double_data_size());
      if ((t.has_raw_data() && t.raw_data().size() % elt) || have != n)
        return tensorError(what, "holds " + llvm::Twine(have) +
                                     " values but the dims need " +
                                     llvm::Twine(n));
      h.proto = &t;
      return h;
    }
    if (Error e = decodeFloats(t, n, h.f, what))
      return e;
    return h;
  }
  case onnx::TensorProto::INT64: {
    h.kind = HostTensor::Kind::I64;
    if (t.has_raw_data()) {
      if (int64_t(t.raw_data().size()) != 8 * n)
        return tensorError(what, "raw_data size does not match the dims");
      readRaw(t.raw_data(), h.i);
    } else {
      if (t.int64_data_size() != n)
        return tensorError(what, "int64_data size does not match the dims");
      h.i.assign(t.int64_data().begin(), t.int64_data().end());
    }
    return h;
  }
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL: {
    h.kind = t.data_type() == onnx::TensorProto::BOOL ? HostTensor::Kind::Bool
                                                      : HostTensor::Kind::I64;
    if (t.has_raw_data()) {
      size_t elt = 1;
      if (t.data_type() == onnx::TensorProto::INT32)
        elt = 4;
      else if (t.data_type() == onnx::TensorProto::INT16 ||
               t.data_type() == onnx::TensorProto::UINT16)
        elt = 2;
      if (int64_t(t.raw_data().size()) != int64_t(elt) * n)
        return tensorError(what, "raw_data size does not match the dims");
      h.i.resize(n);
      const unsigned char *p =
          reinterpret_cast<const unsigned char *>(t.raw_data().data());
      for (int64_t k = 0; k < n; ++k) {
        switch (t.data_type()) {
        case onnx::TensorProto::INT32: {
          int32_t v;
          std::memcpy(&v, p + 4 * k, 4);
          h.i[k] = v;
          break;
        }
        case onnx::TensorProto::INT16: {
          int16_t v;
          std::memcpy(&v, p + 2 * k, 2);
          h.i[k] = v;
          break;
        }
        case onnx::TensorProto::UINT16: {
          uint16_t v;
          std::memcpy(&v, p + 2 * k, 2);
          h.i[k] = v;
          break;
        }
        case onnx::TensorProto::INT8:
          h.i[k] = static_cast<int8_t>(p[k]);
          break;
        default:
          h.i[k] = p[k];
        }
        if (h.kind == HostTensor::Kind::Bool)
          h.i[k] = h.i[k] != 0;
      }
    } else {
      if (t.int32_data_size() != n)
        return tensorError(what, "int32_data size does not match the dims");
      h.i.assign(t.int32_data().begin(), t.int32_data().end());
      if (h.kind == HostTensor::Kind::Bool)
        for (int64_t &v : h.i)
          v = v != 0;
    }
    return h;
  }
  default:
    return tensorError(
        what, "data type " +
                  onnx::TensorProto::DataType_Name(
                      static_cast<onnx::TensorProto::DataType>(t.data_type())) +
                  " is not supported (expected FLOAT, DOUBLE "
                  "or an integer/bool type)");
  }
}

Error materializeFloats(HostTensor &h, int64_t maxElements) {
  if (!h.proto)
    return Error::success();
  const onnx::TensorProto *t = h.proto;
  h.proto = nullptr;
  return decodeFloats(*t, h.numElements(), h.f, t->name());
}

template <typename T> static std::vector<char> bytesAs(const HostTensor &h) {
  int64_t n = h.numElements();
  std::vector<char> out(n * sizeof(T));
  const onnx::TensorProto *t = h.proto;
  bool same =
      t && t->data_type() == (sizeof(T) == 4 ? onnx::TensorProto::FLOAT
                                             : onnx::TensorProto::DOUBLE);
  if (same && t->has_raw_data()) {
    std::memcpy(out.data(), t->raw_data().data(), out.size());
    return out;
  }
  for (int64_t k = 0; k < n; ++k) {
    T v;
    if (!t) {
      v = static_cast<T>(h.f[k]);
    } else if (t->data_type() == onnx::TensorProto::FLOAT) {
      float f;
      if (t->has_raw_data())
        std::memcpy(&f, t->raw_data().data() + 4 * k, 4);
      else
        f = t->float_data(k);
      v = static_cast<T>(f);
    } else {
      double d;
      if (t->has_raw_data())
        std::memcpy(&d, t->raw_data().data() + 8 * k, 8);
      else
        d = t->double_data(k);
      v = static_cast<T>(d);
    }
    std::memcpy(out.data() + k * sizeof(T), &v, sizeof(T));
  }
  return out;
}

std::vector<char> float32Bytes(const HostTensor &h) {
  return bytesAs<float>(h);
}
std::vector<char> float64Bytes(const HostTensor &h) {
  return bytesAs<double>(h);
}

} // namespace mpcvit::onnx_import
