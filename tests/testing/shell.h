#ifndef PDL_TESTS_TESTING_SHELL_H_
#define PDL_TESTS_TESTING_SHELL_H_

// Runs a command line the way an operator would (ledgerctl, kcat), for tests of the real binaries.

#include <string>

namespace pdl::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `command` with /bin/sh; `output` is its stdout, followed by its stderr when `with_stderr`.
CommandResult Shell(const std::string& command, bool with_stderr = true);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_SHELL_H_
