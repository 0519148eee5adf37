#ifndef PDL_SERVICES_CTL_CTL_H_
#define PDL_SERVICES_CTL_CTL_H_

// ledgerctl: the command-line client of ledgerd. Returns the process exit code:
// 0 success, 1 the server answered with an error, 2 bad usage or input, 3 the server is unreachable.

namespace pdl {

int RunCtl(int argc, char** argv);

}  // namespace pdl

#endif  // PDL_SERVICES_CTL_CTL_H_
