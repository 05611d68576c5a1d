// Fused gate kernels of the recurrent cells (see rnn.h). Each row is
// independent: rows are split over the pool when a step is large. sigmoid and
// tanh run through the ISA table's contiguous loops (vectorised for float32),
// the rest are plain loops over contiguous rows.
#include "rnn.h"
#include <algorithm>
#include <type_traits>
#include "isa.h"
#include "parallel.h"

namespace st::kernels {
namespace {

template <typename T>
constexpr ScalarType dtype_of() {
  return std::is_same<T, float>::value ? ScalarType::Float32 : ScalarType::Float64;
}

// A contiguous map y = f(x) over n values (y may be x), f a loop of the ISA table.
template <typename T>
inline void run(Loop f, T* y, const T* x, int64_t n) {
  char* d[2] = {reinterpret_cast<char*>(y), reinterpret_cast<char*>(const_cast<T*>(x))};
  const int64_t s[2] = {int64_t(sizeof(T)), int64_t(sizeof(T))};
  f(d, s, n, nullptr);
}

// Rows per chunk so that a chunk has about kGrainSize values of `width` each.
inline int64_t row_grain(int64_t width) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(width, 1)); }

template <typename T>
inline T at(const T* b, int64_t j) { return b ? b[j] : T(0); }

}  // namespace

template <typename T>
void rnn_cell_forward(RnnMode mode, int64_t B, int64_t H, const T* xg, int64_t ldx, const T* hg, const T* b_ih,
                      const T* b_hh, const T* h, const T* c, T* h_out, T* c_out, T* ws, const uint8_t* valid) {
  const int64_t G = rnn_gates(mode), GH = G * H, W = rnn_workspace(mode) * H;
  const Loop sig = isa().unary(UnaryOp::Sigmoid, dtype_of<T>());
  const Loop th = isa().unary(UnaryOp::Tanh, dtype_of<T>());
  parallel_for(0, B, row_grain(GH), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* x = xg + b * ldx;
      const T* hh = hg + b * GH;
      const T* hp = h + b * H;
      T* ho = h_out + b * H;
      if (valid && !valid[b]) {
        std::copy(hp, hp + H, ho);
        if (mode == RnnMode::Lstm) std::copy(c + b * H, c + (b + 1) * H, c_out + b * H);
        continue;
      }
      if (mode == RnnMode::Lstm) {
        T* w = ws + b * W;
        for (int64_t j = 0; j < GH; ++j) w[j] = x[j] + hh[j] + at(b_ih, j) + at(b_hh, j);
        run(sig, w, w, 2 * H);            // i, f
        run(th, w + 2 * H, w + 2 * H, H);  // g
        run(sig, w + 3 * H, w + 3 * H, H);  // o
        const T* cp = c + b * H;
        T* co = c_out + b * H;
        const T *gi = w, *gf = w + H, *gg = w + 2 * H;
        for (int64_t j = 0; j < H; ++j) co[j] = gf[j] * cp[j] + gi[j] * gg[j];
        T* tc = w + 4 * H;
        run(th, tc, co, H);
        const T* go = w + 3 * H;
        for (int64_t j = 0; j < H; ++j) ho[j] = go[j] * tc[j];
      } else if (mode == RnnMode::Gru) {
        T* w = ws + b * W;
        for (int64_t j = 0; j < 2 * H; ++j) w[j] = x[j] + hh[j] + at(b_ih, j) + at(b_hh, j);
        run(sig, w, w, 2 * H);  // r, z
        T *r = w, *z = w + H, *n = w + 2 * H, *hn = w + 3 * H;
        for (int64_t j = 0; j < H; ++j) {
          hn[j] = hh[2 * H + j] + at(b_hh, 2 * H + j);
          n[j] = x[2 * H + j] + at(b_ih, 2 * H + j) + r[j] * hn[j];
        }
        run(th, n, n, H);
        for (int64_t j = 0; j < H; ++j) ho[j] = n[j] + z[j] * (hp[j] - n[j]);
      } else {
        for (int64_t j = 0; j < H; ++j) ho[j] = x[j] + hh[j] + at(b_ih, j) + at(b_hh, j);
        if (mode == RnnMode::Tanh) {
          run(th, ho, ho, H);
        } else {
          for (int64_t j = 0; j < H; ++j) ho[j] = ho[j] > T(0) ? ho[j] : (ho[j] != ho[j] ? ho[j] : T(0));
        }
      }
    }
  });
}

template <typename T>
void rnn_cell_backward(RnnMode mode, int64_t B, int64_t H, const T* dh, const T* dc, const T* ws, const T* c_prev,
                       const T* h_prev, const T* h_out, T* dgx, int64_t ldgx, T* dgh, T* dh_prev, T* dc_prev,
                       const uint8_t* valid) {
  const int64_t G = rnn_gates(mode), GH = G * H, W = rnn_workspace(mode) * H;
  parallel_for(0, B, row_grain(GH), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* d = dh + b * H;
      T* gh = dgh + b * GH;
      T* gx = dgx ? dgx + b * ldgx : nullptr;
      T* dhp = dh_prev + b * H;
      if (valid && !valid[b]) {  // past this row's end: the state passed through unchanged
        std::fill(gh, gh + GH, T(0));
        if (gx) std::fill(gx, gx + GH, T(0));
        std::copy(d, d + H, dhp);
        if (mode == RnnMode::Lstm) std::copy(dc + b * H, dc + (b + 1) * H, dc_prev + b * H);
        continue;
      }
      if (mode == RnnMode::Lstm) {
        const T* w = ws + b * W;
        const T *gi = w, *gf = w + H, *gg = w + 2 * H, *go = w + 3 * H, *tc = w + 4 * H;
        const T* dcn = dc + b * H;
        const T* cp = c_prev + b * H;
        T* dcp = dc_prev + b * H;
        for (int64_t j = 0; j < H; ++j) {
          const T dct = dcn[j] + d[j] * go[j] * (T(1) - tc[j] * tc[j]);
          gh[j] = dct * gg[j] * gi[j] * (T(1) - gi[j]);
          gh[H + j] = dct * cp[j] * gf[j] * (T(1) - gf[j]);
          gh[2 * H + j] = dct * gi[j] * (T(1) - gg[j] * gg[j]);
          gh[3 * H + j] = d[j] * tc[j] * go[j] * (T(1) - go[j]);
          dcp[j] = dct * gf[j];
          dhp[j] = T(0);
        }
        if (gx) std::copy(gh, gh + GH, gx);
      } else if (mode == RnnMode::Gru) {
        const T* w = ws + b * W;
        const T *r = w, *z = w + H, *n = w + 2 * H, *hn = w + 3 * H;
        const T* hp = h_prev + b * H;
        for (int64_t j = 0; j < H; ++j) {
          const T dnp = d[j] * (T(1) - z[j]) * (T(1) - n[j] * n[j]);
          const T drp = dnp * hn[j] * r[j] * (T(1) - r[j]);
          const T dzp = d[j] * (hp[j] - n[j]) * z[j] * (T(1) - z[j]);
          gx[j] = gh[j] = drp;
          gx[H + j] = gh[H + j] = dzp;
          gx[2 * H + j] = dnp;
          gh[2 * H + j] = dnp * r[j];
          dhp[j] = d[j] * z[j];
        }
      } else {
        const T* y = h_out + b * H;
        if (mode == RnnMode::Tanh) {
          for (int64_t j = 0; j < H; ++j) gh[j] = d[j] * (T(1) - y[j] * y[j]);
        } else {
          for (int64_t j = 0; j < H; ++j) gh[j] = y[j] > T(0) ? d[j] : T(0);
        }
        std::fill(dhp, dhp + H, T(0));
        if (gx) std::copy(gh, gh + GH, gx);
      }
    }
  });
}

template void rnn_cell_forward<float>(RnnMode, int64_t, int64_t, const float*, int64_t, const float*, const float*,
                                      const float*, const float*, const float*, float*, float*, float*,
                                      const uint8_t*);
template void rnn_cell_forward<double>(RnnMode, int64_t, int64_t, const double*, int64_t, const double*,
                                       const double*, const double*, const double*, const double*, double*, double*,
                                       double*, const uint8_t*);
template void rnn_cell_backward<float>(RnnMode, int64_t, int64_t, const float*, const float*, const float*,
                                       const float*, const float*, const float*, float*, int64_t, float*, float*,
                                       float*, const uint8_t*);
template void rnn_cell_backward<double>(RnnMode, int64_t, int64_t, const double*, const double*, const double*,
                                        const double*, const double*, const double*, double*, int64_t, double*,
                                        double*, double*, const uint8_t*);

}  // namespace st::kernels
