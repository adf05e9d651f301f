//===- Npy.cpp - strict NumPy .npy reader and writer ------------*- C++ -*-===//
//
// Format: "\x93NUMPY", major, minor, header length (u16 for 1.x, u32 for
// 2.x/3.x, little-endian), then an ASCII Python dict literal with the keys
// 'descr', 'fortran_order' and 'shape', padded with spaces and a newline,
// then the raw data.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/eval/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace llvm;

namespace mpcvit::eval {

namespace {

Error npyError(StringRef name, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           "'" + name + "': not a supported .npy file: " + msg);
}

/// Minimal parser of the header dict: {'descr': '<f4', 'fortran_order':
/// False, 'shape': (2, 3), } in any key order.
struct HeaderParser {
  StringRef s;
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
  bool parseString(std::string &out) {
    skipSpace();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
      return false;
    char q = s[pos++];
    size_t end = s.find(q, pos);
    if (end == StringRef::npos)
      return false;
    out = s.substr(pos, end - pos).str();
    pos = end + 1;
    return true;
  }
  bool parseInt(int64_t &v) {
    skipSpace();
    size_t start = pos;
    while (pos < s.size() && isDigit(s[pos]))
      ++pos;
    if (pos == start || pos - start > 15)
      return false;
    return !s.substr(start, pos - start).getAsInteger(10, v);
  }
};

} // namespace

Expected<NpyArray> parseNpy(StringRef bytes, StringRef name) {
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return npyError(name, "missing the \\x93NUMPY magic");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(name, "truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    return npyError(name, "unknown format version " + Twine(major));
  }
  if (bytes.size() < offset + headerLen)
    return npyError(name, "truncated header");
  HeaderParser p{bytes.substr(offset, headerLen)};
  std::string descr;
  bool haveDescr = false, haveOrder = false, haveShape = false;
  std::vector<int64_t> shape;
  if (!p.consume('{'))
    return npyError(name, "header is not a dict");
  while (!p.consume('}')) {
    std::string key;
    if (!p.parseString(key) || !p.consume(':'))
      return npyError(name, "malformed header dict");
    if (key == "descr") {
      if (!p.parseString(descr))
        return npyError(name, "'descr' is not a string");
      haveDescr = true;
    } else if (key == "fortran_order") {
      p.skipSpace();
      if (p.s.substr(p.pos).starts_with("False")) {
        p.pos += 5;
      } else if (p.s.substr(p.pos).starts_with("True")) {
        return npyError(name, "Fortran-order arrays are not supported");
      } else {
        return npyError(name, "'fortran_order' is not True or False");
      }
      haveOrder = true;
    } else if (key == "shape") {
      if (!p.consume('('))
        return npyError(name, "'shape' is not a tuple");
      while (!p.consume(')')) {
        int64_t d;
        if (!p.parseInt(d))
          return npyError(name, "'shape' holds a non-integer or huge entry");
        shape.push_back(d);
        if (!p.consume(',') &&
            !(p.skipSpace(), p.pos < p.s.size() && p.s[p.pos] == ')'))
          return npyError(name, "malformed 'shape' tuple");
      }
      haveShape = true;
    } else {
      return npyError(name, "unexpected header key '" + key + "'");
    }
    if (!p.consume(',')) {
      if (!p.consume('}'))
        return npyError(name, "malformed header dict");
      break;
    }
  }
  if (!haveDescr || !haveOrder || !haveShape)
    return npyError(name, "header lacks 'descr', 'fortran_order' or 'shape'");
  NpyArray a;
  size_t eltSize;
  if (descr == "<f4") {
    eltSize = 4;
  } else if (descr == "<f8") {
    eltSize = 8;
    a.isFloat64 = true;
  } else {
    return npyError(name, "dtype '" + descr +
                              "' (only little-endian float32 '<f4' and "
                              "float64 '<f8' are supported)");
  }
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d != 0 && count > (uint64_t(1) << 40) / uint64_t(d)))
      return npyError(name, "shape is too large");
    count *= uint64_t(d);
  }
  size_t dataOff = offset + headerLen;
  if (bytes.size() - dataOff != count * eltSize)
    return npyError(name, "data holds " + Twine(bytes.size() - dataOff) +
                              " bytes but the shape needs " +
                              Twine(count * eltSize));
  a.shape = shape;
  a.data.resize(count);
  const char *src = bytes.data() + dataOff;
  for (uint64_t i = 0; i < count; ++i) {
    if (eltSize == 4) {
      float f;
      std::memcpy(&f, src + 4 * i, 4);
      a.data[i] = f;
    } else {
      std::memcpy(&a.data[i], src + 8 * i, 8);
    }
  }
  return a;
}

Expected<NpyArray> readNpy(const std::string &path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buf)
    return createStringError(buf.getError(), "cannot read '" + path + "': " +
                                                 buf.getError().message());
  return parseNpy((*buf)->getBuffer(), path);
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

Error writeNpy(const std::string &path, const NpyArray &array) {
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec,
                             "cannot write '" + path + "': " + ec.message());
  os << serializeNpy(array);
  os.close();
  if (os.has_error())
    return createStringError(os.error(), "cannot write '" + path + "'");
  return Error::success();
}

} // namespace mpcvit::eval
