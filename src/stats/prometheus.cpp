#include "stats/prometheus.h"

#include <cstdio>
#include <string_view>

namespace appserver::stats {
namespace {

// A label value: backslash, double quote and newline escaped.
std::string label_value(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

class Exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
        line(name, labels);
        out_ += std::to_string(value);
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view labels, double value) {
        line(name, labels);
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.9g", value);
        out_ += buf;
        out_ += '\n';
    }
    std::string take() { return std::move(out_); }

private:
    void line(std::string_view name, std::string_view labels) {
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            out_ += labels;
            out_ += '}';
        }
        out_ += ' ';
    }
    std::string out_;
};

std::string format_le(double bound) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", bound);
    return buf;
}

}  // namespace

std::string python_version_of(const std::string& runtime) {
    constexpr std::string_view prefix = "Python ";
    if (runtime.rfind(prefix, 0) != 0) return {};
    std::string version = runtime.substr(prefix.size());
    if (auto end = version.find_first_of(" ("); end != std::string::npos) version.resize(end);
    return version;
}

std::string render_prometheus(const StatsSnapshot& s) {
    Exposition e;
    const Totals& t = s.totals;

    e.family("appserver_requests_total", "counter",
             "Requests answered by the workers, by status class (1xx..5xx), including requests refused "
             "before the application (400, 413, 431...) and static files.");
    for (std::size_t i = 0; i < t.status_class.size(); ++i)
        e.sample("appserver_requests_total", "status=\"" + std::to_string(i + 1) + "xx\"",
                 t.status_class[i] + t.refused_class[i] + t.static_class[i]);

    e.family("appserver_static_requests_total", "counter",
             "Static files answered by the workers' event loops (static-map, check-static), by status class.");
    for (std::size_t i = 0; i < t.static_class.size(); ++i)
        e.sample("appserver_static_requests_total", "status=\"" + std::to_string(i + 1) + "xx\"",
                 t.static_class[i]);

    e.family("appserver_refused_requests_total", "counter",
             "Requests the server answered itself before the application (malformed, too large), by status "
             "class.");
    for (std::size_t i = 0; i < t.refused_class.size(); ++i)
        e.sample("appserver_refused_requests_total", "status=\"" + std::to_string(i + 1) + "xx\"",
                 t.refused_class[i]);

    e.family("appserver_request_duration_seconds", "histogram",
             "Time from the start of the application call to the end of the response, in seconds.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
        cumulative += t.duration[i];
        e.sample("appserver_request_duration_seconds_bucket", "le=\"" + format_le(kDurationBuckets[i]) + "\"",
                 cumulative);
    }
    cumulative += t.duration.back();
    e.sample("appserver_request_duration_seconds_bucket", "le=\"+Inf\"", cumulative);
    e.sample("appserver_request_duration_seconds_sum", "", static_cast<double>(t.running_us) / 1e6);
    e.sample("appserver_request_duration_seconds_count", "", cumulative);

    e.family("appserver_requests_in_flight", "gauge", "Requests inside the application now.");
    e.sample("appserver_requests_in_flight", "", static_cast<std::uint64_t>(t.in_flight));

    e.family("appserver_exceptions_total", "counter",
             "Requests whose application raised (or found no application loaded).");
    e.sample("appserver_exceptions_total", "", t.exceptions);

    e.family("appserver_write_errors_total", "counter",
             "Responses cut short because the client went away or stalled.");
    e.sample("appserver_write_errors_total", "", t.write_errors);

    e.family("appserver_workers", "gauge", "Workers by state (busy: serving at least one request).");
    for (const char* state : {"idle", "busy", "stopping", "cheap"}) {
        std::uint64_t n = 0;
        for (const WorkerSnapshot& w : s.workers) n += w.status == state ? 1 : 0;
        e.sample("appserver_workers", std::string("state=\"") + state + "\"", n);
    }

    e.family("appserver_worker_respawns_total", "counter",
             "Workers started again after one exited or retired.");
    e.sample("appserver_worker_respawns_total", "", t.respawns);

    e.family("appserver_harakiri_total", "counter",
             "Workers killed by harakiri (their own watchdog or the master's).");
    e.sample("appserver_harakiri_total", "", t.harakiri);

    e.family("appserver_listen_queue", "gauge",
             "Connections waiting in a listening socket's accept queue (the kernel's figure).");
    for (const SocketSnapshot& sock : s.sockets)
        if (sock.queue_known)
            e.sample("appserver_listen_queue", "socket=\"" + label_value(sock.name) + "\"", sock.queue);

    e.family("appserver_listen_queue_max", "gauge", "The accept queue's limit (listen backlog).");
    for (const SocketSnapshot& sock : s.sockets)
        if (sock.queue_known)
            e.sample("appserver_listen_queue_max", "socket=\"" + label_value(sock.name) + "\"",
                     sock.max_queue);

    e.family("appserver_listen_queue_full_total", "counter",
             "Times the master (checking once a second) found a listening socket's queue full: "
             "connections are being dropped or delayed.");
    e.sample("appserver_listen_queue_full_total", "", s.listen_queue_errors);

    e.family("appserver_received_bytes_total", "counter", "Request bytes read from clients.");
    e.sample("appserver_received_bytes_total", "", t.rx);
    e.family("appserver_sent_bytes_total", "counter", "Response bytes sent to clients (head and body).");
    e.sample("appserver_sent_bytes_total", "", t.tx);

    e.family("appserver_worker_resident_memory_bytes", "gauge", "Resident memory of each worker.");
    for (const WorkerSnapshot& w : s.workers)
        if (w.pid > 0)
            e.sample("appserver_worker_resident_memory_bytes", "worker=\"" + std::to_string(w.id) + "\"",
                     w.rss);

    e.family("appserver_worker_requests_total", "counter",
             "Requests each worker process has answered since it was spawned.");
    for (const WorkerSnapshot& w : s.workers)
        if (w.pid > 0)
            e.sample("appserver_worker_requests_total", "worker=\"" + std::to_string(w.id) + "\"",
                     w.requests);

    e.family("appserver_start_time_seconds", "gauge", "When the master started, in unix seconds.");
    e.sample("appserver_start_time_seconds", "", static_cast<std::uint64_t>(s.started_unix));

    e.family("appserver_info", "gauge", "appserver's version.");
    e.sample("appserver_info", "version=\"" + label_value(s.version) + "\"", std::uint64_t{1});

    std::string python = python_version_of(s.runtime);
    if (!python.empty()) {
        std::string major = python.substr(0, python.find('.'));
        std::string rest = python.find('.') == std::string::npos ? "" : python.substr(python.find('.') + 1);
        std::string minor = rest.substr(0, rest.find('.'));
        std::string patch = rest.find('.') == std::string::npos ? "" : rest.substr(rest.find('.') + 1);
        e.family("python_info", "gauge", "Python platform information.");
        e.sample("python_info",
                 "implementation=\"CPython\",major=\"" + label_value(major) + "\",minor=\"" +
                     label_value(minor) + "\",patchlevel=\"" + label_value(patch) + "\",version=\"" +
                     label_value(python) + "\"",
                 std::uint64_t{1});
    }
    return e.take();
}

}  // namespace appserver::stats
