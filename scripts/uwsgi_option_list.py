#!/usr/bin/env python3
"""Regenerates tests/data/uwsgi-2.0-options.txt from `uwsgi --plugin python3,http,... --help`.

The plugins loaded are the ones uWSGI 2.0.21's pip build (`pip install uwsgi`: buildconf/default.ini,
which inherits buildconf/base.ini) has built in, since most Python projects run that build and their
ini files use its keys (e.g. kobotoolbox's cheaper-busyness-*); Debian ships each as a plugin. Those not
installed are skipped and named on stderr (mongodblog is not packaged by Debian).

Needs Debian's uWSGI (apt-get install -y uwsgi-core uwsgi-plugin-python3 uwsgi-plugin-gevent-python3); CI
only reads the committed list (tests/unit/config/uwsgi_catalogue_test.cpp checks every name is in the
option table).

Output: one line per long option name, sorted: `name<TAB>short<TAB>description`, where short is the
one-letter command-line alias uWSGI gives that name (`-p|--processes`) or empty.
Usage: scripts/uwsgi_option_list.py [OUTPUT]   (default: tests/data/uwsgi-2.0-options.txt)
"""
import os
import re
import subprocess
import sys

# buildconf/default.ini (main_plugin = python,gevent) + base.ini's embedded_plugins, uWSGI 2.0.21.
PIP_BUILD_PLUGINS = [
    "python3", "gevent_python3", "ping", "cache", "nagios", "rrdtool", "carbon", "rpc", "corerouter", "fastrouter",
    "http", "ugreen", "signal", "syslog", "rsyslog", "logsocket", "router_uwsgi", "router_redirect",
    "router_basicauth", "zergpool", "redislog", "mongodblog", "router_rewrite", "router_http", "logfile",
    "router_cache", "rawrouter", "router_static", "sslrouter", "spooler", "cheaper_busyness", "symcall",
    "transformation_tofile", "transformation_gzip", "transformation_chunked", "transformation_offload",
    "router_memcached", "router_redis", "router_hash", "router_expires", "router_metrics",
    "transformation_template", "stats_pusher_socket",
]
PLUGIN_DIR = "/usr/lib/uwsgi/plugins"

LINE = re.compile(r"^    (?:-(?P<short>[A-Za-z0-9])\|)?--(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\s+(?P<desc>.*))?$")


def parse(help_text):
    options = {}
    for line in help_text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name = m.group("name")
        desc = " ".join((m.group("desc") or "").split())
        options.setdefault(name, (m.group("short") or "", desc))
    return options


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "uwsgi-2.0-options.txt")
    plugins = [p for p in PIP_BUILD_PLUGINS if os.path.exists(os.path.join(PLUGIN_DIR, f"{p}_plugin.so"))]
    missing = sorted(set(PIP_BUILD_PLUGINS) - set(plugins))
    if missing:
        print(f"plugins not installed, their options are left out: {', '.join(missing)}", file=sys.stderr)
    proc = subprocess.run(["uwsgi", "--plugin", ",".join(plugins), "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    options = parse(proc.stdout + proc.stderr)
    if len(options) < 500:
        sys.exit(f"only {len(options)} options parsed from uwsgi --help (exit {proc.returncode}); is uWSGI installed?")
    version = subprocess.run(["uwsgi", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# uwsgi {version} --plugin PLUGINS --help, PLUGINS being those pip's uWSGI build has built in"
                f" (installed here: {','.join(plugins)}); regenerate: scripts/uwsgi_option_list.py\n")
        for name in sorted(options):
            short, desc = options[name]
            f.write(f"{name}\t{short}\t{desc}\n")
    print(f"{out}: {len(options)} options")


if __name__ == "__main__":
    main()
