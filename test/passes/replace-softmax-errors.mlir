// Bad arch files and options: each error names the JSON path or both numbers.
// RUN: mpcvit-opt %s -verify-diagnostics --mpcvit-replace-softmax=arch=%S/Inputs/arch_depth3.json -o /dev/null
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_kind.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=KIND
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_format.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_json.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=JSON
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_model.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_layer_count.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=LAYERS
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_head_count.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=HEADS
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_gelu_kind.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=GELU
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/bad_tokens_len.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOKLEN
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=arch=%S/Inputs/missing.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax=all=sigmoid -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALLKIND
// RUN: not mpcvit-opt %s --mpcvit-replace-softmax -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOOPT

// KIND: error: cannot use arch file: {{.*}}bad_kind.json: layers[1].heads[1]: expected one of softmax, relu_softmax, scale, 2quad, 2relu, got "tanh"
// FORMAT: bad_format.json: format: expected "mpcvit.arch.v1", got "mpcvit.arch.v0"
// JSON: bad_json.json: invalid JSON:
// MODEL: bad_model.json: model.heads: expected a positive integer, got "two"
// LAYERS: bad_layer_count.json: layers: expected model.depth = 2 layers, got 1
// HEADS: bad_head_count.json: layers[1].heads: expected model.heads = 2 kinds, got 1
// GELU: bad_gelu_kind.json: layers[0].gelu.kind: expected one of gelu, quad, linearize, got "erf"
// TOKLEN: bad_tokens_len.json: layers[0].gelu.tokens: only allowed with kind "linearize", got kind "gelu"
// MISSING: cannot use arch file: cannot read arch file '{{.*}}missing.json'
// ALLKIND: all=sigmoid: expected one of softmax, relu_softmax, scale, 2quad, 2relu
// NOOPT: needs exactly one of arch=FILE and all=KIND

func.func @two_layers(%s0: tensor<1x2x5x5xf32>, %s1: tensor<1x2x5x5xf32>)
    -> (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) {
  // expected-error @+1 {{arch_depth3.json describes 3 layers but the model has 2 vit.attention_norm ops}}
  %a0 = vit.attention_norm %s0 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %a1 = vit.attention_norm %s1 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  return %a0, %a1 : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>
}
