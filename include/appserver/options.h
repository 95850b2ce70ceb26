#pragma once
// The whole configuration of one appserver run, as merged from the ini file(s) and the command line.
// Every field is set from the option table (src/config/option_table.cpp); nothing else writes it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace appserver {

// A note about the configuration that does not stop the start (unknown ini key, unsupported key).
struct ConfigWarning {
    std::string file;  // ini file, or "command line"
    int line = 0;      // 0 when not known
    std::string message;
};

// What the invocation asks for; `run` is the server itself.
enum class Command { run, help, version, check_config, stop, reload, reopen_logs };

// One option as the user gave it (ini or command line), for the `uwsgi` module's `opt` dict;
// no value: a flag given bare on the command line (uWSGI exports it as True).
struct ExportedOption {
    std::string key;
    std::optional<std::string> value;
};

struct Options {
    Command command = Command::run;
    std::string control_pidfile;  // argument of --stop / --reload

    // Where the configuration came from.
    std::vector<std::string> ini;  // files given with --ini (with optional :section)
    bool strict = false;           // unknown ini keys are errors

    // Sockets.
    std::vector<std::string> http;         // HTTP/1.1 listeners: host:port, :port, [v6]:port
    std::vector<std::string> http_socket;  // the same, uWSGI's other name
    std::vector<std::string> socket;       // uwsgi binary protocol listeners
    std::string protocol;                  // what `socket` entries speak: "" / uwsgi, or http (moved to
                                           // http_socket when the configuration is loaded)
    int listen = 1024;                     // backlog
    std::string chmod_socket;              // octal mode for unix sockets
    std::string chown_socket;              // user[:group] of unix sockets

    // The application.
    std::string wsgi_file;
    std::string module;                  // pkg.mod or pkg.mod:callable
    std::vector<std::string> mount;      // MOUNTPOINT=APP, as given (config/app_source.cpp resolves them)
    // Applications under a URL prefix (mount = /prefix=APP), in load order; the root application
    // is wsgi_file/module. mountpoint: "/prefix", no trailing slash.
    struct MountedApp {
        std::string mountpoint;
        std::string wsgi_file;
        std::string module;
    };
    std::vector<MountedApp> mounted_apps;
    bool manage_script_name = false;  // pick the app by PATH_INFO's prefix, moved to SCRIPT_NAME
    std::string callable = "application";
    std::string chdir;
    std::vector<std::string> plugins;      // as given: `http,python312`, a path to a .so (config/plugin_names)
    std::vector<std::string> plugins_dir;  // searched before the built-in plugin directories
    std::string home;                    // home / venv / virtualenv; empty: $VIRTUAL_ENV if set
    std::vector<std::string> pythonpath;
    std::vector<std::string> env;        // KEY=VALUE, set in the master before the app loads
    bool lazy_apps = false;              // import the app in each worker instead of the master

    // Processes.
    bool master = true;                  // appserver always runs a master; accepted for uWSGI configs
    int processes = 1;
    int threads = 1;                     // request threads per worker
    std::size_t buffer_size = 8192;      // max size of a request head; over it: 431
    bool disable_logging = false;        // no access log lines
    // Logging (docs/logging.md).
    std::string log_format;              // log-format: "", combined, json, or %(var) text
    bool log_4xx = false;                // these log a request even under disable-logging
    bool log_5xx = false;
    bool log_zero = false;
    bool log_sendfile = false;
    int log_slow = 0;                    // ms
    std::uint64_t log_big = 0;           // bytes
    bool log_x_forwarded_for = false;
    int memory_report = 0;
    std::vector<std::string> logger;     // targets of the server's own lines
    std::vector<std::string> req_logger; // targets of access lines
    std::uint64_t log_maxsize = 0;       // bytes; 0: never rotate
    std::string log_date;                // strftime format, or true for ctime's shape
    bool auto_procname = false;          // "appserver: master", "appserver: worker 2"
    std::string procname_prefix;
    std::string procname_prefix_spaced;
    std::string procname_append;
    std::string procname_master;

    // Spooler (src/spool, master/spoolers).
    std::vector<std::string> spooler;    // directories
    int spooler_processes = 1;           // per directory
    int spooler_frequency = 30;          // seconds between scans
    std::string spooler_chdir;
    int spooler_max_tasks = 0;
    bool spooler_ordered = false;
    int spooler_harakiri = 0;            // seconds
    bool spooler_quiet = false;

    // Lifecycle.
    std::string pidfile;
    std::string daemonize;
    std::string logto;
    bool vacuum = false;
    int py_autoreload = 0;
    std::vector<std::string> touch_reload;
    int max_requests = 0;
    int max_requests_delta = 0;
    int cheaper = 0;                    // fewest workers under the cheaper subsystem; 0: off
    int cheaper_initial = 0;            // 0: `cheaper`
    int cheaper_step = 1;
    int cheaper_overload = 3;
    std::string cheaper_algo;           // spare (default), backlog
    int harakiri_graceful_timeout = 0;  // seconds; 0: harakiri kills at once
    int harakiri_graceful_signal = 15;  // SIGTERM
    int max_worker_lifetime = 0;        // seconds
    int max_worker_lifetime_delta = 0;  // seconds per worker id after the first
    int reload_on_rss = 0;               // MB
    int harakiri = 0;                    // seconds
    int worker_reload_mercy = 60;        // seconds

    // The uwsgi module's shared state (docs/uwsgi-api.md): user locks 0..locks, shared caches.
    int locks = 0;                       // user locks besides lock 0 (uWSGI's meaning)
    std::vector<std::string> cache2;     // name=NAME,items=N[,blocksize=B][,keysize=K][,purge_lru=1]
    int cache = 0;                       // legacy: items of the cache called "default"
    std::uint64_t cache_blocksize = 0;   // legacy cache's largest value; 0: 65536
    // uWSGI signals (src/signals, docs/uwsgi-api.md): commands the master runs on a schedule and
    // timers that raise signals.
    std::vector<std::string> cron;         // MIN HOUR DAY MONTH WEEKDAY command
    std::vector<std::string> unique_cron;  // the same, never two runs at once
    std::vector<std::string> cron2;        // minute=..,hour=..,unique=1 command
    std::vector<std::string> timer;        // SIGNAL SECONDS
    std::vector<std::string> rbtimer;      // SIGNAL SECONDS
    int signal_bufsize = 0;                // bytes of each signal channel's socket buffers; 0: the system's
    // Mules (src/master/mules.*, docs/uwsgi-api.md "Mules"): ids 1.. in the order of `mule` entries,
    // then `mules` bare ones.
    std::vector<std::string> mule;       // FILE.py, module:callable, or anything else: a message loop
    int mules = 0;                       // bare mules added after the `mule` entries
    std::vector<std::string> farm;       // NAME:ID[,ID...]
    int mule_msg_size = 0;               // socket buffer of each message queue (bytes; 0: the kernel's)
    int mule_msg_recv_size = 65536;      // read buffer of a bare mule's message loop
    int mule_reload_mercy = 60;          // seconds a mule may take to stop before it is killed
    std::vector<std::string> touch_mules_reload;  // restart the mules when one of these changes

    // Static files (src/static, docs/static.md).
    std::vector<std::string> static_map;   // /mountpoint=DIR-or-FILE
    std::vector<std::string> static_map2;  // /mountpoint=DIR, the whole path appended
    std::vector<std::string> check_static;  // DIR, tried for every request
    std::vector<std::string> static_index;
    std::vector<std::string> static_skip_ext;
    std::vector<std::string> static_safe;
    std::vector<std::string> mimefile;
    std::vector<std::string> static_expires_type;  // TYPE=SECONDS
    std::vector<std::string> static_expires;       // REGEX SECONDS (the file's path)
    std::vector<std::string> static_expires_uri;   // REGEX SECONDS (REQUEST_URI)
    bool static_gzip_all = false;
    std::vector<std::string> static_gzip_dir;
    std::vector<std::string> static_gzip_ext;
    int offload_threads = 0;             // accepted: the event loop sends static files
    bool honour_range = true;

    // Limits.
    std::uint64_t limit_post = 0;        // bytes, 0 = no limit
    std::uint64_t post_buffering = 65536;  // bytes of request body the event loop reads before the app
    int http_timeout = 60;               // seconds
    int http_keepalive = 1;              // uWSGI's meaning: 0 off, 1 on, N > 1 on with N s idle timeout
    int http_keepalive_timeout = 15;     // seconds an idle keep-alive connection is kept
    int max_fd = 0;                      // RLIMIT_NOFILE; 0: raise the soft limit to the hard limit
    std::string uid;
    std::string gid;
    std::string umask;                   // octal; empty: inherited
    // Front proxies whose X-Forwarded-For/-Proto/-Ssl are believed (addresses, CIDR blocks, unix,
    // *); empty: none, the headers reach the app as plain HTTP_X_FORWARDED_* variables.
    std::vector<std::string> forwarded_allow_ips;

    // Stats (master): uWSGI's stats server, over HTTP with stats_http; Prometheus metrics.
    std::string stats;
    bool stats_http = false;
    std::string stats_prometheus;

    // `print = TEXT` lines, logged at start.
    std::vector<std::string> print;
    std::vector<std::string> add_header;  // "Name: value"
    // attach-daemon & co., as given (config/daemon_spec.h parses them).
    std::vector<std::string> attach_daemon, attach_daemon2, smart_attach_daemon, smart_attach_daemon2;
    std::vector<std::string> del_header;  // names

    // Every option given, in order (command line, then ini files), as uWSGI exports them.
    std::vector<ExportedOption> exported;

    // Notes gathered while loading; printed once at start and by --check-config.
    std::vector<ConfigWarning> warnings;
};

}  // namespace appserver
