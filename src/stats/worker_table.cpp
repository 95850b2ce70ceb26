#include "stats/worker_table.h"

#include <spdlog/fmt/fmt.h>

namespace appserver::stats {

std::vector<std::string> render_worker_table(const StatsSnapshot& s) {
    std::vector<std::string> lines;
    lines.push_back(fmt::format("workers of master {} (listen queue {}, {} requests in flight):", s.pid,
                                s.listen_queue, s.totals.in_flight));
    lines.push_back(fmt::format("{:>3} {:>8} {:>8} {:>9} {:>5} {:>8} {:>10} {:>9} {:>8} {:>7} {:>8}", "wid",
                                "pid", "status", "requests", "exc", "avg_ms", "tx", "rss_mb", "respawn",
                                "harakiri", "accepting"));
    for (const WorkerSnapshot& w : s.workers) {
        lines.push_back(
            fmt::format("{:>3} {:>8} {:>8} {:>9} {:>5} {:>8.1f} {:>10} {:>9.1f} {:>8} {:>7} {:>8}", w.id,
                        w.pid, w.status, w.requests, w.exceptions, static_cast<double>(w.avg_rt_us) / 1000.0,
                        w.tx, static_cast<double>(w.rss) / (1024.0 * 1024.0), w.respawn_count,
                        w.harakiri_count, w.accepting ? "yes" : "no"));
        for (const CoreSnapshot& c : w.cores)
            if (c.in_request)
                lines.push_back(fmt::format("    core {}: {} {} (started {:.1f}s ago)", c.id, c.method, c.uri,
                                            static_cast<double>(s.taken_unix_us - c.started_unix_us) / 1e6));
    }
    return lines;
}

}  // namespace appserver::stats
