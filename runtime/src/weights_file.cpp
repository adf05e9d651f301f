//===- weights_file.cpp - Reader of NAME.weights --------------------------===//
#include "mpcvit/runtime/weights_file.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace mpcvit::rt {

WeightsFile readWeightsFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open the weights file");
  std::string b((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  size_t off = 0;
  auto need = [&](size_t n) {
    if (off + n > b.size())
      throw std::runtime_error(path + ": truncated weights file");
  };
  auto u32 = [&]() {
    need(4);
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    off += 4;
    return v;
  };
  auto u64 = [&]() {
    need(8);
    uint64_t v;
    std::memcpy(&v, b.data() + off, 8);
    off += 8;
    return v;
  };
  need(8);
  if (b.compare(0, 8, "MPCVITW1") != 0)
    throw std::runtime_error(path + ": not an mpcvit weights file (bad magic)");
  off = 8;
  WeightsFile f;
  f.programHash = u64();
  uint32_t count = u32();
  for (uint32_t i = 0; i < count; ++i) {
    WeightEntry e;
    uint32_t len = u32();
    need(len);
    e.name = b.substr(off, len);
    off += len;
    uint32_t rank = u32();
    if (rank > 16)
      throw std::runtime_error(path + ": weight '" + e.name +
                               "' has an implausible rank");
    for (uint32_t r = 0; r < rank; ++r)
      e.shape.push_back(int64_t(u64()));
    e.frac = int(u32());
    size_t n = numel(e.shape);
    need(n * 8);
    std::vector<uint64_t> d(n);
    std::memcpy(d.data(), b.data() + off, n * 8);
    off += n * 8;
    e.value = RingTensor(e.shape, std::move(d));
    f.weights.push_back(std::move(e));
  }
  if (off != b.size())
    throw std::runtime_error(path + ": " + std::to_string(b.size() - off) +
                             " trailing bytes after the last weight");
  return f;
}

} // namespace mpcvit::rt
