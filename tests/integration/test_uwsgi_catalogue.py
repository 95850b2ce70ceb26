"""A uwsgi.ini full of real uWSGI keys appserver does not implement: --check-config accepts it (also under
strict) with exactly one warning per unsupported key, naming file:line, and the server then serves it.
The list of names is tests/data/uwsgi-2.0-options.txt (scripts/uwsgi_option_list.py)."""
import re
import textwrap

import requests

from harness import ROOT, Server, free_port, run_cli

# Long-tail keys as real projects write them, each unsupported here: key -> line in the ini below.
UNSUPPORTED = [
    "mule-harakiri", "spooler-import", "route", "static-expires-mtime", "stats-push", "cheaper-rss-limit-soft",
    "zerg", "subscribe-to", "ksm", "touch-chain-reload", "so-keepalive",
    "py-tracebacker", "emperor",
]


def write_site(tmp_path, port, extra=""):
    (tmp_path / "catalogue_module.py").write_text(textwrap.dedent("""
        def application(env, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'module']
    """))
    (tmp_path / "catalogue_file.py").write_text(textwrap.dedent("""
        def application(env, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'file']
    """))
    (tmp_path / "static").mkdir(exist_ok=True)
    ini = tmp_path / "uwsgi.ini"
    ini.write_text(textwrap.dedent(f"""\
        [uwsgi]
        strict = true
        http-socket = 127.0.0.1:{port}
        chdir = %d
        pythonpath = %d
        wsgi-file = catalogue_file.py
        module = catalogue_module:application
        master = true
        processes = 2
        enable-threads = true
        single-interpreter = true
        die-on-term = true
        need-app = true
        thunder-lock = true
        lazy = true
        vacuum = true
        mule-harakiri = 30
        mule-harakiri = 60
        spooler-import = tasks.py
        cache2 = name=default,items=100
        route = ^/old redirect:/new
        static-map = /static=%dstatic
        static-expires-mtime = \\.css$ 3600
        stats-push = statsd:127.0.0.1:8125
        cheaper-rss-limit-soft = 100000000
        zerg = /tmp/zerg.sock
        subscribe-to = 127.0.0.1:3031:example.com
        ksm = 10
        touch-chain-reload = %dreload.txt
        so-keepalive = true
        py-tracebacker = /tmp/tbsocket
        emperor = /etc/uwsgi/vassals
        {extra}"""))
    return ini


def warning_lines(output):
    return [l for l in output.splitlines() if "warning" in l]


def test_check_config_warns_once_per_unsupported_key_then_serves(tmp_path):
    port = free_port()
    ini = write_site(tmp_path, port)
    lines = ini.read_text().splitlines()
    r = run_cli(["--ini", str(ini), "--check-config"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    warnings = warning_lines(r.stdout + r.stderr)
    unsupported = [w for w in warnings if "uWSGI option not supported here" in w]
    for key in UNSUPPORTED:
        line = next(i for i, text in enumerate(lines, 1) if text.startswith(key + " "))
        found = [w for w in unsupported if f"uwsgi.ini:{line}: {key}: uWSGI option not supported here" in w]
        assert len(found) == 1, (key, unsupported)
    assert len(unsupported) == len(UNSUPPORTED), unsupported  # mule-harakiri twice: one warning
    # The note says what to use instead or which issue plans it.
    assert any("mule-harakiri:" in w and "docs/uwsgi-api.md" in w for w in unsupported)
    assert any("static-expires-mtime:" in w and "docs/static.md" in w for w in unsupported)
    assert not any("unknown key" in w or "did you mean" in w for w in warnings), warnings
    # module and wsgi-file: module is served, as uWSGI does, with one warning (not an error).
    both = [w for w in warnings if "both module" in w]
    assert len(both) == 1 and "uwsgi.ini:6:" in both[0], warnings
    assert len(warnings) == len(UNSUPPORTED) + 1, warnings

    server = Server(["--ini", str(ini)], tmp_path, port=port).start()
    try:
        r = requests.get(server.url("/"), timeout=10)
        assert r.status_code == 200 and r.text == "module"
        server.wait_workers(2)
    finally:
        server.stop()
    log = server.log()
    assert len(re.findall(r"mule-harakiri: uWSGI option not supported here", log)) == 1, log


def test_strict_still_refuses_a_name_uwsgi_does_not_know(tmp_path):
    ini = write_site(tmp_path, free_port(), extra="mulle = tasks.py\n")
    r = run_cli(["--ini", str(ini), "--check-config"], cwd=tmp_path)
    assert r.returncode == 1
    assert 'unknown key "mulle"' in r.stderr, r.stderr
    # Without strict, a typo is a warning; a real uWSGI key is never offered as its correction.
    ini.write_text(ini.read_text().replace("strict = true", "strict = false"))
    r = run_cli(["--ini", str(ini), "--check-config"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'unknown key "mulle"' in r.stdout + r.stderr


def test_help_summarises_the_long_tail():
    r = run_cli(["--help"])
    assert r.returncode == 0
    names = sum(1 for l in (ROOT / "tests" / "data" / "uwsgi-2.0-options.txt").read_text().splitlines()
                if l and not l.startswith("#"))
    assert names > 850
    assert re.search(r"Every other uWSGI 2\.0 key \(\d+ more\)", r.stdout), r.stdout
    assert "emperor" not in r.stdout
    assert len(r.stdout.splitlines()) < 250  # one line per implemented key, not hundreds of names
