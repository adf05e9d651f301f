// A one-block ViT with the shapes of fmnist-tiny (28×28×1 image, patch 7,
// 16 patches + class token = 17 tokens, dim 64, 4 heads of 16, MLP 128,
// 10 classes), written by hand in the vit dialect. The weights are constant
// splats, not trained: the file shows the IR the ONNX importer produces and
// is what scripts/demo.sh compiles until the importer lands.
func.func @main(%img: tensor<1x1x28x28xf32>) -> tensor<1x10xf32> {
  // Patch embedding: conv 7×7 stride 7, then [B, D, 4, 4] -> [B, 16, D].
  %pw = vit.constant dense<0.02> : tensor<64x1x7x7xf32>
  %pb = vit.constant dense<0.0> : tensor<64xf32>
  %p = vit.conv_patch %img, %pw, %pb strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>, tensor<64xf32>) -> tensor<1x64x4x4xf32>
  %pf = vit.reshape %p : tensor<1x64x4x4xf32> -> tensor<1x64x16xf32>
  %pt = vit.transpose %pf perm [0, 2, 1] : tensor<1x64x16xf32> -> tensor<1x16x64xf32>
  %cls = vit.constant dense<0.1> : tensor<1x1x64xf32>
  %tok = vit.concat %cls, %pt axis 1 : (tensor<1x1x64xf32>, tensor<1x16x64xf32>) -> tensor<1x17x64xf32>
  %pos = vit.constant dense<0.01> : tensor<1x17x64xf32>
  %x0 = vit.add %tok, %pos : (tensor<1x17x64xf32>, tensor<1x17x64xf32>) -> tensor<1x17x64xf32>

  // Attention.
  %g1 = vit.constant dense<1.0> : tensor<64xf32>
  %b1 = vit.constant dense<0.0> : tensor<64xf32>
  %n1 = vit.layer_norm %x0, %g1, %b1 epsilon 1.0e-5 : (tensor<1x17x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  %wqkv = vit.constant dense<0.03> : tensor<192x64xf32>
  %bqkv = vit.constant dense<0.0> : tensor<192xf32>
  %qkv = vit.linear %n1, %wqkv, %bqkv : (tensor<1x17x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<1x17x192xf32>
  %q0 = vit.slice %qkv offsets [0, 0, 0] sizes [1, 17, 64] strides [1, 1, 1] : tensor<1x17x192xf32> -> tensor<1x17x64xf32>
  %k0 = vit.slice %qkv offsets [0, 0, 64] sizes [1, 17, 64] strides [1, 1, 1] : tensor<1x17x192xf32> -> tensor<1x17x64xf32>
  %v0 = vit.slice %qkv offsets [0, 0, 128] sizes [1, 17, 64] strides [1, 1, 1] : tensor<1x17x192xf32> -> tensor<1x17x64xf32>
  %q1 = vit.reshape %q0 : tensor<1x17x64xf32> -> tensor<1x17x4x16xf32>
  %q = vit.transpose %q1 perm [0, 2, 1, 3] : tensor<1x17x4x16xf32> -> tensor<1x4x17x16xf32>
  %k1 = vit.reshape %k0 : tensor<1x17x64xf32> -> tensor<1x17x4x16xf32>
  %kt = vit.transpose %k1 perm [0, 2, 3, 1] : tensor<1x17x4x16xf32> -> tensor<1x4x16x17xf32>
  %v1 = vit.reshape %v0 : tensor<1x17x64xf32> -> tensor<1x17x4x16xf32>
  %v = vit.transpose %v1 perm [0, 2, 1, 3] : tensor<1x17x4x16xf32> -> tensor<1x4x17x16xf32>
  %s0 = vit.matmul %q, %kt : (tensor<1x4x17x16xf32>, tensor<1x4x16x17xf32>) -> tensor<1x4x17x17xf32>
  %scale = vit.constant dense<0.25> : tensor<1xf32>
  %s = vit.mul %s0, %scale : (tensor<1x4x17x17xf32>, tensor<1xf32>) -> tensor<1x4x17x17xf32>
  %a = vit.attention_norm %s kinds [softmax, softmax, softmax, softmax] head_axis 1 : tensor<1x4x17x17xf32>
  %o0 = vit.matmul %a, %v : (tensor<1x4x17x17xf32>, tensor<1x4x17x16xf32>) -> tensor<1x4x17x16xf32>
  %o1 = vit.transpose %o0 perm [0, 2, 1, 3] : tensor<1x4x17x16xf32> -> tensor<1x17x4x16xf32>
  %o = vit.reshape %o1 : tensor<1x17x4x16xf32> -> tensor<1x17x64xf32>
  %wo = vit.constant dense<0.02> : tensor<64x64xf32>
  %bo = vit.constant dense<0.0> : tensor<64xf32>
  %proj = vit.linear %o, %wo, %bo : (tensor<1x17x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  %x1 = vit.add %x0, %proj : (tensor<1x17x64xf32>, tensor<1x17x64xf32>) -> tensor<1x17x64xf32>

  // MLP.
  %n2 = vit.layer_norm %x1, %g1, %b1 epsilon 1.0e-5 : (tensor<1x17x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  %w1 = vit.constant dense<0.02> : tensor<128x64xf32>
  %bb1 = vit.constant dense<0.0> : tensor<128xf32>
  %h0 = vit.linear %n2, %w1, %bb1 : (tensor<1x17x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x17x128xf32>
  %h = vit.gelu erf %h0 : tensor<1x17x128xf32>
  %w2 = vit.constant dense<0.02> : tensor<64x128xf32>
  %x2m = vit.linear %h, %w2, %b1 : (tensor<1x17x128xf32>, tensor<64x128xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  %x2 = vit.add %x1, %x2m : (tensor<1x17x64xf32>, tensor<1x17x64xf32>) -> tensor<1x17x64xf32>

  // Classifier on the class token.
  %nf = vit.layer_norm %x2, %g1, %b1 epsilon 1.0e-5 : (tensor<1x17x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  %c0 = vit.slice %nf offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1] : tensor<1x17x64xf32> -> tensor<1x1x64xf32>
  %c = vit.reshape %c0 : tensor<1x1x64xf32> -> tensor<1x64xf32>
  %wh = vit.constant dense<0.05> : tensor<10x64xf32>
  %bh = vit.constant dense<0.0> : tensor<10xf32>
  %logits = vit.linear %c, %wh, %bh : (tensor<1x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %logits : tensor<1x10xf32>
}
