// Shape helpers: dim wrapping, broadcasting, contiguity, view compatibility.
#pragma once
#include <string>
#include "small_vector.h"

namespace st {

// Maps a possibly negative dim into [0, ndim); IndexError names the valid range.
int64_t wrap_dim(int64_t dim, int64_t ndim);
std::string shape_str(const DimVector& s);   // "[2, 3]"
int64_t checked_numel(const DimVector& sizes); // ValueError/RuntimeError on negative sizes or overflow
DimVector contiguous_strides(const DimVector& sizes);
bool compute_contiguous(const DimVector& sizes, const DimVector& strides);
// Broadcast shape of a and b (RuntimeError naming both shapes when incompatible).
DimVector broadcast_shapes(const DimVector& a, const DimVector& b);
// Strides to read a tensor of (sizes, strides) as broadcast to `to` (0 on broadcast dims).
DimVector broadcast_strides(const DimVector& sizes, const DimVector& strides, const DimVector& to);
// Resolves one -1 in a view shape given numel (RuntimeError on mismatch).
DimVector infer_size(const DimVector& shape, int64_t numel);
// Strides for viewing (sizes, strides) as new_sizes without copying, or false.
bool view_strides(const DimVector& sizes, const DimVector& strides, const DimVector& new_sizes, DimVector& out);

}  // namespace st
