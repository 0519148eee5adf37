#include "projections/column_families.h"

namespace pdl {
static_assert(kCfNames.size() == static_cast<size_t>(Cf::kCount));
}  // namespace pdl
