//===- npy.cpp - Strict .npy reader and writer ----------------------------===//
//
// Format: "\x93NUMPY", major, minor, header length (u16 for 1.x, u32 for
// 2.x/3.x, little-endian), then an ASCII Python dict literal with the keys
// 'descr', 'fortran_order' and 'shape', padded with spaces and a newline,
// then the raw data. The one reader of the project (the runtime's inputs,
// mpcvit-run through lib/eval/Npy.h); fuzzed by bench/fuzz/npy_fuzzer.cpp.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/npy.h"

#include "mpcvit/runtime/files.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace mpcvit::rt {

namespace {
[[noreturn]] void fail(const std::string &name, const std::string &msg) {
  throw std::runtime_error("'" + name + "': not a supported .npy file: " + msg);
}

/// Minimal parser of the header dict: {'descr': '<f4', 'fortran_order':
/// False, 'shape': (2, 3), } in any key order.
struct HeaderParser {
  std::string_view s;
  size_t pos = 0;

  void skipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t'))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool startsWith(std::string_view w) {
    skipSpace();
    return s.substr(pos, w.size()) == w;
  }
  bool parseString(std::string &out) {
    skipSpace();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
      return false;
    char q = s[pos++];
    size_t end = s.find(q, pos);
    if (end == std::string_view::npos)
      return false;
    out = std::string(s.substr(pos, end - pos));
    pos = end + 1;
    return true;
  }
  /// A non-negative integer of at most 15 digits.
  bool parseInt(int64_t &v) {
    skipSpace();
    size_t start = pos;
    v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 15)
      v = v * 10 + (s[pos++] - '0');
    return pos != start && !(pos < s.size() && s[pos] >= '0' && s[pos] <= '9');
  }
};

/// At most this many elements in one array (2^40: 8 TiB of doubles; the
/// data size check below bounds it by the bytes really present).
constexpr uint64_t kMaxElements = uint64_t(1) << 40;
} // namespace

NpyArray parseNpy(std::string_view bytes, const std::string &name,
                  bool allowUint8) {
  if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY")
    fail(name, "missing the \\x93NUMPY magic");
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (size_t(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      fail(name, "truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    fail(name, "unknown format version " + std::to_string(major));
  }
  if (bytes.size() - offset < headerLen) // offset <= 12 <= size
    fail(name, "truncated header");
  HeaderParser p{bytes.substr(offset, headerLen)};
  std::string descr;
  bool haveDescr = false, haveOrder = false, haveShape = false;
  Shape shape;
  if (!p.consume('{'))
    fail(name, "header is not a dict");
  while (!p.consume('}')) {
    std::string key;
    if (!p.parseString(key) || !p.consume(':'))
      fail(name, "malformed header dict");
    if (key == "descr" && !haveDescr) {
      if (!p.parseString(descr))
        fail(name, "'descr' is not a string");
      haveDescr = true;
    } else if (key == "fortran_order" && !haveOrder) {
      if (p.startsWith("False"))
        p.pos += 5;
      else if (p.startsWith("True"))
        fail(name, "Fortran-order arrays are not supported");
      else
        fail(name, "'fortran_order' is not True or False");
      haveOrder = true;
    } else if (key == "shape" && !haveShape) {
      if (!p.consume('('))
        fail(name, "'shape' is not a tuple");
      while (!p.consume(')')) {
        int64_t d;
        if (!p.parseInt(d))
          fail(name, "'shape' holds a non-integer or huge entry");
        if (shape.size() >= 32)
          fail(name, "'shape' has more than 32 dimensions");
        shape.push_back(d);
        if (!p.consume(',') &&
            !(p.skipSpace(), p.pos < p.s.size() && p.s[p.pos] == ')'))
          fail(name, "malformed 'shape' tuple");
      }
      haveShape = true;
    } else {
      fail(name, "unexpected or repeated header key '" + key + "'");
    }
    if (!p.consume(',')) {
      if (!p.consume('}'))
        fail(name, "malformed header dict");
      break;
    }
  }
  if (!haveDescr || !haveOrder || !haveShape)
    fail(name, "header lacks 'descr', 'fortran_order' or 'shape'");
  NpyArray a;
  size_t eltSize;
  if (descr == "<f4") {
    eltSize = 4;
  } else if (descr == "<f8") {
    eltSize = 8;
    a.isFloat64 = true;
  } else if (allowUint8 && (descr == "|u1" || descr == "<u1")) {
    eltSize = 1;
    a.isUint8 = true;
  } else {
    fail(name, "dtype '" + descr +
                   "' (only little-endian float32 '<f4' and float64 '<f8' " +
                   (allowUint8 ? "and uint8 '|u1' " : "") +
                   "are supported)");
  }
  // Overflow-checked element count: every partial product stays <= 2^40.
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > kMaxElements / uint64_t(d))
      fail(name, "shape is too large (more than 2^40 elements)");
    count *= uint64_t(d);
  }
  const size_t dataOff = offset + headerLen;
  if (bytes.size() - dataOff != count * eltSize)
    fail(name, "data holds " + std::to_string(bytes.size() - dataOff) +
                   " bytes but the shape needs " +
                   std::to_string(count * eltSize));
  a.shape = shape;
  a.data.resize(count);
  const char *src = bytes.data() + dataOff;
  for (uint64_t i = 0; i < count; ++i) {
    if (eltSize == 1) {
      a.data[i] = static_cast<unsigned char>(src[i]);
    } else if (eltSize == 4) {
      float f;
      std::memcpy(&f, src + 4 * i, 4);
      a.data[i] = f;
    } else {
      std::memcpy(&a.data[i], src + 8 * i, 8);
    }
  }
  return a;
}

NpyArray readNpy(const std::string &path, uint64_t maxBytes,
                 bool allowUint8) {
  return parseNpy(readFileBounded(path, maxBytes, "an input here"), path,
                  allowUint8);
}

std::string serializeNpy(const NpyArray &array) {
  std::string header = "{'descr': '";
  header += array.isFloat64 ? "<f8" : "<f4";
  header += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i)
    header += (i ? ", " : "") + std::to_string(array.shape[i]);
  if (array.shape.size() == 1)
    header += ","; // a one-element tuple is "(5,)"
  header += "), }";
  // Total header (10 bytes + dict + newline) is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  size_t elt = array.isFloat64 ? 8 : 4;
  size_t start = out.size();
  out.resize(start + elt * array.data.size());
  for (size_t i = 0; i < array.data.size(); ++i) {
    if (array.isFloat64) {
      std::memcpy(&out[start + 8 * i], &array.data[i], 8);
    } else {
      float f = static_cast<float>(array.data[i]);
      std::memcpy(&out[start + 4 * i], &f, 4);
    }
  }
  return out;
}

void writeNpy(const std::string &path, const NpyArray &a) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw std::runtime_error("cannot write '" + path +
                             "': " + std::strerror(errno));
  std::string b = serializeNpy(a);
  out.write(b.data(), std::streamsize(b.size()));
  out.close();
  if (!out)
    throw std::runtime_error("cannot write '" + path + "'");
}

} // namespace mpcvit::rt
