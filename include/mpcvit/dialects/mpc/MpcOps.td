//===- MpcOps.td - secret-shared 2PC ops -------------------*- tablegen -*-===//
//
// One op per runtime protocol (DESIGN.md §3), each declared once here: its
// types and verifier, the runtime kernel the C++ emitter calls, its exact
// cost (a runtime `*_cost` function, so the model and the counters cannot
// drift apart) and its calibration key. The emitter, the cost interface and
// the calibration read these fields through KernelOpInterface and
// CommCostOpInterface; none of them lists ops. The recipe for a new
// protocol: docs/adding-a-protocol.md.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_MPCOPS_TD
#define MPCVIT_DIALECTS_MPC_MPCOPS_TD

include "mpcvit/dialects/mpc/MpcDialect.td"
include "mpcvit/dialects/mpc/MpcTypes.td"
include "mpcvit/dialects/mpc/MpcAttrs.td"
include "mpcvit/dialects/mpc/CommCostOpInterface.td"
include "mpcvit/dialects/mpc/KernelOpInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

// An mpc op backed by one runtime kernel. A def sets:
//   kernel        the emitted callee (`k::relu`: runtime/include/mpcvit/
//                 runtime/kernels.h; `reshape`: layout.h; "" = no statement)
//   kernelArgs    its arguments as tokens (KernelOpInterface.td)
//   kernelCode    the C++ text of the `code` token (op-specific)
//   sessionFrac   1 when the kernel works on the session's fractional bits
//   cost          a C++ expression of type rt::CommCost: the runtime's cost
//                 function of exactly that kernel, in terms of `a`
//                 (KernelCost.h: a.n elements of operand 0, a.out of the
//                 result, a.rows × a.cols operand 0 over its last axis,
//                 a.shift, a.s.{frac, trunc, cmp} of the session) and the
//                 op's accessors (dim(v, i) is a dimension, negative from
//                 the back). Required: a missing cost is a TableGen error.
//   calibration   "none" (no local work), "local" (data movement, key
//                 `local`), "plain" (key = mnemonic), "session" (keys
//                 MNEMONIC.CMP.TRUNC, MNEMONIC.CMP, MNEMONIC)
//   calibrationKey  a C++ string expression tried before those keys
//   calibrationUnits  units of work the seconds are per (default a.out for
//                 "local", else a.n)
class Mpc_KernelOp<string mnemonic, list<Trait> traits = []>
    : Mpc_Op<mnemonic, !listconcat([Pure,
        DeclareOpInterfaceMethods<CommCostOpInterface>,
        DeclareOpInterfaceMethods<KernelOpInterface>], traits)> {
  string kernel = ?;
  list<string> kernelArgs = ["ctx", "operands"];
  code kernelCode = [{ std::string() }];
  bit sessionFrac = 0;
  code cost = ?;
  string calibration = "plain";
  code calibrationKey = [{ std::string() }];
  // Data movement is per result element, everything else per element of
  // operand 0.
  code calibrationUnits =
      !if(!eq(calibration, "local"), [{ a.out }], [{ a.n }]);

  let extraClassDefinition = [{
    ::llvm::StringRef $cppClass::getRuntimeKernel() { return "}] # kernel # [{"; }
    ::llvm::ArrayRef<::llvm::StringRef> $cppClass::getRuntimeKernelArgs() {
      static const ::llvm::SmallVector<::llvm::StringRef> args = {}] #
        !interleave(!foreach(t, kernelArgs, "\"" # t # "\""), ", ") # [{};
      return args;
    }
    bool $cppClass::requiresSessionFrac() { return }] #
        !if(sessionFrac, "true", "false") # [{; }
    std::string $cppClass::getRuntimeKernelCode() { return }] # kernelCode # [{; }
    ::mlir::FailureOr<::mpcvit::mpc::CommCost> $cppClass::getCommCost() {
      ::mlir::FailureOr<::mpcvit::mpc::KernelCostArgs> args =
          ::mpcvit::mpc::KernelCostArgs::of(getOperation());
      if (::mlir::failed(args))
        return ::mlir::failure();
      [[maybe_unused]] const ::mpcvit::mpc::KernelCostArgs &a = *args;
      return }] # cost # [{;
    }
    ::llvm::SmallVector<std::string> $cppClass::getCalibrationKeys() {
      return ::mpcvit::mpc::calibrationKeys(getOperation(), "}] #
        calibration # [{", }] # calibrationKey # [{);
    }
    uint64_t $cppClass::getCalibrationUnits() {
      ::mlir::FailureOr<::mpcvit::mpc::KernelCostArgs> args =
          ::mpcvit::mpc::KernelCostArgs::of(getOperation());
      if (::mlir::failed(args))
        return 0;
      [[maybe_unused]] const ::mpcvit::mpc::KernelCostArgs &a = *args;
      return }] # calibrationUnits # [{;
    }
  }];
}

//===----------------------------------------------------------------------===//
// Values entering and leaving the secret domain
//===----------------------------------------------------------------------===//

def Mpc_ConstantOp : Mpc_KernelOp<"constant", [ConstantLike]> {
  let kernel = "k::publicConstant";
  let kernelArgs = ["shape", "attr:value", "frac"];
  let cost = [{ rt::local_cost() }];
  let calibration = "none";
  let summary = "a public fixed-point constant";
  let description = [{
    A constant known to both parties (part of the program), encoded with the
    result's fractional bits. The attribute's shape equals the result shape.
    Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %c = mpc.constant dense<5.000000e-01> : tensor<2x3xf32>
        -> !mpc.tensor<2x3, public, frac 16>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$value attr-dict `->` type($result)";
  let hasVerifier = 1;
}

def Mpc_ShareOp : Mpc_KernelOp<"share"> {
  let kernel = "k::shareFrom";
  let kernelArgs = ["ctx", "owner:0", "in:0"];
  let cost = [{ rt::share_cost(a.n) }];
  let calibration = "none";
  let summary = "secret-share a party's private input";
  let description = [{
    Turns a `private<p>` value into additive shares. With a PRG seed k01
    agreed at connection, the other party's share is PRG(k01) and the owner's
    is x − PRG(k01) (CrypTen's pseudo-random zero sharing): 0 bytes, 0
    rounds. Shape and fractional bits are unchanged.

    Example:
    ```mlir
    %s = mpc.share %x : !mpc.tensor<1x784, private<client>, frac 16>
        -> !mpc.tensor<1x784, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Mpc_RevealOp : Mpc_KernelOp<"reveal"> {
  let kernel = "k::revealToClient";
  let kernelArgs = ["ctx", "shared:0"];
  let cost = [{ rt::reveal_cost(a.n) }];
  let summary = "open a shared value to one party";
  let description = [{
    The other party sends its share (n·ℓ/8 bytes, 1 round) and the receiver
    adds it to its own. PROTOCOLS.md allows exactly one reveal per program:
    the final output toward the client (`private<client>`); that rule is
    enforced by a separate pass over the whole program.

    Example:
    ```mlir
    %y = mpc.reveal %s : !mpc.tensor<1x10, shared, frac 16>
        -> !mpc.tensor<1x10, private<client>, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Local linear ops
//===----------------------------------------------------------------------===//

class Mpc_LocalBinaryOp<string mnemonic, string what,
                        list<Trait> traits = []>
    : Mpc_KernelOp<mnemonic, traits> {
  let summary = what # " of ring tensors, computed locally";
  let arguments = (ins Mpc_AnyTensor:$lhs, Mpc_AnyTensor:$rhs);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mpc_AddOp : Mpc_LocalBinaryOp<"add", "elementwise sum", [Commutative]> {
  let kernel = "k::add";
  let kernelArgs = ["ctx", "shared:0", "in:1", "sharing:1", "shape"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let description = [{
    x + y with NumPy broadcasting. Local: each party adds its shares; a
    public or the owner's private operand is added by one party only (the
    server for public values). Both operands and the result have the same
    fractional bits (insert `mpc.trunc` first otherwise). Visibility of the
    result: shared if any operand is shared; two private operands must
    belong to the same party. Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %z = mpc.add %x, %b : (!mpc.tensor<65x256, shared, frac 16>,
                           !mpc.tensor<256, private<server>, frac 16>)
        -> !mpc.tensor<65x256, shared, frac 16>
    ```
  }];
}

def Mpc_SubOp : Mpc_LocalBinaryOp<"sub", "elementwise difference"> {
  let kernel = "k::sub";
  let kernelArgs = ["ctx", "shared:0", "in:1", "sharing:1", "shape"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let description = [{
    x − y with the rules of `mpc.add`. Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %z = mpc.sub %x, %m : (!mpc.tensor<4x65x65, shared, frac 16>,
                           !mpc.tensor<4x65x1, shared, frac 16>)
        -> !mpc.tensor<4x65x65, shared, frac 16>
    ```
  }];
}

def Mpc_MulPublicOp : Mpc_LocalBinaryOp<"mul_public",
                                        "product with a public tensor"> {
  let kernel = "k::mulPublic";
  let kernelArgs = ["shared:0", "in:1", "shape"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let description = [{
    x · c with c public (e.g. 1/N of ScaleAttn, 0.125 of Quad GeLU): each
    party multiplies its share by c. NumPy broadcasting. The result has
    f_x + f_c fractional bits (truncate afterwards when f_c > 0). Cost: 0
    bytes, 0 rounds.

    Example:
    ```mlir
    %z = mpc.mul_public %x, %c : (!mpc.tensor<65x512, shared, frac 16>,
                                  !mpc.tensor<1, public, frac 16>)
        -> !mpc.tensor<65x512, shared, frac 32>
    ```
  }];
}

def Mpc_SumOp : Mpc_KernelOp<"sum"> {
  let summary = "sum along one axis, computed locally";
  let description = [{
    Sums `axis` and keeps it with size 1 (mean and sum pooling over tokens,
    with a public 1/N product for the mean). Each party sums its shares.
    Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %s = mpc.sum %x axis 1 : !mpc.tensor<1x16x64, shared, frac 16>
        -> !mpc.tensor<1x1x64, shared, frac 16>
    ```
  }];
  let kernel = "k::sum";
  let kernelArgs = ["shared:0", "attr:axis"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let arguments = (ins Mpc_AnyTensor:$input, I64Attr:$axis);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Products (Beaver) and truncation
//===----------------------------------------------------------------------===//

def Mpc_MulSSOp : Mpc_KernelOp<"mul_ss"> {
  let kernel = "k::mulSS";
  let kernelArgs = ["ctx", "in:0", "in:1"];
  let cost = [{ rt::mul_ss_cost(a.n) }];
  let summary = "elementwise product of two shared tensors (Beaver)";
  let description = [{
    Beaver multiplication (Beaver 1991; CrypTen `beaver.py`): with a dealer
    triple (a, b, c = a·b) both parties open x − a and y − b. Operands have
    the same shape; the result has f_x + f_y fractional bits. Cost: 1 round,
    2n·ℓ/8 bytes per party, n·ℓ/8 offline (one correction of c; a, b and the
    other share of c come from PRG seeds), n = number of elements.

    Example:
    ```mlir
    %z = mpc.mul_ss %x, %y : (!mpc.tensor<65x512, shared, frac 16>,
                              !mpc.tensor<65x512, shared, frac 16>)
        -> !mpc.tensor<65x512, shared, frac 32>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$lhs, Mpc_AnyTensor:$rhs);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mpc_MulSPOp : Mpc_KernelOp<"mul_sp"> {
  let summary = "elementwise product of a shared and a server-private tensor";
  let description = [{
    x · w with w the server's weights broadcast to x's shape (NumPy rules:
    LayerScale γ, a per-channel affine, an unfolded BatchNorm scale). "sp"
    is shared × server-private (as `mmul_sp`), not SPU's shared × public
    (that is `mul_public` here). The server shares w with the PRZS seed
    (0 bytes) and the parties run one Beaver product of n = |x| elements
    (runtime kernels::mulSP): 1 round, 2n·ℓ/8 bytes per party, n·ℓ/8
    dealer bytes; the client learns nothing of w. The result has
    f_x + f_w fractional bits.

    Example:
    ```mlir
    %z = mpc.mul_sp %x, %g : (!mpc.tensor<65x256, shared, frac 16>,
                              !mpc.tensor<256, private<server>, frac 16>)
        -> !mpc.tensor<65x256, shared, frac 32>
    ```
  }];
  let kernel = "k::mulSP";
  let kernelArgs = ["ctx", "shared:0", "weight:1", "shape"];
  let cost = [{ rt::kernels::mulSP_cost(elements(getRhs()), a.out) }];
  let calibrationKey = [{ std::string("mul_ss") }];
  let calibrationUnits = [{ a.out }];
  let arguments = (ins Mpc_AnyTensor:$lhs, Mpc_AnyTensor:$rhs);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mpc_SquareOp : Mpc_KernelOp<"square"> {
  let kernel = "k::square";
  let kernelArgs = ["ctx", "in:0"];
  let cost = [{ rt::square_cost(a.n) }];
  let summary = "elementwise square of a shared tensor";
  let description = [{
    x² with a dealer pair (a, a²): open x − a (CrypTen `square`). The result
    has 2·f fractional bits. Cost: 1 round, n·ℓ/8 bytes per party, n·ℓ/8
    offline.

    Example:
    ```mlir
    %z = mpc.square %x : !mpc.tensor<65x512, shared, frac 16>
        -> !mpc.tensor<65x512, shared, frac 32>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Mpc_MMulSSOp : Mpc_KernelOp<"mmul_ss"> {
  let kernel = "k::mmulSS";
  let kernelArgs = ["ctx", "in:0", "in:1"];
  let cost = [{ rt::mmul_ss_cost(dim(getLhs(), -2), dim(getLhs(), -1), dim(getRhs(), -1), a.n / (dim(getLhs(), -2) * dim(getLhs(), -1))) }];
  let calibrationUnits = [{ a.n * dim(getRhs(), -1) }];
  let summary = "batched product of two shared matrices (matrix Beaver)";
  let description = [{
    X [..., m, k] · Y [..., k, n] with identical batch dimensions, using a
    matrix triple (A, B, C = A·B) per batch element (SecureML, Mohassel &
    Zhang 2017, §2.3): open X − A and Y − B. Used for Q·Kᵀ and A·V. The
    result has f_X + f_Y fractional bits. Cost per batch element: 1 round in
    all, (mk + kn)·ℓ/8 bytes per party, mn·ℓ/8 offline.

    Example:
    ```mlir
    %s = mpc.mmul_ss %q, %kt : (!mpc.tensor<4x65x64, shared, frac 16>,
                                !mpc.tensor<4x64x65, shared, frac 16>)
        -> !mpc.tensor<4x65x65, shared, frac 32>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$lhs, Mpc_AnyTensor:$rhs);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mpc_MMulSPOp : Mpc_KernelOp<"mmul_sp"> {
  let kernel = "k::mmulSP";
  let kernelArgs = ["ctx", "in:0", "matrix:1"];
  let cost = [{ rt::mmul_sp_cost(a.n / dim(getRhs(), 0), dim(getRhs(), 0), dim(getRhs(), 1)) }];
  let calibrationUnits = [{ a.n * dim(getRhs(), 1) }];
  let summary = "shared activations times server-private weights";
  let description = [{
    X [..., m, k] shared times W [k, n] held by the server (leading
    dimensions of X are flattened into M rows). Per deployment the dealer
    gives the server a mask B and the server sends F = W − B to the client
    once. Per query the dealer gives the client (A, C₁) and the server
    C₀ = A·B − C₁; online the client opens E = X₁ − A to the server only.
    Shares: server X₀·W + E·W + C₀, client A·F + C₁ (SecureML/Delphi-style
    offline phase; PROTOCOLS.md). The result has f_X + f_W fractional bits.
    Cost: 1 round; the client sends M·k·ℓ/8 bytes, the server 0; M·n·ℓ/8
    offline.

    Example:
    ```mlir
    %y = mpc.mmul_sp %x, %w : (!mpc.tensor<65x256, shared, frac 16>,
                               !mpc.tensor<256x512, private<server>, frac 16>)
        -> !mpc.tensor<65x512, shared, frac 32>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$lhs, Mpc_AnyTensor:$rhs);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mpc_TruncOp : Mpc_KernelOp<"trunc"> {
  let kernel = "k::truncate";
  let kernelArgs = ["ctx", "in:0", "shift", "code"];
  let cost = [{ rt::trunc_cost(truncMode(getKind()), a.n, a.shift) }];
  let kernelCode = [{
    std::string("TruncMode::") +
        (getKind() == TruncKind::Exact ? "Exact" : "Probabilistic")
  }];
  let calibrationKey = [{ "trunc." + stringifyTruncKind(getKind()).str() }];
  let summary = "fixed-point truncation (arithmetic shift of a shared value)";
  let description = [{
    Divides by 2^(f_in − f_out): the result has f_out < f_in fractional bits
    and the same shape. `local` (SecureML §4.1): each party shifts its
    share, 0 bytes, 0 rounds, error ±1 ulp, wrong with probability
    ≈ 2^(k+1−ℓ) per element when |x| < 2^k. `dealer` (SPU SEMI2K
    `trunc_a` made exact): with a pair (r, r ≫ s) and an (s+1)-bit carry
    correction, open x − r; 1 round, n·ℓ/8 bytes per party,
    n·ℓ/8 + ⌈n(s+1)/8⌉ bytes offline, +1 ulp at most, no wrap failure for
    |x| < 2^62.

    Example:
    ```mlir
    %t = mpc.trunc local %x : !mpc.tensor<65x512, shared, frac 32>
        -> !mpc.tensor<65x512, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, Mpc_TruncKindAttr:$kind);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    custom<TruncKind>($kind) $input attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Comparisons
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Elementwise nonlinear functions (shared in, shared out, same type)
//===----------------------------------------------------------------------===//

// Shared in, shared out, same type: the constraints are declarative (no
// C++ verifier to write for a new elementwise protocol).
class Mpc_SharedUnaryOp<string mnemonic, string what>
    : Mpc_KernelOp<mnemonic, [SameOperandsAndResultType]> {
  let summary = what;
  let arguments = (ins Mpc_SharedTensor:$input);
  let results = (outs Mpc_SharedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Mpc_ReluOp : Mpc_SharedUnaryOp<"relu", "max(x, 0) of a shared tensor"> {
  let kernel = "k::relu";
  let kernelArgs = ["ctx", "in:0"];
  let cost = [{ rt::relu_cost(a.n, a.s.cmp) }];
  let calibration = "session";
  let description = [{
    ReLU(x) = DReLU(x) · x; see PROTOCOLS.md for the comparison protocol.

    Example:
    ```mlir
    %y = mpc.relu %x : !mpc.tensor<65x512, shared, frac 16>
    ```
  }];
}

def Mpc_TanhOp : Mpc_SharedUnaryOp<"tanh", "tanh of a shared tensor"> {
  let description = [{
    tanh(x) = 2σ(2x) − 1 with σ(y) = 1/(1 + e^−|y|) for y ≥ 0 and 1 − that
    otherwise (runtime sigmoid.h: the sign and min(|y|, 16) from one batched
    comparison, the precise exponential of kernels.h, a reciprocal on
    (1, 2], one product with the sign). Max error ≤ 4e-4 at f = 16 for every
    input (measured 8.4e-5); sigmoid (0.5 + 0.5·tanh(x/2), as the importer
    writes it), SiLU (x·σ(x)) and tanh pooler heads are lowered through it.
    Cost: rt::tanh_cost (A2B 32 rounds, DCF 24, +8 under exact truncation).

    Example:
    ```mlir
    %y = mpc.tanh %x : !mpc.tensor<1x64, shared, frac 16>
    ```
  }];
  let kernel = "mpcvit::rt::tanh"; // sigmoid.h, keeps the shape
  let sessionFrac = 1;
  let cost = [{ rt::tanh_cost(a.s.trunc, a.n, a.s.frac, a.s.cmp) }];
  let calibration = "session";
}

def Mpc_GeluOp : Mpc_SharedUnaryOp<"gelu", "GeLU of a shared tensor"> {
  let kernel = "k::gelu";
  let kernelArgs = ["ctx", "in:0"];
  let sessionFrac = 1;
  let cost = [{ rt::gelu_cost(a.s.trunc, a.n, a.s.frac, a.s.cmp) }];
  let calibration = "session";
  let description = [{
    Fused GeLU protocol, max error ≤ 1e-3 on [−8, 8] (PUMA piecewise
    polynomial or SIGMA ReLU − LUT; PROTOCOLS.md).

    Example:
    ```mlir
    %y = mpc.gelu %x : !mpc.tensor<65x512, shared, frac 16>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Fused normalisations
//===----------------------------------------------------------------------===//

def Mpc_SoftmaxOp : Mpc_KernelOp<"softmax", [SameOperandsAndResultType]> {
  let kernel = "k::softmax";
  let kernelArgs = ["ctx", "in:0"];
  let sessionFrac = 1;
  let cost = [{ rt::kernels::softmax_cost(a.s.trunc, a.rows, a.cols, a.s.frac, a.s.cmp) }];
  let calibration = "session";
  let summary = "max-subtracted softmax of a shared tensor along one axis";
  let description = [{
    max, subtract (local), exp, row sum (local), one reciprocal per row,
    multiply. `axis` must be the last axis.

    Example:
    ```mlir
    %p = mpc.softmax %s axis 2 : !mpc.tensor<2x65x65, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, I64Attr:$axis);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Mpc_ReluSoftmaxOp : Mpc_KernelOp<"relu_softmax",
                                   [SameOperandsAndResultType]> {
  let kernel = "k::reluSoftmax";
  let kernelArgs = ["ctx", "in:0", "attr:epsilon"];
  let sessionFrac = 1;
  let cost = [{ rt::relu_softmax_cost(a.s.trunc, a.rows, a.cols, a.s.frac, a.s.cmp) }];
  let calibration = "session";
  let summary = "RSAttn normalisation ReLU(x)/(Σ ReLU(x) + ε) of a shared tensor";
  let description = [{
    MPCViT (Zeng et al., ICCV 2023) §3.2: ReLU, row sum (local), one
    reciprocal per row, multiply. A row whose ReLU sum is 0 gives 0.
    `axis` must be the last axis; `epsilon` > 0.

    Example:
    ```mlir
    %p = mpc.relu_softmax %s axis 2 epsilon 1.000000e-03
        : !mpc.tensor<2x65x65, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis `epsilon` $epsilon attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Mpc_LayerNormOp : Mpc_KernelOp<"layer_norm"> {
  let kernel = "k::layerNorm";
  let kernelArgs = ["ctx", "in:0", "weight:1", "weight:2", "attr:epsilon",
                    "code"];
  let kernelCode = [{ std::string(getUnitGamma() ? "true" : "false") }];
  let sessionFrac = 1;
  let cost = [{ rt::layer_norm_cost(a.s.trunc, a.rows, a.cols, a.s.frac, !getUnitGamma(), a.s.cmp) }];
  let calibration = "session";
  let summary = "LayerNorm over the last axis with server-private affine";
  let description = [{
    (x − mean)·rsqrt(var + epsilon)·gamma + beta over the last axis D;
    x shared, gamma and beta `private<server>` of shape [D]; the result has
    the type of x. With `unit_gamma` gamma is all ones (the LayerNorm's
    affine was folded into the next linear, `--mpcvit-fuse-linear`) and the
    protocol skips the product with gamma (layernorm.h, `affine` false:
    8·(n + D) bytes per party less in the fss suite, one product and one
    truncation less in a2b); `--mpcvit-lower-to-mpc` sets it when gamma is
    a constant of ones.

    Example:
    ```mlir
    %y = mpc.layer_norm %x, %g, %b epsilon 1.000000e-05
        : (!mpc.tensor<65x256, shared, frac 16>,
           !mpc.tensor<256, private<server>, frac 16>,
           !mpc.tensor<256, private<server>, frac 16>)
        -> !mpc.tensor<65x256, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, Mpc_AnyTensor:$gamma,
                       Mpc_AnyTensor:$beta, F64Attr:$epsilon,
                       UnitAttr:$unit_gamma);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `epsilon` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Server weights and data movement (lowering of vit, issue 6)
//===----------------------------------------------------------------------===//

def Mpc_WeightOp : Mpc_KernelOp<"weight"> {
  let kernel = "";
  let kernelArgs = [];
  let cost = [{ rt::local_cost() }];
  let calibration = "none";
  let summary = "a server-private weight tensor of the weights file";
  let description = [{
    A model weight (a `vit.constant` of the plaintext model) known only to
    the server. `name` identifies it in the weights file (`NAME.weights`,
    written by `mpcvit-compile`); `value` holds the float values the file
    is made from, in the layout the protocol consumes (e.g. Wᵀ [K, N] for
    `mpc.mmul_sp`). The emitted program never contains the values: the
    server loads them from the file, the client and the dealer only know
    the shape. The result is `private<server>` with the shape of `value`.
    Cost: 0 bytes, 0 rounds (a per-deployment `mmul_sp` mask is not counted
    per inference).

    Example:
    ```mlir
    %w = mpc.weight "fc1.w" dense<5.000000e-01> : tensor<4x8xf32>
        -> !mpc.tensor<4x8, private<server>, frac 16>
    ```
  }];
  let arguments = (ins StrAttr:$name, ElementsAttr:$value);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$name $value attr-dict `->` type($result)";
  let hasVerifier = 1;
}

def Mpc_ReshapeOp : Mpc_KernelOp<"reshape"> {
  let kernel = "reshape";
  let kernelArgs = ["in:0", "shape"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let summary = "row-major reshape, computed locally";
  let description = [{
    Each party reshapes its share. Element count, visibility and fractional
    bits are unchanged. Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %r = mpc.reshape %x : !mpc.tensor<1x17x64, shared, frac 16>
        -> !mpc.tensor<1x17x4x16, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Mpc_TransposeOp : Mpc_KernelOp<"transpose"> {
  let kernel = "transpose";
  let kernelArgs = ["in:0", "attr:perm"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let summary = "permute the axes, computed locally";
  let description = [{
    Result axis i is input axis `perm[i]` (as `vit.transpose`). Each party
    permutes its share. Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %t = mpc.transpose %x perm [0, 2, 1, 3]
        : !mpc.tensor<1x17x4x16, shared, frac 16>
        -> !mpc.tensor<1x4x17x16, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `perm` $perm attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mpc_SliceOp : Mpc_KernelOp<"slice"> {
  let kernel = "slice";
  let kernelArgs = ["in:0", "attr:offsets", "attr:sizes", "attr:strides"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let summary = "strided static slice, computed locally";
  let description = [{
    result[i…] = input[offsets + i·strides] (as `vit.slice`); `sizes` is
    the result shape. Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %c = mpc.slice %x offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1]
        : !mpc.tensor<1x17x64, shared, frac 16>
        -> !mpc.tensor<1x1x64, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$strides);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `offsets` $offsets `sizes` $sizes `strides` $strides attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mpc_GatherOp : Mpc_KernelOp<"gather"> {
  let kernel = "gather";
  let kernelArgs = ["in:0", "attr:axis", "attr:indices"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let summary = "select entries along one axis by public indices";
  let description = [{
    result[..., i, ...] = input[..., indices[i], ...] along `axis`
    (0 ≤ axis < rank). The indices are part of the program (public): head
    groups of `attention_norm`, MPCViT+ token groups. Cost: 0 bytes,
    0 rounds.

    Example:
    ```mlir
    %g = mpc.gather %x axis 1 indices [0, 3]
        : !mpc.tensor<1x4x17x17, shared, frac 16>
        -> !mpc.tensor<1x2x17x17, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$indices);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis `indices` $indices attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Mpc_ConcatOp : Mpc_KernelOp<"concat"> {
  let kernel = "concat";
  let kernelArgs = ["ptrs", "attr:axis"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let summary = "concatenate shared tensors along one axis, locally";
  let description = [{
    All operands are shared with the same fractional bits and rank and agree
    on every dimension but `axis`, whose result size is the sum. Cost:
    0 bytes, 0 rounds.

    Example:
    ```mlir
    %t = mpc.concat %a, %b axis 1
        : (!mpc.tensor<1x1x64, shared, frac 16>,
           !mpc.tensor<1x16x64, shared, frac 16>)
        -> !mpc.tensor<1x17x64, shared, frac 16>
    ```
  }];
  let arguments = (ins Variadic<Mpc_AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def Mpc_Im2ColOp : Mpc_KernelOp<"im2col"> {
  let kernel = "im2col";
  let kernelArgs = ["in:0", "attr:kernel", "attr:strides", "attr:pads"];
  let cost = [{ rt::local_cost() }];
  let calibration = "local";
  let summary = "patches of an NCHW image as rows, computed locally";
  let description = [{
    input [B, C, H, W] → [B, Ho·Wo, C·kh·kw]: row p = (oy, ox) holds the
    patch input[b, c, oy·sh − top + i, ox·sw − left + j] in (c, i, j)
    order, zero outside the image (zero `pads` [top, left, bottom, right]),
    Ho = (H + top + bottom − kh)/sh + 1 (floor), likewise Wo. A
    convolution (`vit.conv_patch`) is this followed by `mpc.mmul_sp` with
    the weight reshaped to [C·kh·kw, D]. Zero padding of a share is a
    share of zero padding. Cost: 0 bytes, 0 rounds.

    Example:
    ```mlir
    %p = mpc.im2col %x kernel [7, 7] strides [7, 7] pads [0, 0, 0, 0]
        : !mpc.tensor<1x1x28x28, shared, frac 16>
        -> !mpc.tensor<1x16x49, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `kernel` $kernel `strides` $strides `pads` $pads attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mpc_TwoQuadOp : Mpc_KernelOp<"two_quad", [SameOperandsAndResultType]> {
  let kernel = "k::twoQuad";
  let kernelArgs = ["ctx", "in:0"];
  let sessionFrac = 1;
  let cost = [{ rt::two_quad_cost(a.s.trunc, a.rows, a.cols, a.s.frac, a.s.cmp) }];
  let calibration = "session";
  let summary = "2Quad normalisation (x + c)²/Σ_row (x + c)² of a shared tensor";
  let description = [{
    MPCFormer (Li et al., ICLR 2023) §3.2 with c = 5: one square, row sum
    (local), one reciprocal per row, multiply (runtime `two_quad`).
    `axis` must be the last axis.

    Example:
    ```mlir
    %p = mpc.two_quad %s axis 2 : !mpc.tensor<2x17x17, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, I64Attr:$axis);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Mpc_TwoReluOp : Mpc_KernelOp<"two_relu", [SameOperandsAndResultType]> {
  let kernel = "k::twoRelu";
  let kernelArgs = ["ctx", "in:0"];
  let sessionFrac = 1;
  let cost = [{ rt::two_relu_cost(a.s.trunc, a.rows, a.cols, a.s.frac, a.s.cmp) }];
  let calibration = "session";
  let summary = "2ReLU normalisation ReLU(x)/Σ_row ReLU(x) of a shared tensor";
  let description = [{
    MPCFormer 2ReLU: `mpc.relu_softmax` with ε = 0 (runtime `two_relu`); a
    row whose ReLU sum is 0 gives 0. `axis` must be the last axis.

    Example:
    ```mlir
    %p = mpc.two_relu %s axis 2 : !mpc.tensor<2x17x17, shared, frac 16>
    ```
  }];
  let arguments = (ins Mpc_AnyTensor:$input, I64Attr:$axis);
  let results = (outs Mpc_AnyTensor:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Scheduling: independent protocol sequences share rounds
//===----------------------------------------------------------------------===//

def Mpc_ParallelOp : Mpc_Op<"parallel", [RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<CommCostOpInterface>]> {
  let summary = "independent branches that run in lock-step and share rounds";
  let description = [{
    Each region is one branch: a sequence of mpc ops ending in `mpc.yield`.
    No branch uses a value another branch defines (the verifier checks it);
    branches may use values defined above. The results are the yielded
    values of every branch, in branch order.

    The runtime runs the branches in lock-step (`rt::runLockstep`,
    runtime/include/mpcvit/runtime/lockstep.h): in every round each party
    sends one message carrying the current step of every branch that still
    communicates, so independent protocols (heads of different kinds in one
    attention layer, MPCViT+ token groups) pay the rounds of the longest
    branch instead of the sum (PROTOCOLS.md "Rounds of independent ops").
    Nothing else changes: the same values are opened, concatenated.
    Cost (`rt::lockstep_cost`): online and dealer bytes are the sums over
    the branches, rounds the maximum over branches of the branch's own
    critical path. Built by `--mpcvit-schedule-rounds`.

    Example:
    ```mlir
    %r:2 = mpc.parallel {
      %a = mpc.relu %x : !mpc.tensor<4x8, shared, frac 16>
      mpc.yield %a : !mpc.tensor<4x8, shared, frac 16>
    }, {
      %b = mpc.gelu %y : !mpc.tensor<4x8, shared, frac 16>
      mpc.yield %b : !mpc.tensor<4x8, shared, frac 16>
    } : !mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<4x8, shared, frac 16>
    ```
  }];
  let results = (outs Variadic<Mpc_AnyTensor>:$results);
  let regions = (region VariadicRegion<SizedRegion<1>>:$branches);
  let assemblyFormat = "$branches attr-dict (`:` type($results)^)?";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The results branch `i` yields (a contiguous range of getResults()).
    ::mlir::ResultRange getBranchResults(unsigned i);
    /// The cost of one branch: its ops' costs summed (a nested parallel op
    /// counts its own critical path). Failure when an op has no cost.
    static ::mlir::FailureOr<::mpcvit::mpc::CommCost>
    branchCost(::mlir::Block &branch);
  }];
}

def Mpc_YieldOp : Mpc_Op<"yield", [Pure, Terminator, ReturnLike,
    HasParent<"ParallelOp">]> {
  let summary = "the values one branch of mpc.parallel produces";
  let description = [{
    Terminates a branch of `mpc.parallel`; its operands become the
    branch's results (in order). Cost: none.
  }];
  let arguments = (ins Variadic<Mpc_AnyTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // MPCVIT_DIALECTS_MPC_MPCOPS_TD
