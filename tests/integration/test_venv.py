"""home / venv / virtualenv, and a VIRTUAL_ENV already set: the app runs inside the virtualenv."""
import subprocess
import textwrap

import pytest
import requests

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
