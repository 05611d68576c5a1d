// A minimal fork-join pool: parallel_for splits [begin, end) into one chunk per
// thread when the range is large enough to pay for the hand-off.
#pragma once
#include <cstdint>
#include <functional>

namespace st::kernels {

constexpr int64_t kGrainSize = 1 << 16;  // elements below which one thread runs

int get_num_threads();
void set_num_threads(int n);
// Runs fn(b, e) over disjoint chunks covering [begin, end); chunks run on
// the pool when (end - begin) >= 2 * grain and more than one thread is set.
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

template <typename F>
inline void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& fn) {
  if (end - begin < 2 * grain || get_num_threads() <= 1) {
    if (end > begin) fn(begin, end);
    return;
  }
  parallel_for_impl(begin, end, grain, std::function<void(int64_t, int64_t)>(fn));
}

}  // namespace st::kernels
