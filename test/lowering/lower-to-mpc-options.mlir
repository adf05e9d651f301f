// Option errors of --mpcvit-lower-to-mpc.
// RUN: not mpcvit-opt %s '--mpcvit-lower-to-mpc=frac-bits=20' 2>&1 | FileCheck %s --check-prefix=FRAC
// RUN: not mpcvit-opt %s '--mpcvit-lower-to-mpc=trunc=dealer' 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: not mpcvit-opt %s '--mpcvit-lower-to-mpc=protocols=gc' 2>&1 | FileCheck %s --check-prefix=CMP
// CMP: error: --mpcvit-lower-to-mpc: protocols must be a2b or fss, got 'gc'
// FRAC: error: --mpcvit-lower-to-mpc: frac-bits must be in [10, 18] (the range the runtime protocols are validated for), got 20
// TRUNC: error: --mpcvit-lower-to-mpc: trunc must be probabilistic or exact, got 'dealer'
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  return %x : tensor<1x4xf32>
}
