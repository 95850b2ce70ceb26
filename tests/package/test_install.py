"""`cmake --install build --prefix P` and `make install DESTDIR=... PREFIX=...`: the files land where the
docs say, and the installed binary serves an example app from the installed tree."""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import DECORATORS_APP, ROOT, get, run, serving

EXPECTED = [
    "bin/appserver",
    "share/man/man1/appserver.1",
    "share/doc/appserver/options.md",
    "share/doc/appserver/deployment.md",
    "share/doc/appserver/README.md",
    "share/doc/appserver/copyright",
    "share/doc/appserver/examples/hello.py",
    "share/doc/appserver/examples/flask_app/app.py",
    "share/doc/appserver/examples/nginx/appserver.conf",
    "share/appserver/python/uwsgidecorators.py",
]


@pytest.fixture(scope="module")
def prefix(build_dir, tmp_path_factory):
    """`cmake --install build --prefix P` into a scratch directory. DESTDIR too, so that a part installed
    with an absolute destination (/etc/logrotate.d) lands in the scratch directory, not on this machine."""
    stage = tmp_path_factory.mktemp("install")
    run(["cmake", "--install", build_dir, "--prefix", "/opt/appserver-test"], env={**os.environ, "DESTDIR": str(stage)})
    return stage / "opt/appserver-test"


def test_install_puts_every_file_in_place(prefix):
    missing = [p for p in EXPECTED if not (prefix / p).is_file()]
    assert not missing, missing
    assert os.access(prefix / "bin/appserver", os.X_OK)
    # Nothing from the build or the source tree's scratch files.
    names = {p.name for p in prefix.rglob("*")}
    assert not names & {"unit_tests", "__pycache__", "CMakeCache.txt", ".gitignore"}


def test_installed_units_name_the_binary_of_the_prefix_installed_to(prefix):
    """Units and the logrotate file are written at install time, for the prefix given to
    `cmake --install` (not the one the build was configured with)."""
    unit = (prefix / "lib/systemd/system/appserver.service").read_text()
    assert "ExecStart=/opt/appserver-test/bin/appserver " in unit, unit
    rotate = (prefix / "etc/logrotate.d/appserver").read_text()
    assert "/opt/appserver-test/bin/appserver --reopen-logs" in rotate, rotate


def test_installed_binary_runs_and_serves_an_example(prefix, tmp_path):
    version = run([prefix / "bin/appserver", "--version"], cwd=tmp_path)
    assert version.stdout.startswith("appserver ")
    app = prefix / "share/doc/appserver/examples/hello.py"
    with serving(prefix / "bin/appserver", ["--wsgi-file", app, "--processes", "2"], tmp_path) as url:
        assert get(url + "/") == (200, b"Hello from appserver\n")


def test_installed_binary_uses_the_installed_python_files(prefix, tmp_path):
    (tmp_path / "deco.py").write_text(DECORATORS_APP)
    with serving(prefix / "bin/appserver", ["--wsgi-file", tmp_path / "deco.py"], tmp_path) as url:
        status, body = get(url + "/")
    assert status == 200
    assert Path(body.decode()).resolve() == (prefix / "share/appserver/python/uwsgidecorators.py").resolve()


def test_installed_man_page_renders(prefix):
    page = prefix / "share/man/man1/appserver.1"
    result = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "appserver --reopen-logs PIDFILE" in result.stdout


def test_make_install_honours_destdir_and_prefix(build_dir, tmp_path):
    stage = tmp_path / "stage"
    run(["make", "-s", "-C", ROOT, "install", f"BUILD={build_dir}", f"DESTDIR={stage}", "PREFIX=/usr"])
    assert (stage / "usr/bin/appserver").is_file()
    assert (stage / "usr/share/man/man1/appserver.1").is_file()
    assert not (stage / "usr/local").exists()
