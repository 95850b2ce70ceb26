"""uWSGI config logic and lenient values in a real start: if-env / if-exists / if-not-exists / for /
print, and inline comments after numbers and booleans."""
import os
import textwrap

import requests

from harness import APPS, Server, free_port, run_cli


def write_ini(tmp_path, body):
    ini = tmp_path / "uwsgi.ini"
    ini.write_text(textwrap.dedent(body))
    return ini


def test_for_if_and_print_shape_the_running_server(tmp_path):
    first, second, skipped = free_port(), free_port(), free_port()
    (tmp_path / "extra").mkdir()
    ini = write_ini(tmp_path, f"""\
        [uwsgi]
        wsgi-file = {APPS / 'echo.py'}
        master = true ; the master
        processes = 2   # two workers
        max-requests = 1000   # restart often
        for = {first} {second}
        http = 127.0.0.1:%(_)
        endfor =
        if-env = CFGLOGIC_STAGE
        print = stage is %(_)
        endif =
        if-exists = %dextra
        print = found %(_)
        endif =
        if-not-exists = %dextra
        http = 127.0.0.1:{skipped}
        print = never printed
        endif =
        if-env = CFGLOGIC_UNSET_VARIABLE
        processes = 7
        else =
        print = no CFGLOGIC_UNSET_VARIABLE
        endif =
        """)
    env = dict(os.environ, CFGLOGIC_STAGE="staging")
    env.pop("CFGLOGIC_UNSET_VARIABLE", None)
    checked = run_cli(["--ini", str(ini), "--check-config"], cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked
    assert "print: stage is staging" in checked.stdout and "never printed" not in checked.stdout
    assert f"socket: http 127.0.0.1:{first}" in checked.stdout
    assert f"socket: http 127.0.0.1:{second}" in checked.stdout
    assert str(skipped) not in checked.stdout
    server = Server(["--ini", str(ini)], tmp_path, env={"CFGLOGIC_STAGE": "staging"}, port=first)
    try:
        server.start()
        # Both sockets the for generated are served, by the app.
        for port in (first, second):
            r = requests.get(f"http://127.0.0.1:{port}/hello", timeout=10)
            assert r.status_code == 200, r.text
        # The if-not-exists block was skipped: its socket is not there.
        refused = False
        try:
            requests.get(f"http://127.0.0.1:{skipped}/", timeout=5)
        except requests.ConnectionError:
            refused = True
        assert refused
        server.wait_workers(2)
        log = server.log()
        assert "stage is staging" in log
        assert f"found {tmp_path}/extra" in log
        assert "no CFGLOGIC_UNSET_VARIABLE" in log
        assert "never printed" not in log
        assert "uwsgi.ini:5: max-requests: inline comment ignored, the value read is \"1000\"" in log
        assert "uwsgi.ini:4: processes: inline comment ignored" in log
        assert "uwsgi.ini:3: master: inline comment ignored" in log
    finally:
        server.stop()


def test_unclosed_block_is_refused_with_file_and_line(tmp_path):
    ini = write_ini(tmp_path, f"""\
        [uwsgi]
        http = 127.0.0.1:{free_port()}
        wsgi-file = {APPS / 'echo.py'}
        if-env = HOME
        processes = 2
        """)
    r = run_cli(["--ini", str(ini)], cwd=tmp_path)
    assert r.returncode == 1, r
    assert f"{ini}:4: if-env block is not closed" in r.stderr, r.stderr
    r = run_cli(["--ini", str(ini), "--check-config"], cwd=tmp_path)
    assert r.returncode == 1 and f"{ini}:4: if-env block is not closed" in r.stderr, r.stderr


def test_stray_endif_is_refused_with_file_and_line(tmp_path):
    ini = write_ini(tmp_path, f"""\
        [uwsgi]
        http = 127.0.0.1:{free_port()}
        wsgi-file = {APPS / 'echo.py'}
        endif =
        """)
    r = run_cli(["--ini", str(ini)], cwd=tmp_path)
    assert r.returncode == 1, r
    assert f"{ini}:4: endif without an open block" in r.stderr, r.stderr


def test_failed_start_shows_the_warnings_that_explain_it(tmp_path):
    # `wsgi-file haha.py` without its '=' is an unknown key; the start then fails for want of an app.
    # The warning naming that line must come with the error, for a run and for --check-config.
    ini = write_ini(tmp_path, f"""\
        [uwsgi]
        http = 127.0.0.1:{free_port()}
        wsgi-file haha.py
        processes = 2 # two
        """)
    for extra in ([], ["--check-config"]):
        r = run_cli(["--ini", str(ini), *extra], cwd=tmp_path)
        assert r.returncode == 1, r
        lines = r.stderr.splitlines()
        assert "no application" in lines[-1], r.stderr
        assert any(f"{ini}:3: unknown key \"wsgi-file haha.py\"" in l for l in lines), r.stderr
        assert any(f"{ini}:4: processes: inline comment ignored" in l for l in lines), r.stderr


def test_failed_app_import_shows_the_warnings_too(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom at import')\n")
    ini = write_ini(tmp_path, f"""\
        [uwsgi]
        http = 127.0.0.1:{free_port()}
        wsgi-file = broken.py
        chdir = {tmp_path}
        harakiri-verbose = true
        max-requests = 5 ; five
        """)
    for extra in ([], ["--check-config"]):
        r = run_cli(["--ini", str(ini), *extra], cwd=tmp_path)
        assert r.returncode == 1, r
        out = r.stdout + r.stderr
        assert "boom at import" in out, out
        assert f"{ini}:6: max-requests: inline comment ignored" in out, out
