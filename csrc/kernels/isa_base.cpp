// Inner loops for baseline x86-64 (SSE2).
#include "isa_prelude.h"

namespace st::kernels::base {
#define ST_ISA_NAME "base"
#include "isa_impl.h"
#undef ST_ISA_NAME
}  // namespace st::kernels::base
