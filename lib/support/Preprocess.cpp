//===- Preprocess.cpp - The input normalisation a program records ---------===//

#include "mpcvit/support/Preprocess.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <cstdio>

using namespace llvm;

namespace mpcvit {

namespace {
Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

/// A decimal number, or A/B (e.g. 1/255).
std::optional<double> parseNumber(StringRef s) {
  s = s.trim();
  auto [a, b] = s.split('/');
  double x, y = 1.0;
  if (a.empty() || a.trim().getAsDouble(x))
    return std::nullopt;
  if (s.contains('/') && (b.trim().getAsDouble(y) || y == 0.0))
    return std::nullopt;
  return x / y;
}
} // namespace

Expected<Preprocess> parsePreprocessJson(StringRef text) {
  Expected<json::Value> v = json::parse(text);
  if (!v)
    return fail("not valid JSON (" + toString(v.takeError()) + ")");
  const json::Object *o = v->getAsObject();
  if (!o)
    return fail("expected a JSON object {\"layout\", \"scale\", \"mean\", "
                "\"std\"}");
  Preprocess p;
  for (const auto &kv : *o) {
    StringRef k = kv.first;
    if (k != "layout" && k != "scale" && k != "mean" && k != "std")
      return fail("unknown key \"" + k +
                  "\" (expected layout, scale, mean, std)");
  }
  if (const json::Value *l = o->get("layout")) {
    std::optional<StringRef> s = l->getAsString();
    if (!s)
      return fail("\"layout\" must be a string such as \"NCHW\"");
    p.layout = s->str();
  }
  const json::Value *sc = o->get("scale");
  if (!sc || !sc->getAsNumber())
    return fail("\"scale\" must be a number (e.g. 0.00392156862745098 for "
                "1/255)");
  p.scale = *sc->getAsNumber();
  for (auto [key, out] :
       {std::pair<const char *, std::vector<double> *>{"mean", &p.mean},
        {"std", &p.std}}) {
    const json::Value *a = o->get(key);
    const json::Array *arr = a ? a->getAsArray() : nullptr;
    if (!arr)
      return fail(Twine("\"") + key + "\" must be a list of numbers, one per "
                                     "channel");
    for (const json::Value &e : *arr) {
      std::optional<double> d = e.getAsNumber();
      if (!d)
        return fail(Twine("\"") + key + "\" holds a non-number");
      out->push_back(*d);
    }
  }
  return p;
}

Expected<Preprocess> parsePreprocessSpec(StringRef spec) {
  Preprocess p;
  bool haveScale = false, haveMean = false, haveStd = false;
  SmallVector<StringRef> parts;
  spec.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    auto [key, value] = part.split('=');
    key = key.trim();
    value = value.trim();
    if (!part.contains('=') || value.empty())
      return fail("'" + part.trim() + "' is not KEY=VALUE (expected " +
                  "scale=1/255,mean=M[:M...],std=S[:S...][,layout=NCHW])");
    if (key == "layout") {
      p.layout = value.str();
    } else if (key == "scale") {
      std::optional<double> d = parseNumber(value);
      if (!d)
        return fail("scale: '" + value + "' is not a number or A/B");
      p.scale = *d;
      haveScale = true;
    } else if (key == "mean" || key == "std") {
      std::vector<double> &out = key == "mean" ? p.mean : p.std;
      if (!out.empty())
        return fail(key + " given twice");
      SmallVector<StringRef> vals;
      value.split(vals, ':');
      for (StringRef s : vals) {
        std::optional<double> d = parseNumber(s);
        if (!d)
          return fail(key + ": '" + s + "' is not a number");
        out.push_back(*d);
      }
      (key == "mean" ? haveMean : haveStd) = true;
    } else {
      return fail("unknown key '" + key +
                  "' (expected scale, mean, std, layout)");
    }
  }
  if (!haveScale || !haveMean || !haveStd)
    return fail("needs scale, mean and std (e.g. "
                "scale=1/255,mean=0.2860,std=0.3530; one value per channel, "
                "separated by ':')");
  return p;
}

Error checkPreprocess(const Preprocess &p, ArrayRef<int64_t> shape) {
  if (p.layout != "NCHW")
    return fail("layout '" + p.layout + "' is not supported (only NCHW)");
  if (shape.size() != 4)
    return fail("the program's input has rank " + Twine(shape.size()) +
                ", NCHW preprocessing needs a rank-4 [N, C, H, W] input");
  const int64_t c = shape[1];
  std::string dims;
  for (int64_t d : shape)
    dims += (dims.empty() ? "" : "x") + std::to_string(d);
  if (int64_t(p.mean.size()) != c || int64_t(p.std.size()) != c)
    return fail("mean has " + Twine(p.mean.size()) + " and std " +
                Twine(p.std.size()) + " values but the input has " + Twine(c) +
                " channel(s) (dimension 1 of [" + dims + "])");
  if (!std::isfinite(p.scale) || p.scale <= 0)
    return fail("scale must be finite and > 0, got " + num(p.scale));
  for (size_t i = 0; i < p.mean.size(); ++i) {
    if (!std::isfinite(p.mean[i]))
      return fail("mean[" + Twine(i) + "] is not finite");
    if (!std::isfinite(p.std[i]) || p.std[i] <= 0)
      return fail("std[" + Twine(i) + "] must be finite and > 0, got " +
                  num(p.std[i]));
  }
  return Error::success();
}

std::string formatPreprocess(const Preprocess &p) {
  auto list = [](const std::vector<double> &v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + num(v[i]);
    return s + "]";
  };
  return "x = (u * " + num(p.scale) + " - mean) / std, mean=" + list(p.mean) +
         ", std=" + list(p.std) + " (" + p.layout + ")";
}

mlir::DictionaryAttr preprocessAttr(mlir::MLIRContext *ctx,
                                    const Preprocess &p) {
  mlir::Builder b(ctx);
  return b.getDictionaryAttr({
      b.getNamedAttr("layout", b.getStringAttr(p.layout)),
      b.getNamedAttr("mean", b.getDenseF64ArrayAttr(p.mean)),
      b.getNamedAttr("scale", b.getF64FloatAttr(p.scale)),
      b.getNamedAttr("std", b.getDenseF64ArrayAttr(p.std)),
  });
}

Expected<std::optional<Preprocess>> modulePreprocess(mlir::ModuleOp module) {
  mlir::Attribute a = module->getAttr(kPreprocessAttr);
  if (!a)
    return std::optional<Preprocess>();
  auto d = dyn_cast<mlir::DictionaryAttr>(a);
  auto layout = d ? d.getAs<mlir::StringAttr>("layout") : nullptr;
  auto scale = d ? d.getAs<mlir::FloatAttr>("scale") : nullptr;
  auto mean = d ? d.getAs<mlir::DenseF64ArrayAttr>("mean") : nullptr;
  auto stdv = d ? d.getAs<mlir::DenseF64ArrayAttr>("std") : nullptr;
  if (!layout || !scale || !mean || !stdv || d.size() != 4)
    return fail(Twine("module attribute '") + kPreprocessAttr +
                "' must be {layout = \"NCHW\", mean = array<f64: ...>, "
                "scale = F : f64, std = array<f64: ...>}");
  Preprocess p;
  p.layout = layout.getValue().str();
  p.scale = scale.getValueAsDouble();
  p.mean.assign(mean.asArrayRef().begin(), mean.asArrayRef().end());
  p.std.assign(stdv.asArrayRef().begin(), stdv.asArrayRef().end());
  return std::optional<Preprocess>(std::move(p));
}

Error setModulePreprocess(mlir::ModuleOp module, const Preprocess &p) {
  mlir::FunctionOpInterface fn;
  for (auto f : module.getOps<mlir::FunctionOpInterface>())
    if (!f.isExternal()) {
      fn = f;
      break;
    }
  if (!fn || fn.getNumArguments() == 0)
    return fail("the model has no function with an input to preprocess");
  auto t = dyn_cast<mlir::ShapedType>(fn.getArgumentTypes()[0]);
  if (!t || !t.hasStaticShape())
    return fail("the model's input is not a tensor of static shape");
  if (Error e = checkPreprocess(p, t.getShape()))
    return e;
  module->setAttr(kPreprocessAttr, preprocessAttr(module.getContext(), p));
  return Error::success();
}

} // namespace mpcvit
