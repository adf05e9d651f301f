//===- Preprocess.cpp - The program's input normalisation in C++ ----------===//

#include "mpcvit/target/Preprocess.h"

#include "mpcvit/support/Preprocess.h"

#include <cstdio>

using namespace mlir;

namespace mpcvit::target {

namespace {
ModuleOp moduleOf(const ProgramView &p) {
  func::FuncOp fn = p.fn; // the op handle (FuncOp's accessors are not const)
  return fn->getParentOfType<ModuleOp>();
}

llvm::ArrayRef<int64_t> inputShape(const ProgramView &p) {
  func::FuncOp fn = p.fn;
  return llvm::cast<mpc::RingTensorType>(fn.getArgument(0).getType())
      .getShape();
}

std::string cxxList(const std::vector<double> &v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%.17g", v[i]);
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "}";
}
} // namespace

LogicalResult verifyPreprocess(const ProgramView &program) {
  ModuleOp m = moduleOf(program);
  llvm::Expected<std::optional<Preprocess>> p = modulePreprocess(m);
  if (!p)
    return m.emitError(llvm::toString(p.takeError()));
  if (!*p)
    return success();
  if (llvm::Error e = checkPreprocess(**p, inputShape(program)))
    return m.emitError("module attribute 'mpcvit.preprocess': ")
           << llvm::toString(std::move(e));
  return success();
}

std::string preprocessInfo(const ProgramView &program) {
  llvm::Expected<std::optional<Preprocess>> p =
      modulePreprocess(moduleOf(program));
  if (!p) {
    llvm::consumeError(p.takeError()); // reported by verifyPreprocess
    return "";
  }
  if (!*p)
    return "";
  char scale[40];
  std::snprintf(scale, sizeof(scale), "%.17g", (*p)->scale);
  return "  p.preprocess.scale = " + std::string(scale) + ";\n" +
         "  p.preprocess.mean = " + cxxList((*p)->mean) + ";\n" +
         "  p.preprocess.std = " + cxxList((*p)->std) + ";\n";
}

} // namespace mpcvit::target
