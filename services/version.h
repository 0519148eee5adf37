#ifndef PDL_SERVICES_VERSION_H_
#define PDL_SERVICES_VERSION_H_

namespace pdl {
// The release of ledgerd / ledgerctl.
const char* Version();
}  // namespace pdl

#endif  // PDL_SERVICES_VERSION_H_
