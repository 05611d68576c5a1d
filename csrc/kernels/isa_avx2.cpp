// Inner loops for AVX2 + FMA + F16C (chosen at run time; see isa.h).
#include "isa_prelude.h"

#if !ST_GENERIC && defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define ST_HAVE_ISA 1
#endif

namespace st::kernels::avx2 {
#ifdef ST_HAVE_ISA
#define ST_ISA_NAME "avx2"
#define ST_VEC_BYTES 32
#include "isa_impl.h"
#undef ST_VEC_BYTES
#undef ST_ISA_NAME
#else
const IsaTable& table() { return base::table(); }
#endif
}  // namespace st::kernels::avx2

#ifdef ST_HAVE_ISA
#pragma GCC pop_options
#endif
