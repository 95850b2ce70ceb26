#pragma once
// Checks on the merged Options that no single key can make: a listener and an application
// for a run, ranges, env syntax, files that must exist.

#include <string>

#include "appserver/options.h"

namespace appserver::config {

// "" when the options can run `options.command`; else one line naming the culprit.
std::string validate_options(const Options& options);

}  // namespace appserver::config
