//===- npy.cpp - Strict .npy reader and writer ----------------------------===//
#include "mpcvit/runtime/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mpcvit::rt {

namespace {
[[noreturn]] void fail(const std::string &path, const std::string &msg) {
  throw std::runtime_error(path + ": " + msg);
}
} // namespace

NpyArray readNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, "cannot open");
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    fail(path, "not a .npy file (bad magic)");
  const int major = uint8_t(bytes[6]);
  size_t hlen, off;
  if (major == 1) {
    hlen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    off = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      fail(path, "truncated header");
    hlen = 0;
    for (int i = 0; i < 4; ++i)
      hlen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    off = 12;
  } else {
    fail(path, "unsupported .npy version " + std::to_string(major));
  }
  if (off + hlen > bytes.size())
    fail(path, "truncated header");
  std::string h = bytes.substr(off, hlen);
  auto field = [&](const std::string &key) -> std::string {
    size_t k = h.find("'" + key + "'");
    if (k == std::string::npos)
      fail(path, "header has no '" + key + "'");
    size_t c = h.find(':', k);
    if (c == std::string::npos)
      fail(path, "malformed header");
    return h.substr(c + 1);
  };
  std::string descr = field("descr");
  size_t q1 = descr.find('\''), q2 = descr.find('\'', q1 + 1);
  if (q1 == std::string::npos || q2 == std::string::npos)
    fail(path, "malformed descr");
  descr = descr.substr(q1 + 1, q2 - q1 - 1);
  int esize;
  if (descr == "<f4")
    esize = 4;
  else if (descr == "<f8")
    esize = 8;
  else
    fail(path, "dtype '" + descr + "' is not supported (expected <f4 or <f8)");
  std::string fo = field("fortran_order");
  if (fo.find("False") == std::string::npos ||
      (fo.find("True") != std::string::npos &&
       fo.find("True") < fo.find("False")))
    fail(path, "Fortran order is not supported");
  std::string sh = field("shape");
  size_t p1 = sh.find('('), p2 = sh.find(')');
  if (p1 == std::string::npos || p2 == std::string::npos)
    fail(path, "malformed shape");
  NpyArray a;
  std::stringstream ss(sh.substr(p1 + 1, p2 - p1 - 1));
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    size_t b = tok.find_first_not_of(" \t"), e = tok.find_last_not_of(" \t");
    if (b == std::string::npos)
      continue;
    tok = tok.substr(b, e - b + 1);
    char *end = nullptr;
    long long d = std::strtoll(tok.c_str(), &end, 10);
    if (*end || d < 0)
      fail(path, "bad dimension '" + tok + "'");
    a.shape.push_back(d);
  }
  size_t n = numel(a.shape);
  size_t dataOff = off + hlen;
  if (bytes.size() - dataOff != n * size_t(esize))
    fail(path, "data has " + std::to_string(bytes.size() - dataOff) +
                   " bytes, shape " + shapeStr(a.shape) + " needs " +
                   std::to_string(n * size_t(esize)));
  a.data.resize(n);
  const char *p = bytes.data() + dataOff;
  for (size_t i = 0; i < n; ++i) {
    if (esize == 4) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      a.data[i] = f;
    } else {
      std::memcpy(&a.data[i], p + 8 * i, 8);
    }
  }
  return a;
}

void writeNpy(const std::string &path, const NpyArray &a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i)
    shape += std::to_string(a.shape[i]) +
             (a.shape.size() == 1 ? "," : (i + 1 < a.shape.size() ? ", " : ""));
  shape += ")";
  std::string h =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + h.size() + 1;
  h += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream out(path, std::ios::binary);
  if (!out)
    fail(path, "cannot write");
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t hl = uint16_t(h.size());
  out.put(char(hl & 0xff));
  out.put(char(hl >> 8));
  out.write(h.data(), std::streamsize(h.size()));
  for (double d : a.data) {
    float f = float(d);
    out.write(reinterpret_cast<const char *>(&f), 4);
  }
  if (!out)
    fail(path, "write failed");
}

} // namespace mpcvit::rt
