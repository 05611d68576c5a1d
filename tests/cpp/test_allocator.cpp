// The caching allocator: reuse, statistics, the cache limit, release of idle
// large blocks, and PyTorch's out-of-memory error.
#include <gtest/gtest.h>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include "core/error.h"
#include "core/storage.h"

using namespace st;

#if defined(__SANITIZE_ADDRESS__)
// The out-of-memory test needs malloc to fail as it does without the
// sanitizer (by default AddressSanitizer aborts on a too-large request).
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif

namespace {

constexpr size_t kMiB = size_t(1) << 20;

// Gives the test a 1 GiB cache (the default is 0 under AddressSanitizer) and
// restores the allocator's settings afterwards.
struct Settings {
  size_t limit = allocator_cache_limit();
  double idle = allocator_idle_seconds();
  Settings() { set_allocator_cache_limit(size_t(1) << 30); }
  ~Settings() {
    set_allocator_cache_limit(limit);
    set_allocator_idle_seconds(idle);
  }
};

}  // namespace

TEST(Allocator, FreedBlockIsReused) {
  Settings keep;
  set_allocator_idle_seconds(-1);
  empty_cache();
  void* p = alloc_bytes(10 * kMiB);
  free_bytes(p, 10 * kMiB);
  EXPECT_EQ(cached_bytes(), 10 * kMiB);
  uint64_t hits = allocator_stats().cache_hits;
  void* q = alloc_bytes(10 * kMiB - 5);  // same size class
  EXPECT_EQ(q, p);
  EXPECT_EQ(allocator_stats().cache_hits, hits + 1);
  EXPECT_EQ(cached_bytes(), 0u);
  free_bytes(q, 10 * kMiB - 5);
  empty_cache();
  EXPECT_EQ(cached_bytes(), 0u);
}

TEST(Allocator, StatsCountAllocatedReservedAndPeaks) {
  Settings keep;
  set_allocator_idle_seconds(-1);
  empty_cache();
  reset_peak_allocator_stats();
  AllocatorStats s0 = allocator_stats();
  EXPECT_EQ(s0.reserved, s0.allocated + s0.cached);
  void* p = alloc_bytes(4 * kMiB + 1);  // rounded up to 6 MiB (2 MiB classes)
  AllocatorStats s1 = allocator_stats();
  EXPECT_EQ(s1.allocated, s0.allocated + 6 * kMiB);
  EXPECT_EQ(s1.requested, s0.requested + 4 * kMiB + 1);
  EXPECT_EQ(s1.active_blocks, s0.active_blocks + 1);
  EXPECT_EQ(s1.allocations, s0.allocations + 1);
  EXPECT_EQ(s1.reserved, s1.allocated);
  free_bytes(p, 4 * kMiB + 1);
  AllocatorStats s2 = allocator_stats();
  EXPECT_EQ(s2.allocated, s0.allocated);
  EXPECT_EQ(s2.requested, s0.requested);
  EXPECT_EQ(s2.frees, s0.frees + 1);
  EXPECT_EQ(s2.cached, 6 * kMiB);                 // kept for reuse...
  EXPECT_EQ(s2.reserved, s0.reserved + 6 * kMiB); // ...so still reserved
  EXPECT_EQ(s2.allocated_peak, s0.allocated + 6 * kMiB);
  EXPECT_EQ(s2.reserved_peak, s0.reserved + 6 * kMiB);
  empty_cache();
  EXPECT_EQ(allocator_stats().reserved, s0.allocated);
  reset_peak_allocator_stats();
  EXPECT_EQ(allocator_stats().allocated_peak, s0.allocated);
}

TEST(Allocator, CacheKeepsAtMostItsLimit) {
  Settings keep;
  set_allocator_idle_seconds(-1);
  empty_cache();
  set_allocator_cache_limit(5 * kMiB);
  EXPECT_EQ(allocator_cache_limit(), 5 * kMiB);
  EXPECT_EQ(allocator_stats().cache_limit, 5 * kMiB);
  void* big = alloc_bytes(8 * kMiB);
  free_bytes(big, 8 * kMiB);  // larger than the limit: back to the system
  EXPECT_EQ(cached_bytes(), 0u);
  void* a = alloc_bytes(2 * kMiB);
  void* b = alloc_bytes(2 * kMiB);
  void* c = alloc_bytes(2 * kMiB);
  free_bytes(a, 2 * kMiB);
  free_bytes(b, 2 * kMiB);
  free_bytes(c, 2 * kMiB);  // a third would pass 5 MiB
  EXPECT_EQ(cached_bytes(), 4 * kMiB);
  set_allocator_cache_limit(2 * kMiB);  // lowering the limit trims now
  EXPECT_EQ(cached_bytes(), 2 * kMiB);
  set_allocator_cache_limit(0);
  EXPECT_EQ(cached_bytes(), 0u);
  void* d = alloc_bytes(100);
  free_bytes(d, 100);
  EXPECT_EQ(cached_bytes(), 0u);
}

TEST(Allocator, FullCacheMakesRoomForTheSizeJustFreed) {
  Settings keep;
  set_allocator_idle_seconds(-1);
  empty_cache();
  set_allocator_cache_limit(8 * kMiB);
  void* a = alloc_bytes(4 * kMiB);
  void* b = alloc_bytes(4 * kMiB);
  void* c = alloc_bytes(2 * kMiB);
  free_bytes(a, 4 * kMiB);
  free_bytes(b, 4 * kMiB);
  EXPECT_EQ(cached_bytes(), 8 * kMiB);
  free_bytes(c, 2 * kMiB);  // one 4 MiB block goes back to keep this one
  EXPECT_EQ(cached_bytes(), 6 * kMiB);
  EXPECT_EQ(alloc_bytes(2 * kMiB), c);
  free_bytes(c, 2 * kMiB);
  empty_cache();
}

TEST(Allocator, IdleLargeBlocksGoBackToTheSystem) {
  Settings keep;
  empty_cache();
  set_allocator_idle_seconds(0.05);
  EXPECT_DOUBLE_EQ(allocator_idle_seconds(), 0.05);
  void* p = alloc_bytes(4 * kMiB);
  free_bytes(p, 4 * kMiB);
  void* small = alloc_bytes(64);
  free_bytes(small, 64);
  EXPECT_EQ(cached_bytes(), 4 * kMiB + 64);  // not idle yet
  uint64_t released = allocator_stats().idle_releases;
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  void* q = alloc_bytes(6 * kMiB);  // the next large call looks at the clock
  EXPECT_EQ(allocator_stats().idle_releases, released + 1);
  EXPECT_EQ(cached_bytes(), 64u);  // small blocks stay
  free_bytes(q, 6 * kMiB);
  // small calls look at the clock too, every 256th one
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  for (int i = 0; i < 256; ++i) free_bytes(alloc_bytes(64), 64);
  EXPECT_EQ(cached_bytes(), 64u);
  EXPECT_EQ(allocator_stats().idle_releases, released + 2);
  empty_cache();
}

TEST(Allocator, NegativeIdleSecondsNeverRelease) {
  Settings keep;
  empty_cache();
  set_allocator_idle_seconds(-1);
  void* p = alloc_bytes(4 * kMiB);
  free_bytes(p, 4 * kMiB);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  free_bytes(alloc_bytes(6 * kMiB), 6 * kMiB);
  EXPECT_EQ(cached_bytes(), 10 * kMiB);
  empty_cache();
}

TEST(Allocator, OutOfMemoryRaisesPyTorchsMessage) {
  Settings keep;
  AllocatorStats s0 = allocator_stats();
  const size_t huge = size_t(1) << 47;  // 128 TiB: more than a 47-bit address space, refused even with overcommit
  try {
    alloc_bytes(huge);
    FAIL() << "expected an out-of-memory error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "DefaultCPUAllocator: can't allocate memory: you tried to allocate " +
                                         std::to_string(huge) + " bytes. Error code 12 (Cannot allocate memory)");
  }
  AllocatorStats s1 = allocator_stats();
  EXPECT_EQ(s1.num_ooms, s0.num_ooms + 1);
  EXPECT_EQ(s1.num_alloc_retries, s0.num_alloc_retries + 1);
  EXPECT_EQ(s1.allocated, s0.allocated);  // the failed request is not counted
  EXPECT_EQ(s1.allocations, s0.allocations);
  // sizes with no size class (near SIZE_MAX) fail the same way instead of wrapping around
  EXPECT_THROW(alloc_bytes(std::numeric_limits<size_t>::max() - 10), Error);
  EXPECT_EQ(allocator_stats().num_ooms, s0.num_ooms + 2);
}
