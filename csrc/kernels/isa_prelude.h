// Everything isa_impl.h needs, included BEFORE any `#pragma GCC target`, so
// that no inline function of these headers is compiled for a wider ISA (the
// linker could otherwise keep an AVX-512 copy of, say, std::vector code for
// the whole program).
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#if !ST_GENERIC
#include <immintrin.h>
#endif
#include <cstdint>
#include <cstring>
#include <type_traits>
#include "isa.h"
