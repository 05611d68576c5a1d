// Storage memory comes from a caching allocator: freed blocks are kept by
// size class and handed out again, so a loop that makes a fresh 40 MB result
// every step pays the kernel's page faults only once. Large blocks are 2 MiB
// aligned and advised as huge pages, which cuts the faults of first touch.
//
// What the cache keeps is bounded (allocator_cache_limit), and large blocks
// left unused for allocator_idle_seconds go back to the system at the next
// allocator call, so memory freed by a program's big phase is not held for
// the rest of its life. All bookkeeping (statistics included) happens under
// the one mutex every allocation and free takes anyway; the clock is read
// only for large blocks and on every 256th small call.
#include "storage.h"
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <vector>
#include "error.h"

namespace st {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kHuge = size_t(2) << 20;          // 2 MiB
constexpr size_t kMaxRequest = std::numeric_limits<size_t>::max() / 2;  // beyond: no size class, cannot succeed

size_t size_class(size_t n) {
  if (n <= 64) return 64;
  if (n < kHuge) {  // next power of two
    size_t c = 128;
    while (c < n) c <<= 1;
    return c;
  }
  return (n + kHuge - 1) / kHuge * kHuge;
}

// Parses the whole of an environment variable as a number; warns and returns
// false when it is set but malformed.
bool env_number(const char* name, double& out) {
  const char* s = std::getenv(name);
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v == v)) {
    std::fprintf(stderr, "smalltorch: ignoring %s=%s (not a number)\n", name, s);
    return false;
  }
  out = v;
  return true;
}

size_t default_cache_limit() {
#if defined(__SANITIZE_ADDRESS__)
  size_t limit = 0;  // let AddressSanitizer see every use after free
#else
  size_t limit = size_t(1) << 30;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) limit = std::min(limit, static_cast<size_t>(pages) * static_cast<size_t>(page) / 16);
#endif
  double v;
  if (env_number("SMALLTORCH_ALLOCATOR_CACHE_BYTES", v)) {
    if (v >= 0) limit = v >= 1.8e19 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(v);
    else std::fprintf(stderr, "smalltorch: ignoring negative SMALLTORCH_ALLOCATOR_CACHE_BYTES\n");
  }
  return limit;
}

double default_idle_seconds() {
  double v = 5.0;
  env_number("SMALLTORCH_ALLOCATOR_IDLE_SECONDS", v);
  return v;
}

struct Block {
  void* p;
  Clock::time_point freed;  // set for large blocks only
};

struct BlockCache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<Block>> free_blocks;
  size_t cached = 0;
  size_t large_blocks = 0;  // cached blocks of >= kHuge bytes (the ones idle release looks at)
  size_t limit = default_cache_limit();
  double idle_seconds = default_idle_seconds();
  unsigned ops = 0;
  AllocatorStats st;

  // ---- all below: called with mu held
  void release(std::vector<Block>& v, size_t cls, size_t count) {  // frees the `count` oldest blocks of v
    for (size_t i = 0; i < count; ++i) std::free(v[i].p);
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(count));
    cached -= cls * count;
    if (cls >= kHuge) large_blocks -= count;
  }
  void* take(size_t cls) {
    auto it = free_blocks.find(cls);
    if (it == free_blocks.end() || it->second.empty()) return nullptr;
    void* p = it->second.back().p;
    it->second.pop_back();
    cached -= cls;
    if (cls >= kHuge) --large_blocks;
    return p;
  }
  // Makes room for `cls` more bytes under the limit, releasing blocks of other sizes.
  bool fits(size_t cls) {
    if (cls > limit) return false;
    for (auto it = free_blocks.begin(); cached + cls > limit && it != free_blocks.end(); ++it) {
      if (it->first == cls || it->second.empty()) continue;
      size_t over = cached + cls - limit;
      release(it->second, it->first, std::min(it->second.size(), (over + it->first - 1) / it->first));
    }
    return cached + cls <= limit;
  }
  bool give(void* p, size_t cls, Clock::time_point now) {
    if (!fits(cls)) return false;
    free_blocks[cls].push_back({p, now});
    cached += cls;
    if (cls >= kHuge) ++large_blocks;
    return true;
  }
  void release_idle(Clock::time_point now) {
    if (large_blocks == 0 || idle_seconds < 0) return;
    auto cutoff = now - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(idle_seconds));
    for (auto& kv : free_blocks) {
      if (kv.first < kHuge) continue;
      auto& v = kv.second;
      size_t n = 0;  // blocks are pushed in time order: the idle ones come first
      while (n < v.size() && v[n].freed <= cutoff) ++n;
      if (n) {
        release(v, kv.first, n);
        st.idle_releases += n;
      }
    }
  }
  void trim_to(size_t bytes) {
    for (auto& kv : free_blocks)
      if (cached > bytes && !kv.second.empty())
        release(kv.second, kv.first, std::min(kv.second.size(), (cached - bytes + kv.first - 1) / kv.first));
  }
  void clear() {
    for (auto& kv : free_blocks) release(kv.second, kv.first, kv.second.size());
    free_blocks.clear();
  }
  // Reads the clock for large blocks and every 256th call; returns the time (or a default one).
  Clock::time_point tick(size_t cls) {
    if (cls >= kHuge || (++ops & 255) == 0) {
      Clock::time_point now = Clock::now();
      release_idle(now);
      return now;
    }
    return {};
  }
  void count_alloc(size_t cls, size_t nbytes) {
    st.allocated += cls;
    st.requested += nbytes;
    ++st.allocations;
    ++st.active_blocks;
    st.allocated_peak = std::max(st.allocated_peak, st.allocated);
    st.requested_peak = std::max(st.requested_peak, st.requested);
    st.reserved_peak = std::max(st.reserved_peak, st.allocated + cached);
    st.active_blocks_peak = std::max(st.active_blocks_peak, st.active_blocks);
  }
  void uncount_alloc(size_t cls, size_t nbytes) {
    st.allocated -= cls;
    st.requested -= nbytes;
    --st.allocations;
    --st.active_blocks;
  }
};

BlockCache& cache();

// fork(): the child must not inherit the cache's mutex locked by a thread
// that does not exist there, nor free lists caught mid-update.
void lock_for_fork() { cache().mu.lock(); }
void unlock_after_fork() { cache().mu.unlock(); }

BlockCache& cache() {
  static BlockCache* c = [] {
    auto* bc = new BlockCache();  // never destroyed: storages may die during static teardown
    pthread_atfork(lock_for_fork, unlock_after_fork, unlock_after_fork);
    return bc;
  }();
  return *c;
}

[[noreturn]] void out_of_memory(size_t nbytes) {
  throw Error(str("DefaultCPUAllocator: can't allocate memory: you tried to allocate ", nbytes,
                  " bytes. Error code 12 (Cannot allocate memory)"));
}

}  // namespace

void* alloc_bytes(size_t nbytes) {
  BlockCache& c = cache();
  if (nbytes > kMaxRequest) {
    std::lock_guard<std::mutex> g(c.mu);
    ++c.st.num_ooms;
    out_of_memory(nbytes);
  }
  size_t cls = size_class(nbytes);
  {
    std::lock_guard<std::mutex> g(c.mu);
    void* p = c.take(cls);
    c.tick(cls);
    c.count_alloc(cls, nbytes);  // counted now, taken back below if the system refuses
    if (p) {
      ++c.st.cache_hits;
      return p;
    }
  }
  const size_t align = cls >= kHuge ? kHuge : 64;
  void* p = std::aligned_alloc(align, cls);
  if (!p) {
    {
      std::lock_guard<std::mutex> g(c.mu);  // give cached memory back and try once more
      ++c.st.num_alloc_retries;
      c.clear();
    }
    p = std::aligned_alloc(align, cls);
    if (!p) {
      {
        std::lock_guard<std::mutex> g(c.mu);
        c.uncount_alloc(cls, nbytes);
        ++c.st.num_ooms;
      }
      out_of_memory(nbytes);
    }
  }
#ifdef MADV_HUGEPAGE
  if (cls >= kHuge) madvise(p, cls, MADV_HUGEPAGE);
#endif
  return p;
}

void free_bytes(void* p, size_t nbytes) {
  size_t cls = size_class(nbytes);
  BlockCache& c = cache();
  bool kept;
  {
    std::lock_guard<std::mutex> g(c.mu);
    c.st.allocated -= cls;
    c.st.requested -= nbytes;
    ++c.st.frees;
    --c.st.active_blocks;
    kept = c.give(p, cls, c.tick(cls));
  }
  if (!kept) std::free(p);
}

void empty_cache() {
  std::lock_guard<std::mutex> g(cache().mu);
  cache().clear();
}

size_t cached_bytes() {
  std::lock_guard<std::mutex> g(cache().mu);
  return cache().cached;
}

AllocatorStats allocator_stats() {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  AllocatorStats s = c.st;
  s.cached = c.cached;
  s.reserved = s.allocated + c.cached;
  s.cache_limit = c.limit;
  return s;
}

void reset_peak_allocator_stats() {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  c.st.allocated_peak = c.st.allocated;
  c.st.requested_peak = c.st.requested;
  c.st.reserved_peak = c.st.allocated + c.cached;
  c.st.active_blocks_peak = c.st.active_blocks;
}

void set_allocator_cache_limit(size_t bytes) {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  c.limit = bytes;
  c.trim_to(bytes);
}

size_t allocator_cache_limit() {
  std::lock_guard<std::mutex> g(cache().mu);
  return cache().limit;
}

void set_allocator_idle_seconds(double seconds) {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  c.idle_seconds = seconds;
  c.release_idle(Clock::now());
}

double allocator_idle_seconds() {
  std::lock_guard<std::mutex> g(cache().mu);
  return cache().idle_seconds;
}

void Storage::grow(size_t nbytes) {
  if (nbytes <= nbytes_) return;
  ST_CHECK(resizable(), "Trying to resize storage that is not resizable");
  void* p = alloc_bytes(nbytes);
  if (nbytes_) std::memcpy(p, data_, nbytes_);
  free_bytes(data_, nbytes_);
  data_ = p;
  nbytes_ = nbytes;
}

}  // namespace st
