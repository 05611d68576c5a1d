#include "parallel.h"
#include <pthread.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>
#include "blas.h"

namespace st::kernels {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins up to `budget` for pred() to become true, then sleeps on cv.
template <typename P>
void spin_then_wait(std::mutex& mu, std::condition_variable& cv, P pred) {
  using clock = std::chrono::steady_clock;
  constexpr auto kSpin = std::chrono::microseconds(50);
  const auto until = clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (pred()) return;
    cpu_relax();
    if ((i & 63) == 63 && clock::now() > until) break;
  }
  std::unique_lock<std::mutex> lk(mu);
  cv.wait(lk, pred);
}

// Persistent workers; the calling thread always runs the first chunk itself.
// A job is published by one atomic store of `state_` = (generation << 8) |
// chunks: a worker reads it once, so it knows consistently whether it takes
// part (worker `id` runs chunk `id` when id < chunks). The caller waits for
// the participants only, so the job's fields stay put while they read them.
// Workers spin briefly before sleeping (a kernel split over threads should
// not wait on a futex wake-up of tens of microseconds); the caller spins
// likewise for completion.
//
// Workers start on the first job that needs them. After fork() the child has
// none of the parent's workers and may inherit the pool's mutexes locked by
// threads that do not exist there: its at-fork handler leaves the old pool
// untouched (leaked) and installs a fresh one with the same thread count,
// whose workers the child's first large job starts.
class Pool {
 public:
  static Pool& get() {
    Pool* p = current_.load(std::memory_order_acquire);
    return p ? *p : first();
  }

  int threads() const { return nthreads_.load(); }
  void set_threads(int n) {
    std::lock_guard<std::mutex> g(run_mu_);
    nthreads_ = std::min(std::max(1, n), 255);  // the chunk count must fit in state_'s low byte
  }

  void run(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> run_lock(run_mu_, std::try_to_lock);
    if (!run_lock.owns_lock() || in_worker_) {  // nested or concurrent use: run inline
      fn(begin, end);
      return;
    }
    int64_t n = end - begin;
    int chunks = static_cast<int>(std::min<int64_t>(nthreads_, n / grain));
    chunks = std::max(chunks, 1);
    chunks = std::min(chunks, start_workers(chunks - 1) + 1);
    int64_t step = (n + chunks - 1) / chunks;
    fn_ = &fn;
    begin_ = begin;
    end_ = end;
    step_ = step;
    error_ = nullptr;
    pending_.store(chunks - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> g(mu_);  // pairs with the sleepers' predicate check
      uint64_t gen = (state_.load(std::memory_order_relaxed) >> 8) + 1;
      state_.store((gen << 8) | static_cast<uint64_t>(chunks), std::memory_order_release);
    }
    cv_.notify_all();
    try {
      fn(begin, std::min(end, begin + step));
    } catch (...) {
      record_error(std::current_exception());
    }
    spin_then_wait(mu_, done_cv_, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  explicit Pool(int n) { nthreads_ = n; }

  static Pool& first() {
    static Pool* pool = [] {
      unsigned hc = std::thread::hardware_concurrency();
      auto* p = new Pool(std::min(hc == 0 ? 1 : static_cast<int>(hc), 255));  // never destroyed: workers
      current_.store(p, std::memory_order_release);                          // may outlive static teardown
      pthread_atfork(nullptr, nullptr, after_fork_in_child);
      return p;
    }();
    (void)pool;  // the current pool: after a fork in a child, no longer the first one
    return *current_.load(std::memory_order_acquire);
  }
  static void after_fork_in_child() {
    if (Pool* p = current_.load(std::memory_order_relaxed)) current_.store(new Pool(p->threads()));
  }

  // Starts workers 1..n that do not run yet (run_mu_ held, no job running);
  // returns how many workers there are (fewer than n if the system refuses threads).
  int start_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      int id = static_cast<int>(workers_.size()) + 1;
      // the state as of now; the worker takes part from the next job on
      uint64_t start = state_.load(std::memory_order_acquire);
      try {
        workers_.emplace_back([this, id, start] { worker(id, start); });
      } catch (const std::system_error&) {
        break;
      }
      workers_.back().detach();
    }
    return static_cast<int>(workers_.size());
  }

  void record_error(std::exception_ptr e) {
    std::lock_guard<std::mutex> g(err_mu_);
    if (!error_) error_ = e;
  }

  void worker(int id, uint64_t seen) {
    in_worker_ = true;
    for (;;) {
      spin_then_wait(mu_, cv_, [&] { return state_.load(std::memory_order_acquire) != seen; });
      seen = state_.load(std::memory_order_acquire);  // read once: generation and chunk count together
      if (id >= static_cast<int>(seen & 0xff)) continue;
      int64_t b = begin_ + id * step_, e = std::min(end_, b + step_);
      if (b < e) {
        try {
          (*fn_)(b, e);
        } catch (...) {
          record_error(std::current_exception());
        }
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> g(mu_);
        done_cv_.notify_one();
      }
    }
  }

  std::mutex run_mu_, mu_, err_mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  std::atomic<int> nthreads_{1};
  // the job, written by run() before state_ is published
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0, step_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> state_{0};  // (generation << 8) | chunks
  std::exception_ptr error_;
  static thread_local bool in_worker_;
  static std::atomic<Pool*> current_;
};
thread_local bool Pool::in_worker_ = false;
std::atomic<Pool*> Pool::current_{nullptr};

}  // namespace

int get_num_threads() { return Pool::get().threads(); }
void set_num_threads(int n) {
  Pool::get().set_threads(n);  // also the matrix products' threads (blas.cpp splits them)
}
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  Pool::get().run(begin, end, grain, fn);
}

}  // namespace st::kernels
