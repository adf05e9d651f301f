//===- mpcvit-run.cpp - plaintext reference evaluator driver ----*- C++ -*-===//
//
//   mpcvit-run --plaintext model.mlir --input x.npy --output y.npy
//   mpcvit-run --plaintext model.mlir --input x.npy --compare ref.npy --atol
//   1e-4 mpcvit-run --plaintext model.mlir --print
//
// Parses vit IR, evaluates one function (`--function`, default `main`, or
// the only function) on .npy inputs (one --input per argument, in order) and
// writes its results (--output per result, in order). With --compare it
// also prints the maximum absolute difference to reference arrays and exits
// with 1 if it exceeds --atol. Errors name the file; exit status 1.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/vit/VitDialect.h"
#include "mpcvit/eval/Evaluator.h"
#include "mpcvit/eval/Npy.h"
#include "mpcvit/support/ToolOptions.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace mpcvit;

static cl::OptionCategory toolOptions("mpcvit-run options");

static cl::opt<bool> plaintext("plaintext",
                               cl::desc("Evaluate in plaintext (the only "
                                        "mode; required for clarity)"),
                               cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> modelFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::list<std::string> inputs("input",
                                    cl::desc("input .npy (one per "
                                             "function argument)"),
                                    cl::cat(toolOptions));
static cl::list<std::string> outputs("output",
                                     cl::desc("output .npy (one per result)"),
                                     cl::cat(toolOptions));
static cl::list<std::string>
    compares("compare", cl::desc("reference .npy to compare each result with"),
             cl::cat(toolOptions));
static cl::opt<double> absTol("atol",
                              cl::desc("max abs difference for "
                                       "--compare (default 1e-4)"),
                              cl::init(1e-4), cl::cat(toolOptions));
static cl::opt<double>
    relTol("rtol",
           cl::desc("if set, --compare checks max|got - ref| <= rtol * "
                    "max|ref| (normwise relative) instead of --atol"),
           cl::init(0.0), cl::cat(toolOptions));
static cl::opt<bool>
    batch("batch",
          cl::desc("the single --input holds N inputs stacked along the "
                   "model's batch axis (the argument is [1, ...], the file "
                   "[N, ...]); results are stacked the same way"),
          cl::cat(toolOptions));
static cl::opt<bool> printResults("print",
                                  cl::desc("Print every result's shape and "
                                           "values (%.6g) to stdout"),
                                  cl::cat(toolOptions));
static cl::opt<std::string> funcName("function",
                                     cl::desc("function to evaluate (default: "
                                              "main or the only function)"),
                                     cl::cat(toolOptions));

/// --batch: evaluates `func` on each of the N inputs stacked along axis 0
/// of the single argument (whose own leading dimension is 1) and stacks
/// each result along its axis 0. Errors name the shapes.
static Expected<std::vector<eval::Tensor>>
evaluateBatch(mlir::func::FuncOp func, const std::vector<eval::Tensor> &args) {
  auto argTy =
      func.getNumArguments() == 1
          ? dyn_cast<mlir::RankedTensorType>(func.getArgumentTypes()[0])
          : mlir::RankedTensorType();
  if (!argTy || args.size() != 1 || argTy.getRank() < 1 ||
      argTy.getDimSize(0) != 1)
    return createStringError(inconvertibleErrorCode(),
                             "--batch needs one argument of shape [1, ...] "
                             "and one --input");
  const eval::Tensor &all = args[0];
  ArrayRef<int64_t> item = argTy.getShape().drop_front();
  if (all.shape.size() != static_cast<size_t>(argTy.getRank()) ||
      ArrayRef<int64_t>(all.shape).drop_front() != item)
    return createStringError(inconvertibleErrorCode(),
                             "--batch input must be [N" +
                                 std::string(item.empty() ? "" : ", ...") +
                                 "] matching the argument's trailing "
                                 "dimensions");
  int64_t n = all.shape.empty() ? 0 : all.shape[0];
  size_t per = all.data.size() / std::max<int64_t>(n, 1);
  std::vector<eval::Tensor> stacked;
  for (int64_t b = 0; b < n; ++b) {
    eval::Tensor one;
    one.shape.assign(argTy.getShape().begin(), argTy.getShape().end());
    one.data.assign(all.data.begin() + b * per,
                    all.data.begin() + (b + 1) * per);
    Expected<std::vector<eval::Tensor>> r = eval::evaluate(func, {one});
    if (!r)
      return r.takeError();
    if (stacked.empty())
      stacked.resize(r->size());
    for (auto [acc, t] : llvm::zip(stacked, *r)) {
      if (t.shape.empty() || t.shape[0] != 1)
        return createStringError(inconvertibleErrorCode(),
                                 "--batch needs results of shape [1, ...]");
      if (acc.shape.empty()) {
        acc.shape = t.shape;
        acc.shape[0] = 0;
      }
      acc.shape[0] += 1;
      acc.data.insert(acc.data.end(), t.data.begin(), t.data.end());
    }
  }
  return stacked;
}

static int fail(const Twine &msg) {
  errs() << "mpcvit-run: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  setupToolOptions("mpcvit-run", toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "mpcvit plaintext reference evaluator\n");
  mlir::MLIRContext ctx;
  ctx.loadDialect<vit::VitDialect, mlir::func::FuncDialect>();
  SourceMgr sm;
  mlir::SourceMgrDiagnosticHandler diag(sm, &ctx);
  std::string err;
  std::unique_ptr<MemoryBuffer> buf = mlir::openInputFile(modelFile, &err);
  if (!buf)
    return fail(err);
  sm.AddNewSourceBuffer(std::move(buf), SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sm, &ctx);
  if (!module)
    return fail("cannot parse '" + modelFile + "'");

  mlir::func::FuncOp func;
  SmallVector<mlir::func::FuncOp> all(module->getOps<mlir::func::FuncOp>());
  for (mlir::func::FuncOp f : all)
    if (f.getSymName() == (funcName.empty() ? "main" : funcName.getValue()))
      func = f;
  if (!func && funcName.empty() && all.size() == 1)
    func = all.front();
  if (!func)
    return fail("'" + modelFile + "' has no function '" +
                (funcName.empty() ? "main" : funcName.getValue()) + "'");

  std::vector<eval::Tensor> args;
  for (const std::string &path : inputs) {
    Expected<eval::NpyArray> a = eval::readNpy(path);
    if (!a)
      return fail(toString(a.takeError()));
    eval::Tensor t;
    t.shape = a->shape;
    t.data = std::move(a->data);
    args.push_back(std::move(t));
  }
  // Inputs enter with the argument's precision.
  for (auto [t, ty] : llvm::zip(args, func.getArgumentTypes()))
    if (auto st = dyn_cast<mlir::ShapedType>(ty);
        st && st.getElementType().isF32())
      for (double &v : t.data)
        v = static_cast<float>(v);

  Expected<std::vector<eval::Tensor>> results =
      batch ? evaluateBatch(func, args) : eval::evaluate(func, args);
  if (!results)
    return fail("'" + modelFile + "': " + toString(results.takeError()));
  if (outputs.size() > results->size() || compares.size() > results->size())
    return fail("the function has " + Twine(results->size()) +
                " results but more --output/--compare files were given");
  for (size_t i = 0; i < outputs.size(); ++i) {
    eval::NpyArray a;
    a.shape = (*results)[i].shape;
    a.data = (*results)[i].data;
    a.isFloat64 = cast<mlir::ShapedType>(func.getResultTypes()[i])
                      .getElementType()
                      .isF64();
    if (Error e = eval::writeNpy(outputs[i], a))
      return fail(toString(std::move(e)));
  }
  if (printResults)
    for (auto [i, t] : llvm::enumerate(*results)) {
      outs() << "result #" << i << " [";
      llvm::interleaveComma(t.shape, outs());
      outs() << "]:";
      for (double v : t.data)
        outs() << " " << format("%.6g", v);
      outs() << "\n";
    }
  int rc = 0;
  for (size_t i = 0; i < compares.size(); ++i) {
    Expected<eval::NpyArray> ref = eval::readNpy(compares[i]);
    if (!ref)
      return fail(toString(ref.takeError()));
    const eval::Tensor &got = (*results)[i];
    if (ref->shape != got.shape)
      return fail("result #" + Twine(i) + " and '" + compares[i] +
                  "' differ in shape");
    double maxErr = 0;
    for (size_t j = 0; j < got.data.size(); ++j) {
      double d = std::fabs(got.data[j] - ref->data[j]);
      if (!(d <= maxErr)) // NaN propagates as an error
        maxErr = std::isnan(d) ? INFINITY : d;
    }
    if (relTol > 0) {
      double scale = 0;
      for (double r : ref->data)
        scale = std::max(scale, std::fabs(r));
      double rel = scale > 0 ? maxErr / scale : maxErr;
      outs() << "result #" << i << " max_rel_err " << format("%.3e", rel)
             << (rel <= relTol ? " ok" : " FAIL") << " (rtol "
             << format("%.1e", relTol.getValue()) << ", " << got.data.size()
             << " values)\n";
      if (!(rel <= relTol))
        rc = 1;
      continue;
    }
    outs() << "result #" << i << " max_abs_err " << format("%.3e", maxErr)
           << (maxErr <= absTol ? " ok" : " FAIL") << " (atol "
           << format("%.1e", absTol.getValue()) << ", " << got.data.size()
           << " values)\n";
    if (!(maxErr <= absTol))
      rc = 1;
  }
  return rc;
}
