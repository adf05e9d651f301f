//===- Passes.td - every --mpcvit-* pass -------------------*- tablegen -*-===//
//
// All passes of mpcvit, declared in one place (DESIGN.md §1). Each pass lives
// in passes/<Name>.cpp, named after its flag, and each description's example
// is a real lit test under test/passes/.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_PASSES_PASSES_TD
#define MPCVIT_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

#endif // MPCVIT_PASSES_PASSES_TD
