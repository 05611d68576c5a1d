// Operator declarations of the "indexing" family (definitions in indexing.cpp).
#pragma once
#include "../core/tensor.h"

namespace st::ops {}  // namespace st::ops
