// Operator declarations of the "reductions" family (definitions in reductions.cpp).
#pragma once
#include "../core/tensor.h"

namespace st::ops {}  // namespace st::ops
