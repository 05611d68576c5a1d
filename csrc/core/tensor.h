// TensorImpl (storage + offset + sizes + strides + dtype + device + version
// counter + optional autograd metadata) and the Tensor handle that shares it.
#pragma once
#include <atomic>
#include <memory>
#include <vector>
#include "device.h"
#include "scalar_type.h"
#include "small_vector.h"
#include "storage.h"

namespace st {

// Counts in-place modifications; shared by a tensor and its views.
struct VersionCounter {
  std::atomic<uint32_t> version{0};
};

class TensorImpl;

// How a differentiable view was made (PyTorch's CreationMeta): an in-place
// write into a view made under no_grad, or into one output of an op that
// returns several views (unbind/split/chunk), is refused by autograd.
enum class ViewCreation : uint8_t { Default, NoGradMode, MultipleOutputs };

// What a differentiable view (one made by a view op from a floating tensor)
// remembers of its base; only views carry it. An in-place op on the view
// rewrites the base's history (CopySlices) and the view's grad_fn is remade
// from the base and the view's own sizes/strides/offset (as_strided) when its
// version no longer matches attr_version.
struct ViewMeta {
  std::shared_ptr<TensorImpl> base;  // the root base (never itself a differentiable view)
  ViewCreation creation = ViewCreation::Default;
  uint32_t attr_version = 0;  // the version the view's grad_fn was made at
};

// The autograd layer fills this in; the core only owns it.
struct AutogradMetaBase {
  virtual ~AutogradMetaBase() = default;
};

class TensorImpl {
 public:
  TensorImpl(StoragePtr storage, int64_t offset, DimVector sizes, DimVector strides, ScalarType dtype,
             std::shared_ptr<VersionCounter> version = nullptr);

  const DimVector& sizes() const { return sizes_; }
  const DimVector& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  int64_t offset() const { return offset_; }
  ScalarType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool is_contiguous() const { return contiguous_; }
  const StoragePtr& storage() const { return storage_; }
  void* data() const {
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(element_size(dtype_));
  }
  size_t itemsize() const { return element_size(dtype_); }

  // Geometry changes (in-place views such as squeeze_, set_data).
  void set_geometry(DimVector sizes, DimVector strides, int64_t offset);
  void set_storage(StoragePtr s, int64_t offset, DimVector sizes, DimVector strides, ScalarType dtype);
  // resize_: a new shape with contiguous strides at the same offset, the
  // storage grown when it ends too soon (Storage::grow). Returns false, changing
  // nothing, when the shape is already `sizes`.
  bool resize(const DimVector& sizes);

  const std::shared_ptr<VersionCounter>& version_counter() const { return version_; }
  void set_version_counter(std::shared_ptr<VersionCounter> v) { version_ = std::move(v); }
  uint32_t version() const { return version_->version.load(std::memory_order_relaxed); }
  void bump_version() { version_->version.fetch_add(1, std::memory_order_relaxed); }

  AutogradMetaBase* autograd_meta() const { return autograd_.get(); }
  void set_autograd_meta(std::unique_ptr<AutogradMetaBase> m) { autograd_ = std::move(m); }
  std::unique_ptr<AutogradMetaBase> take_autograd_meta() { return std::move(autograd_); }

  // Set on differentiable views only (nullptr on every other tensor).
  ViewMeta* view_meta() const { return view_meta_.get(); }
  void set_view_meta(std::unique_ptr<ViewMeta> v) { view_meta_ = std::move(v); }
  std::unique_ptr<ViewMeta> take_view_meta() { return std::move(view_meta_); }

  // A Python scalar turned into a 0-d tensor: it does not raise the result dtype.
  bool is_wrapped_number = false;
  // Shares its storage with the tensor it was made from (set by make_view).
  bool is_view = false;
  // Opaque slot for the bindings: the Python object wrapping this tensor, if
  // one is alive (keeps one Python object per tensor). The core only hands it
  // to tensor_release_hook when the tensor dies.
  void* python_object = nullptr;
  ~TensorImpl();

 private:
  void refresh();
  StoragePtr storage_;
  int64_t offset_;
  DimVector sizes_, strides_;
  int64_t numel_ = 1;
  ScalarType dtype_;
  Device device_;
  bool contiguous_ = true;
  std::shared_ptr<VersionCounter> version_;
  std::unique_ptr<AutogradMetaBase> autograd_;
  std::unique_ptr<ViewMeta> view_meta_;
};

using ImplPtr = std::shared_ptr<TensorImpl>;

// Set by the bindings: called with python_object when a TensorImpl that still
// has one dies (the bindings keep a Python object alive while C++ uses it).
// `dying` is still whole during the call (it runs first in ~TensorImpl).
extern void (*tensor_release_hook)(void* python_object, TensorImpl* dying);

// A cheap handle: copying a Tensor shares the TensorImpl.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(ImplPtr impl) : impl_(std::move(impl)) {}

  bool defined() const { return static_cast<bool>(impl_); }
  TensorImpl* impl() const { return impl_.get(); }
  const ImplPtr& impl_ptr() const { return impl_; }

  const DimVector& sizes() const { return impl_->sizes(); }
  const DimVector& strides() const { return impl_->strides(); }
  int64_t size(int64_t d) const;    // d may be negative
  int64_t stride(int64_t d) const;
  int64_t dim() const { return impl_->dim(); }
  int64_t numel() const { return impl_->numel(); }
  ScalarType dtype() const { return impl_->dtype(); }
  Device device() const { return impl_->device(); }
  bool is_contiguous() const { return impl_->is_contiguous(); }
  bool is_floating_point() const { return is_floating(dtype()); }
  void* raw_data() const { return impl_->data(); }
  template <typename T> T* data() const { return static_cast<T*>(impl_->data()); }

  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  long use_count() const { return impl_.use_count(); }

 private:
  ImplPtr impl_;
};

// Allocates a contiguous tensor (uninitialised memory).
Tensor empty(const DimVector& sizes, ScalarType dtype);
// Creates a view sharing `base`'s storage and version counter.
Tensor make_view(const Tensor& base, DimVector sizes, DimVector strides, int64_t offset);

}  // namespace st
