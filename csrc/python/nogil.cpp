#include "nogil.h"
#include <pthread.h>
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>
#include "../core/error.h"

namespace st::py_bind {
namespace {

struct Registry {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<TensorImpl*> in_use;  // one entry per kernel use (few: one per thread at most)
  int waiters = 0;

  bool used(TensorImpl* impl) const { return std::find(in_use.begin(), in_use.end(), impl) != in_use.end(); }
};

Registry& registry();

// fork(): the child inherits neither the kernels running in other threads nor
// their registrations; its registry mutex must not be left locked by them.
void lock_for_fork() { registry().mu.lock(); }
void unlock_in_parent() { registry().mu.unlock(); }
void reset_in_child() {
  registry().in_use.clear();
  registry().waiters = 0;
  registry().mu.unlock();
}

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();  // never destroyed: kernels may finish during teardown
    pthread_atfork(lock_for_fork, unlock_in_parent, reset_in_child);
    return reg;
  }();
  return *r;
}

}  // namespace

KernelUse::KernelUse(std::initializer_list<const Tensor*> tensors) {
  ST_CHECK(tensors.size() <= 4, "KernelUse: at most 4 tensors");
  for (const Tensor* t : tensors)
    if (t && t->defined()) impls_[n_++] = t->impl();
  if (n_ == 0) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> g(r.mu);
  r.in_use.insert(r.in_use.end(), impls_, impls_ + n_);
}

void KernelUse::release() {
  if (n_ == 0) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> g(r.mu);
  for (int i = 0; i < n_; ++i) {
    auto it = std::find(r.in_use.begin(), r.in_use.end(), impls_[i]);
    if (it != r.in_use.end()) r.in_use.erase(it);
  }
  n_ = 0;
  if (r.waiters) r.cv.notify_all();
}

void wait_until_unused(TensorImpl* impl) {
  Registry& r = registry();
  for (;;) {
    {
      std::lock_guard<std::mutex> g(r.mu);
      if (!r.used(impl)) return;  // the GIL is held: no kernel can start using impl until the caller releases it
    }
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lk(r.mu);
    ++r.waiters;
    r.cv.wait(lk, [&] { return !r.used(impl); });
    --r.waiters;
  }  // the GIL is taken back here; a kernel may have started meanwhile: check again
}

}  // namespace st::py_bind
