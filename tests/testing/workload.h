#ifndef PDL_TESTS_TESTING_WORKLOAD_H_
#define PDL_TESTS_TESTING_WORKLOAD_H_

// The benchmarks' shared workload: a Zipf-skewed subject sampler and the foundation benchmark's event, so that
// every figure in docs/benchmarks.md is measured on the same generator.

#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "pdl/v1/event.pb.h"

namespace pdl::testing {

// Subject index sampler with P(k) ~ 1 / (k+1)^s over k in [0, n).
class Zipf {
 public:
  Zipf(int n, double s);
  int operator()(std::mt19937_64& rng);

 private:
  std::vector<double> cdf_;
};

// The foundation benchmark's event "bench-<i>": a DataCollected of e-mail, name, cookie id and IP address for two
// purposes, retention by rule (no explicit retain_until), on the basis of an analytics consent.
pdl::v1::PrivacyEvent BenchCollected(int i, const std::string& subject, absl::Time t);

// The p-quantile (0..1) of `v` by nearest rank; 0 for no samples.
double Percentile(std::vector<double> v, double p);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_WORKLOAD_H_
