// Python bindings of the "pointwise" operator family.
#include "bind_util.h"

namespace st::py_bind {

void bind_pointwise(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace st::py_bind
