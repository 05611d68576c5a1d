// Storage access for smalltorch.save: the whole buffer under a tensor, without a copy.
#include "bind_util.h"

namespace st::py_bind {

void bind_storage(Module&, TensorClass& cls) {
  // A flat tensor (no history, not a view) over all of t's storage, of t's dtype: the bytes smalltorch.save
  // writes as one storage record, shared by every tensor viewing that storage.
  cls.def("_storage_view", [](const Tensor& t) {
    const StoragePtr& s = t.impl()->storage();
    const auto n = static_cast<int64_t>(s->nbytes() / element_size(t.dtype()));
    return Tensor(std::make_shared<TensorImpl>(s, 0, DimVector{n}, DimVector{1}, t.dtype()));
  });
}

}  // namespace st::py_bind
