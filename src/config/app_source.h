#pragma once
// Which application the server loads when the configuration names it more than once: `module`,
// `wsgi-file` and `mount` entries, resolved after the merge the way uWSGI resolves them.

#include <string>
#include <vector>

#include "appserver/options.h"
#include "config/option_value.h"

namespace appserver::config {

// Leaves at most one of options.module / options.wsgi_file set, filling it from a root `mount`
// when neither is given, and adds a warning for every entry skipped. Returns an error ("" when
// none) for a mount that cannot be served: malformed, or under a URL prefix (not supported yet).
std::string resolve_app_source(Options& options, const std::vector<Setting>& ini,
                               const std::vector<Setting>& cli);

}  // namespace appserver::config
