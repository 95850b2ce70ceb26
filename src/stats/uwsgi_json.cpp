#include "stats/uwsgi_json.h"

#include "stats/json_writer.h"

namespace appserver::stats {
namespace {

// uWSGI's locks: none of them exist in appserver; listed (all 0) because tools index them.
constexpr const char* kLocks[] = {"user 0", "signal", "filemon", "timer", "rbtimer", "cron", "rpc", "snmp"};

void write_core(JsonWriter& j, const CoreSnapshot& c) {
    j.open_object();
    j.field("id", c.id);
    j.field("requests", c.requests);
    j.field("static_requests", c.static_requests);
    j.field("routed_requests", 0);
    j.field("offloaded_requests", 0);
    j.field("write_errors", c.write_errors);
    j.field("read_errors", 0);
    j.field("in_request", c.in_request ? 1 : 0);
    // uWSGI lists the request's variables as "KEY=VALUE" and ends the list with "".
    j.key("vars").open_array();
    if (c.in_request) {
        j.value("REQUEST_METHOD=" + c.method);
        j.value("REQUEST_URI=" + c.uri);
        j.value("");
    }
    j.close_array();
    j.key("req_info").open_object();
    if (c.in_request) j.field("request_start", c.started_unix_us / 1000000);
    j.close_object();
    j.close_object();
}

void write_worker(JsonWriter& j, const WorkerSnapshot& w) {
    j.open_object();
    j.field("id", w.id);
    j.field("pid", static_cast<std::int64_t>(w.pid));
    j.field("accepting", w.accepting ? 1 : 0);
    j.field("requests", w.requests);
    j.field("delta_requests", w.requests);
    j.field("exceptions", w.exceptions);
    j.field("harakiri_count", w.harakiri_count);
    j.field("signals", 0);
    j.field("signal_queue", 0);
    j.field("status", w.status);
    j.field("rss", w.rss);
    j.field("vsz", w.vsz);
    j.field("running_time", w.running_us);
    j.field("last_spawn", w.last_spawn);
    j.field("respawn_count", w.respawn_count);
    j.field("tx", w.tx);
    j.field("avg_rt", w.avg_rt_us);
    j.key("apps").open_array();
    j.open_object();
    j.field("id", 0);
    j.field("modifier1", 0);
    j.field("mountpoint", "");
    j.field("startup_time", 0);
    j.field("requests", w.requests);
    j.field("exceptions", w.exceptions);
    j.field("chdir", "");  // uWSGI: the app's own chdir, none here
    j.close_object();
    j.close_array();
    j.key("cores").open_array();
    for (const CoreSnapshot& c : w.cores) write_core(j, c);
    j.close_array();
    j.close_object();
}

}  // namespace

std::string render_uwsgi_json(const StatsSnapshot& s) {
    JsonWriter j;
    j.open_object();
    j.field("version", s.version);
    j.field("listen_queue", s.listen_queue);
    j.field("listen_queue_errors", s.listen_queue_errors);
    j.field("signal_queue", 0);
    j.field("load", s.listen_queue);
    j.field("pid", static_cast<std::int64_t>(s.pid));
    j.field("uid", static_cast<std::int64_t>(s.uid));
    j.field("gid", static_cast<std::int64_t>(s.gid));
    j.field("cwd", s.cwd);
    j.key("locks").open_array();
    for (const char* lock : kLocks) {
        j.open_object();
        j.field(lock, 0);
        j.close_object();
    }
    j.close_array();
    j.key("sockets").open_array();
    for (const SocketSnapshot& sock : s.sockets) {
        j.open_object();
        j.field("name", sock.name);
        j.field("proto", sock.proto);
        j.field("queue", sock.queue);
        j.field("max_queue", sock.max_queue);
        j.field("shared", 0);
        j.field("can_offload", 0);
        j.close_object();
    }
    j.close_array();
    j.key("workers").open_array();
    for (const WorkerSnapshot& w : s.workers) write_worker(j, w);
    j.close_array();
    if (!s.spoolers.empty()) {  // as uWSGI: only with a spooler
        j.key("spoolers").open_array();
        for (const SpoolerSnapshot& sp : s.spoolers) {
            j.open_object();
            j.field("dir", sp.dir);
            j.field("pid", static_cast<std::int64_t>(sp.pid));
            j.field("tasks", sp.tasks);
            j.field("respawns", sp.respawns);
            j.field("running", sp.running ? 1 : 0);
            j.close_object();
        }
        j.close_array();
    }
    j.close_object();
    std::string out = j.take();
    out += '\n';
    return out;
}

}  // namespace appserver::stats
