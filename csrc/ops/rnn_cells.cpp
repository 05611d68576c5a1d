// A recurrent layer as one op: each step is one matrix product (h W_hh^T) and
// one pass of the fused gate kernel (kernels/rnn.cpp); backward runs the steps
// in reverse, one gate-gradient pass and one product (dgates W_hh) each, then
// W_hh's gradient as one product over the whole sequence and the biases' as
// column sums. The states, activated gates and tanh(c) of every step are kept
// in the node (its workspace), so nothing is recomputed.
#include "rnn_cells.h"
#include <algorithm>
#include <memory>
#include <type_traits>
#include "../kernels/blas.h"
#include "../kernels/parallel.h"
#include "../kernels/rnn.h"
#include "internal.h"
#include "nn.h"

namespace st::ops {
namespace {

using kernels::RnnMode;

// Rows of a step per chunk of the pool: a step's rows are split (one chunk runs its rows' product
// with W_hh and their gate pass) once a row's product is a sizeable piece of work.
inline int64_t row_grain(int64_t GH, int64_t H) {
  return std::max<int64_t>(1, (int64_t(1) << 17) / std::max<int64_t>(GH * H, 1));
}

// A step loop's weight product (m x k by k x n, w stored n x k when tw, else k x n), packed once for every
// step where float32 products of that shape run our own tile (kernels/blas.h); null otherwise.
template <typename T>
std::unique_ptr<kernels::SgemmPackedB> pack_for_steps(const T* w, bool tw, int64_t m, int64_t k, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (const kernels::SgemmKernel kern = kernels::own_sgemm_kernel(m, n, k, true))
      return std::make_unique<kernels::SgemmPackedB>(kern, w, tw, tw ? k : n, k, n);
  }
  return nullptr;
}

struct RnnLayerBackward : Node {
  // PyTorch shows MkldnnRnnLayerBackward0 on a float32 LSTM's output; elsewhere
  // the layer node sits under the StackBackward0 of the per-step outputs.
  const char* name_ = "MkldnnRnnLayerBackward0";
  RnnMode mode = RnnMode::Lstm;
  int64_t T = 0, B = 0, H = 0;
  bool reverse = false, split = false;
  std::vector<int64_t> lengths;
  SavedTensor w_hh, xg, h0, c0, b_ih, b_hh;  // the inputs (all but w_hh only for a double backward)
  Tensor states, cells, ws;  // (T+1, B, H) h and c before/after each step (in step order), (T, B, W) workspace

  const char* name() const override { return name_; }
  void release_variables() override {
    for (SavedTensor* t : {&w_hh, &xg, &h0, &c0, &b_ih, &b_hh}) t->release();
    states = cells = ws = Tensor();
  }
  void saved_fields(std::vector<SavedField>& out) const override {
    out.push_back(SavedField::of("weight1", w_hh));
  }

  // A row mask (B, 1) of the rows still running at time t (undefined: all).
  Tensor mask(int64_t t) const {
    if (lengths.empty()) return Tensor();
    Tensor m = st::empty({B, 1}, ScalarType::Bool);
    for (int64_t b = 0; b < B; ++b) m.data<bool>()[b] = t < lengths[size_t(b)];
    return m;
  }
  Tensor saved_or_none(const SavedTensor& s) const { return s.defined() ? s.unpack(*this) : Tensor(); }

  // Backward under create_graph: the same formulas written with ops (the steps recomputed from the
  // saved inputs), so that the gradients have history and can be differentiated again.
  TensorList composite(const TensorList& grads) {
    const Tensor x_all = xg.unpack(*this), w = w_hh.unpack(*this), wt = ops::t(w);
    const Tensor bi = saved_or_none(b_ih), bh = saved_or_none(b_hh);
    const bool lstm = mode == RnnMode::Lstm, gru = mode == RnnMode::Gru;
    std::vector<Tensor> hs{h0.unpack(*this)}, cs{lstm ? c0.unpack(*this) : Tensor()};
    std::vector<std::vector<Tensor>> keep;  // per step: the activated gates (and tanh(c') / W_hn h + b_hn)
    for (int64_t k = 0; k < T; ++k) {
      const int64_t t = reverse ? T - 1 - k : k;
      Tensor x = ops::select(x_all, 0, t), h = hs.back(), c = cs.back();
      if (bi.defined()) x = ops::add(x, bi);
      Tensor hw = ops::mm(h, wt);
      if (bh.defined()) hw = ops::add(hw, bh);
      Tensor h2, c2;
      if (lstm) {
        auto q = ops::chunk(ops::add(x, hw), 4, 1);
        Tensor i = ops::sigmoid(q[0]), f = ops::sigmoid(q[1]), g = ops::tanh(q[2]), o = ops::sigmoid(q[3]);
        c2 = ops::add(ops::mul(f, c), ops::mul(i, g));
        Tensor tc = ops::tanh(c2);
        h2 = ops::mul(o, tc);
        keep.push_back({i, f, g, o, tc});
      } else if (gru) {
        auto xq = ops::chunk(x, 3, 1), hq = ops::chunk(hw, 3, 1);
        Tensor r = ops::sigmoid(ops::add(xq[0], hq[0])), z = ops::sigmoid(ops::add(xq[1], hq[1]));
        Tensor n = ops::tanh(ops::add(xq[2], ops::mul(r, hq[2])));
        h2 = ops::add(n, ops::mul(z, ops::sub(h, n)));
        keep.push_back({r, z, n, hq[2]});
      } else {
        Tensor pre = ops::add(x, hw);
        h2 = mode == RnnMode::Tanh ? ops::tanh(pre) : ops::relu(pre);
      }
      if (Tensor m = mask(t); m.defined()) {
        h2 = ops::where(m, h2, h);
        if (lstm) c2 = ops::where(m, c2, c);
      }
      hs.push_back(h2);
      cs.push_back(c2);
    }
    const ScalarType dt = w.dtype();
    size_t next = split ? size_t(T) : 1;
    Tensor dh = grads[next].defined() ? grads[next] : zeros({B, H}, dt);
    Tensor dc = lstm ? (grads[next + 1].defined() ? grads[next + 1] : zeros({B, H}, dt)) : Tensor();
    std::vector<Tensor> dx(static_cast<size_t>(T));
    Tensor dw, dbh, dbi;
    auto acc = [](Tensor& a, const Tensor& b) { a = a.defined() ? ops::add(a, b) : b; };
    for (int64_t k = T - 1; k >= 0; --k) {
      const int64_t t = reverse ? T - 1 - k : k;
      if (split && grads[size_t(t)].defined()) dh = ops::add(dh, grads[size_t(t)]);
      if (!split && grads[0].defined()) dh = ops::add(dh, ops::select(grads[0], 0, t));
      const Tensor &h = hs[size_t(k)], &h2 = hs[size_t(k) + 1];
      Tensor dgx, dgh, dh_direct, dc_prev;
      if (lstm) {
        const auto& v = keep[size_t(k)];
        const Tensor &i = v[0], &f = v[1], &g = v[2], &o = v[3], &tc = v[4];
        auto dsig = [](const Tensor& s) { return ops::mul(s, ops::rsub(s, Scalar(1.0))); };
        Tensor dct = ops::add(dc, ops::mul(ops::mul(dh, o), ops::rsub(ops::mul(tc, tc), Scalar(1.0))));
        dgh = ops::cat({ops::mul(ops::mul(dct, g), dsig(i)), ops::mul(ops::mul(dct, cs[size_t(k)]), dsig(f)),
                        ops::mul(ops::mul(dct, i), ops::rsub(ops::mul(g, g), Scalar(1.0))),
                        ops::mul(ops::mul(dh, tc), dsig(o))}, 1);
        dgx = dgh;
        dc_prev = ops::mul(dct, f);
      } else if (gru) {
        const auto& v = keep[size_t(k)];
        const Tensor &r = v[0], &z = v[1], &n = v[2], &hn = v[3];
        Tensor dnp = ops::mul(ops::mul(dh, ops::rsub(z, Scalar(1.0))), ops::rsub(ops::mul(n, n), Scalar(1.0)));
        Tensor drp = ops::mul(ops::mul(dnp, hn), ops::mul(r, ops::rsub(r, Scalar(1.0))));
        Tensor dzp = ops::mul(ops::mul(dh, ops::sub(h, n)), ops::mul(z, ops::rsub(z, Scalar(1.0))));
        dgx = ops::cat({drp, dzp, dnp}, 1);
        dgh = ops::cat({drp, dzp, ops::mul(dnp, r)}, 1);
        dh_direct = ops::mul(dh, z);
      } else {
        dgh = mode == RnnMode::Tanh ? ops::mul(dh, ops::rsub(ops::mul(h2, h2), Scalar(1.0)))
                                    : ops::mul(dh, ops::sign(h2));
        dgx = dgh;
      }
      Tensor dh_prev = ops::mm(dgh, w);
      if (dh_direct.defined()) dh_prev = ops::add(dh_prev, dh_direct);
      if (Tensor m = mask(t); m.defined()) {
        dgh = ops::where(m, dgh, Scalar(0.0));
        dgx = gru ? ops::where(m, dgx, Scalar(0.0)) : dgh;
        dh_prev = ops::where(m, dh_prev, dh);
        if (lstm) dc_prev = ops::where(m, dc_prev, dc);
      }
      dx[size_t(t)] = dgx;
      acc(dw, ops::mm(ops::t(dgh), h));
      acc(dbh, ops::sum(dgh, IntList{0}, false));
      if (gru) acc(dbi, ops::sum(dgx, IntList{0}, false));
      dh = dh_prev;
      if (lstm) dc = dc_prev;
    }
    TensorList out(6);
    out[0] = ops::stack(dx, 0);
    out[1] = dh;
    out[2] = dc;
    if (should_compute(3)) out[3] = dw;
    if (should_compute(4)) out[4] = gru ? dbi : dbh;
    if (should_compute(5)) out[5] = dbh;
    return out;
  }

  TensorList apply(TensorList&& grads) override {
    ST_CHECK(states.defined(),
             "Trying to backward through the graph a second time (or directly access saved tensors after they have "
             "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
             "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
             "if you need to access saved tensors after calling backward.");
    if (autograd::GradMode::is_enabled()) return composite(grads);
    Tensor w = dense_raw(w_hh.unpack(*this), states.dtype());
    if (states.dtype() == ScalarType::Float32) return run<float>(grads, w);
    return run<double>(grads, w);
  }

  template <typename E>
  TensorList run(const TensorList& grads, const Tensor& w) {
    const ScalarType dt = states.dtype();
    const int64_t G = kernels::rnn_gates(mode), GH = G * H, W = kernels::rnn_workspace(mode) * H;
    const bool lstm = mode == RnnMode::Lstm, gru = mode == RnnMode::Gru;
    // gradients reaching each step's output (null: none), h_n and c_n
    std::vector<Tensor> gout;
    std::vector<const E*> gstep(static_cast<size_t>(T), nullptr);
    size_t next = 0;
    if (split) {
      for (int64_t t = 0; t < T; ++t, ++next)
        if (grads[next].defined()) gstep[size_t(t)] = gout.emplace_back(dense_raw(grads[next], dt)).template data<E>();
    } else {
      if (grads[next].defined()) {
        const E* g = gout.emplace_back(dense_raw(grads[next], dt)).template data<E>();
        for (int64_t t = 0; t < T; ++t) gstep[size_t(t)] = g + t * B * H;
      }
      ++next;
    }
    Tensor dh = grads[next].defined() ? copy_raw(dense_raw(grads[next], dt)) : zeros({B, H}, dt);
    ++next;
    Tensor dc = lstm ? (grads[next].defined() ? copy_raw(dense_raw(grads[next], dt)) : zeros({B, H}, dt)) : Tensor();
    Tensor dh2 = st::empty({B, H}, dt), dc2 = lstm ? st::empty({B, H}, dt) : Tensor();
    // gate gradients: dgh in step order (rows line up with `states` for W_hh's product), dgx in time order
    Tensor dgh = st::empty({T, B, GH}, dt);
    const bool own_dgx = gru || reverse;
    Tensor dgx = own_dgx ? st::empty({T, B, GH}, dt) : dgh;
    const E* wp = w.data<E>();
    const E* S = states.data<E>();
    const E* C = lstm ? cells.data<E>() : nullptr;
    const E* WS = ws.defined() ? ws.data<E>() : nullptr;
    std::vector<uint8_t> valid(static_cast<size_t>(B));
    {
      kernels::BlasCall blas;
      // W_hh packed once for every step's dgates W_hh (B x GH by GH x H), where our tile runs it
      const auto packed = pack_for_steps(wp, false, B, GH, H);
      for (int64_t k = T - 1; k >= 0; --k) {
        const int64_t t = reverse ? T - 1 - k : k;
        const uint8_t* vp = nullptr;
        if (!lengths.empty()) {
          for (int64_t b = 0; b < B; ++b) valid[size_t(b)] = t < lengths[size_t(b)];
          vp = valid.data();
        }
        E* gh = dgh.data<E>() + k * B * GH;
        E* gx = own_dgx ? dgx.data<E>() + t * B * GH : nullptr;
        const E* g = gstep[size_t(t)];
        E *d = dh.data<E>(), *d2 = dh2.data<E>();
        E *c = lstm ? dc.data<E>() : nullptr, *c2 = lstm ? dc2.data<E>() : nullptr;
        // rows are independent within a step: each chunk runs its gate pass and its rows of dgates W_hh
        kernels::parallel_for(0, B, row_grain(GH, H), [&](int64_t b0, int64_t b1) {
          const int64_t nb = b1 - b0;
          if (g)
            for (int64_t i = b0 * H; i < b1 * H; ++i) d[i] += g[i];
          kernels::rnn_cell_backward<E>(mode, nb, H, d + b0 * H, c ? c + b0 * H : nullptr,
                                        WS ? WS + (k * B + b0) * W : nullptr, lstm ? C + (k * B + b0) * H : nullptr,
                                        S + (k * B + b0) * H, S + ((k + 1) * B + b0) * H, gx ? gx + b0 * GH : nullptr,
                                        GH, gh + b0 * GH, d2 + b0 * H, c2 ? c2 + b0 * H : nullptr, vp ? vp + b0 : nullptr);
          if (reverse && !gru) std::copy(gh + b0 * GH, gh + b1 * GH, dgx.data<E>() + (t * B + b0) * GH);
          if (!packed) kernels::gemm_one<E>(d2 + b0 * H, gh + b0 * GH, false, GH, wp, false, H, nb, H, GH, E(1), E(1));
        });
        if constexpr (std::is_same_v<E, float>) {
          if (packed) packed->multiply(d2, H, gh, GH, B, 1.0f, 1.0f);  // d2 += dgates W_hh
        }
        std::swap(dh, dh2);
        if (lstm) std::swap(dc, dc2);
      }
    }
    TensorList out(6);
    if (should_compute(3)) {
      Tensor gw = st::empty({GH, H}, dt);
      kernels::BlasCall blas;
      kernels::gemm_one<E>(gw.data<E>(), dgh.data<E>(), true, GH, S, false, H, GH, H, T * B, E(1), E(0));
      out[3] = gw;
    }
    Tensor gb_hh, gb_ih;
    if (should_compute(5) || (should_compute(4) && !gru))
      gb_hh = ops::sum(make_view(dgh, {T * B, GH}, {GH, 1}, 0), IntList{0}, false);
    if (should_compute(4))
      gb_ih = gru ? ops::sum(make_view(dgx, {T * B, GH}, {GH, 1}, 0), IntList{0}, false)
                  : (should_compute(5) ? copy_raw(gb_hh) : gb_hh);
    out[4] = gb_ih;
    out[5] = gb_hh;
    out[0] = dgx;
    out[1] = dh;
    out[2] = dc;
    return out;
  }
};

// What the forward keeps for backward (the node's workspace) and how it ran.
struct Steps {
  RnnMode mode;
  int64_t T, B, H;
  bool reverse;
  const std::vector<int64_t>& lengths;
  Tensor states, cells, ws;
};

template <typename T>
void forward_steps(Steps& n, const Tensor& xg, const Tensor& w, const Tensor& b_ih, const Tensor& b_hh,
                   const Tensor& out) {
  const int64_t T_ = n.T, B = n.B, H = n.H, G = kernels::rnn_gates(n.mode), GH = G * H;
  const int64_t W = kernels::rnn_workspace(n.mode) * H;
  const bool lstm = n.mode == RnnMode::Lstm;
  const T* x = xg.data<T>();
  const T* wp = w.data<T>();
  const T* bi = b_ih.defined() ? b_ih.data<T>() : nullptr;
  const T* bh = b_hh.defined() ? b_hh.data<T>() : nullptr;
  T* S = n.states.data<T>();
  T* C = lstm ? n.cells.data<T>() : nullptr;
  T* WS = n.ws.defined() ? n.ws.data<T>() : nullptr;
  T* o = out.data<T>();
  Tensor hg = st::empty({B, GH}, xg.dtype());
  std::vector<uint8_t> valid(static_cast<size_t>(B));
  kernels::BlasCall blas;
  // W_hh^T packed once for every step's h W_hh^T (B x H by H x GH), where our tile runs it
  const auto packed = pack_for_steps(wp, true, B, H, GH);
  for (int64_t k = 0; k < T_; ++k) {
    const int64_t t = n.reverse ? T_ - 1 - k : k;
    const uint8_t* vp = nullptr;
    if (!n.lengths.empty()) {
      for (int64_t b = 0; b < B; ++b) valid[size_t(b)] = t < n.lengths[size_t(b)];
      vp = valid.data();
    }
    T* hgp = hg.data<T>();
    if constexpr (std::is_same_v<T, float>) {
      if (packed) packed->multiply(hgp, GH, S + k * B * H, H, B, 1.0f, 0.0f);  // h W_hh^T
    }
    kernels::parallel_for(0, B, row_grain(GH, H), [&](int64_t b0, int64_t b1) {
      if (!packed)
        kernels::gemm_one<T>(hgp + b0 * GH, S + (k * B + b0) * H, false, H, wp, true, H, b1 - b0, GH, H, T(1), T(0));
      kernels::rnn_cell_forward<T>(n.mode, b1 - b0, H, x + (t * B + b0) * GH, GH, hgp + b0 * GH, bi, bh,
                                   S + (k * B + b0) * H, lstm ? C + (k * B + b0) * H : nullptr,
                                   S + ((k + 1) * B + b0) * H, lstm ? C + ((k + 1) * B + b0) * H : nullptr,
                                   WS ? WS + (k * B + b0) * W : nullptr, vp ? vp + b0 : nullptr);
    });
    std::copy(S + (k + 1) * B * H, S + (k + 2) * B * H, o + t * B * H);
  }
}

}  // namespace

std::vector<Tensor> rnn_layer(int64_t mode, const Tensor& xg, const Tensor& h0, const Tensor& c0, const Tensor& w_hh,
                              const Tensor& b_ih, const Tensor& b_hh, const std::vector<int64_t>& lengths,
                              bool reverse, bool split_steps) {
  ST_CHECK(mode >= 0 && mode <= 3, "_rnn_layer: unknown mode ", mode);
  const auto m = static_cast<RnnMode>(mode);
  const bool lstm = m == RnnMode::Lstm;
  const int64_t G = kernels::rnn_gates(m);
  ST_CHECK(xg.dim() == 3 && h0.dim() == 2 && w_hh.dim() == 2, "_rnn_layer: expected xg (T, B, G*H), h0 (B, H) and "
           "w_hh (G*H, H), got ", shape_str(xg.sizes()), ", ", shape_str(h0.sizes()), ", ", shape_str(w_hh.sizes()));
  const int64_t T = xg.sizes()[0], B = xg.sizes()[1], H = h0.sizes()[1];
  ST_CHECK(h0.sizes()[0] == B && xg.sizes()[2] == G * H && w_hh.sizes()[0] == G * H && w_hh.sizes()[1] == H,
           "_rnn_layer: shapes do not match: xg ", shape_str(xg.sizes()), ", h0 ", shape_str(h0.sizes()), ", w_hh ",
           shape_str(w_hh.sizes()));
  ST_CHECK(lstm == c0.defined(), "_rnn_layer: c0 is given exactly for an LSTM");
  ST_CHECK(!c0.defined() || c0.sizes() == h0.sizes(), "_rnn_layer: c0 ", shape_str(c0.sizes()), " and h0 ",
           shape_str(h0.sizes()), " differ");
  for (const Tensor* b : {&b_ih, &b_hh})
    ST_CHECK(!b->defined() || (b->dim() == 1 && b->sizes()[0] == G * H), "_rnn_layer: a bias of shape ",
             shape_str(b->sizes()), " for ", G * H, " gate units");
  const ScalarType dt = xg.dtype();
  ST_CHECK_T(dt == ScalarType::Float32 || dt == ScalarType::Float64, TypeError,
             "_rnn_layer: expected float32 or float64, got ", dtype_name(dt));
  for (const Tensor* t : {&h0, &c0, &w_hh, &b_ih, &b_hh})
    ST_CHECK(!t->defined() || t->dtype() == dt, "_rnn_layer: every tensor must have the input's dtype ",
             dtype_name(dt), ", got ", dtype_name(t->dtype()));
  ST_CHECK(lengths.empty() || int64_t(lengths.size()) == B, "_rnn_layer: ", lengths.size(), " lengths for a batch of ",
           B);

  Steps n{m, T, B, H, reverse, lengths, st::empty({T + 1, B, H}, dt), Tensor(), Tensor()};
  kernels::copy(make_view(n.states, {B, H}, {H, 1}, 0), h0);
  if (lstm) {
    n.cells = st::empty({T + 1, B, H}, dt);
    kernels::copy(make_view(n.cells, {B, H}, {H, 1}, 0), c0);
  }
  const int64_t W = kernels::rnn_workspace(m) * H;
  if (W) n.ws = st::empty({T, B, W}, dt);
  Tensor out = st::empty({T, B, H}, dt);
  Tensor x = dense_raw(xg, dt), w = dense_raw(w_hh, dt);
  Tensor bi = b_ih.defined() ? dense_raw(b_ih, dt) : Tensor(), bh = b_hh.defined() ? dense_raw(b_hh, dt) : Tensor();
  if (T * B * H > 0) {
    if (dt == ScalarType::Float32)
      forward_steps<float>(n, x, w, bi, bh, out);
    else
      forward_steps<double>(n, x, w, bi, bh, out);
  }
  Tensor h_n = copy_raw(make_view(n.states, {B, H}, {H, 1}, T * B * H));
  Tensor c_n = lstm ? copy_raw(make_view(n.cells, {B, H}, {H, 1}, T * B * H)) : Tensor();

  std::vector<Tensor> res;
  if (split_steps) {
    for (int64_t t = 0; t < T; ++t) res.push_back(make_view(out, {B, H}, {H, 1}, t * B * H));
  } else {
    res.push_back(out);
  }
  res.push_back(h_n);
  if (lstm) res.push_back(c_n);

  if (auto node = make_node<RnnLayerBackward>({&xg, &h0, &c0, &w_hh, &b_ih, &b_hh})) {
    node->name_ = (lstm && dt == ScalarType::Float32 && !split_steps) ? "MkldnnRnnLayerBackward0"
                                                                        : "RnnLayerBackward0";
    node->mode = m;
    node->T = T, node->B = B, node->H = H;
    node->reverse = reverse;
    node->split = split_steps;
    node->lengths = lengths;
    node->w_hh.save(w_hh);
    node->xg.save(xg);
    node->h0.save(h0);
    if (c0.defined()) node->c0.save(c0);
    if (b_ih.defined()) node->b_ih.save(b_ih);
    if (b_hh.defined()) node->b_hh.save(b_hh);
    node->states = n.states;
    node->cells = n.cells;
    node->ws = n.ws;
    for (size_t i = 0; i < res.size(); ++i) autograd::set_history(res[i], node, uint32_t(i));
  }
  return res;
}

}  // namespace st::ops
