#pragma once
// The SIGUSR2 dump: every worker's state from the scoreboard as a fixed-width table, one line per
// worker and one per busy request thread (its request), for the log.

#include <string>
#include <vector>

#include "stats/snapshot.h"

namespace appserver::stats {

std::vector<std::string> render_worker_table(const StatsSnapshot& s);

}  // namespace appserver::stats
