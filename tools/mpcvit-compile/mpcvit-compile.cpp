//===- mpcvit-compile.cpp - ONNX ViT → private 2PC executable ---*- C++ -*-===//
//
//   mpcvit-compile model.onnx|model.mlir [--arch arch.json] [--frac-bits N]
//       [--trunc probabilistic|exact] [--protocols=a2b|fss]
//       [--schedule lockstep|sequential] [--emit=mlir|cpp|exe]
//       [--calibration FILE|none] [--preprocess SPEC|none]
//       -o DIR/NAME
//
// In one command (DESIGN.md §1): import (ONNX) or parse (vit IR), raise,
// apply arch.json (replace-softmax, linearize-gelu), fuse, lower to mpc,
// check the reveal invariant, then write
//   DIR/NAME.mlir     the final mpc IR, weights elided (safe to share),
//   DIR/NAME.cpp      the emitted C++ (--emit=cpp and exe),
//   DIR/NAME.weights  the server-only weights file (--emit=cpp and exe),
//   DIR/NAME          the executable (--emit=exe, default): the system C++
//                     compiler (CXX or c++) on NAME.cpp, linked with the
//                     runtime library built in this tree.
// On success with --emit=cpp or exe, stdout gets the clients' input range,
// then a summary of the predicted cost per inference (lib/cost): online
// bytes per party, rounds, dealer bytes, latency under lan and wan and the
// three costliest layers; the compute term from --calibration (default: the
// committed bench/results/cost_calibration.json when the source tree has it).
// The raw-image normalisation recorded in the ONNX file (metadata_props
// "mpcvit.preprocess", mpcvit/support/Preprocess.h), or given or removed by
// --preprocess, goes into the program: its client then also accepts uint8
// images and normalises them before sharing.
// Errors go to stderr as "mpcvit-compile: error: ..." with exit status 1
// (2 for usage errors).
//
//===----------------------------------------------------------------------===//

#include "mpcvit/cost/Calibration.h"
#include "mpcvit/cost/CostReport.h"
#include "mpcvit/cost/NetworkProfile.h"
#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/vit/VitDialect.h"
#include "mpcvit/onnx/Importer.h"
#include "mpcvit/passes/Passes.h"
#include "mpcvit/support/Preprocess.h"
#include "mpcvit/support/ToolOptions.h"
#include "mpcvit/target/InputRange.h"
#include "mpcvit/target/Program.h"
#include "mpcvit/target/ToCpp.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::OptionCategory toolOptions("mpcvit-compile options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.onnx | model.mlir>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> outputBase("o", cl::desc("Output DIR/NAME"),
                                       cl::value_desc("DIR/NAME"), cl::Required,
                                       cl::cat(toolOptions));
static cl::opt<std::string> archFile("arch",
                                     cl::desc("arch.json (mpcvit.arch.v1)"),
                                     cl::init(""), cl::cat(toolOptions));
static cl::opt<unsigned> fracBits("frac-bits",
                                  cl::desc("Fractional bits (default 16)"),
                                  cl::init(16), cl::cat(toolOptions));
static cl::opt<std::string>
    truncMode("trunc",
              cl::desc("Truncation after products: probabilistic (default; "
                       "local, wrong with tiny probability) or exact (dealer, "
                       "1 round)"),
              cl::init("probabilistic"), cl::cat(toolOptions));
static cl::opt<std::string>
    protocols("protocols",
              cl::desc("Protocol suite: a2b (default; boolean-circuit "
                       "comparisons, Newton iterations) or fss (function "
                       "secret sharing: DCF comparisons, lookup tables)"),
              cl::init("a2b"), cl::cat(toolOptions));
static cl::opt<std::string>
    compareRenamed("compare", cl::desc("Renamed: --protocols=a2b|fss"),
                   cl::Hidden, cl::cat(toolOptions));
static cl::opt<std::string> scheduleKind(
    "schedule",
    cl::desc("lockstep (default): independent protocol sequences share "
             "rounds (--mpcvit-schedule-rounds); sequential: one after "
             "another"),
    cl::init("lockstep"), cl::cat(toolOptions));
static cl::opt<std::string> emitKind("emit",
                                     cl::desc("Stop after: mlir, cpp or exe"),
                                     cl::init("exe"), cl::cat(toolOptions));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("ONNX: static shape [NAME:]D0xD1x... for a "
                         "dynamic input"),
                cl::cat(toolOptions));
static cl::opt<std::string> calibrationFile(
    "calibration",
    cl::desc("Compute-time calibration for the summary's latency (default: "
             "the source tree's bench/results/cost_calibration.json; "
             "'none': network only)"),
    cl::value_desc("file"), cl::init(""), cl::cat(toolOptions));

static cl::opt<std::string> preprocessSpec(
    "preprocess",
    cl::desc("Raw-image normalisation x = (u*scale - mean[c]) / std[c] the "
             "client applies to uint8 images, e.g. "
             "scale=1/255,mean=0.2860,std=0.3530 (per channel: "
             "mean=M0:M1:M2); overrides the ONNX file's metadata; 'none' "
             "drops it"),
    cl::value_desc("spec"), cl::init(""), cl::cat(toolOptions));

static int fail(const Twine &msg) {
  errs() << "mpcvit-compile: error: " << msg << "\n";
  return 1;
}

/// The calibration for the summary: --calibration, else the committed one
/// when present. A file named by --calibration must load; the default one
/// only warns.
static Expected<std::optional<mpcvit::cost::Calibration>> summaryCalibration() {
  bool given = !calibrationFile.empty();
  std::string path =
      given ? calibrationFile.getValue() : std::string(MPCVIT_COST_CALIBRATION);
  if (path == "none" || (!given && !sys::fs::exists(path)))
    return std::nullopt;
  Expected<mpcvit::cost::Calibration> c = mpcvit::cost::loadCalibration(path);
  if (c)
    return std::optional<mpcvit::cost::Calibration>(std::move(*c));
  if (given)
    return c.takeError();
  errs() << "mpcvit-compile: warning: " << toString(c.takeError())
         << " (the summary's latency leaves out compute)\n";
  return std::nullopt;
}

/// The cost report of the lowered `module` under lan and wan, or nullopt
/// with a warning: the program is built either way.
static std::optional<mpcvit::cost::CostReport>
summaryReport(mlir::ModuleOp module,
              std::optional<mpcvit::cost::Calibration> calibration) {
  std::vector<mpcvit::cost::NetworkProfile> profiles;
  for (StringRef name : {"lan", "wan"})
    profiles.push_back(cantFail(mpcvit::cost::parseNetworkProfile(name)));
  std::string diags;
  mlir::ScopedDiagnosticHandler handler(
      module.getContext(), [&](mlir::Diagnostic &d) {
        diags += (diags.empty() ? "" : "; ") + d.str();
        return mlir::success();
      });
  mlir::FailureOr<mpcvit::cost::CostReport> r = mpcvit::cost::buildCostReport(
      module, std::move(profiles), std::move(calibration));
  if (mlir::succeeded(r))
    return std::move(*r);
  errs() << "mpcvit-compile: warning: no cost summary: " << diags << "\n";
  return std::nullopt;
}

static std::string envOr(const char *name, const char *def) {
  const char *v = std::getenv(name);
  return v && *v ? v : def;
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mpcvit::registerMPCVitPasses();
  mlir::registerTransformsPasses();
  mpcvit::setupToolOptions("mpcvit-compile", toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "mpcvit-compile: ONNX ViT → private 2PC "
                              "executable\n");
  if (emitKind != "mlir" && emitKind != "cpp" && emitKind != "exe") {
    errs() << "mpcvit-compile: error: --emit must be mlir, cpp or exe, got '"
           << emitKind << "'\n";
    return 2;
  }
  if (compareRenamed.getNumOccurrences()) {
    errs() << "mpcvit-compile: error: --compare was renamed: use "
              "--protocols=a2b|fss (dcf is now fss)\n";
    return 2;
  }
  if (protocols != "a2b" && protocols != "fss") {
    errs() << "mpcvit-compile: error: --protocols must be a2b or fss, got '"
           << protocols << "'\n";
    return 2;
  }
  if (scheduleKind != "lockstep" && scheduleKind != "sequential") {
    errs() << "mpcvit-compile: error: --schedule must be lockstep or "
              "sequential\n";
    return 2;
  }
  if (truncMode != "probabilistic" && truncMode != "exact") {
    errs() << "mpcvit-compile: error: --trunc must be probabilistic or exact"
           << (truncMode == "local" || truncMode == "dealer"
                   ? " (renamed: local is now probabilistic, dealer exact)"
                   : "")
           << ", got '" << truncMode << "'\n";
    return 2;
  }
  Expected<std::optional<mpcvit::cost::Calibration>> calibration =
      summaryCalibration();
  if (!calibration)
    return fail("--calibration: " + toString(calibration.takeError()));
  // -o DIR/ (a trailing separator) or -o DIR (an existing directory): the
  // outputs go inside DIR, named after the model (DIR/MODEL.mlir, ...).
  if (!outputBase.empty() &&
      (sys::path::is_separator(outputBase.getValue().back()) ||
       sys::fs::is_directory(outputBase))) {
    SmallString<256> inside(outputBase.getValue());
    StringRef stem = sys::path::stem(inputFile);
    if (stem.empty() || stem == "." || stem == "..")
      stem = "model";
    sys::path::append(inside, stem);
    std::string mlirOut = std::string(inside.str()) + ".mlir";
    if (sys::fs::equivalent(mlirOut, inputFile))
      return fail("-o " + outputBase + " would write " + mlirOut +
                  " over the input; give -o DIR/NAME");
    outputBase.setValue(std::string(inside));
  }
  std::string name = sys::path::filename(outputBase).str();
  if (name.empty())
    return fail("-o needs DIR/NAME, got '" + outputBase + "'");
  StringRef dir = sys::path::parent_path(outputBase);
  if (!dir.empty())
    if (std::error_code ec = sys::fs::create_directories(dir))
      return fail("cannot create " + dir + ": " + ec.message());

  mlir::MLIRContext ctx;
  ctx.loadDialect<mpcvit::vit::VitDialect, mpcvit::mpc::MpcDialect,
                  mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (StringRef(inputFile).ends_with(".onnx")) {
    mpcvit::onnx_import::ImportOptions opts;
    opts.readMetadata = preprocessSpec.empty(); // else --preprocess decides
    for (const std::string &s : inputShapes) {
      auto parsed = mpcvit::onnx_import::parseInputShape(s);
      if (!parsed)
        return fail(toString(parsed.takeError()));
      opts.inputShapes[parsed->first] = parsed->second;
    }
    auto imported = mpcvit::onnx_import::importOnnxFile(inputFile, ctx, opts);
    if (!imported)
      return fail(toString(imported.takeError()));
    module = std::move(*imported);
  } else {
    module = mlir::parseSourceFile<mlir::ModuleOp>(inputFile, &ctx);
    if (!module)
      return fail("cannot parse " + inputFile);
  }

  // The raw-image normalisation: --preprocess over the file's own record.
  if (preprocessSpec == "none") {
    (*module)->removeAttr(mpcvit::kPreprocessAttr);
  } else if (!preprocessSpec.empty()) {
    Expected<mpcvit::Preprocess> p =
        mpcvit::parsePreprocessSpec(preprocessSpec);
    if (!p) {
      errs() << "mpcvit-compile: error: --preprocess '" << preprocessSpec
             << "': " << toString(p.takeError()) << "\n";
      return 2;
    }
    if (Error e = mpcvit::setModulePreprocess(*module, *p))
      return fail("--preprocess '" + preprocessSpec + "' does not fit " +
                  inputFile + ": " + toString(std::move(e)));
  } else if (Expected<std::optional<mpcvit::Preprocess>> p =
                 mpcvit::modulePreprocess(*module);
             !p) {
    return fail(inputFile + ": " + toString(p.takeError()));
  } else if (*p) {
    if (Error e = mpcvit::setModulePreprocess(*module, **p))
      return fail(inputFile + ": module attribute 'mpcvit.preprocess': " +
                  toString(std::move(e)));
  }

  // An arch.json beside the model that --arch does not name is most likely
  // meant for it: say so (the model compiles as exported, all softmax and
  // exact GeLU).
  if (archFile.empty()) {
    SmallString<256> beside(sys::path::parent_path(inputFile));
    sys::path::append(beside, "arch.json");
    if (sys::fs::exists(beside))
      errs() << "mpcvit-compile: warning: " << beside
             << " lies beside the model but --arch was not given; compiling "
                "without it (pass --arch "
             << beside << " to apply its softmax/GeLU choices)\n";
  }

  // DESIGN.md §1: --mpcvit-pipeline, then the lowering and its check.
  mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
  mpcvit::buildMpcvitPipeline(pm, archFile);
  mpcvit::LowerToMpcOptions lowering;
  lowering.fracBits = fracBits;
  lowering.truncMode = truncMode;
  lowering.protocols = protocols;
  pm.addPass(mpcvit::createLowerToMpc(lowering));
  pm.addPass(mpcvit::createCheckReveal());
  if (scheduleKind == "lockstep")
    pm.addPass(mpcvit::createScheduleRounds());
  if (std::getenv("MPCVIT_COMPILE_DEBUG"))
    pm.printAsTextualPipeline(errs());
  if (mlir::failed(pm.run(*module)))
    return fail("compiling " + inputFile + " failed (see the errors above)");

  // NAME.mlir: the final IR with the weights elided.
  std::string base = outputBase;
  {
    std::error_code ec;
    raw_fd_ostream os(base + ".mlir", ec);
    if (ec)
      return fail("cannot write " + base + ".mlir: " + ec.message());
    mlir::OpPrintingFlags flags;
    // Locations carry the ONNX node names: the cost report attributes ops
    // to layers by them (lib/cost/LayerAttribution.h).
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
    flags.elideLargeElementsAttrs(16);
    flags.elideLargeResourceString(16);
    module->print(os, flags);
    os << "\n";
  }
  if (emitKind == "mlir")
    return 0;

  auto program = mpcvit::target::getProgram(*module);
  if (mlir::failed(program))
    return 1;
  std::optional<mpcvit::cost::CostReport> report =
      summaryReport(*module, std::move(*calibration));
  auto printSummary = [&] {
    if (!report)
      return;
    outs() << "mpcvit-compile: " << base << ": ";
    mpcvit::cost::printCostSummary(*report, outs());
    outs() << "  per op and layer: mpcvit-opt " << base
           << ".mlir --mpcvit-cost-report -o /dev/null\n";
  };
  {
    std::error_code ec;
    raw_fd_ostream os(base + ".cpp", ec);
    if (ec)
      return fail("cannot write " + base + ".cpp: " + ec.message());
    if (mlir::failed(mpcvit::target::emitCpp(*module, os, name)))
      return 1;
  }
  if (mlir::failed(
          mpcvit::target::writeWeightsFile(*program, base + ".weights")))
    return 1;
  if (mlir::FailureOr<mpcvit::target::InputRange> range =
          mpcvit::target::inputRange(*program);
      mlir::succeeded(range))
    llvm::outs() << "mpcvit-compile: " << base << ": client inputs must stay "
                 << "within |x| <= " << llvm::format("%.6g", range->absMax)
                 << " (" << program->session.getFracBits()
                 << " fractional bits; limited "
                 << "by " << range->limitBy << ")\n";
  if (Expected<std::optional<mpcvit::Preprocess>> p =
          mpcvit::modulePreprocess(*module);
      p && *p)
    outs() << "mpcvit-compile: " << base << ": clients may also send raw "
           << "uint8 images, normalised on the client: "
           << mpcvit::formatPreprocess(**p) << "\n";
  else if (!p)
    consumeError(p.takeError());
  if (emitKind == "cpp") {
    printSummary();
    return 0;
  }

  std::string cxxName = envOr("CXX", "c++");
  auto cxx = sys::findProgramByName(cxxName);
  if (!cxx)
    return fail("C++ compiler '" + cxxName + "' not found (set CXX)");
  std::string lib = envOr("MPCVIT_RUNTIME_LIB", MPCVIT_RUNTIME_LIB);
  std::string inc = envOr("MPCVIT_RUNTIME_INCLUDE", MPCVIT_RUNTIME_INCLUDE);
  if (!sys::fs::exists(lib))
    return fail("runtime library " + lib +
                " not found (build it: ninja mpcvit_runtime, or set "
                "MPCVIT_RUNTIME_LIB)");
  if (!sys::fs::exists(inc + "/mpcvit/runtime/program.h"))
    return fail("runtime headers not found under " + inc +
                " (set MPCVIT_RUNTIME_INCLUDE)");
  std::string crypto = MPCVIT_CRYPTO_LIB;
  if (crypto.empty())
    crypto = "-lcrypto";
  std::string ssl = MPCVIT_SSL_LIB; // TLS (runtime/tls.h)
  if (ssl.empty())
    ssl = "-lssl";
  std::vector<std::string> args = {
      *cxx, "-std=c++17", "-O2",      "-I" + inc, base + ".cpp", lib,
      ssl,  crypto,       "-pthread", "-o",       base};
  std::vector<StringRef> argRefs(args.begin(), args.end());
  std::string err;
  int rc = sys::ExecuteAndWait(*cxx, argRefs, std::nullopt, {},
                               /*SecondsToWait=*/600, 0, &err);
  if (rc != 0)
    return fail("the C++ compiler failed on " + base + ".cpp (exit " +
                Twine(rc) + (err.empty() ? "" : ", " + err) + ")");
  printSummary();
  return 0;
}
