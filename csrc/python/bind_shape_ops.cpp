// Python bindings of the "shape_ops" operator family.
#include "bind_util.h"

namespace st::py_bind {

void bind_shape_ops(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace st::py_bind
