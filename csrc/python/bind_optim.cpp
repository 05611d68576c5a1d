// Python bindings of the multi-tensor optimiser updates (ops/optim.h):
// smalltorch._C._foreach_<optimizer>(params, grads, <state lists>..., <hyperparameters>) updates every
// parameter in place and returns the state lists (None entries replaced by the tensors it created).
#include "../ops/optim.h"
#include "bind_util.h"

namespace st::py_bind {

namespace {

py::list as_list(const std::vector<Tensor>& ts) {
  py::list out;
  for (const Tensor& t : ts) out.append(t.defined() ? py::cast(t) : py::none());
  return out;
}

// State lists may be None (the optimiser keeps no such state): a list of undefined tensors then.
std::vector<Tensor> state_list(py::handle h, size_t n, const char* what) {
  std::vector<Tensor> ts = tensor_list(h, what);
  if (h.is_none()) ts.assign(n, Tensor());
  return ts;
}

}  // namespace

void bind_optim(Module& m) {
  // _foreach_eligible(params, lists): ops::foreach_eligible; each of lists is a list (None entries:
  // no tensor) or None (no such list).
  m.def("_foreach_eligible", [](py::handle params, py::handle lists) {
    std::vector<Tensor> p = tensor_list(params, "params");
    std::vector<std::vector<Tensor>> ls;
    for (auto h : py::reinterpret_borrow<py::iterable>(lists))
      if (!h.is_none()) ls.push_back(tensor_list(h, "state tensors"));
    return ops::foreach_eligible(p, ls);
  }, py::arg("params"), py::arg("lists"));

  m.def("_foreach_sgd", [](py::handle params, py::handle grads, py::handle bufs, double lr, double momentum,
                           double dampening, double weight_decay, bool nesterov, bool maximize) {
    std::vector<Tensor> p = tensor_list(params, "params"), g = tensor_list(grads, "grads");
    std::vector<Tensor> b = state_list(bufs, p.size(), "momentum_buffers");
    ops::foreach_sgd(p, g, b, {lr, momentum, dampening, weight_decay, nesterov, maximize});
    return as_list(b);
  }, py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::kw_only(), py::arg("lr"),
        py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"));

  m.def("_foreach_adam", [](py::handle params, py::handle grads, py::handle exp_avgs, py::handle exp_avg_sqs,
                            py::handle max_exp_avg_sqs, py::handle steps, double lr, double beta1,
                            double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
                            bool decoupled_weight_decay) {
    std::vector<Tensor> p = tensor_list(params, "params"), g = tensor_list(grads, "grads");
    std::vector<Tensor> m1 = state_list(exp_avgs, p.size(), "exp_avgs");
    std::vector<Tensor> m2 = state_list(exp_avg_sqs, p.size(), "exp_avg_sqs");
    std::vector<Tensor> mx = state_list(max_exp_avg_sqs, p.size(), "max_exp_avg_sqs");
    ops::foreach_adam(p, g, m1, m2, mx, tensor_list(steps, "state_steps"),
                      {lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay});
    return py::make_tuple(as_list(m1), as_list(m2), as_list(mx));
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
        py::arg("state_steps"), py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"));

  m.def("_foreach_rmsprop", [](py::handle params, py::handle grads, py::handle square_avgs, py::handle grad_avgs,
                               py::handle bufs, double lr, double alpha, double eps, double weight_decay,
                               double momentum, bool centered, bool maximize) {
    std::vector<Tensor> p = tensor_list(params, "params"), g = tensor_list(grads, "grads");
    std::vector<Tensor> sq = state_list(square_avgs, p.size(), "square_avgs");
    std::vector<Tensor> ga = state_list(grad_avgs, p.size(), "grad_avgs");
    std::vector<Tensor> b = state_list(bufs, p.size(), "momentum_buffers");
    ops::foreach_rmsprop(p, g, sq, ga, b, {lr, alpha, eps, weight_decay, momentum, centered, maximize});
    return py::make_tuple(as_list(sq), as_list(ga), as_list(b));
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"), py::arg("momentum_buffers"),
        py::kw_only(), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"),
        py::arg("centered"), py::arg("maximize"));

  m.def("_foreach_adagrad", [](py::handle params, py::handle grads, py::handle state_sums,
                               py::handle steps, double lr, double lr_decay, double weight_decay,
                               double eps, bool maximize) {
    std::vector<Tensor> p = tensor_list(params, "params"), g = tensor_list(grads, "grads");
    std::vector<Tensor> s = tensor_list(state_sums, "state_sums");
    ops::foreach_adagrad(p, g, s, tensor_list(steps, "state_steps"), {lr, lr_decay, weight_decay, eps, maximize});
  }, py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("state_steps"), py::kw_only(), py::arg("lr"),
        py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"));

  m.def("_foreach_adadelta", [](py::handle params, py::handle grads, py::handle square_avgs, py::handle acc_deltas,
                                double lr, double rho, double eps, double weight_decay, bool maximize) {
    std::vector<Tensor> p = tensor_list(params, "params"), g = tensor_list(grads, "grads");
    std::vector<Tensor> sq = state_list(square_avgs, p.size(), "square_avgs");
    std::vector<Tensor> acc = state_list(acc_deltas, p.size(), "acc_deltas");
    ops::foreach_adadelta(p, g, sq, acc, {lr, rho, eps, weight_decay, maximize});
    return py::make_tuple(as_list(sq), as_list(acc));
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::kw_only(), py::arg("lr"),
        py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"));
}

}  // namespace st::py_bind
