// Python bindings of the "linalg" operator family.
#include "bind_util.h"

namespace st::py_bind {

void bind_linalg(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace st::py_bind
