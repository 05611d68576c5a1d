// Python bindings of the fused nn kernels (ops/nn.h): the private functions
// smalltorch.nn.functional calls. None stands for an absent tensor.
#include "../ops/nn.h"
#include "../ops/rnn_cells.h"
#include "bind_util.h"
#include "nogil.h"

namespace st::py_bind {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
}  // namespace

void bind_nn_kernels(Module& m) {
  m.def("_native_batch_norm", [](const Tensor& input, std::optional<Tensor> weight, std::optional<Tensor> bias,
                                 std::optional<Tensor> running_mean, std::optional<Tensor> running_var, bool training,
                                 double momentum, double eps) {
    Tensor w = opt(weight), b = opt(bias), rm = opt(running_mean), rv = opt(running_var);
    return without_gil_if(input.numel(), {&input, &w, &rm, &rv}, [&] {
      return ops::native_batch_norm(input, w, b, rm, rv, training, momentum, eps);
    });
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"), py::arg("running_var"),
        py::arg("training"), py::arg("momentum"), py::arg("eps"));
  m.def("_native_layer_norm", [](const Tensor& input, const DimVector& normalized_shape, std::optional<Tensor> weight,
                                 std::optional<Tensor> bias, double eps) {
    Tensor w = opt(weight), b = opt(bias);
    return without_gil_if(input.numel(), {&input, &w, &b},
                          [&] { return ops::native_layer_norm(input, normalized_shape, w, b, eps); });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight"), py::arg("bias"), py::arg("eps"));
  m.def("_native_group_norm", [](const Tensor& input, std::optional<Tensor> weight, std::optional<Tensor> bias,
                                 int64_t groups, double eps) {
    Tensor w = opt(weight), b = opt(bias);
    return without_gil_if(input.numel(), {&input, &w, &b},
                          [&] { return ops::native_group_norm(input, w, b, groups, eps); });
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("num_groups"), py::arg("eps"));
  m.def("_embedding", [](const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq) {
    return ops::embedding(weight, indices, padding_idx, scale_grad_by_freq);
  }, py::arg("weight"), py::arg("indices"), py::arg("padding_idx"), py::arg("scale_grad_by_freq"));
  m.def("_dropout_mask", &ops::dropout_mask, py::arg("input"), py::arg("p"));
  m.def("_nll_loss", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight, int64_t reduction,
                        int64_t ignore_index) {
    return std::get<0>(ops::nll_loss_forward(input, target, opt(weight), reduction, ignore_index));
  }, py::arg("input"), py::arg("target"), py::arg("weight"), py::arg("reduction"), py::arg("ignore_index"));
  m.def("_mse_loss", [](const Tensor& input, const Tensor& target, int64_t reduction) {
    return without_gil_if(input.numel(), {&input, &target}, [&] { return ops::mse_loss(input, target, reduction); });
  }, py::arg("input"), py::arg("target"), py::arg("reduction"));
  m.def("_binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target,
                                                std::optional<Tensor> weight, std::optional<Tensor> pos_weight,
                                                int64_t reduction) {
    Tensor w = opt(weight), pw = opt(pos_weight);
    return without_gil_if(input.numel(), {&input, &target, &w, &pw}, [&] {
      return ops::binary_cross_entropy_with_logits(input, target, w, pw, reduction);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight"), py::arg("pos_weight"), py::arg("reduction"));
  // One layer and direction of nn.RNN / LSTM / GRU (ops/rnn_cells.h): a tuple of the output (or the
  // per-step outputs), h_n and, for an LSTM, c_n.
  m.def("_rnn_layer", [](int64_t mode, const Tensor& xg, const Tensor& h0, std::optional<Tensor> c0,
                         const Tensor& w_hh, std::optional<Tensor> b_ih, std::optional<Tensor> b_hh,
                         std::optional<std::vector<int64_t>> lengths, bool reverse, bool split_steps) {
    Tensor c = opt(c0), bi = opt(b_ih), bh = opt(b_hh);
    std::vector<int64_t> lens = lengths ? *lengths : std::vector<int64_t>();
    std::vector<Tensor> r;
    {
      KernelUse use_a({&xg, &h0, &c, &w_hh}), use_b({&bi, &bh});  // KernelUse holds at most 4 tensors
      py::gil_scoped_release nogil;
      struct Unregister {  // before the GIL is taken back (as without_gil_if)
        KernelUse &a, &b;
        ~Unregister() { a.release(), b.release(); }
      } unregister{use_a, use_b};
      r = ops::rnn_layer(mode, xg, h0, c, w_hh, bi, bh, lens, reverse, split_steps);
    }
    py::tuple t(r.size());
    for (size_t i = 0; i < r.size(); ++i) t[i] = py::cast(r[i]);
    return t;
  }, py::arg("mode"), py::arg("xg"), py::arg("h0"), py::arg("c0"), py::arg("w_hh"), py::arg("b_ih"),
        py::arg("b_hh"), py::arg("lengths"), py::arg("reverse"), py::arg("split_steps"));
}

}  // namespace st::py_bind
