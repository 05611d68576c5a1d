// Python bindings of the LAPACK-backed linear algebra (ops/linalg_lapack.h):
// smalltorch._C._linalg_* (wrapped by python/smalltorch/linalg.py, which names
// the results) and smalltorch._C._LinAlgError.
#include "bind_util.h"
#include "tensor_type.h"

namespace st::py_bind {

void bind_lapack(Module& m) {
  if (!g_linalg_error_type)
    g_linalg_error_type = PyErr_NewException("smalltorch._C._LinAlgError", PyExc_RuntimeError, nullptr);
  m.attr("_LinAlgError") = py::reinterpret_borrow<py::object>(g_linalg_error_type);

  // The results of one call: a tuple the Python side names (return_types).
  m.def("_linalg_det", [](const Tensor& A, const char* fn) { return ops::linalg_det(A, fn); }, py::arg("A"),
        py::arg("fn") = "linalg.det");
  m.def("_linalg_slogdet", [](const Tensor& A, const char* fn) { return ops::linalg_slogdet(A, fn); }, py::arg("A"),
        py::arg("fn") = "linalg.slogdet");
  m.def("_logdet", &ops::logdet, py::arg("A"));
  m.def("_linalg_inv_ex", [](const Tensor& A, bool check_errors, const char* fn) {
    return ops::linalg_inv_ex(A, check_errors, fn);
  }, py::arg("A"), py::arg("check_errors").noconvert() = false, py::arg("fn") = "linalg.inv_ex");
  m.def("_linalg_solve_ex", &ops::linalg_solve_ex, py::arg("A"), py::arg("B"), py::arg("left").noconvert() = true,
        py::arg("check_errors").noconvert() = false);
  m.def("_linalg_cholesky_ex", [](const Tensor& A, bool upper, bool check_errors, const char* fn) {
    return ops::linalg_cholesky_ex(A, upper, check_errors, fn);
  }, py::arg("A"), py::arg("upper").noconvert() = false, py::arg("check_errors").noconvert() = false,
        py::arg("fn") = "linalg.cholesky");
  m.def("_linalg_qr", &ops::linalg_qr, py::arg("A"), py::arg("mode") = "reduced");
  m.def("_linalg_eigh", [](const Tensor& A, const std::string& uplo, bool vectors) {
    return ops::linalg_eigh(A, uplo, vectors);  // an undefined tensor is None
  }, py::arg("A"), py::arg("UPLO") = "L", py::arg("vectors").noconvert() = true);
  m.def("_linalg_svd", [](const Tensor& A, bool full_matrices, bool compute_uv, const char* fn) {
    return ops::linalg_svd(A, full_matrices, compute_uv, fn);
  }, py::arg("A"), py::arg("full_matrices").noconvert() = true, py::arg("compute_uv").noconvert() = true,
        py::arg("fn") = "linalg.svd");
  m.def("_linalg_lu_factor_ex", [](const Tensor& A, bool pivot, bool check_errors, const char* fn) {
    return ops::linalg_lu_factor_ex(A, pivot, check_errors, fn);
  }, py::arg("A"), py::arg("pivot").noconvert() = true, py::arg("check_errors").noconvert() = false,
        py::arg("fn") = "torch.linalg.lu_factor_ex");
  m.def("_linalg_lu_solve", &ops::linalg_lu_solve, py::arg("LU"), py::arg("pivots"), py::arg("B"),
        py::arg("left").noconvert() = true, py::arg("adjoint").noconvert() = false);
  m.def("_lu_unpack", &ops::lu_unpack, py::arg("LU_data"), py::arg("LU_pivots"),
        py::arg("unpack_data").noconvert() = true, py::arg("unpack_pivots").noconvert() = true);
  m.def("_linalg_solve_triangular", &ops::linalg_solve_triangular, py::arg("A"), py::arg("B"), py::kw_only(),
        py::arg("upper").noconvert(), py::arg("left").noconvert() = true,
        py::arg("unitriangular").noconvert() = false);
}

}  // namespace st::py_bind
