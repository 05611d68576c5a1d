// Inner loops for baseline x86-64 (SSE2).
#include "isa_prelude.h"

namespace st::kernels::base {
#define ST_ISA_NAME "base"
#define ST_VEC_BYTES 16
#include "isa_impl.h"
#undef ST_VEC_BYTES
#undef ST_ISA_NAME
}  // namespace st::kernels::base
