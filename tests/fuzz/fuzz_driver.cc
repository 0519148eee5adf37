#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/fuzz/fuzz_driver.h"

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& seeds) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 5) {
      case 0:
        if (!s.empty()) s[rng() % s.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        s.insert(s.begin() + static_cast<long>(s.empty() ? 0 : rng() % (s.size() + 1)), static_cast<char>(rng()));
        break;
      case 2:
        if (!s.empty()) s.resize(rng() % s.size());
        break;
      case 3:
        if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng());
        break;
      case 4: {
        const std::string& other = seeds[rng() % seeds.size()];
        if (!other.empty()) s += other.substr(rng() % other.size());
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    for (int i = 1; i < argc; ++i) {
      std::ifstream in(argv[i], std::ios::binary);
      Run(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    }
    std::printf("replayed %d inputs\n", argc - 1);
    return 0;
  }
  const char* env = std::getenv("PDL_FUZZ_ITERATIONS");
  const long iterations = env != nullptr ? std::atol(env) : 20000;
  std::vector<std::string> seeds = PdlFuzzSeeds();
  seeds.push_back("");
  std::mt19937_64 rng(20260501);
  for (const auto& seed : seeds) Run(seed);
  for (long i = 0; i < iterations; ++i) Run(Mutate(seeds[rng() % seeds.size()], rng, seeds));
  std::printf("%ld mutated inputs, %zu seeds, no crash\n", iterations, seeds.size());
  return 0;
}
