//===- WeightsFile.cpp - write NAME.weights -------------------------------===//
//
// Format version 2 (shared with the reader, runtime/src/weights_file.cpp;
// documented in runtime/include/mpcvit/runtime/weights_file.h):
//
//   "MPCVITW2" | u64 file size | u64 program hash | u32 count |
//   count × { u32 name length | name | u32 rank | rank × i64 dims |
//             u32 fractional bits | numel × u64 ring elements } |
//   SHA-256 (32 bytes) of every byte before it
//
// all little-endian; ring elements are round(v · 2^frac) mod 2^64. The
// file is written to NAME.weights.tmp and renamed once complete, so that a
// failed compile never leaves a partial weights file behind.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/target/Program.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <openssl/evp.h>

#include <cmath>
#include <memory>

using namespace mlir;

namespace mpcvit::target {

namespace {

/// Writes to a stream and feeds the same bytes to SHA-256, counting them.
class HashingWriter {
public:
  explicit HashingWriter(llvm::raw_ostream &os)
      : os(os), ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  }
  void write(const void *p, size_t n) {
    os.write(static_cast<const char *>(p), n);
    ok = ok && EVP_DigestUpdate(ctx.get(), p, n) == 1;
    count += n;
  }
  template <typename T> void put(T v) { write(&v, sizeof(T)); }
  /// Appends the digest of everything written so far (not hashed itself).
  bool finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx.get(), md, &len) == 1 && len == 32;
    if (ok) {
      os.write(reinterpret_cast<const char *>(md), len);
      count += len;
    }
    return ok;
  }
  uint64_t bytes() const { return count; }

private:
  llvm::raw_ostream &os;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> ctx;
  bool ok = false;
  uint64_t count = 0;
};
} // namespace

LogicalResult writeWeightsFile(const ProgramView &program, StringRef path) {
  ProgramView p = program;
  Operation *module = p.fn->getParentOp();
  // The file size is known from the types alone.
  uint64_t size = 8 + 8 + 8 + 4 + 32;
  for (mpc::WeightOp w : p.weights) {
    auto t = llvm::cast<mpc::RingTensorType>(w.getResult().getType());
    size += 4 + w.getName().size() + 4 + 8 * t.getRank() + 4 +
            8 * uint64_t(t.getNumElements());
  }
  std::string tmp = (path + ".tmp").str();
  std::error_code ec;
  auto os =
      std::make_unique<llvm::raw_fd_ostream>(tmp, ec, llvm::sys::fs::OF_None);
  if (ec)
    return module->emitError("cannot write the weights file ")
           << tmp << ": " << ec.message();
  auto abandon = [&]() {
    os->clear_error();
    os.reset();
    llvm::sys::fs::remove(tmp);
    return failure();
  };
  HashingWriter out(*os);
  out.write("MPCVITW2", 8);
  out.put<uint64_t>(size);
  out.put<uint64_t>(programHash(p));
  out.put<uint32_t>(uint32_t(p.weights.size()));
  for (mpc::WeightOp w : p.weights) {
    auto t = llvm::cast<mpc::RingTensorType>(w.getResult().getType());
    FailureOr<std::vector<double>> vals = elementValues(w.getOperation(), w.getValue());
    if (failed(vals))
      return abandon();
    if (int64_t(vals->size()) != t.getNumElements()) {
      w.emitOpError("weight data has ")
          << vals->size() << " elements, the type " << t.getNumElements();
      return abandon();
    }
    StringRef name = w.getName();
    out.put<uint32_t>(uint32_t(name.size()));
    out.write(name.data(), name.size());
    out.put<uint32_t>(uint32_t(t.getRank()));
    for (int64_t d : t.getShape())
      out.put<int64_t>(d);
    out.put<uint32_t>(t.getFracBits());
    const double scale = std::ldexp(1.0, int(t.getFracBits()));
    std::vector<uint64_t> ring;
    ring.reserve(vals->size());
    for (double v : *vals) {
      double s = v * scale;
      if (!std::isfinite(s) || std::fabs(s) >= std::ldexp(1.0, 62)) {
        w.emitOpError("weight '")
            << name << "' value " << v << " does not fit the ring with "
            << t.getFracBits() << " fractional bits";
        return abandon();
      }
      ring.push_back(uint64_t(int64_t(std::llround(s))));
    }
    if (!ring.empty())
      out.write(ring.data(), ring.size() * 8);
  }
  if (!out.finish()) {
    module->emitError("SHA-256 of the weights file failed (OpenSSL)");
    return abandon();
  }
  if (out.bytes() != size) {
    module->emitError("weights file size ")
        << out.bytes() << " differs from the computed " << size;
    return abandon();
  }
  os->close();
  if (os->has_error()) {
    module->emitError("error writing ") << tmp << ": " << os->error().message();
    return abandon();
  }
  os.reset();
  if (std::error_code e = llvm::sys::fs::rename(tmp, path)) {
    module->emitError("cannot rename ")
        << tmp << " to " << path << ": " << e.message();
    llvm::sys::fs::remove(tmp);
    return failure();
  }
  return success();
}

} // namespace mpcvit::target
