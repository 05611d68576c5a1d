// Storage: one aligned, reference-counted buffer, or a view of foreign memory
// (a numpy array) kept alive by an owner handle with its own release function.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

namespace st {

void* alloc_bytes(size_t nbytes);   // 64-byte aligned (2 MiB for large blocks); nbytes may be 0
void free_bytes(void* p, size_t nbytes);  // nbytes as given to alloc_bytes
void empty_cache();                 // returns every cached free block to the system
size_t cached_bytes();              // bytes held in free blocks

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

 private:
  void* data_;
  size_t nbytes_;
  std::function<void()> release_;
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace st
