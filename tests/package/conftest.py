"""What a user installs: `cmake --install` / `make install` into a prefix, and the .deb (CPack).

Each test runs the *installed* binary (never build/appserver) from a scratch directory, so it finds
its Python files and plugins the way an installed one does (<bin>/../share/appserver/python,
<bin>/../lib/appserver/plugins). APPSERVER_BUILD names the configured and built build directory.
"""
import contextlib
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from harness import ROOT, can_connect, children_of, free_port, pid_alive, wait_until  # noqa: E402

BUILD = Path(os.environ.get("APPSERVER_BUILD") or ROOT / "build").resolve()


def run(args, **kwargs):
    """Runs a command to completion; a failure shows its output."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=kwargs.pop("timeout", 300),
                            **kwargs)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@contextlib.contextmanager
def serving(binary, args, cwd):
    """Starts `binary` on a free loopback port with `args`; yields the base URL; stops it (SIGTERM,
    then SIGKILL for anything left) and checks no process of it survives."""
    port = free_port()
    log = Path(cwd) / f"appserver-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(binary), "--http", f"127.0.0.1:{port}", *map(str, args)], cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"})
    pids = {proc.pid}
    try:
        up = wait_until(lambda: proc.poll() is not None or can_connect(("127.0.0.1", port)), 20)
        assert up and proc.poll() is None, f"appserver did not serve (exit {proc.poll()}):\n{log.read_text()}"
        pids.update(children_of(proc.pid))
        yield f"http://127.0.0.1:{port}"
    finally:
        pids.update(children_of(proc.pid))
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for pid in pids - {proc.pid}:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0, f"appserver exited {proc.returncode} on SIGTERM:\n{log.read_text()}"
    assert wait_until(lambda: not any(pid_alive(p) for p in pids), 10)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture(scope="session")
def build_dir():
    assert (BUILD / "appserver").is_file(), f"no built binary in {BUILD}: run make build (or set APPSERVER_BUILD)"
    return BUILD


@pytest.fixture(scope="session")
def deb(build_dir, tmp_path_factory):
    """Builds the .deb with CPack (what `make deb` runs) and returns its path."""
    for old in build_dir.glob("appserver_*.deb"):
        old.unlink()
    run(["cpack", "-G", "DEB"], cwd=build_dir)
    debs = list(build_dir.glob("appserver_*_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


# An app that shows which uwsgidecorators the installed binary put on sys.path.
DECORATORS_APP = """\
import uwsgidecorators


def application(environ, start_response):
    body = uwsgidecorators.__file__.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""
