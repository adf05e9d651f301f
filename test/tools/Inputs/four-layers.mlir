// Four "layers" of linear + ReLU of different widths, named as ONNX export
// names them (/blocks.N/..., LayerAttribution.h), and a head outside any
// layer: the input of the compile-summary test (summary.mlir).
func.func @main(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w0 = vit.constant dense<0.01> : tensor<8x8xf32>
  %a0 = vit.linear %x, %w0 : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("/blocks.0/mlp/fc/MatMul")
  %r0 = vit.relu %a0 : tensor<1x8xf32> loc("/blocks.0/mlp/act/Relu")
  %w1 = vit.constant dense<0.01> : tensor<64x8xf32>
  %a1 = vit.linear %r0, %w1 : (tensor<1x8xf32>, tensor<64x8xf32>) -> tensor<1x64xf32> loc("/blocks.1/mlp/fc/MatMul")
  %r1 = vit.relu %a1 : tensor<1x64xf32> loc("/blocks.1/mlp/act/Relu")
  %w2 = vit.constant dense<0.01> : tensor<32x64xf32>
  %a2 = vit.linear %r1, %w2 : (tensor<1x64xf32>, tensor<32x64xf32>) -> tensor<1x32xf32> loc("/blocks.2/mlp/fc/MatMul")
  %r2 = vit.relu %a2 : tensor<1x32xf32> loc("/blocks.2/mlp/act/Relu")
  %w3 = vit.constant dense<0.01> : tensor<16x32xf32>
  %a3 = vit.linear %r2, %w3 : (tensor<1x32xf32>, tensor<16x32xf32>) -> tensor<1x16xf32> loc("/blocks.3/mlp/fc/MatMul")
  %r3 = vit.relu %a3 : tensor<1x16xf32> loc("/blocks.3/mlp/act/Relu")
  %wh = vit.constant dense<0.01> : tensor<4x16xf32>
  %y = vit.linear %r3, %wh : (tensor<1x16xf32>, tensor<4x16xf32>) -> tensor<1x4xf32> loc("/head/Gemm")
  return %y : tensor<1x4xf32>
}
