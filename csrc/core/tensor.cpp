#include "tensor.h"
#include "shape.h"
#include <limits>

namespace st {

TensorImpl::TensorImpl(StoragePtr storage, int64_t offset, DimVector sizes, DimVector strides,
                       ScalarType dtype, std::shared_ptr<VersionCounter> version)
    : storage_(std::move(storage)), offset_(offset), sizes_(std::move(sizes)), strides_(std::move(strides)),
      dtype_(dtype), version_(version ? std::move(version) : std::make_shared<VersionCounter>()) {
  refresh();
}

void (*tensor_release_hook)(void*, TensorImpl*) = nullptr;

TensorImpl::~TensorImpl() {
  if (python_object && tensor_release_hook) tensor_release_hook(python_object, this);
}

void TensorImpl::refresh() {
  // Every shape-taking entry point (view, reshape, expand, empty, ...) ends here: a size product that
  // overflows int64 is refused, as PyTorch does, even when a zero later in the shape makes numel 0.
  int64_t n = 1;
  bool overflow = false;
  for (auto s : sizes_) overflow |= __builtin_mul_overflow(n, s, &n);
  if (overflow) throw Error(str("numel: integer multiplication overflow (sizes ", shape_str(sizes_), ")"));
  numel_ = n;
  contiguous_ = compute_contiguous(sizes_, strides_);
}

void TensorImpl::set_geometry(DimVector sizes, DimVector strides, int64_t offset) {
  sizes_ = std::move(sizes);
  strides_ = std::move(strides);
  offset_ = offset;
  refresh();
}

void TensorImpl::set_storage(StoragePtr s, int64_t offset, DimVector sizes, DimVector strides, ScalarType dtype) {
  storage_ = std::move(s);
  dtype_ = dtype;
  set_geometry(std::move(sizes), std::move(strides), offset);
}

bool TensorImpl::resize(const DimVector& sizes) {
  if (sizes == sizes_) return false;
  const int64_t n = checked_numel(sizes);
  const auto item = static_cast<int64_t>(itemsize());
  if (n > 0) {
    ST_CHECK(offset_ <= (std::numeric_limits<int64_t>::max() / item) - n,
             "Storage size calculation overflowed with sizes=", shape_str(sizes));
    storage_->grow(static_cast<size_t>((offset_ + n) * item));
  }
  set_geometry(sizes, contiguous_strides(sizes), offset_);
  return true;
}

// A 0-d tensor has no size or stride to return (wrap_dim accepts -1 and 0 for it, as dims to reduce over).
int64_t Tensor::size(int64_t d) const {
  ST_CHECK_T(dim() > 0, IndexError, "Dimension specified as ", d, " but tensor has no dimensions");
  return sizes()[wrap_dim(d, dim())];
}
int64_t Tensor::stride(int64_t d) const {
  ST_CHECK_T(dim() > 0, IndexError, "Dimension specified as ", d, " but tensor has no dimensions");
  return strides()[wrap_dim(d, dim())];
}

Tensor empty(const DimVector& sizes, ScalarType dtype) {
  int64_t n = checked_numel(sizes);
  const int64_t item = static_cast<int64_t>(element_size(dtype));
  ST_CHECK(n <= std::numeric_limits<int64_t>::max() / item, "Storage size calculation overflowed with sizes=",
           shape_str(sizes));
  auto storage = std::make_shared<Storage>(static_cast<size_t>(n) * element_size(dtype));
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), 0, sizes, contiguous_strides(sizes), dtype));
}

Tensor make_view(const Tensor& base, DimVector sizes, DimVector strides, int64_t offset) {
  Tensor v(std::make_shared<TensorImpl>(base.impl()->storage(), offset, std::move(sizes), std::move(strides),
                                        base.dtype(), base.impl()->version_counter()));
  v.impl()->is_view = true;
  return v;
}

}  // namespace st
