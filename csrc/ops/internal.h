// Helpers shared by the op files (not part of the public op API).
#pragma once
#include "../autograd/node.h"
#include "../kernels/kernels.h"
#include "ops.h"

namespace st::ops {

using autograd::make_node;
using autograd::Node;
using autograd::SavedTensor;
using autograd::TensorList;

// A contiguous copy of t in dtype dt, recording no history (t itself when it already fits).
Tensor cast_raw(const Tensor& t, ScalarType dt);
// A new tensor sharing t's data and version counter, with no autograd history.
Tensor alias_raw(const Tensor& t);
// Records history for a view op: sets the grad_fn and remembers the base.
void set_view_history(const Tensor& view, const Tensor& base, const std::shared_ptr<Node>& fn);
// Flags the reduced dims of a (wrapped, checked for repeats); an empty list
// flags every dim when all_if_empty.
std::vector<bool> reduce_mask(const Tensor& a, const IntList& dims, bool all_if_empty);
// Raises unless the memory behind t has no element written twice (expanded dims).
void check_no_internal_overlap(const Tensor& t, const char* op);

}  // namespace st::ops
