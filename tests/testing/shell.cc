#include "tests/testing/shell.h"

#include <sys/wait.h>

#include <cstdio>

namespace pdl::testing {

CommandResult Shell(const std::string& command, bool with_stderr) {
  CommandResult run;
  FILE* pipe = popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace pdl::testing
