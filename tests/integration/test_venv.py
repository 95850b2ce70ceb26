"""home / venv / virtualenv, and a VIRTUAL_ENV already set: the app runs inside the virtualenv."""
import shutil
import subprocess
import sys
import textwrap

import pytest
import requests

from harness import APPS, OTHER_PLUGIN, free_port, run_cli

# The venv is made with Debian's python3 (3.11), for its python3-flask: under another interpreter's
# plugin (make test-interpreters) it is refused by design; test_plugins.py covers that plugin's venv.
pytestmark = pytest.mark.skipif(bool(OTHER_PLUGIN), reason="the venv is Debian's Python 3.11's")

APP = textwrap.dedent("""
    import sys
    import flask  # from Debian's dist-packages, visible through --system-site-packages
    def application(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [sys.prefix.encode()]
""")


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    path = tmp_path_factory.mktemp("venv") / "env"
    result = subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"python3 -m venv unavailable: {result.stderr.strip()}")
    return path


@pytest.mark.parametrize("key", ["--home", "--venv", "--virtualenv"])
def test_venv_option_sets_the_interpreter_prefix(serve, tmp_path, venv, key):
    (tmp_path / "app.py").write_text(APP)
    s = serve(None, "--wsgi-file", str(tmp_path / "app.py"), key, str(venv))
    assert requests.get(s.url("/"), timeout=10).text == str(venv)


def test_virtual_env_variable_is_honoured(serve, tmp_path, venv):
    (tmp_path / "app.py").write_text(APP)
    s = serve(None, "--wsgi-file", str(tmp_path / "app.py"), env={"VIRTUAL_ENV": str(venv)})
    assert requests.get(s.url("/"), timeout=10).text == str(venv)


# A venv made with another Python (here: its pyvenv.cfg says 3.99) cannot serve: its packages sit in
# lib/python3.99. --check-config and a start both say so, instead of "No module named ..." later.
def test_venv_of_another_python_version_is_named(tmp_path, venv):
    other = tmp_path / "other"
    shutil.copytree(venv, other, symlinks=True)
    cfg = other / "pyvenv.cfg"
    cfg.write_text("\n".join("version = 3.99.0" if line.startswith("version") else line
                             for line in cfg.read_text().splitlines()) + "\n")
    args = ["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APPS / "echo.py"), "--home", str(other)]
    ours = f"{sys.version_info.major}.{sys.version_info.minor}"
    for extra in (["--check-config"], []):
        r = run_cli(args + extra)
        assert r.returncode == 1, r
        assert f'venv "{other}" was made with Python 3.99 (its pyvenv.cfg) but plugin python3 runs Python {ours}: ' \
            "use `plugins = python399` (build it with `make plugin PYTHON=/path/to/python3.99`)" in r.stderr, r.stderr
