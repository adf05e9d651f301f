// usage-errors.test: vit.exp has no private lowering, and raising does not
// remove it.
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %y = vit.exp %x : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
