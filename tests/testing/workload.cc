#include "tests/testing/workload.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "tests/testing/event_builder.h"

namespace pdl::testing {

Zipf::Zipf(int n, double s) : cdf_(n) {
  double sum = 0;
  for (int k = 0; k < n; ++k) cdf_[k] = (sum += 1.0 / std::pow(k + 1, s));
  for (double& c : cdf_) c /= sum;
}

int Zipf::operator()(std::mt19937_64& rng) {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  return static_cast<int>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
}

pdl::v1::PrivacyEvent BenchCollected(int i, const std::string& subject, absl::Time t) {
  auto e = Collected(absl::StrCat("bench-", i), subject, t);
  auto* c = e.mutable_data_collected();
  c->add_categories("user.device.cookie_id");
  c->add_categories("user.device.ip_address");
  c->add_purposes("analytics.reporting");
  c->set_retention_rule("usage-data-26-months");
  c->set_consent_id(absl::StrCat("consent-", subject, "-analytics"));
  e.set_source("connect-app.metrics-exporter");
  return e;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace pdl::testing
