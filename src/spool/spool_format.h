#pragma once
// uWSGI's spool file, byte for byte (core/spooler.c), so task files move between uWSGI and
// appserver: a uwsgi packet with modifier1 17 (4-byte header: modifier1, the vars block's size as
// 16-bit little-endian, modifier2 0), the vars block (each key and value prefixed by its 16-bit
// little-endian length), then the task's body, if any, up to the end of the file (outside the
// packet's 64 KiB limit). The name is `uwsgi_spoolfile_on_HOST_PID_N_RAND_SEC_USEC`; a task with a
// `priority` lives in the subdirectory of that name. A file's mtime in the future (`at`) means "not
// before". Pure: no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace appserver::spool {

using Vars = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kTaskPrefix = "uwsgi_spoolfile_on_";
inline constexpr std::uint8_t kSpoolModifier1 = 17;
inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::size_t kMaxVarsSize = 0xffff;

// The header and vars block of `vars` followed by `body`. False (with `error`) when the vars block
// would pass 64 KiB, as uWSGI refuses ("use the 'body' for bigger values").
bool encode_task(const Vars& vars, std::string_view body, std::string& out, std::string& error);

enum class DecodeStatus {
    ok,
    short_file,  // fewer than 4 bytes: being written by a uWSGI writer (which locks), or empty; skip
    broken,      // the vars block runs past the file or its lengths do not add up: uWSGI deletes it
};

// The size of the file encode_task writes (header, vars block, body).
std::size_t encoded_size(const Vars& vars, std::string_view body);

// Splits a whole task file into its vars (in file order) and body.
DecodeStatus decode_task(std::string_view content, Vars& vars, std::string& body, std::string& error);

// The keys uWSGI reads itself when spooling (spooler_req_parser_hook).
struct Placement {
    std::string spooler;   // which spooler directory (its real path); empty: the first
    std::string priority;  // subdirectory
    std::int64_t at = 0;   // unix time, 0: now; a float's fraction is dropped
};
Placement placement_of(const Vars& vars);

// `uwsgi_spoolfile_on_HOST_PID_COUNTER_RANDOM_SEC_USEC`, as uWSGI names them.
std::string task_file_name(std::string_view host, long pid, std::uint64_t counter, int random, std::int64_t sec,
                           std::int64_t usec);

bool is_task_name(std::string_view name);
// uWSGI's is_a_number: a priority directory's name (only digits, at least one).
bool is_priority_name(std::string_view name);

// spooler-ordered: glibc's versionsort over directory entries (priority "2" before "10", priority
// directories before task files), as uWSGI's scandir(..., uwsgi_versionsort).
void version_sort(std::vector<std::string>& names);

}  // namespace appserver::spool
