//===- ModelLoader.cpp - parse, validate and import ONNX models -*- C++ -*-===//
//
// The public entry points of the importer (Importer.h): parse the protobuf,
// inline external data, resolve input shapes (with --input-shape
// overrides), run the ONNX checker and shape inference, and hand the graph
// to GraphImporter. Exceptions of protobuf/ONNX are caught here and turned
// into llvm::Error.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"
#include "Metadata.h"

#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>

#include <limits>

using llvm::Error;
using llvm::Expected;

namespace mpcvit::onnx_import {

static Error err(llvm::StringRef file, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + file + "': " + msg);
}

Expected<std::pair<std::string, std::vector<int64_t>>>
parseInputShape(llvm::StringRef spec) {
  std::string name;
  llvm::StringRef dims = spec;
  size_t colon = spec.rfind(':');
  size_t eq = spec.rfind('=');
  size_t sep = colon != llvm::StringRef::npos ? colon : eq;
  if (sep != llvm::StringRef::npos) {
    name = spec.take_front(sep).str();
    dims = spec.drop_front(sep + 1);
  }
  std::vector<int64_t> shape;
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef p : parts) {
    int64_t d;
    if (p.getAsInteger(10, d) || d < 1 || d > (int64_t(1) << 31))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "--input-shape '" + spec +
              "': expected [NAME:]D0xD1x... with positive dimensions");
    shape.push_back(d);
  }
  return std::make_pair(name, shape);
}

/// Replaces external data references by the bytes they point to. Paths are
/// relative to `baseDir` and must stay inside it.
static Error inlineExternalData(onnx::GraphProto &g, llvm::StringRef file,
                                const std::string &baseDir) {
  for (onnx::TensorProto &t : *g.mutable_initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL)
      continue;
    std::string location;
    int64_t offset = 0, length = -1;
    for (const onnx::StringStringEntryProto &e : t.external_data()) {
      if (e.key() == "location")
        location = e.value();
      else if ((e.key() == "offset" &&
                llvm::StringRef(e.value()).getAsInteger(10, offset)) ||
               (e.key() == "length" &&
                llvm::StringRef(e.value()).getAsInteger(10, length)))
        return err(file, "tensor '" + t.name() + "': external data " + e.key() +
                             " '" + e.value() + "' is not an integer");
    }
    if (location.empty())
      return err(file, "tensor '" + t.name() +
                           "': external data without a 'location'");
    if (baseDir.empty())
      return err(file, "tensor '" + t.name() +
                           "': external data is not allowed here");
    if (llvm::sys::path::is_absolute(location) ||
        llvm::StringRef(location).contains(".."))
      return err(file, "tensor '" + t.name() + "': external data location '" +
                           location +
                           "' must be a relative path inside the model's "
                           "directory");
    llvm::SmallString<256> path(baseDir);
    llvm::sys::path::append(path, location);
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
        llvm::MemoryBuffer::getFile(path, false, false);
    if (!buf)
      return err(file, "tensor '" + t.name() + "': external data file '" +
                           location + "' (resolved to '" + path +
                           "') cannot be read: " + buf.getError().message());
    llvm::StringRef data = (*buf)->getBuffer();
    if (offset < 0 || uint64_t(offset) > data.size() ||
        (length >= 0 && uint64_t(length) > data.size() - offset))
      return err(file, "tensor '" + t.name() + "': external data range [" +
                           llvm::Twine(offset) + ", +" + llvm::Twine(length) +
                           ") lies outside '" + path + "' (" +
                           llvm::Twine(data.size()) + " bytes)");
    data = data.substr(offset, length >= 0 ? size_t(length) : data.size());
    t.set_raw_data(data.data(), data.size());
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
  }
  return Error::success();
}

using OwningOpRefModule = mlir::OwningOpRef<mlir::ModuleOp>;

static Expected<OwningOpRefModule> importModel(onnx::ModelProto &model,
                                               llvm::StringRef file,
                                               const std::string &baseDir,
                                               mlir::MLIRContext &ctx,
                                               const ImportOptions &opts);

/// Parses a serialized ModelProto (up to 2 GiB, protobuf's limit).
static Error parseModel(llvm::StringRef bytes, llvm::StringRef name,
                        onnx::ModelProto &model) {
  try {
    google::protobuf::io::CodedInputStream in(
        reinterpret_cast<const uint8_t *>(bytes.data()),
        static_cast<int>(std::min<size_t>(bytes.size(), INT32_MAX)));
    in.SetTotalBytesLimit(INT32_MAX);
    if (bytes.size() > size_t(INT32_MAX) || !model.ParseFromCodedStream(&in) ||
        !in.ConsumedEntireMessage())
      return err(name, "not a valid ONNX ModelProto (protobuf parsing "
                       "failed; is this an .onnx file?)");
  } catch (const std::exception &e) {
    return err(name, llvm::Twine("protobuf parsing failed: ") + e.what());
  }
  return Error::success();
}

Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxBytes(llvm::StringRef bytes, llvm::StringRef name,
                const std::string &baseDir, mlir::MLIRContext &ctx,
                const ImportOptions &opts) {
  onnx::ModelProto model;
  if (Error e = parseModel(bytes, name, model))
    return e;
  return importModel(model, name, baseDir, ctx, opts);
}

Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxFile(const std::string &path, mlir::MLIRContext &ctx,
               const ImportOptions &opts) {
  onnx::ModelProto model;
  {
    // The file's bytes are released before the import copies the weights.
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
        llvm::MemoryBuffer::getFile(path, false, false);
    if (!buf)
      return err(path, "cannot read: " + buf.getError().message());
    if (Error e = parseModel((*buf)->getBuffer(), path, model))
      return e;
  }
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  return importModel(model, path, std::string(dir), ctx, opts);
}

static Expected<OwningOpRefModule> importModel(onnx::ModelProto &model,
                                               llvm::StringRef file,
                                               const std::string &baseDir,
                                               mlir::MLIRContext &ctx,
                                               const ImportOptions &opts) {
  if (!model.has_graph())
    return err(file, "the model has no graph");
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 1)
    return err(file, "the model imports no default-domain opset");
  if (Error e = inlineExternalData(*model.mutable_graph(), file, baseDir))
    return e;

  // Resolve the static shape of every runtime input.
  onnx::GraphProto &g = *model.mutable_graph();
  std::unordered_map<std::string, bool> isInit;
  for (const onnx::TensorProto &t : g.initializer())
    isInit[t.name()] = true;
  for (const auto &[name, s] : opts.inputShapes) {
    bool found = name.empty();
    for (const onnx::ValueInfoProto &vi : g.input())
      found |= vi.name() == name;
    if (!found)
      return err(file, "--input-shape names '" + name +
                           "', which is not an input of the graph");
  }
  std::vector<std::vector<int64_t>> shapes;
  bool first = true;
  for (onnx::ValueInfoProto &vi : *g.mutable_input()) {
    if (isInit.count(vi.name()))
      continue;
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
      return err(file, "input '" + vi.name() +
                           "' has no tensor shape; pass --input-shape " +
                           vi.name() + ":D0xD1x...");
    const onnx::TensorShapeProto &sp = vi.type().tensor_type().shape();
    std::vector<int64_t> shape;
    std::vector<int> dynamic;
    for (int d = 0; d < sp.dim_size(); ++d) {
      if (sp.dim(d).has_dim_value() && sp.dim(d).dim_value() > 0) {
        shape.push_back(sp.dim(d).dim_value());
      } else {
        shape.push_back(-1);
        dynamic.push_back(d);
      }
    }
    const std::vector<int64_t> *override = nullptr;
    auto it = opts.inputShapes.find(vi.name());
    if (it != opts.inputShapes.end())
      override = &it->second;
    else if (first &&
             (it = opts.inputShapes.find("")) != opts.inputShapes.end())
      override = &it->second;
    first = false;
    if (override) {
      if (override->size() != shape.size())
        return err(file, "--input-shape for '" + vi.name() + "' has rank " +
                             llvm::Twine(override->size()) +
                             " but the input has rank " +
                             llvm::Twine(shape.size()));
      for (size_t d = 0; d < shape.size(); ++d)
        if (shape[d] != -1 && shape[d] != (*override)[d])
          return err(file,
                     "--input-shape for '" + vi.name() + "' sets dimension " +
                         llvm::Twine(d) + " to " + llvm::Twine((*override)[d]) +
                         " but the model fixes it to " + llvm::Twine(shape[d]));
      shape = *override;
    } else if (!dynamic.empty()) {
      const onnx::TensorShapeProto::Dimension &dd = sp.dim(dynamic[0]);
      return err(file, "input '" + vi.name() + "' has dynamic dimension " +
                           llvm::Twine(dynamic[0]) +
                           (dd.has_dim_param() ? " ('" + dd.dim_param() + "')"
                                               : std::string()) +
                           "; pass --input-shape " + vi.name() +
                           ":D0xD1x... to fix it (static shapes only)");
    }
    // Write the static shape back so that shape inference sees it.
    onnx::TensorShapeProto *msp =
        vi.mutable_type()->mutable_tensor_type()->mutable_shape();
    msp->clear_dim();
    for (int64_t d : shape)
      msp->add_dim()->set_dim_value(d);
    shapes.push_back(shape);
  }

  if (opts.runChecker) {
    // ONNX 1.12 knows opsets up to its own release; newer models (e.g. Gelu
    // at opset 20) are imported without the checker.
    const auto &range =
        onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    auto it = range.find("");
    bool known = it == range.end() || opset <= it->second.second;
    if (known) {
      try {
        onnx::checker::check_model(model);
      } catch (const std::exception &e) {
        return err(file, llvm::Twine("the ONNX checker rejects the model: ") +
                             e.what());
      }
      try {
        onnx::ShapeInferenceOptions so(/*check_type=*/false,
                                       /*error_mode=*/0,
                                       /*data_prop=*/false);
        onnx::shape_inference::InferShapes(
            model, onnx::OpSchemaRegistry::Instance(), so);
      } catch (const std::exception &e) {
        return err(file,
                   llvm::Twine("ONNX shape inference failed (inconsistent "
                               "shapes): ") +
                       e.what());
      }
    }
  }
  try {
    Expected<OwningOpRefModule> m =
        importGraph(model, file, opset, shapes, ctx, opts);
    if (m && opts.readMetadata)
      if (Error e = importMetadata(model, file, **m)) // Metadata.h
        return e;
    return m;
  } catch (const std::exception &e) {
    return err(file, llvm::Twine("internal error: ") + e.what());
  }
}

} // namespace mpcvit::onnx_import
