#include "master/startup.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "log/log.h"
#include "master/arbiter.h"
#include "os/listen_socket.h"

namespace appserver {
namespace {

int fail(const std::string& line) {
    std::fprintf(stderr, "appserver: %s\n", line.c_str());
    return 1;
}

// chdir and env come before the interpreter starts, so the app sees them at import time.
bool apply_environment(const Options& o, std::string& error) {
    if (!o.chdir.empty() && ::chdir(o.chdir.c_str()) != 0) {
        error = "chdir: " + log::syscall_error("chdir", o.chdir, errno);
        return false;
    }
    for (const auto& kv : o.env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            error = "env: \"" + kv + "\" is not KEY=VALUE";
            return false;
        }
        ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
    return true;
}

bool plan_sockets(const Options& o, std::vector<ListenSocket>& out, std::string& error) {
    auto add = [&](const std::vector<std::string>& specs, Protocol protocol) {
        for (const auto& spec : specs) {
            auto address = parse_listen_address(spec, error);
            if (!address) return false;
            ListenSocket s;
            s.protocol = protocol;
            s.address = std::move(*address);
            out.push_back(std::move(s));
        }
        return true;
    };
    if (!add(o.http, Protocol::http) || !add(o.http_socket, Protocol::http)) return false;
    if (!o.socket.empty()) {
        error = "socket " + o.socket.front() + ": the uwsgi protocol is not available in this build (use http)";
        return false;
    }
    if (out.empty()) {
        error = "no socket to serve on: give --http ADDRESS (e.g. --http :8000)";
        return false;
    }
    return true;
}

int unix_mode(const Options& o) {
    if (o.chmod_socket.empty()) return -1;
    return static_cast<int>(std::strtol(o.chmod_socket.c_str(), nullptr, 8));
}

void print_warnings(const Options& o) {
    for (const auto& w : o.warnings) {
        if (w.line > 0) spdlog::warn("{}:{}: {}", w.file, w.line, w.message);
        else spdlog::warn("{}: {}", w.file, w.message);
    }
}

ArbiterSettings arbiter_settings(const Options& o) {
    ArbiterSettings a;
    a.processes = o.processes;
    a.mercy_s = o.worker_reload_mercy;
    a.lazy_apps = o.lazy_apps;
    a.auto_procname = o.auto_procname;
    a.procname_prefix = o.procname_prefix;
    WorkerSettings& w = a.worker;
    w.threads = o.threads;
    w.max_head = o.buffer_size;
    w.head_timeout_s = o.http_timeout;
    w.keepalive_timeout_s = o.http_keepalive;
    w.max_requests = o.max_requests;
    w.session.access_log = !o.disable_logging;
    w.session.exchange.io_timeout_ms = o.http_timeout * 1000;
    w.session.exchange.keepalive_enabled = o.http_keepalive > 0;
    return a;
}

}  // namespace

int check_config(Options& options, AppRuntime& runtime) {
    std::string error;
    std::vector<ListenSocket> sockets;
    if (!plan_sockets(options, sockets, error) || !apply_environment(options, error)) return fail(error);
    if (!runtime.configure(options, error)) return fail(error);
    if (!runtime.load_app(error)) return fail(error);
    std::printf("configuration OK\n");
    for (const auto& s : sockets)
        std::printf("socket: %s %s\n", s.protocol == Protocol::http ? "http" : "uwsgi", s.address.spec.c_str());
    std::printf("app: %s\n", runtime.app_name().c_str());
    std::printf("runtime: %s\n", runtime.describe().c_str());
    std::printf("processes: %d, threads: %d%s\n", options.processes, options.threads,
                options.lazy_apps ? ", lazy-apps" : "");
    for (const auto& w : options.warnings)
        std::printf("warning: %s%s%s: %s\n", w.file.c_str(), w.line > 0 ? ":" : "",
                    w.line > 0 ? std::to_string(w.line).c_str() : "", w.message.c_str());
    return 0;
}

int run_server(Options& options, AppRuntime& runtime) {
    std::string error;
    std::vector<ListenSocket> sockets;
    if (!plan_sockets(options, sockets, error)) return fail(error);
    if (!apply_environment(options, error)) return fail(error);
    for (auto& s : sockets)
        if (!open_listen_socket(s, options.listen, unix_mode(options), error)) return fail(error);
    if (!runtime.configure(options, error)) return fail(error);
    if (!options.lazy_apps && !runtime.load_app(error)) return fail(error);

    print_warnings(options);
    spdlog::info("appserver {} (master pid {})", APPSERVER_VERSION, ::getpid());
    spdlog::info("runtime: {}", runtime.describe());
    spdlog::info("app: {}{}", runtime.app_name(), options.lazy_apps ? " (lazy-apps: loaded in each worker)" : "");
    for (const auto& s : sockets)
        spdlog::info("listening on {} ({})", s.bound_name, s.protocol == Protocol::http ? "http" : "uwsgi");
    spdlog::info("processes: {}, threads per worker: {}", options.processes, options.threads);

    Arbiter arbiter(arbiter_settings(options), sockets, runtime);
    return arbiter.run();
}

}  // namespace appserver
