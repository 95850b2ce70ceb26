// The option table. Adding a key is adding a row here; the command line, the ini loader, --help and
// docs/options.md pick it up. Keep rows data: behaviour belongs to the code that reads Options.

#include "config/option_table.h"

#include <algorithm>
#include <array>

#include "config/ini_logic.h"
#include "config/uwsgi_catalogue.h"

namespace appserver::config {
namespace {

using K = OptionKind;
using S = OptionStatus;
using G = OptionGroup;
using O = Options;


// clang-format off
const std::array kTable = {
    // --- where the configuration comes from
    OptionSpec{"ini", "", K::list, G::config, S::implemented, &O::ini, "FILE[:SECTION]",
        "read [uwsgi] and [appserver] of FILE, or [SECTION]; repeatable",
        "Inside an ini file, `ini = other.ini`, `ini = other.ini:section` and `ini = :section` (another "
        "section of the same file) pull that in at that point."},
    OptionSpec{"strict", "", K::boolean, G::config, S::implemented, &O::strict, "",
        "unknown keys in ini files are errors instead of warnings"},

    // --- commands: command line only
    OptionSpec{"help", "usage h", K::boolean, G::commands, S::implemented, {}, "",
        "print this help and exit", {}, {}, Command::help},
    OptionSpec{"version", "", K::boolean, G::commands, S::implemented, {}, "",
        "print the version and exit", {}, {}, Command::version},
    OptionSpec{"check-config", "", K::boolean, G::commands, S::implemented, {}, "",
        "load and validate the configuration, print warnings, and exit", {}, {}, Command::check_config},
    OptionSpec{"stop", "", K::string, G::commands, S::implemented, {}, "PIDFILE",
        "stop the server whose master pid is in PIDFILE", {}, {}, Command::stop},
    OptionSpec{"reload", "", K::string, G::commands, S::implemented, {}, "PIDFILE",
        "gracefully reload the server whose master pid is in PIDFILE", {}, {}, Command::reload},
    OptionSpec{"reopen-logs", "", K::string, G::commands, S::implemented, {}, "PIDFILE",
        "make the server whose master pid is in PIDFILE reopen its log files (after logrotate)", {}, {},
        Command::reopen_logs},

    // --- sockets
    OptionSpec{"http", "httprouter", K::list, G::sockets, S::implemented, &O::http, "ADDR",
        "serve HTTP/1.1 on ADDR (host:port, :port, [v6]:port); repeatable"},
    OptionSpec{"http-socket", "", K::list, G::sockets, S::implemented, &O::http_socket, "ADDR",
        "serve HTTP/1.1 on ADDR (uWSGI's name for a listener without its HTTP router); repeatable"},
    OptionSpec{"socket", "uwsgi-socket s", K::list, G::sockets, S::implemented, &O::socket, "ADDR",
        "serve the uwsgi binary protocol on ADDR (host:port or a unix socket path); repeatable",
        "What nginx's `uwsgi_pass` speaks (see docs/deployment.md): one request per connection, the "
        "response is plain HTTP. A path (anything with a `/`, or ending in `.sock`) is a unix socket."},
    OptionSpec{"protocol", "socket-protocol", K::string, G::sockets, S::implemented, &O::protocol, "NAME",
        "what `socket` entries speak: `uwsgi` or `http` (also `http11`)",
        "As uWSGI's `protocol`: `socket = :8000` with `protocol = http` is an `http-socket`. uWSGI's other "
        "protocols (fastcgi, scgi, https, raw, puwsgi...) are refused when there are `socket` entries for "
        "them to apply to; TLS, FastCGI and SCGI belong to the front proxy. `uwsgi-socket` entries follow "
        "`protocol` too (uWSGI keeps them uwsgi).",
        "`uwsgi`"},
    OptionSpec{"listen", "l", K::integer, G::sockets, S::implemented, &O::listen, "N",
        "listen() backlog of every socket"},
    OptionSpec{"chmod-socket", "chmod C", K::string, G::sockets, S::implemented, &O::chmod_socket, "MODE",
        "octal mode of unix sockets (a bare `chmod-socket` means 666)", {}, "777 minus the umask", Command::run,
        "666"},
    OptionSpec{"chown-socket", "", K::string, G::sockets, S::implemented, &O::chown_socket, "USER[:GROUP]",
        "owner (and group) of unix sockets, set after bind while still root",
        "For a front proxy that runs as another user than `uid`, e.g. `chown-socket = www-data:www-data` "
        "with `chmod-socket = 660`. Names or numbers; without a group the socket keeps its group."},

    // --- the application
    OptionSpec{"wsgi-file", "file", K::string, G::application, S::implemented, &O::wsgi_file, "PATH",
        "load the WSGI application from this Python file (relative to chdir)"},
    OptionSpec{"module", "wsgi w", K::string, G::application, S::implemented, &O::module, "MODULE[:CALLABLE]",
        "import the WSGI application from this module"},
    OptionSpec{"mount", "", K::list, G::application, S::implemented, &O::mount, "MOUNTPOINT=APP",
        "load APP (a .py/.wsgi file or module:callable) at MOUNTPOINT; repeatable",
        "As in uWSGI, `module` and `wsgi-file` come first and a mount that names a mountpoint already "
        "taken is skipped with a warning. An ini whose application is `mount = /=app.py` (or "
        "`=app.py`) serves it like `wsgi-file = app.py`. Under a prefix (`/app=app.py`) each mount "
        "is one more application in the same interpreter, chosen per request by SCRIPT_NAME (a front "
        "server's `uwsgi_param SCRIPT_NAME`) or, with `manage-script-name`, by the longest prefix of "
        "the path. A request that matches none goes to the root application (else the first "
        "mounted). See docs/processes.md."},
    OptionSpec{"manage-script-name", "", K::boolean, G::application, S::implemented, &O::manage_script_name, "",
        "choose the mounted application by the longest mountpoint that prefixes PATH_INFO, moved to SCRIPT_NAME",
        "As uWSGI's: for a front server that passes the whole path, `/app1/x` under `mount = /app1=a.py` "
        "runs a.py with SCRIPT_NAME `/app1` and PATH_INFO `/x` (PEP 3333). A mountpoint matches whole "
        "segments only (`/app1` does not match `/app10`)."},
    OptionSpec{"callable", "", K::string, G::application, S::implemented, &O::callable, "NAME",
        "name of the WSGI callable in the file or module"},
    OptionSpec{"chdir", "", K::string, G::application, S::implemented, &O::chdir, "DIR",
        "change to DIR before loading the application"},
    OptionSpec{"plugins", "plugin", K::list, G::application, S::implemented, &O::plugins, "NAMES",
        "the Python plugin to run the application with: python3, python312, ... or a path to a .so",
        "A comma-separated list, repeatable, as uWSGI's. `python` and `python3` load python3_plugin.so (the "
        "default interpreter, also used when no Python plugin is named); `pythonXY` loads "
        "pythonXY_plugin.so (built with `make plugin PYTHON=/path/to/pythonX.Y`); a name with a `/` is "
        "the plugin's file. At most one Python plugin. `http` (Debian's uWSGI needs `plugins = "
        "http,python3` for `http =`) is accepted silently; any other plugin name is warned about and "
        "ignored. Search order: `plugins-dir`, the executable's `plugins/` directory (build tree), "
        "its `../lib/appserver/plugins`, then the installation's lib/appserver/plugins (docs/design.md).",
        "python3"},
    OptionSpec{"plugins-dir", "plugin-dir", K::list, G::application, S::implemented, &O::plugins_dir, "DIR",
        "look for plugins in DIR first; repeatable"},
    OptionSpec{"home", "venv virtualenv pyhome H", K::string, G::application, S::implemented, &O::home, "DIR",
        "the virtualenv to use", {}, "`$VIRTUAL_ENV` if set"},
    OptionSpec{"pythonpath", "python-path pp", K::list, G::application, S::implemented, &O::pythonpath, "DIR",
        "add DIR to sys.path; repeatable"},
    OptionSpec{"env", "", K::list, G::application, S::implemented, &O::env, "NAME=VALUE",
        "set an environment variable before the application loads; repeatable"},
    OptionSpec{"lazy-apps", "lazy", K::boolean, G::application, S::implemented, &O::lazy_apps, "",
        "load the application in each worker instead of once in the master"},

    // --- processes
    OptionSpec{"master", "M", K::boolean, G::processes, S::no_op, &O::master, "",
        "always on: appserver always runs a master process",
        "The master forks and watches the workers; `master = false` is accepted and changes nothing."},
    OptionSpec{"processes", "workers p", K::integer, G::processes, S::implemented, &O::processes, "N",
        "number of worker processes"},
    OptionSpec{"threads", "", K::integer, G::processes, S::implemented, &O::threads, "N",
        "request threads per worker"},
    OptionSpec{"buffer-size", "b", K::size, G::processes, S::implemented, &O::buffer_size, "BYTES",
        "largest request head accepted (1024 to 1048576 bytes); larger gets 431"},
    OptionSpec{"disable-logging", "L", K::boolean, G::processes, S::implemented, &O::disable_logging, "",
        "do not log each request"},
    // --- logging (docs/logging.md)
    OptionSpec{"log-format", "logformat", K::string, G::processes, S::implemented, &O::log_format, "FORMAT",
        "access line format: `combined` (nginx's), `json`, or text with uWSGI's %(var) variables",
        "Compiled once at start. Variables: uWSGI's (addr user ltime time ctime epoch method uri proto status "
        "size rsize hsize msecs micros secs referer uagent host pid wid rss vsz rssM vszM headers vars cl "
        "tmsecs tmicros ftime, var.NAME) and appserver's mtime, iso8601, via. Values from the request are "
        "escaped (nginx's \\xHH; JSON escapes in a format that starts with `{`). See docs/logging.md.",
        "appserver's line: ADDR \"METHOD URI PROTO\" STATUS BYTES MSms"},
    OptionSpec{"log-4xx", "", K::boolean, G::processes, S::implemented, &O::log_4xx, "",
        "log requests answered 4xx even under disable-logging"},
    OptionSpec{"log-5xx", "", K::boolean, G::processes, S::implemented, &O::log_5xx, "",
        "log requests answered 5xx even under disable-logging"},
    OptionSpec{"log-slow", "", K::integer, G::processes, S::implemented, &O::log_slow, "MS",
        "log requests that took at least MS milliseconds even under disable-logging"},
    OptionSpec{"log-big", "", K::size, G::processes, S::implemented, &O::log_big, "BYTES",
        "log responses whose body is at least BYTES even under disable-logging"},
    OptionSpec{"log-zero", "", K::boolean, G::processes, S::implemented, &O::log_zero, "",
        "log responses with an empty body even under disable-logging"},
    OptionSpec{"log-sendfile", "", K::boolean, G::processes, S::implemented, &O::log_sendfile, "",
        "log responses sent from a file (wsgi.file_wrapper, static files) even under disable-logging"},
    OptionSpec{"log-x-forwarded-for", "", K::boolean, G::processes, S::implemented, &O::log_x_forwarded_for, "",
        "the access line's address is the X-Forwarded-For header as received (when present)",
        "uWSGI's meaning: the raw header, believed from anyone and logged whole (`1.2.3.4, 10.0.0.1`); "
        "only the log changes. `forwarded-allow-ips` is the checked way: it sets REMOTE_ADDR (which the "
        "line shows without this key) from trusted proxies only."},
    OptionSpec{"memory-report", "m", K::toggle, G::processes, S::implemented, &O::memory_report, "",
        "add the worker's address space (VSZ) and RSS to each access line",
        "As uWSGI's `{address space usage: N bytes/NMB} {rss usage: N bytes/NMB}`, after the line (JSON: "
        "\"rss\" and \"vsz\" keys). uWSGI's `memory-report = 2` (USS/PSS) is read as 1.",
        {}, Command::run, "1"},
    OptionSpec{"logger", "", K::list, G::processes, S::implemented, &O::logger, "TARGET",
        "where the server's own lines go: stdio, file:PATH, syslog[:IDENT[,FACILITY]]; repeatable",
        "Every target gets every line. Without `req-logger` access lines go to these targets too. "
        "syslog sends RFC 3164 datagrams to /dev/log (APPSERVER_SYSLOG_SOCKET names another socket); "
        "see docs/logging.md."},
    OptionSpec{"req-logger", "logger-req", K::list, G::processes, S::implemented, &O::req_logger, "TARGET",
        "where access lines go (same targets as `logger`); repeatable"},
    OptionSpec{"log-maxsize", "", K::size, G::processes, S::implemented, &O::log_maxsize, "BYTES",
        "rotate a log file (logto, file: targets) past BYTES: renamed to FILE.UNIXTIME, a new one opened",
        "The master checks every second and renames; the workers then reopen (as on SIGUSR1), so a "
        "line is never lost or split: the ones written meanwhile end the rotated file."},
    OptionSpec{"log-date", "logdate", K::string, G::processes, S::implemented, &O::log_date, "[FORMAT]",
        "prefix the server's lines with the time as strftime FORMAT says (bare: ctime's shape)",
        "As uWSGI: `DATE - message`. A bare `log-date` (or true/1/on/yes) writes `Fri Nov 27 10:20:42 "
        "2026`. Access lines of a log-format keep their own shape.",
        {}, Command::run, "true"},
    OptionSpec{"cheaper", "", K::integer, G::processes, S::implemented, &O::cheaper, "N",
        "adapt the number of workers between N and `processes` to the load (0: fixed)",
        "uWSGI's cheaper subsystem: `processes` is the most. Once a second the master applies "
        "`cheaper-algo`; a worker no longer needed finishes its requests and leaves, its slot shows "
        "as \"cheap\" in the stats. See docs/processes.md."},
    OptionSpec{"cheaper-initial", "", K::integer, G::processes, S::implemented, &O::cheaper_initial, "N",
        "workers started at first under `cheaper`", {}, "the `cheaper` value"},
    OptionSpec{"cheaper-step", "", K::integer, G::processes, S::implemented, &O::cheaper_step, "N",
        "workers started at once when more are needed"},
    OptionSpec{"cheaper-overload", "", K::integer, G::processes, S::implemented, &O::cheaper_overload, "N",
        "spare: seconds every worker must be busy before more start (and idle before one stops); "
        "backlog: queued connections past which more start"},
    OptionSpec{"cheaper-algo", "", K::string, G::processes, S::implemented, &O::cheaper_algo, "NAME",
        "spare (all busy -> more, idle -> fewer) or backlog (the listen queue's length)",
        "pip's `busyness` plugin and `spare2` are not built in: they load with a warning and act as spare.",
        "`spare`"},
    OptionSpec{"attach-daemon", "", K::list, G::processes, S::implemented, &O::attach_daemon, "COMMAND",
        "run COMMAND (via /bin/sh -c) beside the server, restart it when it ends; repeatable",
        "As uWSGI's: started once the workers serve, in its own session; restarted when it exits (after "
        "a back-off doubling from 250 ms when it ran under 3 s); stopped with the server (SIGTERM to its "
        "process group, SIGKILL after worker-reload-mercy) and on reload (started again by the new "
        "image). The command must stay in the foreground. See docs/processes.md."},
    OptionSpec{"attach-daemon2", "", K::list, G::processes, S::implemented, &O::attach_daemon2, "KEY=VALUE,...",
        "attach-daemon with options: command=,pidfile=,daemonize=1,freq=,stopsignal=,reloadsignal=,stdin=1,"
        "chdir=,max_throttle=,notifypid=1,touch=F1;F2,uid=,gid=",
        "uWSGI's keyval form; `control`, `legion` and `ns_pid` are refused. See docs/processes.md."},
    OptionSpec{"smart-attach-daemon", "", K::list, G::processes, S::implemented, &O::smart_attach_daemon,
        "PIDFILE[,FREQ] COMMAND",
        "run COMMAND, which daemonizes itself and writes PIDFILE; followed through PIDFILE",
        "As uWSGI's: a process found alive through PIDFILE at start is adopted; checked once a second and "
        "started again when its pid is gone (or when no live pid shows up within FREQ seconds, default "
        "10). It keeps running when the server stops or reloads: the next image adopts it."},
    OptionSpec{"smart-attach-daemon2", "", K::list, G::processes, S::implemented, &O::smart_attach_daemon2,
        "PIDFILE COMMAND",
        "as smart-attach-daemon, for a COMMAND that stays in the foreground: appserver daemonizes it and "
        "writes PIDFILE"},
    OptionSpec{"auto-procname", "", K::boolean, G::processes, S::implemented, &O::auto_procname, "",
        "name processes \"appserver: master\", \"appserver: worker 2\""},
    OptionSpec{"procname-prefix", "", K::string, G::processes, S::implemented, &O::procname_prefix, "TEXT",
        "prefix every process name with TEXT (implies auto-procname, as in uWSGI)"},
    OptionSpec{"procname-prefix-spaced", "", K::string, G::processes, S::implemented, &O::procname_prefix_spaced,
        "TEXT", "prefix every process name with TEXT and a space (implies auto-procname)"},
    OptionSpec{"procname-append", "", K::string, G::processes, S::implemented, &O::procname_append, "TEXT",
        "append TEXT to every process name (implies auto-procname)"},
    OptionSpec{"procname-master", "", K::string, G::processes, S::implemented, &O::procname_master, "NAME",
        "name the master process NAME instead of \"appserver: master\" (prefix and append still apply)"},
    OptionSpec{"spooler", "Q", K::list, G::processes, S::implemented, &O::spooler, "DIR",
        "run a spooler process on DIR (created when missing); repeatable",
        "As uWSGI's: `uwsgi.spool()` (and `@spool`) write task files into DIR, and the spooler process runs "
        "the app's `uwsgi.spooler` function on each (docs/uwsgi-api.md, \"Spooler\"). A relative DIR is "
        "taken after `chdir`."},
    OptionSpec{"spooler-processes", "", K::integer, G::processes, S::implemented, &O::spooler_processes, "N",
        "spooler processes per spooler directory",
        "uWSGI applies it to the `spooler` keys that follow it; here it applies to every `spooler`."},
    OptionSpec{"spooler-frequency", "spooler-freq", K::integer, G::processes, S::implemented, &O::spooler_frequency,
        "SECONDS", "how often a spooler scans its directory (it also scans at once after uwsgi.spool())"},
    OptionSpec{"spooler-chdir", "", K::string, G::processes, S::implemented, &O::spooler_chdir, "DIR",
        "chdir to DIR before each spooler task"},
    OptionSpec{"spooler-max-tasks", "", K::integer, G::processes, S::implemented, &O::spooler_max_tasks, "N",
        "recycle a spooler process after N tasks (0: never)"},
    OptionSpec{"spooler-ordered", "", K::boolean, G::processes, S::implemented, &O::spooler_ordered, "",
        "run tasks in name order, numeric `priority` subdirectories first (lowest first)"},
    OptionSpec{"spooler-harakiri", "", K::integer, G::processes, S::implemented, &O::spooler_harakiri, "SECONDS",
        "kill a spooler process whose task runs longer than SECONDS (the task stays; 0: never)"},
    OptionSpec{"spooler-quiet", "", K::boolean, G::processes, S::implemented, &O::spooler_quiet, "",
        "do not log each spooled and each run task"},

    // --- lifecycle
    OptionSpec{"pidfile", "", K::string, G::lifecycle, S::implemented, &O::pidfile, "PATH",
        "write the master's pid to PATH"},
    OptionSpec{"daemonize", "d", K::string, G::lifecycle, S::implemented, &O::daemonize, "LOGFILE",
        "detach from the terminal and log to LOGFILE"},
    OptionSpec{"logto", "", K::string, G::lifecycle, S::implemented, &O::logto, "LOGFILE",
        "log to LOGFILE instead of stderr"},
    OptionSpec{"vacuum", "", K::boolean, G::lifecycle, S::implemented, &O::vacuum, "",
        "remove the pidfile and unix sockets at exit"},
    OptionSpec{"py-autoreload", "py-auto-reload python-autoreload python-auto-reload", K::integer, G::lifecycle,
        S::implemented, &O::py_autoreload, "SECONDS",
        "reload when an imported Python module changes, checking every SECONDS (0: off)"},
    OptionSpec{"touch-reload", "", K::list, G::lifecycle, S::implemented, &O::touch_reload, "PATH",
        "reload when PATH is modified; repeatable"},
    OptionSpec{"max-requests", "R", K::integer, G::lifecycle, S::implemented, &O::max_requests, "N",
        "recycle a worker after N requests (0: never)"},
    OptionSpec{"max-requests-delta", "", K::integer, G::lifecycle, S::implemented, &O::max_requests_delta, "N",
        "add worker id * N to max-requests so workers do not recycle together"},
    OptionSpec{"max-worker-lifetime", "", K::integer, G::lifecycle, S::implemented, &O::max_worker_lifetime,
        "SECONDS", "recycle a worker that has run SECONDS (0: never)",
        "As uWSGI's: the worker stops accepting, finishes its requests and a new one takes its place "
        "(as with max-requests), so no request fails."},
    OptionSpec{"max-worker-lifetime-delta", "", K::integer, G::lifecycle, S::implemented,
        &O::max_worker_lifetime_delta, "SECONDS",
        "add (worker id - 1) * SECONDS to max-worker-lifetime so workers do not recycle together"},
    OptionSpec{"reload-on-rss", "", K::integer, G::lifecycle, S::implemented, &O::reload_on_rss, "MB",
        "recycle a worker whose resident memory exceeds MB megabytes (0: never)"},
    OptionSpec{"harakiri", "t", K::integer, G::lifecycle, S::implemented, &O::harakiri, "SECONDS",
        "kill a worker stuck on one request for SECONDS (0: never)"},
    OptionSpec{"harakiri-graceful-timeout", "", K::integer, G::lifecycle, S::implemented,
        &O::harakiri_graceful_timeout, "SECONDS",
        "on harakiri, signal the worker first (harakiri-graceful-signal) and kill it SECONDS later",
        "As uWSGI's: the client gets its 504 at once; the worker gets the signal (SIGTERM: it stops "
        "accepting, and leaves as soon as the stuck request returns), and ends itself if it is still "
        "there after SECONDS. The master's backstop waits that much longer too."},
    OptionSpec{"harakiri-graceful-signal", "", K::integer, G::lifecycle, S::implemented,
        &O::harakiri_graceful_signal, "SIGNUM", "the signal of a graceful harakiri attempt", {}, "15 (SIGTERM)"},
    OptionSpec{"worker-reload-mercy", "", K::integer, G::lifecycle, S::implemented, &O::worker_reload_mercy, "SECONDS",
        "how long a retiring worker (reload, stop, max-requests, reload-on-rss, SIGTTOU) may take to finish before it is killed; "
        "also how long a reload's check of the new configuration and application may take"},
    OptionSpec{"cron", "", K::list, G::lifecycle, S::implemented, &O::cron, "M H D MO WD CMD",
        "run CMD through /bin/sh when the time matches (uWSGI syntax: numbers, -1 any, -N every N); repeatable",
        "The master runs it in its own process group; its output goes to the server's log; the run is "
        "ended when the server stops. Each entry starts at most once a minute."},
    OptionSpec{"unique-cron", "", K::list, G::lifecycle, S::implemented, &O::unique_cron,
        "M H D MO WD CMD", "as cron, but not started again while its previous run lives"},
    OptionSpec{"cron2", "", K::list, G::lifecycle, S::implemented, &O::cron2,
        "K=V,... CMD", "as cron with key=value fields (minute, hour, day, month, week, unique, harakiri; "
        "those left out: -1, any); harakiri=S kills a run after S seconds"},
    OptionSpec{"timer", "signal-timer", K::list, G::lifecycle, S::implemented, &O::timer, "SIG SECS",
        "raise uWSGI signal SIG every SECS seconds (a handler set with uwsgi.register_signal runs it)"},
    OptionSpec{"rbtimer", "signal-rbtimer", K::list, G::lifecycle, S::implemented, &O::rbtimer, "SIG SECS",
        "the same as timer (uWSGI's red-black timer)"},
    OptionSpec{"signal-bufsize", "signals-bufsize", K::integer, G::lifecycle, S::implemented, &O::signal_bufsize,
        "N", "socket buffer bytes of each uWSGI signal channel; signals beyond it are dropped", {}, "the system's"},

    // --- the uwsgi module's shared state (docs/uwsgi-api.md)
    OptionSpec{"locks", "", K::integer, G::processes, S::implemented, &O::locks, "N",
        "user locks for uwsgi.lock(n): numbers 0..N (lock 0 always exists)",
        "As uWSGI: N locks besides lock 0, shared by every process of the instance. A lock whose holder "
        "died (harakiri, kill -9) is taken over by the next uwsgi.lock() with a warning in the log."},
    OptionSpec{"cache2", "", K::list, G::processes, S::implemented, &O::cache2,
        "name=NAME,items=N[,blocksize=B][,keysize=K][,purge_lru=1]",
        "a shared cache for uwsgi.cache_*; repeatable (several named caches)",
        "uWSGI's keyval syntax and defaults: blocksize (the largest value) 65536, keysize 2048, hashsize "
        "65536; `purge_lru` drops the least recently used key when full instead of refusing the new one. "
        "In memory shared by all workers, made by the master: it survives a worker's death, not a "
        "restart or reload. store, nodes, sync, udp, bitmap, math_initial, lazy_expire, sweep_on_full, "
        "clear_on_full, ignore_full, no_expire and lastmod are read and ignored with a warning."},
    OptionSpec{"cache", "", K::integer, G::processes, S::implemented, &O::cache, "N",
        "legacy: a shared cache called \"default\" of N items (as `cache2 = name=default,items=N`)"},
    OptionSpec{"cache-blocksize", "", K::size, G::processes, S::implemented, &O::cache_blocksize, "BYTES",
        "legacy `cache`: the largest value", {}, "65536"},

    // --- mules (src/master/mules.*, docs/uwsgi-api.md)
    OptionSpec{"mule", "", K::list, G::processes, S::implemented, &O::mule, "[FILE.py|MODULE:CALLABLE]",
        "add a mule: a process beside the workers running FILE.py, or a message loop when bare; repeatable",
        "As uWSGI's: a value ending in `.py` is run as `__main__` in the mule; `module:callable` is "
        "imported and called; anything else (a bare `mule`) runs the message loop that hands each "
        "message to `uwsgi.mule_msg_hook`. A mule that exits is started again (with back-off when it "
        "keeps dying within a second of its start). Mule ids are 1.. in the order of the `mule` "
        "entries, then the `mules` ones.", {}, Command::run, "true"},
    OptionSpec{"mules", "", K::integer, G::processes, S::implemented, &O::mules, "N",
        "add N mules running the message loop",
        "Unlike uWSGI, where each `mules` adds N, the last `mules` value is the count."},
    OptionSpec{"farm", "", K::list, G::processes, S::implemented, &O::farm, "NAME:ID[,ID...]",
        "a named group of mules sharing one message queue (`uwsgi.mule_msg(msg, \"NAME\")`); repeatable"},
    OptionSpec{"mule-msg-size", "", K::integer, G::processes, S::implemented, &O::mule_msg_size, "BYTES",
        "socket buffer size of each mule message queue",
        "A message that does not fit in the free space is refused (`mule_msg` returns False and a "
        "\"MULE MSG QUEUE IS FULL\" line is logged), never waited for.",
        "the kernel's"},
    OptionSpec{"mule-msg-recv-size", "", K::integer, G::processes, S::implemented, &O::mule_msg_recv_size, "BYTES",
        "read buffer of a bare mule's message loop (longer messages are cut)"},
    OptionSpec{"mule-reload-mercy", "", K::integer, G::lifecycle, S::implemented, &O::mule_reload_mercy, "SECONDS",
        "how long a mule may take to stop (stop, reload) before it is killed"},
    OptionSpec{"touch-mules-reload", "", K::list, G::lifecycle, S::implemented, &O::touch_mules_reload, "PATH",
        "restart the mules (not the workers) when PATH is modified; repeatable",
        "Each mule gets SIGTERM and is started again from the master, so a `mule = FILE.py` script runs "
        "its new code; the workers and a message loop's hooks keep the code the master imported."},

    // --- static files (src/static, docs/static.md)
    OptionSpec{"static-map", "", K::list, G::static_files, S::implemented, &O::static_map, "/MOUNT=PATH",
        "serve GET/HEAD under /MOUNT from the directory (or the one file) PATH; repeatable, tried in order",
        "As uWSGI's: `/static/css/a.css` with `static-map = /static=/srv/static` is /srv/static/css/a.css, "
        "answered by the worker's event loop without calling the application. A path that matches no file "
        "(or a directory without a `static-index`) goes to the application. Unlike uWSGI, a mountpoint "
        "matches whole segments (`/static` does not match `/staticx`). See docs/static.md."},
    OptionSpec{"static-map2", "", K::list, G::static_files, S::implemented, &O::static_map2, "/MOUNT=DIR",
        "like static-map, but the whole request path is appended to DIR; repeatable"},
    OptionSpec{"check-static", "static-check", K::list, G::static_files, S::implemented, &O::check_static, "DIR",
        "look for every request's path under DIR (a document root) before the application; repeatable",
        "Tried before the static-map mappings, as in uWSGI."},
    OptionSpec{"static-index", "", K::list, G::static_files, S::implemented, &O::static_index, "NAME",
        "file served for a directory request (e.g. index.html); repeatable, tried in order"},
    OptionSpec{"static-skip-ext", "", K::list, G::static_files, S::implemented, &O::static_skip_ext, "SUFFIX",
        "never serve files whose path ends with SUFFIX (e.g. .py); repeatable"},
    OptionSpec{"static-safe", "", K::list, G::static_files, S::implemented, &O::static_safe, "DIR",
        "a symlink out of a mapped directory may point under DIR; repeatable",
        "Without it, a file whose real path leaves the mapped directory is refused (403)."},
    OptionSpec{"mimefile", "mime-file", K::list, G::static_files, S::implemented, &O::mimefile, "FILE",
        "read media types from this mime.types file; repeatable",
        "Entries add to and override a built-in table of the common web types (html, css, js, json, svg, "
        "images, fonts, wasm...). Without `mimefile`, /etc/mime.types is read when it exists. An "
        "unknown extension is sent as application/octet-stream.",
        "/etc/mime.types when present, over a built-in table"},
    OptionSpec{"static-expires-type", "", K::list, G::static_files, S::implemented, &O::static_expires_type,
        "TYPE=SECONDS", "Expires and Cache-Control: max-age for static files of this media type; repeatable"},
    OptionSpec{"static-expires", "", K::list, G::static_files, S::implemented, &O::static_expires, "REGEX SECONDS",
        "Expires and Cache-Control: max-age for static files whose path matches REGEX; repeatable",
        "The regex (ECMAScript, as close to uWSGI's PCRE as the C++ library goes) is searched in the "
        "file's path as mapped (directory + request path). The first matching rule of static-expires, "
        "static-expires-uri, static-expires-type (in that order) applies."},
    OptionSpec{"static-expires-uri", "", K::list, G::static_files, S::implemented, &O::static_expires_uri,
        "REGEX SECONDS", "Expires and Cache-Control: max-age for static files whose request URI matches REGEX; repeatable"},
    OptionSpec{"static-gzip-all", "", K::boolean, G::static_files, S::implemented, &O::static_gzip_all, "",
        "serve FILE.gz (Content-Encoding: gzip) for every static FILE when it exists and the client accepts gzip"},
    OptionSpec{"static-gzip-dir", "static-gzip-prefix", K::list, G::static_files, S::implemented, &O::static_gzip_dir,
        "PREFIX", "the same for files whose path starts with PREFIX; repeatable"},
    OptionSpec{"static-gzip-ext", "static-gzip-suffix", K::list, G::static_files, S::implemented, &O::static_gzip_ext,
        "SUFFIX", "the same for files whose path ends with SUFFIX (e.g. .css); repeatable"},
    OptionSpec{"honour-range", "", K::boolean, G::static_files, S::implemented, &O::honour_range, "",
        "answer a static file's single Range: bytes= request with 206 (false: always the whole file)",
        "Off by default in uWSGI; on here, as in nginx. A multi-range request gets the whole file (200)."},
    OptionSpec{"offload-threads", "offload-thread", K::integer, G::static_files, S::no_op, &O::offload_threads, "N",
        "accepted for uWSGI configs: static files are sent by each worker's event loop",
        "uWSGI hands static files to N offload threads so that its workers are free; appserver's worker "
        "answers them from its event loop with sendfile(2), so there is nothing to configure."},

    // --- limits
    OptionSpec{"limit-post", "", K::size, G::limits, S::implemented, &O::limit_post, "BYTES",
        "largest request body accepted (0: no limit); larger gets 413"},
    OptionSpec{"post-buffering", "", K::size, G::limits, S::implemented, &O::post_buffering, "BYTES",
        "request bodies up to BYTES are read by the event loop before the app is called (0: streamed)",
        "The app then never waits for a slow client. With `limit-post` set, every body is read before the "
        "app: up to BYTES in memory, the rest in an unnamed temporary file in $TMPDIR (else /tmp; O_TMPFILE, "
        "never visible), as uWSGI does. Without `limit-post`, a larger body is streamed to `wsgi.input` as "
        "it arrives (a chunked one after its first BYTES), so a slow client holds a worker (or request "
        "thread) while the app reads it, for at most `http-timeout` per read: set `limit-post` or put a "
        "buffering proxy in front. uWSGI's default is 0 (off), and it reads bodies in the worker itself; "
        "64 KiB covers ordinary forms and JSON while bounding the memory each connection can hold. 0: "
        "bodies are streamed as they arrive (a chunked one under `limit-post` is still read whole, in memory).",
        "65536"},
    OptionSpec{"http-timeout", "", K::integer, G::limits, S::implemented, &O::http_timeout, "SECONDS",
        "how long a client may take, in all, to send a request head or a body read ahead (post-buffering); "
        "per read or write for a streamed body and the response"},
    OptionSpec{"http-keepalive", "", K::toggle, G::limits, S::implemented, &O::http_keepalive, "on|off|SECONDS",
        "HTTP/1.1 keep-alive: on, off (0), or on with an idle timeout of SECONDS (a number > 1)",
        "uWSGI's meaning (its http router's `http-keepalive`): a bare key, `true` or `1` turn keep-alive "
        "on, `0`/`false` turn it off, and a number above 1 is also the idle timeout in seconds. Where "
        "uWSGI then waits `http-timeout` (60 s) for the next request, appserver waits "
        "`http-keepalive-timeout`. Unlike uWSGI's router, keep-alive is on by default here, as in "
        "nginx and Gunicorn.",
        "`1` (on)", Command::run, "1"},
    OptionSpec{"http-keepalive-timeout", "", K::integer, G::limits, S::implemented, &O::http_keepalive_timeout,
        "SECONDS", "how long an idle keep-alive connection is kept open for its next request",
        "`http-keepalive = N` with N > 1 sets it too (uWSGI's spelling). 0 turns keep-alive off, as "
        "nginx's `keepalive_timeout 0` does."},
    OptionSpec{"add-header", "", K::list, G::limits, S::implemented, &O::add_header, "\"NAME: VALUE\"",
        "add this header to every response; repeatable",
        "As uWSGI's: written after the application's headers, on every response the server writes: the "
        "application's, static files', and the server's own answers (400, 413, 504...). A line without "
        "`:` or with a name that is not an HTTP token is refused at start."},
    OptionSpec{"del-header", "rem-header", K::list, G::limits, S::implemented, &O::del_header, "NAME",
        "drop the application's header NAME (any case) from its responses; repeatable",
        "As uWSGI's `del-header`/`rem-header`. Headers that add-header adds are kept."},
    OptionSpec{"max-fd", "", K::integer, G::limits, S::implemented, &O::max_fd, "N",
        "limit on open file descriptors (RLIMIT_NOFILE) per process; past the hard limit needs root",
        "As in uWSGI, sets RLIMIT_NOFILE at start, before binding. Unlike uWSGI, the hard limit is only ever "
        "raised (as root), never lowered, so a later reload can ask for more; without root, a value over "
        "the hard limit is warned about and the hard limit is used. Without `max-fd` the soft limit is "
        "raised to the hard limit (systemd's default soft limit is 1024). The banner shows the limit.",
        "0 (soft limit raised to the hard limit)"},
    OptionSpec{"uid", "", K::string, G::limits, S::implemented, &O::uid, "USER",
        "drop privileges to USER (name or number) after binding"},
    OptionSpec{"gid", "", K::string, G::limits, S::implemented, &O::gid, "GROUP",
        "drop privileges to GROUP (name or number) after binding"},
    OptionSpec{"umask", "", K::string, G::limits, S::implemented, &O::umask, "MASK",
        "octal umask of the master and workers, set first thing (e.g. 027)",
        "Applies to every file they create: unix sockets (unless `chmod-socket`), the pidfile, the log "
        "file, files the application writes.",
        "inherited"},

    OptionSpec{"forwarded-allow-ips", "", K::list, G::sockets, S::implemented, &O::forwarded_allow_ips, "ADDRS",
        "trust X-Forwarded-For/-Proto/-Ssl from these peers: addresses, CIDR blocks, unix, *; repeatable",
        "Off by default: anyone can send these headers. From a trusted peer (the TCP peer on an HTTP "
        "socket; on a uwsgi socket the REMOTE_ADDR the front-end sends) X-Forwarded-Proto `https`/`http` "
        "(its first value; else X-Forwarded-Ssl `on`/`off`) sets `wsgi.url_scheme`, and X-Forwarded-For "
        "sets `REMOTE_ADDR` to its rightmost address that is not itself trusted (nginx's "
        "`real_ip_recursive`); the peer's address is then kept in `appserver.proxy_addr` and "
        "`REMOTE_PORT` is dropped. Entries are separated by spaces or commas (`127.0.0.1 10.0.0.0/8 ::1`); "
        "`unix` trusts peers on unix sockets (they have no address), `*` trusts every peer. Values that "
        "are not https/http or not addresses change nothing. uWSGI has no such key: it believes "
        "X-Forwarded-Proto (any value) and X-Forwarded-Ssl from every client and never changes "
        "REMOTE_ADDR (`log-x-forwarded-for` only changes its log). Gunicorn's name. See "
        "docs/deployment.md, \"Behind a TLS proxy\".",
        "none (the headers are not believed)"},

    // --- stats
    OptionSpec{"stats", "stats-server", K::string, G::lifecycle, S::implemented, &O::stats, "ADDR",
        "serve uWSGI's stats JSON on ADDR (host:port, :port or a unix socket path) for uwsgitop",
        "Served by the master: each connection gets one JSON document with uWSGI 2.0's keys (workers, "
        "cores, listen queue...) and is closed; a client that does not read is dropped after 10 s and "
        "never holds up the master. Bound after `uid`/`gid` are applied; an address that cannot be "
        "bound stops the start (exit 1), but not a reload (logged, served without it). No "
        "authentication: keep it on loopback or a unix socket. See docs/observability.md."},
    OptionSpec{"stats-http", "", K::boolean, G::lifecycle, S::implemented, &O::stats_http, "",
        "serve the stats over HTTP instead (and Prometheus metrics on /metrics)",
        "As uWSGI's `stats-http`: the `stats` address answers HTTP requests with the JSON document "
        "(`application/json`); `GET /metrics` answers the Prometheus text format."},
    OptionSpec{"stats-prometheus", "", K::string, G::lifecycle, S::implemented, &O::stats_prometheus, "ADDR",
        "serve Prometheus metrics (text format) over HTTP on ADDR",
        "appserver's own key (uWSGI has none). Every path answers the metrics; see docs/observability.md "
        "for the metric names and a scrape configuration."},

    // --- uWSGI keys that ask for what appserver always does
    OptionSpec{"single-interpreter", "i", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "appserver runs one Python interpreter per process and never creates sub-interpreters."},
    OptionSpec{"enable-threads", "T", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "Python threads always work: the GIL is initialised and released between requests."},
    OptionSpec{"thunder-lock", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "uWSGI's accept() serialisation lock; appserver's accept path does not use one."},
    OptionSpec{"die-on-term", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "SIGTERM always stops appserver; reload is SIGHUP (`--reload`)."},
    OptionSpec{"py-call-osafterfork", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "Every worker calls PyOS_AfterFork_Child (os.register_at_fork handlers run, threading is reset), "
        "which is what uWSGI does only with this key."},
    OptionSpec{"need-app", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "appserver never serves without the application: the start fails (exit 1) when it cannot be loaded; "
        "under lazy-apps, workers that cannot load it are restarted with back-off."},
    OptionSpec{"harakiri-verbose", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "A harakiri kill is always logged with the worker's pid."},
    OptionSpec{"ignore-sigpipe", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "SIGPIPE is always ignored; a broken connection is an error return, not a signal."},
    OptionSpec{"ignore-write-errors", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "A write to a client that went away ends the request without an error log line."},
    OptionSpec{"disable-write-exception", "", K::boolean, G::unsupported, S::unsupported, {}, "", "",
        "The write() callable raises OSError when the client went away, so the application stops "
        "producing a response nobody reads; this is not configurable. Iteration stops without an error."},
    OptionSpec{"no-orphans", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "Workers always die with the master: each gets SIGTERM when its parent exits (PR_SET_PDEATHSIG)."},
    OptionSpec{"close-on-exec", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "Client connections are always close-on-exec (accept4 with SOCK_CLOEXEC): a process the "
        "application spawns does not inherit them."},
    OptionSpec{"close-on-exec2", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "Listening sockets are always close-on-exec in the workers: a process the application spawns "
        "does not inherit them."},
    OptionSpec{"tcp-nodelay", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "TCP_NODELAY is always set on TCP client connections."},
    OptionSpec{"log-master", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "appserver's processes log through one configured sink (stderr or logto); there is no log pipe."},

    // --- uWSGI keys appserver does not implement: warned about and ignored

    OptionSpec{"socket-timeout", "z", K::integer, G::unsupported, S::unsupported, {}, "", "",
        "See `http-timeout`."},
    OptionSpec{"log-reopen", "", K::boolean, G::no_op, S::no_op, {}, "", "accepted for uWSGI configs",
        "The log file is always reopened on reload (and on SIGUSR1 / --reopen-logs)."},
    OptionSpec{"route", "", K::list, G::unsupported, S::unsupported, {}, "", "", "No internal routing."},
    // --- config logic (ini files only; read by ini_logic.cpp, never stored): kept together at the end
    OptionSpec{"if-env", "ifenv", K::string, G::config, S::implemented, {}, "NAME[=VALUE]",
        "(ini) the lines up to endif apply when NAME is set (to VALUE); %(_) is its value",
        "Config logic, as in uWSGI: see docs/ini-files.md. Blocks nest; each is closed by `endif` "
        "(`else` starts the other branch). Only in ini files."},
    OptionSpec{"if-not-env", "", K::string, G::config, S::implemented, {}, "NAME[=VALUE]",
        "(ini) the lines up to endif apply when NAME is unset (or not VALUE)"},
    OptionSpec{"if-exists", "ifexists", K::string, G::config, S::implemented, {}, "PATH",
        "(ini) the lines up to endif apply when PATH exists; %(_) is PATH"},
    OptionSpec{"if-not-exists", "", K::string, G::config, S::implemented, {}, "PATH",
        "(ini) the lines up to endif apply when PATH does not exist; %(_) is PATH"},
    OptionSpec{"if-file", "", K::string, G::config, S::implemented, {}, "PATH",
        "(ini) the lines up to endif apply when PATH is a regular file; %(_) is PATH"},
    OptionSpec{"if-not-file", "", K::string, G::config, S::implemented, {}, "PATH",
        "(ini) the lines up to endif apply when PATH is not a regular file; %(_) is PATH"},
    OptionSpec{"if-dir", "ifdir if-directory", K::string, G::config, S::implemented, {}, "PATH",
        "(ini) the lines up to endif apply when PATH is a directory; %(_) is PATH"},
    OptionSpec{"if-not-dir", "", K::string, G::config, S::implemented, {}, "PATH",
        "(ini) the lines up to endif apply when PATH is not a directory; %(_) is PATH"},
    OptionSpec{"if-opt", "", K::string, G::config, S::implemented, {}, "KEY[=VALUE]",
        "(ini) the lines up to endif apply when KEY was set earlier in the ini files (to VALUE); "
        "%(_) is its value"},
    OptionSpec{"if-not-opt", "", K::string, G::config, S::implemented, {}, "KEY[=VALUE]",
        "(ini) the lines up to endif apply when KEY was not set earlier (or not to VALUE)"},
    OptionSpec{"if-hostname", "", K::string, G::config, S::implemented, {}, "NAME",
        "(ini) the lines up to endif apply when the host name is NAME"},
    OptionSpec{"if-not-hostname", "", K::string, G::config, S::implemented, {}, "NAME",
        "(ini) the lines up to endif apply when the host name is not NAME"},
    OptionSpec{"if-hostname-match", "", K::string, G::config, S::implemented, {}, "REGEX",
        "(ini) the lines up to endif apply when the host name matches REGEX"},
    OptionSpec{"if-not-hostname-match", "", K::string, G::config, S::implemented, {}, "REGEX",
        "(ini) the lines up to endif apply when the host name does not match REGEX"},
    OptionSpec{"if-plugin", "ifplugin", K::string, G::config, S::implemented, {}, "NAME",
        "(ini) the lines up to endif apply for appserver's plugins (python, python3, python312..., http), not for others"},
    OptionSpec{"if-not-plugin", "", K::string, G::config, S::implemented, {}, "NAME",
        "(ini) the lines up to endif apply for plugins other than the Python ones and http"},
    OptionSpec{"if-reload", "", K::string, G::config, S::implemented, {}, "",
        "(ini) never true: a reload re-reads the configuration as a first start"},
    OptionSpec{"if-not-reload", "", K::string, G::config, S::implemented, {}, "",
        "(ini) always true: a reload re-reads the configuration as a first start"},
    OptionSpec{"else", "", K::string, G::config, S::implemented, {}, "",
        "(ini) the lines up to endif apply when the if-* before failed"},
    OptionSpec{"endif", "end-if end", K::string, G::config, S::implemented, {}, "",
        "(ini) ends an if-* block (`end` ends any block)"},
    OptionSpec{"for", "", K::string, G::config, S::implemented, {}, "WORDS",
        "(ini) the lines up to endfor are read once per space-separated word, with %(_) the word"},
    OptionSpec{"for-times", "", K::string, G::config, S::implemented, {}, "N",
        "(ini) the lines up to endfor are read for %(_) = 1 .. N"},
    OptionSpec{"for-glob", "", K::string, G::config, S::implemented, {}, "PATTERN",
        "(ini) the lines up to endfor are read once per path matching PATTERN"},
    OptionSpec{"for-readline", "", K::string, G::config, S::implemented, {}, "FILE",
        "(ini) the lines up to endfor are read once per line of FILE"},
    OptionSpec{"endfor", "end-for", K::string, G::config, S::implemented, {}, "",
        "(ini) ends a for block"},
    OptionSpec{"print", "iprint", K::list, G::config, S::implemented, &O::print, "TEXT",
        "log TEXT at start (after placeholder expansion); repeatable"},
};
// clang-format on

// Levenshtein distance, small strings only.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

}  // namespace

// kTable, then one unsupported row per uWSGI name in the catalogue that kTable does not have. Built
// once; every lookup goes through it, so a uWSGI name is never "unknown".
std::span<const OptionSpec> option_table() {
    static const std::vector<OptionSpec> table = [] {
        std::vector<OptionSpec> rows(kTable.begin(), kTable.end());
        for (const CatalogueEntry& entry : uwsgi_catalogue()) {
            // On the command line a long-tail key takes the next argument as its value unless that is
            // an option (`--mule app.py`, `--thunder-lock --http :8000`); in an ini file a bare key is
            // fine. Its value is never looked at.
            rows.push_back(OptionSpec{.name = entry.name,
                                      .aliases = entry.short_alias,
                                      .kind = OptionKind::string,
                                      .group = OptionGroup::uwsgi_other,
                                      .status = OptionStatus::unsupported,
                                      .field = {},
                                      .metavar = "",
                                      .help = "",
                                      .note = entry.note,
                                      .bare_value = "true"});
        }
        return rows;
    }();
    return table;
}

std::string option_names_in_group(OptionGroup group) {
    std::string out;
    for (const OptionSpec& spec : option_table()) {
        if (spec.group != group) continue;
        if (!out.empty()) out += ", ";
        out += spec.name;
    }
    return out;
}

std::string normalize_key(std::string_view key) {
    std::string out(key);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
}

std::vector<std::string_view> option_aliases(const OptionSpec& spec) {
    std::vector<std::string_view> out;
    std::string_view rest = spec.aliases;
    while (!rest.empty()) {
        std::size_t space = rest.find(' ');
        std::string_view word = rest.substr(0, space);
        if (!word.empty()) out.push_back(word);
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
    }
    return out;
}

const OptionSpec* find_option(std::string_view key) {
    const std::string wanted = normalize_key(key);
    if (wanted.size() < 2) return nullptr;  // one-letter names are command-line short forms only
    for (const OptionSpec& spec : option_table()) {
        if (spec.name == wanted) return &spec;
        for (std::string_view alias : option_aliases(spec)) {
            if (alias.size() > 1 && alias == wanted) return &spec;
        }
    }
    return nullptr;
}

const OptionSpec* find_short_option(char letter) {
    for (const OptionSpec& spec : option_table()) {
        for (std::string_view alias : option_aliases(spec)) {
            if (alias.size() == 1 && alias[0] == letter) return &spec;
        }
    }
    return nullptr;
}

// Only kTable's names are proposed: a typo is worth correcting into a key that does something or that
// a uWSGI config commonly has, not into one of uWSGI's hundreds of long-tail names (`foo` -> `for`).
// A real uWSGI name is found by find_option and never gets here.
std::string_view suggest_option(std::string_view key) {
    const std::string wanted = normalize_key(key);
    std::string_view best;
    std::size_t best_distance = 3;  // more than two edits away is not a typo
    for (const OptionSpec& spec : kTable) {
        // `for`, `else`, `end`...: short words that user variables (`foo`) are close to; a misspelt
        // block key shows up anyway as an unclosed or stray block.
        if (is_logic_key(spec.name)) continue;
        std::size_t d = edit_distance(wanted, spec.name);
        if (d < best_distance && d < spec.name.size() / 2 + 1) {
            best = spec.name;
            best_distance = d;
        }
    }
    return best;
}

std::string_view kind_name(OptionKind kind) {
    switch (kind) {
        case OptionKind::string: return "string";
        case OptionKind::integer: return "int";
        case OptionKind::size: return "size";
        case OptionKind::boolean: return "bool";
        case OptionKind::toggle: return "bool or int";
        case OptionKind::list: return "list";
    }
    return "?";
}

std::string_view status_name(OptionStatus status) {
    switch (status) {
        case OptionStatus::implemented: return "implemented";
        case OptionStatus::no_op: return "no-op";
        case OptionStatus::unsupported: return "unsupported";
    }
    return "?";
}

std::string_view group_title(OptionGroup group) {
    switch (group) {
        case OptionGroup::config: return "Configuration files";
        case OptionGroup::commands: return "Commands (command line only)";
        case OptionGroup::sockets: return "Sockets";
        case OptionGroup::application: return "Application";
        case OptionGroup::processes: return "Processes";
        case OptionGroup::lifecycle: return "Lifecycle";
        case OptionGroup::static_files: return "Static files";
        case OptionGroup::limits: return "Limits";
        case OptionGroup::no_op: return "Accepted uWSGI keys that change nothing (no-ops)";
        case OptionGroup::unsupported: return "Unsupported uWSGI keys (warned about and ignored)";
        case OptionGroup::uwsgi_other: return "Every other uWSGI key (not supported: warned about and ignored)";
    }
    return "?";
}

std::string option_default_text(const OptionSpec& spec) {
    if (!spec.default_note.empty()) return std::string(spec.default_note);
    static const Options defaults;
    struct Render {
        std::string operator()(std::monostate) const { return ""; }
        std::string operator()(std::string Options::*m) const { return defaults.*m; }
        std::string operator()(int Options::*m) const { return std::to_string(defaults.*m); }
        std::string operator()(std::uint64_t Options::*m) const { return std::to_string(defaults.*m); }
        std::string operator()(bool Options::*m) const { return defaults.*m ? "true" : "false"; }
        std::string operator()(std::vector<std::string> Options::*) const { return ""; }
    };
    return std::visit(Render{}, spec.field);
}

}  // namespace appserver::config
