// RUN: mpcvit-opt %s --mpcvit-linearize-gelu=all=quad | FileCheck %s --check-prefix=QUAD
// RUN: mpcvit-opt %s --mpcvit-linearize-gelu=all=identity | FileCheck %s --check-prefix=IDENT
// RUN: mpcvit-opt %s --mpcvit-linearize-gelu=arch=%S/Inputs/arch_2x2.json | FileCheck %s --check-prefix=ARCH
// RUN: mpcvit-opt %s --mpcvit-linearize-gelu=arch=%S/Inputs/arch_quad.json | FileCheck %s --check-prefix=ALLLIN

// Two MLPs (fc1 8->16, GeLU, fc2 16->8) over five tokens.
func.func @mlps(%x: tensor<1x5x8xf32>, %w1: tensor<16x8xf32>, %b1: tensor<16xf32>,
                %w2: tensor<8x16xf32>, %b2: tensor<8xf32>) -> tensor<1x5x8xf32> {
  %h0 = vit.linear %x, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x5x16xf32>
  %g0 = vit.gelu erf %h0 : tensor<1x5x16xf32>
  %y0 = vit.linear %g0, %w2, %b2 : (tensor<1x5x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  %h1 = vit.linear %y0, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x5x16xf32>
  %g1 = vit.gelu erf %h1 : tensor<1x5x16xf32>
  %y1 = vit.linear %g1, %w2, %b2 : (tensor<1x5x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  return %y1 : tensor<1x5x8xf32>
}

// QUAD-NOT: vit.gelu
// QUAD: vit.quad %{{.*}} coeffs(1.250000e-01, 2.500000e-01, 5.000000e-01) : tensor<1x5x16xf32>
// QUAD: vit.quad %{{.*}} coeffs(1.250000e-01, 2.500000e-01, 5.000000e-01) : tensor<1x5x16xf32>

// IDENT-NOT: vit.gelu
// IDENT: %[[H0:.*]] = vit.linear %arg0
// IDENT-NEXT: vit.linear %[[H0]], %arg3, %arg4

// Layer 0 keeps GeLU; layer 1 linearizes tokens 1, 3, 4 (β = 0): they go
// through fc1 and fc2 with a ReLU after, tokens 0, 2 keep fc2(gelu(fc1)),
// and the inverse permutation [0, 2, 1, 3, 4] restores token order.
// ARCH: vit.gelu erf %{{.*}} : tensor<1x5x16xf32>
// ARCH: %[[KEEP:.*]] = vit.gather %[[Y0:.*]] axis 1 indices [0, 2] : tensor<1x5x8xf32> -> tensor<1x2x8xf32>
// ARCH: %[[H1:.*]] = vit.linear %[[KEEP]], %arg1, %arg2 : (tensor<1x2x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x2x16xf32>
// ARCH: %[[G1:.*]] = vit.gelu erf %[[H1]] : tensor<1x2x16xf32>
// ARCH: %[[Y1:.*]] = vit.linear %[[G1]], %arg3, %arg4 : (tensor<1x2x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x2x8xf32>
// ARCH: %[[LIN:.*]] = vit.gather %[[Y0]] axis 1 indices [1, 3, 4] : tensor<1x5x8xf32> -> tensor<1x3x8xf32>
// ARCH: %[[H2:.*]] = vit.linear %[[LIN]], %arg1, %arg2 : (tensor<1x3x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x3x16xf32>
// ARCH: %[[Y2:.*]] = vit.linear %[[H2]], %arg3, %arg4 : (tensor<1x3x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x3x8xf32>
// ARCH: %[[R:.*]] = vit.relu %[[Y2]] : tensor<1x3x8xf32>
// ARCH: %[[C:.*]] = vit.concat %[[Y1]], %[[R]] axis 1 : (tensor<1x2x8xf32>, tensor<1x3x8xf32>) -> tensor<1x5x8xf32>
// ARCH: %[[OUT:.*]] = vit.gather %[[C]] axis 1 indices [0, 2, 1, 3, 4] : tensor<1x5x8xf32> -> tensor<1x5x8xf32>
// ARCH: return %[[OUT]]

// Layer 0 Quad GeLU; layer 1 linearizes every token: relu(fc2(fc1(x))).
// ALLLIN: vit.quad
// ALLLIN: %[[H:.*]] = vit.linear %{{.*}}, %arg1, %arg2
// ALLLIN-NEXT: %[[Y:.*]] = vit.linear %[[H]], %arg3, %arg4
// ALLLIN-NEXT: %[[R:.*]] = vit.relu %[[Y]] : tensor<1x5x8xf32>
// ALLLIN-NEXT: return %[[R]]
