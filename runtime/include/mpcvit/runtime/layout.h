//===- layout.h - Local data movement and broadcasting of ring tensors -*- C++
//-*-===//
//
// The local (communication-free) ops of compiled programs: each party
// rearranges its own share. Shapes are row-major; semantics follow the mpc
// dialect ops of the same names (mpc.reshape, mpc.transpose, mpc.slice,
// mpc.gather, mpc.concat, mpc.im2col) and NumPy broadcasting. Every
// function throws std::invalid_argument naming itself and the shapes when
// they do not fit. Cost: 0 bytes, 0 rounds (local_cost).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_LAYOUT_H
#define MPCVIT_RUNTIME_LAYOUT_H

#include "mpcvit/runtime/ring.h"

namespace mpcvit::rt {

/// Same data with `shape` (equal element counts).
RingTensor reshape(const RingTensor &x, const Shape &shape);
/// Result axis i is input axis perm[i].
RingTensor transpose(const RingTensor &x, const std::vector<int64_t> &perm);
/// result[i…] = x[offsets + i·strides], result shape `sizes`.
RingTensor slice(const RingTensor &x, const std::vector<int64_t> &offsets,
                 const std::vector<int64_t> &sizes,
                 const std::vector<int64_t> &strides);
/// result[..., i, ...] = x[..., indices[i], ...] along `axis`.
RingTensor gather(const RingTensor &x, int64_t axis,
                  const std::vector<int64_t> &indices);
/// Concatenation along `axis` (other dimensions equal).
RingTensor concat(const std::vector<const RingTensor *> &xs, int64_t axis);
/// NCHW image → [B, Ho·Wo, C·kh·kw] patches, zero padding (mpc.im2col).
RingTensor im2col(const RingTensor &x, const std::vector<int64_t> &kernel,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &pads);
/// NumPy broadcast shape of a and b; throws if they do not broadcast.
Shape broadcastShape(const Shape &a, const Shape &b);
/// x repeated to `shape` (NumPy rules).
RingTensor broadcastTo(const RingTensor &x, const Shape &shape);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_LAYOUT_H
