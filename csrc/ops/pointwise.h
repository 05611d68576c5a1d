// Operator declarations of the "pointwise" family (definitions in pointwise.cpp).
#pragma once
#include "../core/tensor.h"

namespace st::ops {}  // namespace st::ops
