#include "shape.h"
#include <limits>
#include "error.h"

namespace st {

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  int64_t n = ndim > 0 ? ndim : 1;  // a 0-d tensor accepts dims -1 and 0
  ST_CHECK_T(dim >= -n && dim < n, IndexError, "Dimension out of range (expected to be in range of [", -n, ", ",
             n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

std::string shape_str(const DimVector& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

int64_t checked_numel(const DimVector& sizes) {
  int64_t n = 1;
  for (auto s : sizes) {
    ST_CHECK(s >= 0, "Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes));
    if (s != 0 && n > std::numeric_limits<int64_t>::max() / s)
      throw Error(str("Storage size calculation overflowed with sizes=", shape_str(sizes)));
    n *= s;
  }
  return n;
}

DimVector contiguous_strides(const DimVector& sizes) {
  DimVector st(sizes.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= sizes[i] > 1 ? sizes[i] : 1;
  }
  return st;
}

bool compute_contiguous(const DimVector& sizes, const DimVector& strides) {
  for (auto s : sizes)
    if (s == 0) return true;  // an empty tensor is contiguous whatever its strides
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    if (sizes[i] == 0) return true;
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

DimVector broadcast_shapes(const DimVector& a, const DimVector& b) {
  size_t n = std::max(a.size(), b.size());
  DimVector out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else
      throw Error(str("The size of tensor a (", da, ") must match the size of tensor b (", db,
                      ") at non-singleton dimension ", i, " (shapes ", shape_str(a), " and ", shape_str(b), ")"));
  }
  return out;
}

DimVector broadcast_strides(const DimVector& sizes, const DimVector& strides, const DimVector& to) {
  DimVector out(to.size(), 0);
  size_t off = to.size() - sizes.size();
  for (size_t i = 0; i < sizes.size(); ++i) out[off + i] = sizes[i] == 1 ? 0 : strides[i];
  return out;
}

DimVector infer_size(const DimVector& shape, int64_t numel) {
  DimVector out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      ST_CHECK(infer < 0, "only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else {
      ST_CHECK(shape[i] >= 0, "invalid shape dimension ", shape[i]);
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    ST_CHECK(known != 0 && numel % known == 0,
             known == 0 ? str("cannot reshape tensor of 0 elements into shape ", shape_str(shape),
                              " because the unspecified dimension size -1 can be any value and is ambiguous")
                        : str("shape '", shape_str(shape), "' is invalid for input of size ", numel));
    out[infer] = numel / known;
  } else {
    ST_CHECK(known == numel, "shape '", shape_str(shape), "' is invalid for input of size ", numel);
  }
  return out;
}

bool view_strides(const DimVector& sizes, const DimVector& strides, const DimVector& new_sizes, DimVector& out) {
  // Walk old dims in chunks that are contiguous among themselves; each chunk
  // must map onto a run of new dims with the same element count.
  out = DimVector(new_sizes.size());
  int64_t numel = 1;
  for (auto s : sizes) numel *= s;
  if (numel == 0) { out = contiguous_strides(new_sizes); return true; }
  int64_t old_n = static_cast<int64_t>(sizes.size()), new_n = static_cast<int64_t>(new_sizes.size());
  if (old_n == 0) { for (int64_t j = 0; j < new_n; ++j) out[j] = 1; return true; }
  int64_t view_d = new_n - 1;
  int64_t chunk_base_stride = strides[old_n - 1];
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = old_n - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace st
