// appserver::api's spooler functions (include/appserver/api_spooler.h) over the spooler table.

#include <spdlog/spdlog.h>

#include <atomic>

#include "appserver/api_spooler.h"
#include "spool/spool_dir.h"
#include "spool/spooler_table.h"

namespace appserver::api {
namespace {

// uWSGI's internal_counter: part of the file name, counted even when a write fails.
std::atomic<std::uint64_t> spooled{0};

}  // namespace

std::optional<std::string> spool(const SpoolVars& vars, std::string_view body, std::string& error) {
    const std::vector<std::string>& dirs = spool::spooler_table_dirs();
    if (dirs.empty()) {
        error = "no spooler available";
        return std::nullopt;
    }
    std::string dir = dirs.front();
    std::string wanted = spool::placement_of(vars).spooler;
    if (!wanted.empty()) {
        bool found = false;
        for (const std::string& d : dirs) found = found || d == wanted;
        if (!found) {
            error = "unable to find spooler \"" + wanted + "\"";
            return std::nullopt;
        }
        dir = wanted;
    }
    std::uint64_t counter = spooled.fetch_add(1, std::memory_order_relaxed) + 1;
    std::optional<std::string> path = spool::write_task(dir, vars, body, counter, error);
    if (!path) return path;
    if (!spool::spooler_quiet())
        spdlog::info("[spooler] written {} bytes to file {}", spool::encoded_size(vars, body), *path);
    spool::wake_spoolers(dir);
    return path;
}

std::vector<std::string> spooler_dirs() { return spool::spooler_table_dirs(); }

std::vector<long> spooler_pids() {
    std::vector<long> out;
    for (std::size_t i = 0; i < spool::spooler_table_dirs().size(); ++i) out.push_back(spool::spooler_pid(i));
    return out;
}

std::vector<std::string> spooler_jobs() {
    const std::vector<std::string>& dirs = spool::spooler_table_dirs();
    if (dirs.empty()) return {};
    return spool::list_tasks(dirs.front(), false);
}

std::string current_spooler_dir() {
    int index = spool::current_spooler();
    const std::vector<std::string>& dirs = spool::spooler_table_dirs();
    return index >= 0 && static_cast<std::size_t>(index) < dirs.size() ? dirs[static_cast<std::size_t>(index)]
                                                                        : std::string();
}

}  // namespace appserver::api
