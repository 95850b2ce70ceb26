#pragma once
// The stats document in uWSGI 2.0's shape (core/master_utils.c, uwsgi_master_generate_stats): the
// same keys, order and meanings, so uwsgitop and other tools written for uWSGI read it.

#include <string>

#include "stats/snapshot.h"

namespace appserver::stats {

std::string render_uwsgi_json(const StatsSnapshot& s);

}  // namespace appserver::stats
