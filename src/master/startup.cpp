#include "master/startup.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "config/daemon_spec.h"
#include "log/access_log.h"
#include "log/log.h"
#include "master/arbiter.h"
#include "master/mule_plan.h"
#include "master/mule_queues.h"
#include "master/preflight.h"
#include "master/process_api.h"
#include "master/reexec.h"
#include "master/service_notify.h"
#include "master/startup_sockets.h"
#include "os/daemon.h"
#include "os/fd_limit.h"
#include "os/listen_socket.h"
#include "os/pidfile.h"
#include "os/privileges.h"
#include "os/shared_caches.h"
#include "os/shared_locks.h"
#include "os/signals.h"
#include "os/unique_fd.h"
#include "proto/response_head.h"
#include "spool/spooler_table.h"
#include "signals/signal_hub.h"
#include "static/static_map.h"

namespace appserver {
namespace {

int fail(const std::string& line) {
    spdlog::default_logger()->flush();
    std::fprintf(stderr, "appserver: %s\n", line.c_str());
    return 1;
}

// chdir and env come before the interpreter starts, so the app sees them at import time. Every env
// entry is NAME=VALUE: config::validate_options (check_env) refused the configuration otherwise.
bool apply_environment(const Options& o, std::string& error) {
    if (!o.chdir.empty() && ::chdir(o.chdir.c_str()) != 0) {
        error = "chdir: " + log::syscall_error("chdir", o.chdir, errno);
        return false;
    }
    for (const auto& kv : o.env) {
        auto eq = kv.find('=');
        ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
    return true;
}

// Parses the addresses only (pure: nothing is resolved or bound). There may be none: sockets passed
// by socket activation are enough (run_server refuses a start with nothing to listen on).
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
    if (!add(o.http, Protocol::http) || !add(o.http_socket, Protocol::http) || !add(o.socket, Protocol::uwsgi))
        return false;
    // The stats addresses too: a start refuses a bad one, so --check-config (a reload's check) must.
    for (const auto& [option, spec] : {std::pair{"stats", &o.stats}, {"stats-prometheus", &o.stats_prometheus}})
        if (!spec->empty() && !parse_listen_address(*spec, error)) {
            error = std::string("option ") + option + ": " + error;
            return false;
        }
    return true;
}

UnixSocketAccess unix_access(const Options& o, const Identity& owner) {
    UnixSocketAccess access{.uid = owner.uid, .gid = owner.gid};
    if (!o.chmod_socket.empty())
        access.mode = static_cast<int>(std::strtol(o.chmod_socket.c_str(), nullptr, 8));
    return access;
}

// umask is the first thing applied (uWSGI sets it while parsing options): it shapes every file
// created after it, sockets and pidfile included.
void apply_umask(const Options& o) {
    if (!o.umask.empty()) ::umask(static_cast<mode_t>(std::strtol(o.umask.c_str(), nullptr, 8)));
}

// What the start and --check-config both settle before anything else, in this order: the umask,
// the users (names resolved first, so a misspelt user fails on the terminal), the owner of unix
// sockets, the socket plan. Nothing here creates, binds or changes anything but the umask, so
// run_server does it before daemonizing.
struct StartPlan {
    Identity identity;      // uid/gid to run as after binding (empty: stay who we are)
    Identity socket_owner;  // chown-socket
    std::vector<ListenSocket> sockets;
};

std::optional<StartPlan> plan_start(const Options& o, std::string& error) {
    apply_umask(o);
    StartPlan plan;
    auto identity = resolve_identity(o.uid, o.gid, error);
    if (!identity) return std::nullopt;
    plan.identity = *identity;
    if (!o.chown_socket.empty()) {
        auto owner = resolve_owner(o.chown_socket, error);
        if (!owner) return std::nullopt;
        plan.socket_owner = *owner;
    }
    if (!plan_sockets(o, plan.sockets, error)) return std::nullopt;
    return plan;
}

void print_warnings(const Options& o) {
    for (const auto& w : o.warnings) {
        if (w.line > 0)
            spdlog::warn("{}:{}: {}", w.file, w.line, w.message);
        else
            spdlog::warn("{}: {}", w.file, w.message);
    }
}

ArbiterSettings arbiter_settings(const Options& o) {
    ArbiterSettings a;
    a.processes = o.processes;
    a.mercy_s = o.worker_reload_mercy;
    a.lazy_apps = o.lazy_apps;
    // As in uWSGI, any procname key turns the names on; -spaced is the prefix and a space.
    a.procname_prefix = o.procname_prefix_spaced.empty() ? o.procname_prefix : o.procname_prefix_spaced + " ";
    a.procname_append = o.procname_append;
    a.procname_master = o.procname_master;
    a.auto_procname = o.auto_procname || !a.procname_prefix.empty() || !a.procname_append.empty() ||
                      !a.procname_master.empty();
    WorkerSettings& w = a.worker;
    w.threads = o.threads;
    w.limits.max_head_size = o.buffer_size;
    w.limits.max_body = o.limit_post;
    w.head_timeout_s = o.http_timeout;
    w.keepalive_timeout_s = o.http_keepalive > 1 ? o.http_keepalive : o.http_keepalive_timeout;
    w.max_requests = o.max_requests;
    w.reload_on_rss_mb = o.reload_on_rss;
    w.max_lifetime_s = o.max_worker_lifetime;
    w.harakiri_s = o.harakiri;
    w.harakiri_graceful_s = o.harakiri_graceful_timeout;
    w.harakiri_graceful_signal = o.harakiri_graceful_signal;
    a.max_requests_delta = o.max_requests_delta;
    a.max_lifetime_delta_s = o.max_worker_lifetime_delta;
    if (o.cheaper > 0) {  // validated already (config/validate.cpp)
        a.cheaper.min_workers = o.cheaper;
        a.cheaper.initial = o.cheaper_initial > 0 ? o.cheaper_initial : o.cheaper;
        a.cheaper.step = o.cheaper_step;
        a.cheaper.overload = o.cheaper_overload;
        std::string note, error;
        parse_cheaper_algo(o.cheaper_algo, a.cheaper.algo, note, error);
        if (!note.empty()) spdlog::warn("{}", note);
    }
    std::string unused;  // validated already (config/validate.cpp)
    for (auto [key, list] : {std::pair{"attach-daemon", &o.attach_daemon}, {"attach-daemon2", &o.attach_daemon2},
                             {"smart-attach-daemon", &o.smart_attach_daemon},
                             {"smart-attach-daemon2", &o.smart_attach_daemon2}})
        for (const std::string& value : *list)
            if (auto spec = parse_daemon_spec(key, value, unused)) a.daemons.push_back(std::move(*spec));
    a.touch_reload = o.touch_reload;
    a.py_autoreload_s = o.py_autoreload;
    a.log_maxsize = o.log_maxsize;
    a.spooler = SpoolerSettings{.dirs = spool::spooler_table_dirs(),
                                .frequency_s = o.spooler_frequency,
                                .chdir = o.spooler_chdir,
                                .max_tasks = o.spooler_max_tasks,
                                .ordered = o.spooler_ordered,
                                .harakiri_s = o.spooler_harakiri,
                                .quiet = o.spooler_quiet};
    if (!o.pidfile.empty()) a.reload_status_file = o.pidfile + ".reload";
    if (!o.stats.empty())
        a.stats_endpoints.emplace_back(o.stats, o.stats_http ? StatsServer::Kind::http_json : StatsServer::Kind::uwsgi_json);
    if (!o.stats_prometheus.empty())
        a.stats_endpoints.emplace_back(o.stats_prometheus, StatsServer::Kind::http_prometheus);
    std::string ignored_cron;  // config::validate_options (check_crons) refused a bad line already
    for (const auto* list : {&o.cron, &o.unique_cron})
        for (const std::string& line : *list)
            if (auto c = cron::parse_cron(line, ignored_cron)) {
                c->unique = list == &o.unique_cron;
                a.crons.push_back(std::move(*c));
            }
    for (const std::string& line : o.cron2)
        if (auto c = cron::parse_cron2(line, ignored_cron)) a.crons.push_back(std::move(*c));
    w.session.access_log = log::access_log().active();
    w.session.exchange.io_timeout_ms = o.http_timeout * 1000;
    w.session.post_buffering = o.post_buffering;
    w.session.exchange.keepalive_enabled = o.http_keepalive > 0 && w.keepalive_timeout_s > 0;
    std::string ignored;  // config::validate_options (check_forwarded) refused a bad list already
    for (const std::string& entry : o.forwarded_allow_ips) w.session.trusted_proxies.add(entry, ignored);
    return a;
}

}  // namespace

int check_config(Options& options, AppRuntime& runtime) {
    std::string error;
    auto refuse = [&](const std::string& line) {
        print_warnings(options);  // they may explain the failure (a misspelt key)
        report_reload_check_failure(line);
        return fail(line);
    };
    // The users must exist, and the application is checked as the user it will run as, never as root.
    std::optional<StartPlan> plan = plan_start(options, error);
    if (!plan || !apply_environment(options, error)) return refuse(error);
    std::vector<ListenSocket>& sockets = plan->sockets;
    if (sockets.empty())
        std::printf("socket: none configured (serves only sockets passed by socket activation)\n");
    if (!check_file_destinations(options, sockets, error)) return refuse(error);
    // Addresses a reload would newly bind: find out now (before dropping root, as the start does).
    if (!check_new_sockets_bind(sockets, options.listen, unix_access(options, Identity{}), error))
        return refuse(error);
    if (!drop_privileges(plan->identity, error)) return refuse(error);
    // A spooler directory that cannot be made refuses the reload now, not the new image later; and
    // an app that reads uwsgi.spoolers at import sees them.
    if (!spool::open_spooler_table(options.spooler, options.spooler_processes, options.spooler_quiet, error))
        return refuse(error);
    if (MulePlan mules; !plan_mules(options, mules, error)) return refuse(error);
    if (!runtime.configure(options, error)) return refuse(error);
    if (!runtime.load_app(error)) return refuse(error);
    std::printf("configuration OK\n");
    for (const auto& text : options.print) std::printf("print: %s\n", text.c_str());
    for (const auto& s : sockets)
        std::printf("socket: %s %s\n", s.protocol == Protocol::http ? "http" : "uwsgi",
                    s.address.spec.c_str());
    std::printf("app: %s\n", runtime.app_name().c_str());
    std::printf("runtime: %s\n", runtime.describe().c_str());
    std::printf("processes: %d, threads: %d%s\n", options.processes, options.threads,
                options.lazy_apps ? ", lazy-apps" : "");
    for (const auto& w : options.warnings)
        std::printf("warning: %s%s%s: %s\n", w.file.c_str(), w.line > 0 ? ":" : "",
                    w.line > 0 ? std::to_string(w.line).c_str() : "", w.message.c_str());
    return 0;
}

namespace {

// Paths the user wrote relative to where they started appserver, before chdir moves us.
void absolutize_paths(Options& o) {
    const std::string& base = launch_context().cwd;
    auto fix = [&](std::string& p) {
        if (!p.empty() && p[0] != '/' && !base.empty()) p = base + "/" + p;
    };
    fix(o.pidfile);
    fix(o.daemonize);
    fix(o.logto);
    // file: targets are reopened after chdir (SIGUSR1, log-maxsize): they must not depend on the cwd.
    for (auto* list : {&o.logger, &o.req_logger})
        for (auto& target : *list)
            if (target.rfind("file:", 0) == 0 && target.size() > 5 && target[5] != '/' && !base.empty())
                target = "file:" + base + "/" + target.substr(5);
    for (auto& p : o.touch_reload) fix(p);
    for (auto& p : o.touch_mules_reload) fix(p);
}

// vacuum runs as uid when privileges were dropped: what it cannot remove is said, not hidden.
void remove_file(const std::string& path) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return;
    int err = errno;
    std::string hint;
    if (err == EACCES || err == EPERM)
        hint = " (running as uid " + std::to_string(::geteuid()) +
               ": the file or its directory belongs to another user; see docs/deployment.md)";
    spdlog::error("vacuum: {}{}", log::syscall_error("unlink", path, err), hint);
}

void remove_own_pidfile(const std::string& path) {
    std::string ignored;
    auto pid = read_pidfile(path, ignored);
    if (pid && *pid == ::getpid()) remove_file(path);
}

void vacuum(const Options& o, const std::vector<ListenSocket>& sockets) {
    if (!o.vacuum) return;
    if (!o.pidfile.empty()) {
        remove_own_pidfile(o.pidfile);
        remove_file(o.pidfile + ".reload");
    }
    for (const auto& s : sockets)
        if (s.address.is_unix && !s.activated) remove_file(s.address.unix_path);  // systemd owns its own
}

// Before dropping root: the files the master rewrites later (the pidfile on a reload, the reload
// status, the log file on reopen) are handed to uid:gid, or a reload would find them read-only.
bool hand_over_files(const Options& o, const Identity& id, std::string& error) {
    if (id.empty() || ::geteuid() != 0) return true;
    std::vector<std::string> paths;
    if (!o.pidfile.empty()) {
        std::string status = o.pidfile + ".reload";
        UniqueFd made(::open(status.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!made) {
            error = log::syscall_error("open", status, errno);
            return false;
        }
        paths = {o.pidfile, status};
    }
    if (!o.daemonize.empty())
        paths.push_back(o.daemonize);
    else if (!o.logto.empty())
        paths.push_back(o.logto);
    for (const auto& target : log::file_targets()) paths.push_back(target->path());  // logger = file:
    for (const auto& path : paths)
        if (!hand_over(path, id, error)) return false;
    return true;
}

// The logger / req-logger targets, the line prefix and the access log, once the log file (logto,
// daemonize) is in place: `stdio` is what fd 2 is then.
bool configure_logging(const Options& o, std::string& error) {
    log::LogSettings settings;
    settings.loggers = o.logger;
    settings.date = o.log_date;
    if (!log::configure(settings, error)) return false;
    log::AccessLogSettings access;
    access.enabled = !o.disable_logging;
    access.format = o.log_format;
    access.log_4xx = o.log_4xx;
    access.log_5xx = o.log_5xx;
    access.log_zero = o.log_zero;
    access.log_sendfile = o.log_sendfile;
    access.slow_ms = o.log_slow;
    access.big_bytes = o.log_big;
    access.x_forwarded_for = o.log_x_forwarded_for;
    access.memory_report = o.memory_report > 0;
    access.req_loggers = o.req_logger;
    return log::access_log().configure(access, error);
}

void log_banner(const Options& options, const AppRuntime& runtime, const std::vector<ListenSocket>& sockets,
                int generation, const FdLimitChange& fds) {
    for (const auto& text : options.print) spdlog::info("{}", text);  // `print = TEXT` in ini files
    print_warnings(options);
    spdlog::info("appserver {} (master pid {}{})", APPSERVER_VERSION, ::getpid(),
                 generation > 0 ? ", generation " + std::to_string(generation) : std::string());
    spdlog::info("runtime: {}", runtime.describe());
    spdlog::info("app: {}{}", runtime.app_name(),
                 options.lazy_apps ? " (lazy-apps: loaded in each worker)" : "");
    for (const auto& s : sockets)
        spdlog::info("listening on {} ({}{})", s.bound_name, s.protocol == Protocol::http ? "http" : "uwsgi",
                     s.activated ? ", from socket activation" : "");
    spdlog::info("processes: {}, threads per worker: {}", options.processes, options.threads);
    spdlog::info("{}", describe(fds));
    if (options.stats_http && options.stats.empty())
        spdlog::warn("stats-http is set without stats = ADDR: no stats server (stats-http says how `stats` serves)");
}

// The signal hub with the `timer` / `rbtimer` keys' timers in it (lines checked by check_crons).
std::unique_ptr<SignalHub> make_signal_hub(const Options& o, std::string& error) {
    std::unique_ptr<SignalHub> hub = SignalHub::create(error);
    if (!hub) return nullptr;
    hub->set_buffer_size(o.signal_bufsize);
    for (const auto* list : {&o.timer, &o.rbtimer})
        for (const std::string& line : *list) {
            int sig = 0, secs = 0;
            if (std::sscanf(line.c_str(), "%d %d", &sig, &secs) != 2) continue;
            if (!hub->add_timer(SignalTimer{.signal = sig, .interval_ms = secs * 1000L}, error)) return nullptr;
        }
    return hub;
}

// A reload whose new image cannot start: the workers of the previous generation keep serving.
int supervise_degraded(const Options& options, Inheritance& inherited, SignalQueue& signals,
                       ServiceNotify& notify, const std::string& error) {
    spdlog::error("reload failed: {}; the workers of the previous generation keep serving", error);
    std::vector<ListenSocket> sockets = keep_inherited(inherited.sockets);
    ArbiterSettings settings = arbiter_settings(options);
    if (settings.reload_status_file.empty()) settings.reload_status_file = inherited.reload_status_file;
    settings.answer_reload_to = inherited.reload_status_file;
    settings.generation = inherited.generation - 1;
    settings.notify = &notify;
    Arbiter arbiter(settings, sockets, nullptr, signals);
    arbiter.adopt_old_workers(inherited.old_workers, inherited.accepting);
    if (inherited.ready_read >= 0) arbiter.adopt_ready_pipe(inherited.ready_read, inherited.ready_write);
    arbiter.note_failed_reload(error);
    return arbiter.run([] {});
}

}  // namespace

int fail_before_start(const std::string& error) {
    std::optional<Inheritance> inherited = take_inheritance();
    if (!inherited) return 1;
    log::init();
    // The configuration could not be read: the defaults serve the degraded master, and the next
    // reload reads the files again. (Signals stay blocked from before the exec until the queue.)
    Options defaults;
    SignalQueue signals;
    ServiceNotify notify = ServiceNotify::from_environment(false);
    return supervise_degraded(defaults, *inherited, signals, notify, error);
}

int run_server(Options& options, AppRuntime& runtime) {
    std::string error;
    std::optional<Inheritance> inherited = take_inheritance();
    absolutize_paths(options);
    std::optional<SignalQueue> signals;
    ServiceNotify notify;  // made once this is the master's pid (after daemonizing)
    const std::vector<ListenSocket>* bound = nullptr;  // what this start has bound so far
    // Every failure below comes before the banner: show the configuration's warnings with it (an
    // unknown key or a value read differently may be the cause).
    auto refuse = [&](const std::string& line) {
        print_warnings(options);
        return fail(line);
    };
    auto failed = [&](const std::string& line) {
        print_warnings(options);
        if (inherited) {
            // The new image failed before it installed its signal queue (the configuration changed
            // between the reload check and the exec): the degraded master needs one all the same.
            if (!signals) signals.emplace();
            if (!notify.active()) notify = ServiceNotify::from_environment(!options.daemonize.empty());
            return supervise_degraded(options, *inherited, *signals, notify, line);
        }
        if (!options.pidfile.empty()) remove_own_pidfile(options.pidfile);
        // A unix socket file this start created would outlive it and mislead the next one.
        if (bound)
            for (const auto& s : *bound)
                if (s.address.is_unix && s.fd && !s.activated) remove_file(s.address.unix_path);
        daemon::report_failure(line);
        return fail(line);
    };
    // Before daemonizing: LISTEN_PID names the pid the service manager started.
    std::vector<InheritedSocket> activated;
    if (!inherited) {
        auto taken = take_activated(error);
        if (!taken) return refuse(error);
        activated = std::move(*taken);
    }
    std::optional<StartPlan> plan = plan_start(options, error);
    if (!plan) return failed(error);
    const Identity identity = plan->identity;
    std::vector<ListenSocket>& sockets = plan->sockets;
    bound = &sockets;

    if (!inherited) {
        if (!options.pidfile.empty() && !check_pidfile_free(options.pidfile, error)) return refuse(error);
        if (!options.daemonize.empty()) {
            if (!daemon::detach(options.daemonize, error)) return refuse(error);
        } else if (!options.logto.empty() && !log::redirect_output(options.logto, error)) {
            return refuse(error);
        }
    } else if (!options.daemonize.empty() || !options.logto.empty()) {
        // Already detached; open the (possibly changed) log file of the new configuration.
        if (!log::redirect_output(!options.daemonize.empty() ? options.daemonize : options.logto, error))
            spdlog::error("{}", error);
    }

    if (!configure_logging(options, error)) return failed(error);
    notify = ServiceNotify::from_environment(!options.daemonize.empty());
    if (!inherited) notify.loading();

    // Before anything slow (the app import): a signal from now on is queued for the arbiter, not
    // fatal. (After daemonizing: the handler answers only in the master's pid.)
    signals.emplace();

    std::vector<InheritedSocket> handed_over = inherited ? inherited->sockets : std::move(activated);
    if (!apply_environment(options, error)) return failed(error);
    // Before binding, while still root when started as root (max-fd may raise the hard limit).
    FdLimitChange fds = raise_fd_limit(static_cast<std::uint64_t>(options.max_fd));
    if (!fds.warning.empty()) spdlog::warn("{}", fds.warning);
    if (!open_sockets(sockets, options, unix_access(options, plan->socket_owner), handed_over, error))
        return failed(error);
    if (!options.pidfile.empty() && !write_pidfile(options.pidfile, ::getpid(), error)) return failed(error);
    // Root's last acts; the application is imported after this, as uid (uWSGI's order).
    if (!hand_over_files(options, identity, error)) return failed(error);
    if (!drop_privileges(identity, error)) return failed(error);
    if (identity.empty() && ::geteuid() == 0)
        spdlog::warn("running as root: set uid and gid to drop privileges after binding");
    // The uwsgi module's shared state, before the application (it may use it at import time) and
    // before any fork: every child inherits these mappings. Owned here, for the master's life.
    note_master_pid(::getpid());
    std::unique_ptr<SharedLocks> locks = SharedLocks::create(options.locks + 1, error);
    if (!locks) return failed(error);
    std::vector<config::CacheSpec> cache_specs;
    if (!config::cache_specs(options, cache_specs, error)) return failed(error);
    std::unique_ptr<SharedCaches> caches = SharedCaches::create(cache_specs, error);
    if (!caches) return failed(error);
    // As the user the spoolers run as; before the import: the app may spool (or read uwsgi.spoolers) then.
    if (!spool::open_spooler_table(options.spooler, options.spooler_processes, options.spooler_quiet, error))
        return failed(error);
    // Before the app import: register_signal and add_timer run at import time.
    std::unique_ptr<SignalHub> signal_hub = make_signal_hub(options, error);
    if (!signal_hub) return failed(error);
    // The mules' queues exist before the app is imported and before any fork: every process
    // inherits them (an app may send at import time).
    MuleQueues mule_queues;
    if (MulePlan mules; !plan_mules(options, mules, error) || !mule_queues.create(mules, error))
        return failed(error);
    if (!runtime.configure(options, error)) return failed(error);
    if (!options.lazy_apps && !runtime.load_app(error)) return failed(error);
    for (auto& unused : handed_over)
        if (unused.fd >= 0) ::close(unused.fd);  // an address the new configuration dropped

    int generation = inherited ? inherited->generation : 0;
    log_banner(options, runtime, sockets, generation, fds);
    ArbiterSettings settings = arbiter_settings(options);
    settings.generation = generation;
    if (inherited) settings.answer_reload_to = inherited->reload_status_file;
    settings.signal_hub = signal_hub.get();
    settings.notify = &notify;
    // After chdir: relative static directories are the workers' (checked already by the validation).
    if (auto statics = make_static_config(options, "", error); !statics) {
        return failed(error);
    } else if (statics->enabled()) {
        for (const std::string& note : statics->notes) spdlog::warn("{}", note);
        settings.worker.session.statics = std::move(statics);
    }
    // Before any fork: every process writes response heads with them (validated already).
    ExtraHeaders extra;
    for (const std::string& line : options.add_header) {
        std::pair<std::string, std::string> header;
        if (parse_header_line(line, header)) extra.add.push_back(std::move(header));
    }
    extra.remove = options.del_header;
    set_extra_headers(std::move(extra));
    Arbiter arbiter(settings, sockets, &runtime, *signals);
    if (inherited) {
        arbiter.adopt_old_workers(inherited->old_workers, inherited->accepting);
        if (inherited->ready_read >= 0) arbiter.adopt_ready_pipe(inherited->ready_read, inherited->ready_write);
    }
    bool served = false;
    int code = arbiter.run([&served] {
        served = true;
        spdlog::info("serving");
        daemon::report_ready();
    });
    if (!served) {
        // Stopped by a signal during start-up: leave nothing behind that claims a running server.
        if (!options.pidfile.empty()) remove_own_pidfile(options.pidfile);
        daemon::report_failure("stopped during start-up");
    }
    vacuum(options, sockets);
    return code;
}

}  // namespace appserver
