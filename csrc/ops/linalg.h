// Operator declarations of the "linalg" family (definitions in linalg.cpp).
#pragma once
#include "../core/tensor.h"

namespace st::ops {}  // namespace st::ops
