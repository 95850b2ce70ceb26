#pragma once
// The Prometheus text exposition format (version 0.0.4) of a stats snapshot: HELP and TYPE for
// every family, counters named *_total, a request-duration histogram with cumulative buckets,
// label values escaped. Served by `stats-prometheus` and on `/metrics` of a `stats-http` address.

#include <string>

#include "stats/snapshot.h"

namespace appserver::stats {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus(const StatsSnapshot& s);

// "3.11.2" from "Python 3.11.2 (/usr/bin/python3)"; empty when `runtime` does not start so.
std::string python_version_of(const std::string& runtime);

}  // namespace appserver::stats
