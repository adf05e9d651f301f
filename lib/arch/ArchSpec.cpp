//===- ArchSpec.cpp - the NAS result (arch.json, mpcvit.arch.v1) ----------===//

#include "mpcvit/arch/ArchSpec.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace mpcvit::arch {

StringRef stringifyGeluMode(GeluMode mode) {
  switch (mode) {
  case GeluMode::Gelu:
    return "gelu";
  case GeluMode::Quad:
    return "quad";
  case GeluMode::Linearize:
    return "linearize";
  }
  llvm_unreachable("unknown GeluMode");
}

namespace {

/// Validating reader: every accessor takes the JSON path of the value it
/// reads and returns an llvm::Error naming "<file>: <path>: expected ...".
class Reader {
public:
  explicit Reader(StringRef fileName) : fileName(fileName) {}

  Error fail(const std::string &path, const Twine &what) const {
    return createStringError(
        inconvertibleErrorCode(),
        fileName + ": " + (path.empty() ? "<root>" : path) + ": " + what);
  }

  static std::string describe(const json::Value &v) {
    std::string s;
    raw_string_ostream os(s);
    os << v;
    if (s.size() > 40)
      s = s.substr(0, 37) + "...";
    return s;
  }

  Expected<const json::Object *> object(const json::Value *v,
                                        const std::string &path) const {
    if (!v)
      return fail(path, "missing; expected an object");
    if (const json::Object *o = v->getAsObject())
      return o;
    return fail(path, "expected an object, got " + describe(*v));
  }

  Expected<const json::Array *> array(const json::Value *v,
                                      const std::string &path) const {
    if (!v)
      return fail(path, "missing; expected an array");
    if (const json::Array *a = v->getAsArray())
      return a;
    return fail(path, "expected an array, got " + describe(*v));
  }

  Expected<StringRef> string(const json::Value *v,
                             const std::string &path) const {
    if (!v)
      return fail(path, "missing; expected a string");
    if (std::optional<StringRef> s = v->getAsString())
      return *s;
    return fail(path, "expected a string, got " + describe(*v));
  }

  Expected<int64_t> positive(const json::Value *v,
                             const std::string &path) const {
    if (!v)
      return fail(path, "missing; expected a positive integer");
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i < 1)
      return fail(path, "expected a positive integer, got " + describe(*v));
    return *i;
  }

private:
  StringRef fileName;
};

std::string headKindList() {
  std::string s;
  for (uint32_t i = 0; i <= vit::getMaxEnumValForHeadKind(); ++i)
    s += (i ? ", " : "") +
         vit::stringifyHeadKind(static_cast<vit::HeadKind>(i)).str();
  return s;
}

/// The deepest nesting of arrays and objects in `text` (strings skipped),
/// stopping early once it exceeds `limit`: llvm::json::parse recurses once
/// per level, so a deep document must be refused before it is parsed.
unsigned nestingDepth(StringRef text, unsigned limit) {
  unsigned depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit)
        return deepest;
    } else if ((c == ']' || c == '}') && depth) {
      --depth;
    }
  }
  return deepest;
}

} // namespace

Expected<ArchSpec> parseArch(StringRef text, StringRef fileName) {
  Reader r(fileName);
  // mpcvit.arch.v1 nests 4 levels; anything past kMaxArchDepth is not an
  // arch file (and would exhaust the parser's stack).
  if (text.size() > kMaxArchBytes)
    return createStringError(inconvertibleErrorCode(),
                             fileName + ": " + Twine(text.size()) +
                                 " bytes; an arch file has at most " +
                                 Twine(kMaxArchBytes));
  if (unsigned d = nestingDepth(text, kMaxArchDepth); d > kMaxArchDepth)
    return createStringError(inconvertibleErrorCode(),
                             fileName + ": JSON nests deeper than " +
                                 Twine(kMaxArchDepth) +
                                 " levels; an arch file needs 4");
  Expected<json::Value> doc = json::parse(text);
  if (!doc)
    return createStringError(
        inconvertibleErrorCode(),
        fileName + ": invalid JSON: " + toString(doc.takeError()));
  ArchSpec spec;
  auto root = r.object(&*doc, "");
  if (!root)
    return root.takeError();

  auto format = r.string((*root)->get("format"), "format");
  if (!format)
    return format.takeError();
  if (*format != kArchFormatV1)
    return r.fail("format", "expected \"" + kArchFormatV1 + "\", got \"" +
                                *format + "\"");

  auto model = r.object((*root)->get("model"), "model");
  if (!model)
    return model.takeError();
  for (auto [key, field] :
       {std::pair<StringRef, int64_t *>{"depth", &spec.depth},
        {"heads", &spec.heads},
        {"tokens", &spec.tokens},
        {"dim", &spec.dim}}) {
    auto v = r.positive((*model)->get(key), ("model." + key).str());
    if (!v)
      return v.takeError();
    *field = *v;
  }

  auto layers = r.array((*root)->get("layers"), "layers");
  if (!layers)
    return layers.takeError();
  if (static_cast<int64_t>((*layers)->size()) != spec.depth)
    return r.fail("layers",
                  formatv("expected model.depth = {0} layers, got {1}",
                          spec.depth, (*layers)->size()));

  for (auto [li, lv] : enumerate(**layers)) {
    std::string lp = formatv("layers[{0}]", li).str();
    auto layer = r.object(&lv, lp);
    if (!layer)
      return layer.takeError();
    LayerArch arch;

    auto heads = r.array((*layer)->get("heads"), lp + ".heads");
    if (!heads)
      return heads.takeError();
    if (static_cast<int64_t>((*heads)->size()) != spec.heads)
      return r.fail(lp + ".heads",
                    formatv("expected model.heads = {0} kinds, got {1}",
                            spec.heads, (*heads)->size()));
    for (auto [hi, hv] : enumerate(**heads)) {
      std::string hp = formatv("{0}.heads[{1}]", lp, hi).str();
      auto name = r.string(&hv, hp);
      if (!name)
        return name.takeError();
      std::optional<vit::HeadKind> kind = vit::symbolizeHeadKind(*name);
      if (!kind)
        return r.fail(hp, "expected one of " + headKindList() + ", got \"" +
                              *name + "\"");
      arch.heads.push_back(*kind);
    }

    std::string gp = lp + ".gelu";
    auto gelu = r.object((*layer)->get("gelu"), gp);
    if (!gelu)
      return gelu.takeError();
    auto kind = r.string((*gelu)->get("kind"), gp + ".kind");
    if (!kind)
      return kind.takeError();
    if (*kind == "gelu")
      arch.gelu = GeluMode::Gelu;
    else if (*kind == "quad")
      arch.gelu = GeluMode::Quad;
    else if (*kind == "linearize")
      arch.gelu = GeluMode::Linearize;
    else
      return r.fail(gp + ".kind",
                    "expected one of gelu, quad, linearize, got \"" + *kind +
                        "\"");

    const json::Value *tokens = (*gelu)->get("tokens");
    if (arch.gelu != GeluMode::Linearize) {
      if (tokens)
        return r.fail(gp + ".tokens",
                      "only allowed with kind \"linearize\", got kind \"" +
                          *kind + "\"");
    } else {
      auto arr = r.array(tokens, gp + ".tokens");
      if (!arr)
        return arr.takeError();
      if (static_cast<int64_t>((*arr)->size()) != spec.tokens)
        return r.fail(gp + ".tokens",
                      formatv("expected model.tokens = {0} entries, got {1}",
                              spec.tokens, (*arr)->size()));
      for (auto [ti, tv] : enumerate(**arr)) {
        std::optional<int64_t> b = tv.getAsInteger();
        if (!b || (*b != 0 && *b != 1))
          return r.fail(formatv("{0}.tokens[{1}]", gp, ti).str(),
                        "expected 0 or 1, got " + Reader::describe(tv));
        arch.tokens.push_back(*b == 1);
      }
    }
    spec.layers.push_back(std::move(arch));
  }
  return spec;
}

Expected<ArchSpec> loadArch(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError(buf.getError(),
                             "cannot read arch file '" + path +
                                 "': " + buf.getError().message());
  return parseArch((*buf)->getBuffer(), path);
}

std::string toJson(const ArchSpec &spec) {
  json::Array layers;
  for (const LayerArch &l : spec.layers) {
    json::Array heads;
    for (vit::HeadKind k : l.heads)
      heads.push_back(vit::stringifyHeadKind(k).str());
    json::Object gelu{{"kind", stringifyGeluMode(l.gelu).str()}};
    if (l.gelu == GeluMode::Linearize) {
      json::Array tokens;
      for (bool b : l.tokens)
        tokens.push_back(b ? 1 : 0);
      gelu["tokens"] = std::move(tokens);
    }
    layers.push_back(
        json::Object{{"heads", std::move(heads)}, {"gelu", std::move(gelu)}});
  }
  json::Object root{{"format", kArchFormatV1.str()},
                    {"model", json::Object{{"depth", spec.depth},
                                           {"heads", spec.heads},
                                           {"tokens", spec.tokens},
                                           {"dim", spec.dim}}},
                    {"layers", std::move(layers)}};
  std::string s;
  raw_string_ostream os(s);
  os << formatv("{0:2}", json::Value(std::move(root)));
  return s;
}

} // namespace mpcvit::arch
