#include "storage.h"
#include <cstdlib>
#include <new>

namespace st {

void* alloc_bytes(size_t nbytes) {
  size_t n = (nbytes + 63) & ~size_t(63);
  if (n == 0) n = 64;
  void* p = std::aligned_alloc(64, n);
  if (!p) throw std::bad_alloc();
  return p;
}

void free_bytes(void* p, size_t) { std::free(p); }

}  // namespace st
