// Python bindings of the "unary" operator family.
#include "bind_util.h"

namespace st::py_bind {

void bind_unary(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace st::py_bind
