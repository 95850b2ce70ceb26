"""Fixtures shared by tests/integration and tests/chaos (each conftest.py imports them)."""
import shutil
import tempfile

import pytest

from harness import APPS, Server, can_connect, free_port, wait_until


@pytest.fixture
def sock_dir():
    """A short directory for unix sockets (their paths are limited to 107 bytes; tmp_path can be longer)."""
    d = tempfile.mkdtemp(prefix="as-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def serve(tmp_path):
    """serve(app_file_or_args, *extra, processes=1) -> a started Server on a free loopback port."""
    started = []

    def start(app=None, *extra, args=None, env=None, wait=True, port=None, cwd=None):
        port = port or free_port()
        argv = ["--http", f"127.0.0.1:{port}"]
        if app is not None:
            argv += ["--wsgi-file", str(APPS / app)]
        argv += list(extra)
        if args is not None:
            argv = list(args)
        server = Server(argv, cwd or tmp_path, env=env, port=port)
        started.append(server)
        return server.start(wait_port=wait)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def serve_ready(tmp_path):
    """serve_ready(args, ready) -> a started Server, once every address in `ready` ((host, port) or a
    unix socket path) accepts: for servers with several listeners, or none on TCP."""
    started = []

    def start(args, ready):
        server = Server(list(args), tmp_path)
        started.append(server)
        server.start(wait_port=False)
        assert wait_until(lambda: server.proc.poll() is not None or all(can_connect(a) for a in ready), 15), \
            server.log()
        assert server.proc.poll() is None, server.log()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def servers():
    """A list of started Servers, each stopped (by pid) at teardown."""
    started = []
    yield started
    for server in started:
        server.stop()
