#ifndef PDL_TESTS_FUZZ_FUZZ_DRIVER_H_
#define PDL_TESTS_FUZZ_FUZZ_DRIVER_H_

// Fuzz targets implement LLVMFuzzerTestOneInput (libFuzzer's entry point) and PdlFuzzSeeds (valid inputs to start
// from). Under clang with -DPDL_LIBFUZZER=ON they link against libFuzzer; otherwise fuzz_driver.cc supplies a main
// that replays the files given as arguments, or, without arguments, runs a deterministic mutation loop over the
// seeds (byte flips, insertions, truncations, splices) so that ctest exercises every target under ASan/UBSan.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::vector<std::string> PdlFuzzSeeds();

#endif  // PDL_TESTS_FUZZ_FUZZ_DRIVER_H_
