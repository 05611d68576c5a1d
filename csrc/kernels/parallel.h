// A minimal fork-join pool: parallel_for splits [begin, end) into one chunk per
// thread when the range is large enough to pay for the hand-off.
#pragma once
#include <cstdint>
#include <utility>

namespace st::kernels {

constexpr int64_t kGrainSize = 1 << 16;  // elements below which one thread runs

int get_num_threads();
void set_num_threads(int n);
// Runs fn(b, e) over disjoint chunks covering [begin, end); chunks run on
// the pool when (end - begin) >= 2 * grain and more than one thread is set.
// (fn: a callable and the function that calls it, so that a job needs no std::function allocation)
struct ChunkFn {
  const void* obj;
  void (*call)(const void*, int64_t, int64_t);
  void operator()(int64_t b, int64_t e) const { call(obj, b, e); }
};
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, ChunkFn fn);
template <typename F>
ChunkFn chunk_fn(const F& f) {
  return {&f, [](const void* o, int64_t b, int64_t e) { (*static_cast<const F*>(o))(b, e); }};
}

// Whether the pool's workers are all spinning for work now (a hand-off costs well under a microsecond); when
// not, wakes them to spin, at most once a millisecond (so a run of small jobs soon finds them hot).
bool pool_is_hot();

template <typename F>
inline void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& fn) {
  if (end - begin < 2 * grain || get_num_threads() <= 1) {
    if (end > begin) fn(begin, end);
    return;
  }
  parallel_for_impl(begin, end, grain, chunk_fn(fn));
}

// parallel_for for cheap loops over memory (elementwise ops): split at hot_grain when the workers are
// spinning, at grain otherwise. A range below 2 * hot_grain always runs inline.
constexpr int64_t kHotGrainSize = 1 << 12;
template <typename F>
inline void parallel_for_cheap(int64_t begin, int64_t end, int64_t grain, int64_t hot_grain, F&& fn) {
  const int64_t n = end - begin;
  if (n >= 2 * hot_grain && n < 2 * grain && get_num_threads() > 1 && pool_is_hot())
    return parallel_for_impl(begin, end, hot_grain, chunk_fn(fn));
  parallel_for(begin, end, grain, std::forward<F>(fn));
}

}  // namespace st::kernels
