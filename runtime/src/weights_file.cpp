//===- weights_file.cpp - Reader of NAME.weights --------------------------===//
//
// Format and checks: runtime/include/mpcvit/runtime/weights_file.h. Order
// of the checks: magic, recorded size against the real size, SHA-256, then
// the entries, each size checked against the bytes that are left (with
// overflow-checked products) before any allocation or copy.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/weights_file.h"

#include "mpcvit/runtime/files.h"

#include <openssl/evp.h>

#include <cstring>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace mpcvit::rt {

std::array<uint8_t, 32> sha256(const void *data, size_t n) {
  std::array<uint8_t, 32> out{};
  unsigned len = 0;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> ctx(EVP_MD_CTX_new(),
                                                          EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      (n && EVP_DigestUpdate(ctx.get(), data, n) != 1) ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != 32)
    throw std::runtime_error("SHA-256: OpenSSL EVP digest failed");
  return out;
}

WeightsFile parseWeightsFile(const std::string &b, const std::string &path) {
  auto error = [&](const std::string &msg) {
    return std::runtime_error(path + ": " + msg);
  };
  const size_t magicLen = 8;
  if (b.size() >= magicLen && b.compare(0, magicLen, kWeightsMagicV1) == 0)
    throw error("weights file format 1 (no checksum), written by an older "
                "mpcvit-compile: recompile the model");
  if (b.size() < magicLen || b.compare(0, magicLen, kWeightsMagic) != 0)
    throw error("not an mpcvit weights file (bad magic)");
  if (b.size() < kWeightsHeaderBytes + kWeightsDigestBytes)
    throw error("truncated weights file (" + std::to_string(b.size()) +
                " bytes, shorter than the header and checksum)");
  uint64_t recorded;
  std::memcpy(&recorded, b.data() + magicLen, 8);
  if (recorded > b.size())
    throw error("truncated weights file (" + std::to_string(b.size()) + " of " +
                std::to_string(recorded) + " bytes)");
  if (recorded < b.size())
    throw error(std::to_string(b.size() - recorded) +
                " trailing bytes after the end of the weights file");
  // The checksum covers every byte before the digest.
  const size_t end = b.size() - kWeightsDigestBytes;
  std::array<uint8_t, 32> digest = sha256(b.data(), end);
  if (std::memcmp(digest.data(), b.data() + end, kWeightsDigestBytes) != 0)
    throw error("checksum mismatch: the file is corrupt or was modified "
                "(SHA-256 of the contents differs from the one recorded by "
                "mpcvit-compile)");

  // Entries. `left()` is the real number of bytes before the digest.
  size_t off = magicLen + 8;
  auto left = [&]() { return end - off; };
  auto need = [&](size_t n, const std::string &what) {
    if (n > left())
      throw error("truncated weights file: " + what + " needs " +
                  std::to_string(n) + " bytes, " + std::to_string(left()) +
                  " left");
  };
  auto u32 = [&](const std::string &what) {
    need(4, what);
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    off += 4;
    return v;
  };
  auto u64 = [&](const std::string &what) {
    need(8, what);
    uint64_t v;
    std::memcpy(&v, b.data() + off, 8);
    off += 8;
    return v;
  };
  WeightsFile f;
  f.programHash = u64("the program hash");
  uint32_t count = u32("the weight count");
  // Nothing is reserved from the header's count: each entry is checked
  // against the bytes left as it is read.
  for (uint32_t i = 0; i < count; ++i) {
    std::string what = "weight " + std::to_string(i);
    WeightEntry e;
    uint32_t len = u32(what + " (name length)");
    need(len, what + " (name)");
    e.name = b.substr(off, len);
    off += len;
    what = "weight " + std::to_string(i) + " '" + e.name + "'";
    uint32_t rank = u32(what + " (rank)");
    if (rank > kWeightsMaxRank)
      throw error(what + " has an implausible rank " + std::to_string(rank) +
                  " (at most " + std::to_string(kWeightsMaxRank) + ")");
    need(size_t(rank) * 8, what + " (dims)");
    // numel with overflow checks; bounded by the element bytes left.
    uint64_t n = 1;
    bool tooLarge = false;
    for (uint32_t r = 0; r < rank; ++r) {
      int64_t d = int64_t(u64(what + " (dims)"));
      if (d < 0)
        throw error(what + " has a negative dimension " + std::to_string(d));
      e.shape.push_back(d);
      if (d != 0 && n > UINT64_MAX / uint64_t(d))
        tooLarge = true;
      else
        n *= uint64_t(d);
    }
    uint32_t frac = u32(what + " (fractional bits)");
    if (frac > kWeightsMaxFrac)
      throw error(what + " has " + std::to_string(frac) +
                  " fractional bits (at most " +
                  std::to_string(kWeightsMaxFrac) + ")");
    e.frac = int(frac);
    if (tooLarge || n > left() / 8)
      throw error(what + " of shape " + shapeStr(e.shape) +
                  (tooLarge ? std::string(" has more elements than 2^64")
                            : " has " + std::to_string(n) + " elements") +
                  " but only " + std::to_string(left()) +
                  " bytes of the file are left (corrupt sizes)");
    std::vector<uint64_t> d(n);
    if (n)
      std::memcpy(d.data(), b.data() + off, n * 8);
    off += n * 8;
    e.value = RingTensor(e.shape, std::move(d));
    f.weights.push_back(std::move(e));
  }
  if (off != end)
    throw error(std::to_string(end - off) +
                " bytes after the last weight (corrupt count)");
  return f;
}

uint64_t
weightsFileBytes(const std::vector<std::pair<std::string, Shape>> &weights) {
  uint64_t n = kWeightsHeaderBytes + kWeightsDigestBytes;
  for (const auto &[name, shape] : weights)
    n +=
        4 + name.size() + 4 + 8 * shape.size() + 4 + 8 * uint64_t(numel(shape));
  return n;
}

WeightsFile readWeightsFile(const std::string &path, uint64_t maxBytes) {
  return parseWeightsFile(
      readFileBounded(path, maxBytes, "this program's weights"), path);
}

} // namespace mpcvit::rt
