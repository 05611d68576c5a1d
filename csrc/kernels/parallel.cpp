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

using Clock = std::chrono::steady_clock;
constexpr auto kSpin = std::chrono::microseconds(50);
constexpr auto kPokeEvery = std::chrono::milliseconds(1);

// Spins up to kSpin for pred() to become true, then sleeps on cv.
template <typename P>
void spin_then_wait(std::mutex& mu, std::condition_variable& cv, P pred) {
  const auto until = Clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (pred()) return;
    cpu_relax();
    if ((i & 63) == 63 && Clock::now() > until) break;
  }
  std::unique_lock<std::mutex> lk(mu);
  cv.wait(lk, pred);
}

// Persistent workers and the calling thread share each job's chunks. A job is
// published by one atomic store of `state_` = (generation << 8) | chunks; its
// chunks are claimed one at a time from `ticket_` = (generation << 16) | next
// chunk, so a chunk runs exactly once, on whichever thread claims it first:
// the caller claims chunk 0, runs it, then claims whatever no worker has taken
// yet (a worker still asleep or descheduled never holds the job up), and
// waits for the chunks workers claimed. A worker that wakes late finds the
// generation moved on and claims nothing, so it never reads another job's
// fields with a stale chunk count.
//
// Workers spin briefly before sleeping (a kernel split over threads should
// not wait on a futex wake-up of tens of microseconds) and count themselves
// in `spinning_` meanwhile: while every worker spins, a hand-off costs well
// under a microsecond and cheap loops split at a smaller grain (parallel_for's
// hot_grain). A small job that finds them asleep runs inline and, at most once
// per kPokeEvery, wakes them to spin, so a run of small jobs soon finds them hot.
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

  // Whether every worker is spinning now; if not, wakes them to spin (at most once per kPokeEvery).
  bool hot() {
    const int want = nthreads_.load(std::memory_order_relaxed) - 1;
    if (want <= 0) return false;
    if (spinning_.load(std::memory_order_relaxed) >= want) return true;
    const int64_t now = Clock::now().time_since_epoch().count();
    int64_t last = last_poke_.load(std::memory_order_relaxed);
    if (now - last < std::chrono::duration_cast<Clock::duration>(kPokeEvery).count() ||
        !last_poke_.compare_exchange_strong(last, now, std::memory_order_relaxed))
      return false;
    std::unique_lock<std::mutex> run_lock(run_mu_, std::try_to_lock);
    if (!run_lock.owns_lock() || in_worker_) return false;
    start_workers(want);
    publish(0);  // a job of no chunks: the workers wake, find nothing to claim and spin
    return false;
  }

  void run(int64_t begin, int64_t end, int64_t grain, ChunkFn fn) {
    std::unique_lock<std::mutex> run_lock(run_mu_, std::try_to_lock);
    if (!run_lock.owns_lock() || in_worker_) {  // nested or concurrent use: run inline
      fn(begin, end);
      return;
    }
    int64_t n = end - begin;
    int chunks = static_cast<int>(std::min<int64_t>(nthreads_, n / grain));
    chunks = std::max(chunks, 1);
    chunks = std::min(chunks, start_workers(chunks - 1) + 1);
    fn_ = fn;
    begin_ = begin;
    end_ = end;
    step_ = (n + chunks - 1) / chunks;
    error_ = nullptr;
    remaining_.store(chunks, std::memory_order_relaxed);
    const uint64_t gen = publish(chunks);
    for (int c; (c = claim(gen, chunks)) >= 0;) run_chunk(c);
    spin_then_wait(mu_, done_cv_, [&] { return remaining_.load(std::memory_order_acquire) == 0; });
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

  // A new generation with `chunks` chunks to claim (run_mu_ held); returns the generation.
  uint64_t publish(int chunks) {
    uint64_t gen;
    {
      std::lock_guard<std::mutex> g(mu_);  // pairs with the sleepers' predicate check
      gen = (state_.load(std::memory_order_relaxed) >> 8) + 1;
      ticket_.store(gen << 16, std::memory_order_relaxed);
      state_.store((gen << 8) | static_cast<uint64_t>(chunks), std::memory_order_release);
    }
    cv_.notify_all();
    return gen;
  }

  // The next unclaimed chunk of generation gen, or -1 (all claimed, or the job is no longer gen's).
  int claim(uint64_t gen, int chunks) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      if ((t >> 16) != (gen & ((uint64_t(1) << 48) - 1)) || static_cast<int>(t & 0xffff) >= chunks) return -1;
      if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) return static_cast<int>(t & 0xffff);
    }
  }

  void run_chunk(int c) {
    const int64_t b = begin_ + c * step_, e = std::min(end_, b + step_);
    if (b < e) {
      try {
        fn_(b, e);
      } catch (...) {
        record_error(std::current_exception());
      }
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> g(mu_);
      done_cv_.notify_one();
    }
  }

  // Starts workers 1..n that do not run yet (run_mu_ held, no job running);
  // returns how many workers there are (fewer than n if the system refuses threads).
  int start_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      // the state as of now; the worker takes part from the next job on
      uint64_t start = state_.load(std::memory_order_acquire);
      try {
        workers_.emplace_back([this, start] { worker(start); });
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

  void worker(uint64_t seen) {
    in_worker_ = true;
    for (;;) {
      spinning_.fetch_add(1, std::memory_order_relaxed);
      const auto until = Clock::now() + kSpin;
      bool asleep = false;
      for (int i = 0; state_.load(std::memory_order_acquire) == seen; ++i) {
        cpu_relax();
        if ((i & 63) == 63 && Clock::now() > until) {
          asleep = true;
          break;
        }
      }
      spinning_.fetch_sub(1, std::memory_order_relaxed);
      if (asleep) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return state_.load(std::memory_order_acquire) != seen; });
      }
      seen = state_.load(std::memory_order_acquire);  // read once: generation and chunk count together
      for (int c; (c = claim(seen >> 8, static_cast<int>(seen & 0xff))) >= 0;) run_chunk(c);
    }
  }

  std::mutex run_mu_, mu_, err_mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  std::atomic<int> nthreads_{1};
  std::atomic<int64_t> last_poke_{0};   // Clock ticks of hot()'s last wake-up call
  std::exception_ptr error_;
  // What a hand-off touches, in one cache line (a job crosses cores in a few line transfers): the job,
  // written by run() before state_ is published, and the counters the threads share.
  alignas(64) std::atomic<uint64_t> state_{0};  // (generation << 8) | chunks
  std::atomic<uint64_t> ticket_{0};             // (generation << 16) | next chunk to claim
  ChunkFn fn_{nullptr, nullptr};
  int64_t begin_ = 0, end_ = 0, step_ = 0;
  std::atomic<int> remaining_{0};  // chunks not finished
  std::atomic<int> spinning_{0};   // workers spinning for the next job
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
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, ChunkFn fn) {
  Pool::get().run(begin, end, grain, fn);
}
bool pool_is_hot() { return Pool::get().hot(); }

}  // namespace st::kernels
