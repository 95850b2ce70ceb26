"""Start-up from the command line and ini files, and every refusal: one line, exit code 1."""
import socket
import textwrap

import requests

from harness import APPS, ROOT, Server, free_port, run_cli


def assert_refused(result, *culprits):
    assert result.returncode == 1, result
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert lines, "no message"
    for culprit in culprits:
        assert culprit in result.stderr, result.stderr
    assert "terminate called" not in result.stderr and "what()" not in result.stderr
    return lines


def test_version_and_help():
    r = run_cli(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("appserver ")
    r = run_cli(["--help"])
    assert r.returncode == 0 and "--wsgi-file" in r.stdout and "--http" in r.stdout


def test_unknown_option_is_refused():
    lines = assert_refused(run_cli(["--http", ":0", "--wsgi-file", str(APPS / "echo.py"), "--prcesses", "2"]),
                           "prcesses")
    assert len(lines) == 1


def test_bad_value_is_refused():
    assert len(assert_refused(run_cli(["--http", ":0", "--wsgi-file", str(APPS / "echo.py"),
                                       "--processes", "abc"]), "processes", "abc")) == 1


def test_missing_wsgi_file_is_refused(tmp_path):
    assert_refused(run_cli(["--http", ":0", "--wsgi-file", "nope.py"], cwd=tmp_path), "nope.py")


def test_missing_ini_is_refused(tmp_path):
    assert_refused(run_cli(["--ini", "missing.ini"], cwd=tmp_path), "missing.ini")


def test_unparseable_address_is_refused():
    assert_refused(run_cli(["--http", "nonsense", "--wsgi-file", str(APPS / "echo.py")]), "nonsense")


def test_address_in_use_is_refused():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        lines = assert_refused(run_cli(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "echo.py")]),
                               f"127.0.0.1:{port}", "in use")
        assert len(lines) == 1


def test_import_error_prints_traceback_and_exits_1(tmp_path):
    app = tmp_path / "broken.py"
    app.write_text("import no_such_module_here\n")
    r = run_cli(["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(app)])
    assert r.returncode == 1
    assert "no_such_module_here" in r.stderr and "Traceback" in r.stderr


def test_missing_callable_is_refused(tmp_path):
    app = tmp_path / "nocall.py"
    app.write_text("x = 1\n")
    assert_refused(run_cli(["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(app)]), "application")
    assert_refused(run_cli(["--http", f"127.0.0.1:{free_port()}", "--module", "nocall:app"], cwd=tmp_path), "app")


def test_check_config_binds_and_forks_nothing(tmp_path):
    port = free_port()
    r = run_cli(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "echo.py"), "--processes", "3",
                 "--check-config"])
    assert r.returncode == 0, r.stderr
    assert f"127.0.0.1:{port}" in r.stdout and "echo.py" in r.stdout and "3" in r.stdout
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # still free
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('no')\n")
    assert run_cli(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(bad), "--check-config"]).returncode == 1


def test_uwsgi_style_ini_serves(tmp_path):
    port = free_port()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "app.py").write_text(textwrap.dedent("""
        import os
        def application(env, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [(os.environ['GREETING'] + ' ' + os.getcwd()).encode()]
    """))
    ini = tmp_path / "uwsgi.ini"
    ini.write_text(textwrap.dedent(f"""
        # a comment before the section
        [uwsgi]
        base = %d
          http = 127.0.0.1:{port}
        chdir = %(base)site
        wsgi_file = app.py
        master
        processes = 2
        env = GREETING=$(TEST_GREETING)
        enable-threads = true
        ; another comment
    """))
    server = Server(["--ini", str(ini)], tmp_path, env={"TEST_GREETING": "hi"}, port=port).start()
    try:
        r = requests.get(server.url("/"), timeout=10)
        assert r.text == f"hi {tmp_path / 'site'}"
        server.wait_workers(2)
    finally:
        server.stop()


def test_example_ini_checks(tmp_path):
    r = run_cli(["--ini", str(ROOT / "examples" / "uwsgi.ini"), "--check-config"])
    assert r.returncode == 0, r.stderr


# Everything a start creates needs a directory: --check-config says so, instead of "OK" then a failed start.
def test_check_config_refuses_missing_directories(tmp_path):
    (tmp_path / "afile").write_text("")
    base = ["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APPS / "echo.py"), "--check-config"]
    for option, path, why in [("--pidfile", tmp_path / "nodir" / "app.pid", "does not exist"),
                              ("--daemonize", tmp_path / "nodir" / "app.log", "does not exist"),
                              ("--logto", tmp_path / "afile" / "app.log", "is not a directory"),
                              ("--socket", tmp_path / "nodir" / "app.sock", "does not exist")]:
        lines = assert_refused(run_cli(base + [option, str(path)], cwd=tmp_path), str(path), why)
        assert lines[-1].startswith(f"appserver: {option[2:]} {path}: directory {path.parent} "), lines
    # Relative paths are taken from where appserver starts, as the start takes them.
    (tmp_path / "run").mkdir()
    assert run_cli(base + ["--pidfile", "run/app.pid"], cwd=tmp_path).returncode == 0
    assert_refused(run_cli(base + ["--pidfile", "nodir/app.pid"], cwd=tmp_path), "nodir/app.pid")


# What the start refuses, the check (and so a reload) refuses: a path that is a directory, a stats
# address that cannot be. Before, --check-config said OK and the start (or the reload) failed.
def test_check_config_refuses_what_the_start_would(tmp_path):
    base = ["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APPS / "echo.py"), "--check-config"]
    (tmp_path / "adir").mkdir()
    for args, said in [(["--pidfile", str(tmp_path / "adir")], f"pidfile {tmp_path / 'adir'} is a directory"),
                       (["--logger", f"file:{tmp_path / 'adir'}"], f"logger {tmp_path / 'adir'} is a directory"),
                       (["--req-logger", f"file:{tmp_path / 'adir'}"], "req-logger"),
                       (["--stats", "127.0.0.1:99999"], "option stats: "),
                       (["--stats-prometheus", "127.0.0.1:"], "option stats-prometheus: ")]:
        assert_refused(run_cli(base + args, cwd=tmp_path), said)


# `wsgi-file haha.py` (no '='): the error is "no application", and the warning above it shows the fix.
def test_missing_equals_is_pointed_at(tmp_path):
    (tmp_path / "haha.py").write_text((APPS / "echo.py").read_text())
    (tmp_path / "uwsgi.ini").write_text(f"[uwsgi]\nhttp = 127.0.0.1:{free_port()}\nwsgi-file haha.py\n")
    for extra in (["--check-config"], []):
        lines = assert_refused(run_cli(["--ini", "uwsgi.ini"] + extra, cwd=tmp_path), "no application")
        assert 'uwsgi.ini:3: unknown key "wsgi-file haha.py" (missing \'=\'? did you mean "wsgi-file = haha.py"?)' \
            in "\n".join(lines), lines


# An ini whose only application is `mount = /=app.py` serves it (uWSGI's mount at the root).
def test_root_mount_serves(tmp_path):
    port = free_port()
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        def application(env, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [('mounted ' + env['SCRIPT_NAME'] + '|' + env['PATH_INFO']).encode()]
    """))
    (tmp_path / "uwsgi.ini").write_text(f"[uwsgi]\nhttp = 127.0.0.1:{port}\nchdir = %d\nmount = /=app.py\n")
    assert run_cli(["--ini", "uwsgi.ini", "--check-config"], cwd=tmp_path).returncode == 0
    server = Server(["--ini", "uwsgi.ini"], tmp_path, port=port).start()
    try:
        assert requests.get(server.url("/a/b"), timeout=10).text == "mounted |/a/b"
    finally:
        server.stop()
    (tmp_path / "prefix.ini").write_text(f"[uwsgi]\nhttp = 127.0.0.1:{port}\nmount = app=app.py\n")
    assert_refused(run_cli(["--ini", "prefix.ini"], cwd=tmp_path), "prefix.ini:3: option mount", "must start with /")
