// Storage: one aligned, reference-counted buffer, or a view of foreign memory
// (a numpy array) kept alive by an owner handle with its own release function.
#pragma once
#include <cstddef>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace st {

// Throws st::Error (RuntimeError) with PyTorch's out-of-memory message when
// the system refuses the memory, after giving the cached blocks back once.
void* alloc_bytes(size_t nbytes);   // 64-byte aligned (2 MiB for large blocks); nbytes may be 0
void free_bytes(void* p, size_t nbytes);  // nbytes as given to alloc_bytes
void empty_cache();                 // returns every cached free block to the system
size_t cached_bytes();              // bytes held in free blocks

// The caching allocator's bookkeeping (storages of foreign memory not counted).
// Sizes are of the blocks handed out (rounded up to the allocator's size
// classes); "requested" is what callers asked for.
struct AllocatorStats {
  size_t allocated = 0, allocated_peak = 0;   // bytes in blocks in use
  size_t reserved = 0, reserved_peak = 0;     // allocated + cached: bytes taken from the system
  size_t requested = 0, requested_peak = 0;   // bytes asked for by live allocations
  size_t cached = 0;                          // bytes in free blocks kept for reuse
  size_t cache_limit = 0;                     // cached stays <= this
  uint64_t allocations = 0, frees = 0;        // calls since start
  uint64_t active_blocks = 0, active_blocks_peak = 0;
  uint64_t cache_hits = 0;                    // allocations served from the cache
  uint64_t idle_releases = 0;                 // blocks given back for being unused too long
  uint64_t num_alloc_retries = 0;             // system refusals retried after emptying the cache
  uint64_t num_ooms = 0;                      // allocations that failed for good
};
AllocatorStats allocator_stats();
void reset_peak_allocator_stats();            // peaks := current values
// At most `bytes` of free blocks are kept (blocks above it go back to the
// system at once). Default: SMALLTORCH_ALLOCATOR_CACHE_BYTES if set, else
// min(1 GiB, RAM / 16). Lowering it trims the cache now.
void set_allocator_cache_limit(size_t bytes);
size_t allocator_cache_limit();
// Cached large blocks (>= 2 MiB) unused for this long go back to the system at
// the next allocator call (checked on every large allocation or free and every
// 256th small one; no background thread). Default:
// SMALLTORCH_ALLOCATOR_IDLE_SECONDS if set, else 5 s. 0 keeps no large block
// beyond the next check; a negative value never releases for idleness.
void set_allocator_idle_seconds(double seconds);
double allocator_idle_seconds();

class Storage {
 public:
  explicit Storage(size_t nbytes) : data_(alloc_bytes(nbytes)), nbytes_(nbytes) {}
  // Foreign memory: `release` runs once when the storage dies.
  Storage(void* data, size_t nbytes, std::function<void()> release)
      : data_(data), nbytes_(nbytes), release_(std::move(release)) {}
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (release_) release_();
    else free_bytes(data_, nbytes_);
  }
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  bool is_foreign() const { return static_cast<bool>(release_); }

  // resize_ past the end: the buffer grows to nbytes in place of the old one
  // (contents kept, the rest uninitialised), so every tensor on this storage
  // sees the new memory. Foreign memory cannot move, nor memory whose address
  // was handed out (pin: a numpy array or DLPack capsule reads it): PyTorch's
  // "Trying to resize storage that is not resizable". A no-op when nbytes fits.
  void grow(size_t nbytes);
  void pin() { pins_.fetch_add(1, std::memory_order_relaxed); }
  void unpin() { pins_.fetch_sub(1, std::memory_order_relaxed); }
  bool resizable() const { return !release_ && pins_.load(std::memory_order_relaxed) == 0; }

 private:
  void* data_;
  size_t nbytes_;
  std::function<void()> release_;
  std::atomic<int> pins_{0};
};

using StoragePtr = std::shared_ptr<Storage>;

// Keeps a storage alive and at its address while something outside reads it
// by pointer (a numpy array's base, a DLPack export): Storage::pin for its life.
class StoragePin {
 public:
  explicit StoragePin(StoragePtr s) : s_(std::move(s)) { s_->pin(); }
  StoragePin(const StoragePin&) = delete;
  StoragePin& operator=(const StoragePin&) = delete;
  ~StoragePin() { s_->unpin(); }

 private:
  StoragePtr s_;
};

}  // namespace st
