#include "parallel.h"
#include "blas.h"
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace st::kernels {
namespace {

// Persistent workers; the calling thread always runs the first chunk itself.
class Pool {
 public:
  static Pool& get() {
    static Pool* pool = new Pool();  // never destroyed: workers may outlive static teardown
    return *pool;
  }

  int threads() const { return nthreads_.load(); }
  void set_threads(int n) {
    std::lock_guard<std::mutex> g(run_mu_);
    n = std::max(1, n);
    while (static_cast<int>(workers_.size()) < n - 1) {
      int id = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, id] { worker(id); });
      workers_.back().detach();
    }
    nthreads_ = n;
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
    int64_t step = (n + chunks - 1) / chunks;
    {
      std::lock_guard<std::mutex> g(mu_);
      fn_ = &fn;
      begin_ = begin; end_ = end; step_ = step; chunks_ = chunks;
      pending_ = chunks - 1;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    try {
      fn(begin, std::min(end, begin + step));
    } catch (...) {
      std::lock_guard<std::mutex> g(mu_);
      if (!error_) error_ = std::current_exception();
    }
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  Pool() {
    unsigned hc = std::thread::hardware_concurrency();
    set_threads(hc == 0 ? 1 : static_cast<int>(hc));
  }

  void worker(int id) {
    in_worker_ = true;
    uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return generation_ != seen; });
      seen = generation_;
      if (id >= chunks_) continue;
      auto* fn = fn_;
      int64_t b = begin_ + id * step_, e = std::min(end_, b + step_);
      lk.unlock();
      std::exception_ptr err;
      if (b < e) {
        try { (*fn)(b, e); } catch (...) { err = std::current_exception(); }
      }
      lk.lock();
      if (err && !error_) error_ = err;
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  std::mutex run_mu_, mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  std::atomic<int> nthreads_{1};
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0, step_ = 0;
  int chunks_ = 0, pending_ = 0;
  uint64_t generation_ = 0;
  std::exception_ptr error_;
  static thread_local bool in_worker_;
};
thread_local bool Pool::in_worker_ = false;

}  // namespace

int get_num_threads() { return Pool::get().threads(); }
void set_num_threads(int n) {
  Pool::get().set_threads(n);
  blas_set_num_threads(n);  // one knob for our loops and OpenBLAS's
}
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  Pool::get().run(begin, end, grain, fn);
}

}  // namespace st::kernels
