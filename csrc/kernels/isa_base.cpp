// Inner loops for baseline x86-64 (SSE2), or, in the generic build
// (ST_GENERIC: any compiler and architecture), plain C++ loops.
#include "isa_prelude.h"

namespace st::kernels::base {
#if ST_GENERIC
#define ST_ISA_NAME "generic"
#else
#define ST_ISA_NAME "base"
#endif
#define ST_VEC_BYTES 16
#include "isa_impl.h"
#undef ST_VEC_BYTES
#undef ST_ISA_NAME
}  // namespace st::kernels::base
