//===- offline_material.cpp - Correlated randomness on disk ---------------===//
//
// `dealer --out DIR` writes, and a party started with `--offline` reads:
//
//   DIR/<party>/material.bin: "MPCVMAT1", u64 program hash, u32 party,
//     material id (16), seed k_p (16), seed kw (16, zeros for the client),
//     u64 bundle count (0: unused).
//   DIR/<party>/bundle-NNNNNN.bin: "MPCVBND1", u64 program hash, u32 party,
//     material id (16), u64 index, u64 payload length, payload (the bundle
//     a live dealer would have sent).
//
// Little-endian; <party> is "server" or "client". A bundle is claimed by
// renaming it to .used, so none serves two inferences.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/correlated.h"

#include "mpcvit/runtime/files.h"
#include "mpcvit/runtime/handshake.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <sys/stat.h>

namespace mpcvit::rt {

namespace {
constexpr size_t kMaterialBytes = 8 + 8 + 4 + 16 + 16 + 16 + 8;
constexpr size_t kBundleHeader = 8 + 8 + 4 + 16 + 8 + 8;
const char *partyDir(int p) { return p == 0 ? "server" : "client"; }
std::string bundlePath(const std::string &dir, uint64_t i, bool used) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/bundle-%06llu.%s", (unsigned long long)i,
                used ? "used" : "bin");
  return dir + buf;
}
std::string_view bytesOf(const std::vector<uint8_t> &v) {
  return {reinterpret_cast<const char *>(v.data()), v.size()};
}
template <typename T> void put(std::vector<uint8_t> &b, const T &v) {
  const uint8_t *p = reinterpret_cast<const uint8_t *>(&v);
  b.insert(b.end(), p, p + sizeof(T));
}
template <typename T> T get(const std::string &b, size_t &off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  off += sizeof(T);
  return v;
}
Seed seedAt(const std::string &b, size_t off) {
  Seed s;
  std::memcpy(s.data(), b.data() + off, 16);
  return s;
}
} // namespace

void CorrelatedRandomness::createOfflineMaterial(const std::string &dir) {
  offlineDir_ = dir;
  materialId_ = randomSeed();
  ::mkdir(dir.c_str(), 0700);
  for (int p = 0; p < 2; ++p) {
    std::string d = dir + "/" + partyDir(p);
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      throw ProtocolError(d + ": cannot create: " + std::strerror(errno));
    struct stat st;
    if (::stat((d + "/material.bin").c_str(), &st) == 0)
      throw ProtocolError(d + ": already holds offline material (use a new "
                              "directory: material is never overwritten)");
  }
  kP_[0] = randomSeed();
  kP_[1] = randomSeed();
  kw_ = randomSeed();
  prgP_[0].emplace(kP_[0]);
  prgP_[1].emplace(kP_[1]);
  for (int p = 0; p < 2; ++p) {
    std::vector<uint8_t> m;
    m.insert(m.end(), {'M', 'P', 'C', 'V', 'M', 'A', 'T', '1'});
    put(m, programHash_);
    put(m, uint32_t(p));
    m.insert(m.end(), materialId_.begin(), materialId_.end());
    m.insert(m.end(), kP_[p].begin(), kP_[p].end());
    Seed kw = p == 0 ? kw_ : Seed{};
    m.insert(m.end(), kw.begin(), kw.end());
    put(m, uint64_t(0));
    writeFilePrivate(dir + "/" + partyDir(p) + "/material.bin", {bytesOf(m)});
  }
}

void CorrelatedRandomness::writeBundleFiles() {
  for (int p = 0; p < 2; ++p) {
    std::vector<uint8_t> h;
    h.insert(h.end(), {'M', 'P', 'C', 'V', 'B', 'N', 'D', '1'});
    put(h, programHash_);
    put(h, uint32_t(p));
    h.insert(h.end(), materialId_.begin(), materialId_.end());
    put(h, curIndex_);
    put(h, uint64_t(out_[p].size()));
    writeFilePrivate(
        bundlePath(offlineDir_ + "/" + partyDir(p), curIndex_, false),
        {bytesOf(h), bytesOf(out_[p])});
  }
}

void CorrelatedRandomness::openOfflineMaterial(const std::string &dir) {
  offlineDir_ = dir;
  std::string path = dir + "/material.bin";
  std::string m = readFileBounded(path, kMaterialBytes, "offline material");
  if (m.size() != kMaterialBytes || std::memcmp(m.data(), "MPCVMAT1", 8))
    throw ProtocolError(path + ": not mpcvit offline material");
  size_t off = 8;
  uint64_t hash = get<uint64_t>(m, off);
  uint32_t party = get<uint32_t>(m, off);
  if (hash != programHash_)
    throw ProtocolError(path + ": material of another program (" +
                        hexHash(hash) + ", this is program " +
                        hexHash(programHash_) + ")");
  if (party != uint32_t(role_))
    throw ProtocolError(path + ": material of the " +
                        roleName(Role(party % 3)) + ", this is the " +
                        roleName(role_));
  materialId_ = seedAt(m, off);
  kParty_ = seedAt(m, off + 16);
  kw_ = seedAt(m, off + 32);
  prgDealer_.emplace(kParty_);
}

uint64_t CorrelatedRandomness::nextOfflineIndex() const {
  if (offlineDir_.empty())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": no offline material opened");
  for (uint64_t i = 0; i < (uint64_t(1) << 40); ++i) {
    struct stat st;
    if (::stat(bundlePath(offlineDir_, i, false).c_str(), &st) == 0)
      return i;
    if (::stat(bundlePath(offlineDir_, i, true).c_str(), &st) != 0)
      break; // neither unused nor used: past the end
  }
  throw ProtocolError(offlineDir_ +
                      ": every offline bundle has been used (make new "
                      "material with `dealer --out DIR --count N`)");
}

void CorrelatedRandomness::loadOfflineBundle(uint64_t index) {
  if (offlineDir_.empty() || isDealer())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": no offline material opened");
  std::string from = bundlePath(offlineDir_, index, false),
              to = bundlePath(offlineDir_, index, true);
  // rename() is atomic: of two sessions claiming one bundle, one wins.
  if (::rename(from.c_str(), to.c_str()) != 0) {
    struct stat st;
    if (::stat(to.c_str(), &st) == 0)
      throw ProtocolError(from + ": bundle " + std::to_string(index) +
                          " was already used: refused (a reused bundle "
                          "would reuse masks)");
    throw ProtocolError(from + ": no such offline bundle (" +
                        std::strerror(errno) + ")");
  }
  std::string b =
      readFileBounded(to, kBundleHeader + maxBundleBytes_, "an offline bundle");
  size_t off = 8;
  if (b.size() < kBundleHeader || std::memcmp(b.data(), "MPCVBND1", 8))
    throw ProtocolError(to + ": not an mpcvit offline bundle");
  uint64_t hash = get<uint64_t>(b, off);
  uint32_t party = get<uint32_t>(b, off);
  Seed mid = seedAt(b, off);
  off += 16;
  uint64_t idx = get<uint64_t>(b, off), len = get<uint64_t>(b, off);
  if (hash != programHash_ || party != uint32_t(role_) || mid != materialId_ ||
      idx != index || len != b.size() - kBundleHeader)
    throw ProtocolError(to + ": bundle does not belong to this material, "
                             "party, index or program");
  diskBytes_ += len;
  bundles_.emplace_back(
      index, std::vector<uint8_t>(b.begin() + kBundleHeader, b.end()));
}

} // namespace mpcvit::rt
