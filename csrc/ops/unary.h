// Operator declarations of the "unary" family (definitions in unary.cpp).
#pragma once
#include "../core/tensor.h"

namespace st::ops {}  // namespace st::ops
