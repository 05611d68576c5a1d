// Operator declarations of the "shape_ops" family (definitions in shape_ops.cpp).
#pragma once
#include "../core/tensor.h"

namespace st::ops {}  // namespace st::ops
