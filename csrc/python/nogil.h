// Running kernels without the GIL, safely: while a kernel works on a tensor
// outside the interpreter lock, another Python thread may run `x.data = y` on
// it (swapping its storage and geometry) or drop its own references. Each
// kernel registers the tensors it reads and writes before releasing the GIL;
// `.data =` waits (with the GIL released) until no kernel uses the tensor, so a
// kernel never reads freed memory or a half-changed shape. The Python objects
// themselves stay alive because the call holds its arguments.
#pragma once
#include <pybind11/pybind11.h>
#include <initializer_list>
#include "../core/tensor.h"

namespace st::py_bind {

namespace py = pybind11;

// Registers tensors (undefined ones skipped) as used by a GIL-free kernel
// (construct with the GIL held); release() or the destructor unregisters them
// (the GIL is not needed for that).
class KernelUse {
 public:
  explicit KernelUse(std::initializer_list<const Tensor*> tensors);
  ~KernelUse() { release(); }
  KernelUse(const KernelUse&) = delete;
  KernelUse& operator=(const KernelUse&) = delete;
  void release();

 private:
  TensorImpl* impls_[4] = {};
  int n_ = 0;
};

// Blocks (releasing the GIL meanwhile) until no GIL-free kernel uses `impl`;
// returns with the GIL held and no such kernel running, so the caller may
// change the tensor's storage before it releases the GIL again.
void wait_until_unused(TensorImpl* impl);

// Runs f (C++ only: no Python objects touched) without the GIL when `work`
// (elements or flops) is large enough for other Python threads to gain;
// `used` lists every tensor f reads or writes in place (at most 4).
constexpr int64_t kReleaseGilWork = int64_t(1) << 16;
template <typename F>
auto without_gil_if(int64_t work, std::initializer_list<const Tensor*> used, F&& f) -> decltype(f()) {
  if (work < kReleaseGilWork) return f();
  KernelUse use(used);
  py::gil_scoped_release nogil;
  struct Unregister {  // before the GIL is taken back: a waiting `.data =` need not wait for the GIL
    KernelUse& u;
    ~Unregister() { u.release(); }
  } unregister{use};
  return f();
}

}  // namespace st::py_bind
