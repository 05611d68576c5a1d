// Storage memory comes from a caching allocator: freed blocks are kept by
// size class and handed out again, so a loop that makes a fresh 40 MB result
// every step pays the kernel's page faults only once. Large blocks are 2 MiB
// aligned and advised as huge pages, which cuts the faults of first touch.
#include "storage.h"
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>
#include <sys/mman.h>

namespace st {
namespace {

constexpr size_t kHuge = size_t(2) << 20;          // 2 MiB
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kMaxCached = 0;  // let AddressSanitizer see every use after free
#else
constexpr size_t kMaxCached = size_t(1) << 30;     // keep at most 1 GiB of free blocks
#endif

size_t size_class(size_t n) {
  if (n <= 64) return 64;
  if (n < kHuge) {  // next power of two
    size_t c = 128;
    while (c < n) c <<= 1;
    return c;
  }
  return (n + kHuge - 1) / kHuge * kHuge;
}

struct BlockCache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  size_t cached = 0;

  void* take(size_t cls) {
    std::lock_guard<std::mutex> g(mu);
    auto it = free_blocks.find(cls);
    if (it == free_blocks.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached -= cls;
    return p;
  }
  bool give(void* p, size_t cls) {
    std::lock_guard<std::mutex> g(mu);
    if (cls > kMaxCached) return false;
    // Full: return blocks of other sizes to the system first, so a workload
    // whose sizes change keeps caching the sizes it uses now.
    for (auto it = free_blocks.begin(); cached + cls > kMaxCached && it != free_blocks.end(); ++it) {
      if (it->first == cls) continue;
      while (!it->second.empty() && cached + cls > kMaxCached) {
        std::free(it->second.back());
        it->second.pop_back();
        cached -= it->first;
      }
    }
    if (cached + cls > kMaxCached) return false;
    free_blocks[cls].push_back(p);
    cached += cls;
    return true;
  }
  void clear() {
    std::lock_guard<std::mutex> g(mu);
    for (auto& kv : free_blocks)
      for (void* p : kv.second) std::free(p);
    free_blocks.clear();
    cached = 0;
  }
};

BlockCache& cache() {
  static BlockCache* c = new BlockCache();  // never destroyed: storages may die during static teardown
  return *c;
}

}  // namespace

void* alloc_bytes(size_t nbytes) {
  size_t cls = size_class(nbytes);
  if (void* p = cache().take(cls)) return p;
  void* p = std::aligned_alloc(cls >= kHuge ? kHuge : 64, cls);
  if (!p) {
    cache().clear();  // give cached memory back and try once more
    p = std::aligned_alloc(cls >= kHuge ? kHuge : 64, cls);
    if (!p) throw std::bad_alloc();
  }
#ifdef MADV_HUGEPAGE
  if (cls >= kHuge) madvise(p, cls, MADV_HUGEPAGE);
#endif
  return p;
}

void free_bytes(void* p, size_t nbytes) {
  size_t cls = size_class(nbytes);
  if (!cache().give(p, cls)) std::free(p);
}

void empty_cache() { cache().clear(); }

size_t cached_bytes() {
  std::lock_guard<std::mutex> g(cache().mu);
  return cache().cached;
}

}  // namespace st
