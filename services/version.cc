#include "services/version.h"

namespace pdl {
const char* Version() { return "0.1.0"; }
}  // namespace pdl
