#ifndef PDL_TESTS_TESTING_METRICS_SCRAPE_H_
#define PDL_TESTS_TESTING_METRICS_SCRAPE_H_

// Scrapes a Prometheus endpoint the way Prometheus does (HTTP/1.1 GET over a real socket) and reads the text
// exposition format into a map, for tests of ledgerd's metrics.

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace pdl::testing {

// GET http://<host_port><path>; the body of a 200 answer, else an error naming the status line.
absl::StatusOr<std::string> HttpGet(const std::string& host_port, const std::string& path);

// The samples of a text exposition: "name{labels}" (labels as written, e.g. name{code="OK"}) or "name" -> value.
// Comment lines are skipped.
std::map<std::string, double> ParseSamples(const std::string& text);

// The samples of `name` (any labels), summed.
double SumOf(const std::map<std::string, double>& samples, const std::string& name);

}  // namespace pdl::testing

#endif  // PDL_TESTS_TESTING_METRICS_SCRAPE_H_
