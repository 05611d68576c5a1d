// Inner loops for AVX-512 (F, BW, DQ, VL; chosen at run time; see isa.h).
#include "isa_prelude.h"

#if !ST_GENERIC && defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,prefer-vector-width=512")
#define ST_HAVE_ISA 1
#endif

namespace st::kernels::avx512 {
#ifdef ST_HAVE_ISA
#define ST_ISA_NAME "avx512"
#define ST_VEC_BYTES 64
#include "isa_impl.h"
#undef ST_VEC_BYTES
#undef ST_ISA_NAME
#else
const IsaTable& table() { return base::table(); }
#endif
}  // namespace st::kernels::avx512

#ifdef ST_HAVE_ISA
#pragma GCC pop_options
#endif
