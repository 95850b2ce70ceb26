"""The uwsgi.ini corpus (tests/integration/uwsgi_corpus/<case>/): files in the shapes real projects write
(Django, Flask, CKAN, Zulip, searxng, healthchecks, kobotoolbox, mailman, keystone, nginx-fronted sites,
daemons), each with the app files it needs and an expect.json.

For each case:
  - test_check_config: `--check-config` exits 0; the keys warned about as "uWSGI option not supported here"
    are exactly expect["unsupported"] (each once), every other warning is explained by one of
    expect["notes"] (substrings), and each note is seen.
  - test_serves: the file is served (a daemonize case through its own pidfile, stopped with --stop) and one
    request over HTTP or the uwsgi protocol, as the file listens, gets expect["body"].
  - test_uwsgi_serves_the_same: when Debian's uWSGI is installed (uwsgi-core, uwsgi-plugin-python3), it is
    started on the same file and must answer the same body (skipped otherwise), so the corpus is known
    to be files uWSGI accepts.

Nothing in a case is fixed to this machine: the files read $(CORPUS_PORT) / $(CORPUS_PORT2) (free ports the
test sets) and put sockets, pidfiles and logs under %d (each case runs in a copy under tmp_path).

expect.json keys (all optional except body):
  unsupported        keys that must be warned about as "uWSGI option not supported here"
  maybe_unsupported  keys that may or may not be (being implemented on another branch, e.g. static-map)
  notes              substrings explaining the other warnings (inline comments, unknown keys...)
  env                extra environment ("{site}" is the case's directory)
  section            read [section] (--ini uwsgi.ini:section)
  venv               make NAME in the case a virtualenv (with the system's site-packages)
  requires           Python modules the case needs (skipped when one cannot be imported)
  protocol           "http" (default) or "uwsgi"; unix: the socket's path in the case (else TCP)
  port               which variable holds the port asked (default CORPUS_PORT)
  daemon             the case daemonizes and writes this pidfile (stopped with --stop / by its pid)
  socket_mode        the unix socket's mode while serving (chmod-socket), e.g. "664"
  vacuumed           files (sockets, pidfiles) that must be gone once the server has stopped (vacuum)
  path, method, data the request; status (200) and body the answer; uwsgi_body if uWSGI answers otherwise
  uwsgi_skip         why uWSGI cannot run this file
  uwsgi_plugins      plugins Debian's uWSGI must load besides http,python3 (pip's build has them built in)
  xfail              {"check_config"|"serve"|"uwsgi": reason}: the case needs what another branch adds
"""
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from harness import BINARY, Server, can_connect, children_of, free_port, pid_alive, run_cli, wait_until
import uwsgi_client

CORPUS = Path(__file__).resolve().parent / "uwsgi_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "uwsgi.ini").is_file())
UWSGI = shutil.which("uwsgi")
UNSUPPORTED = re.compile(r"warning: \S+?:\d+: ([\w-]+): uWSGI option not supported here")


def expectations(name):
    return json.loads((CORPUS / name / "expect.json").read_text())


def cases(kind):
    params = []
    for name in CASES:
        reason = expectations(name).get("xfail", {}).get(kind)
        marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.fixture(scope="session")
def corpus_venv(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus-venv") / "venv"
    result = subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip", str(path)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.skip(f"python3 -m venv unavailable: {result.stderr.strip()}")
    return path


class Case:
    """One corpus case copied into tmp_path, with its ports and environment."""

    def __init__(self, name, tmp_path, request):
        self.name = name
        self.expect = expectations(name)
        for module in self.expect.get("requires", []):
            if importlib.util.find_spec(module) is None:
                pytest.skip(f"{module} is not installed (python3-{module})")
        self.site = tmp_path / name
        shutil.copytree(CORPUS / name, self.site, symlinks=True)
        if "venv" in self.expect:
            (self.site / self.expect["venv"]).symlink_to(request.getfixturevalue("corpus_venv"))
        self.ports = {"CORPUS_PORT": free_port(), "CORPUS_PORT2": free_port()}
        self.env = dict(os.environ)
        self.env.pop("VIRTUAL_ENV", None)
        self.env.update({k: str(v) for k, v in self.ports.items()})
        self.env.update({k: v.replace("{site}", str(self.site)) for k, v in self.expect.get("env", {}).items()})
        self.ini = str(self.site / "uwsgi.ini")
        if "section" in self.expect:
            self.ini += ":" + self.expect["section"]
        self.pids = set()

    @property
    def address(self):
        if "unix" in self.expect:
            return str(self.site / self.expect["unix"])
        return ("127.0.0.1", self.ports[self.expect.get("port", "CORPUS_PORT")])

    @property
    def pidfile(self):
        return self.site / self.expect["daemon"] if "daemon" in self.expect else None

    def master_from_pidfile(self):
        try:
            return int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def track(self, pid):
        if pid:
            self.pids.add(pid)
            self.pids.update(children_of(pid))

    def ask(self, timeout=20.0):
        """One request as the case says; retried while the server is not answering yet (uWSGI's HTTP
        router answers 502 until a worker takes the request). Returns (status, body)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, body = self._ask_once()
                if status != 502 or time.monotonic() > deadline:
                    return status, body
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def _ask_once(self):
        method = self.expect.get("method", "GET")
        path = self.expect.get("path", "/")
        data = self.expect.get("data", "").encode()
        if self.expect.get("protocol", "http") == "uwsgi":
            response = uwsgi_client.request(self.address, method=method, uri=path, body=data)
            return response.status, response.body.decode(errors="replace")
        if isinstance(self.address, str):
            raise AssertionError("HTTP over a unix socket is not used by the corpus")
        conn = http.client.HTTPConnection(*self.address, timeout=10)
        try:
            conn.request(method, path, body=data or None, headers={"Connection": "close"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode(errors="replace")
        finally:
            conn.close()

    def check_answer(self, body_key="body", log=lambda: ""):
        try:
            status, body = self.ask()
        except OSError as e:
            raise AssertionError(f"no answer ({e!r}):\n{log()}") from e
        expected = self.expect.get(body_key, self.expect["body"])
        assert (status, body) == (self.expect.get("status", 200), expected), log()

    def check_socket_mode(self):
        if "socket_mode" in self.expect:
            mode = stat.S_IMODE(os.stat(self.address).st_mode)
            assert f"{mode:o}" == self.expect["socket_mode"], f"{self.address} has mode {mode:o}"

    def check_vacuumed(self):
        left = [name for name in self.expect.get("vacuumed", []) if os.path.lexists(self.site / name)]
        assert not left, f"left behind after the stop: {left}"

    def kill_leftovers(self):
        for pid in self.pids:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def case(request, tmp_path):
    c = Case(request.param, tmp_path, request)
    yield c
    c.kill_leftovers()


def warning_lines(output):
    return [line for line in output.splitlines() if line.startswith("warning:") or "appserver: warning:" in line]


@pytest.mark.parametrize("case", cases("check_config"), indirect=True)
def test_check_config(case):
    first = (CORPUS / case.name / "uwsgi.ini").read_text().splitlines()[0]
    assert first.startswith("#"), "each corpus file opens with a comment naming the style it follows"
    r = run_cli(["--ini", case.ini, "--check-config"], cwd=case.site, env=case.env)
    output = r.stdout + r.stderr
    assert r.returncode == 0, output
    warnings = warning_lines(output)
    unsupported = [m.group(1) for w in warnings if (m := UNSUPPORTED.search(w))]
    maybe = set(case.expect.get("maybe_unsupported", []))
    assert sorted(k for k in unsupported if k not in maybe) == sorted(case.expect.get("unsupported", [])), output
    assert all(unsupported.count(k) <= 1 for k in maybe), output
    notes = case.expect.get("notes", [])
    others = [w for w in warnings if not UNSUPPORTED.search(w)]
    unexplained = [w for w in others if not any(n in w for n in notes)]
    assert not unexplained, output
    assert all(any(n in w for w in others) for n in notes), output


def start_appserver(case):
    if case.pidfile:
        r = run_cli(["--ini", case.ini], cwd=case.site, env=case.env)
        case.track(case.master_from_pidfile())
        assert r.returncode == 0, r.stdout + r.stderr
        return None
    server = Server(["--ini", case.ini], case.site, env=case.env)
    if isinstance(case.address, tuple):
        server.port = case.address[1]
        server.start()
    else:
        server.start(wait_port=False)
        assert wait_until(lambda: server.proc.poll() is not None or can_connect(case.address), 15), server.log()
        assert server.proc.poll() is None, server.log()
    return server


@pytest.mark.parametrize("case", cases("serve"), indirect=True)
def test_serves(case):
    server = start_appserver(case)
    try:
        log = server.log if server else (lambda: "")
        case.check_answer(log=log)
        case.check_socket_mode()
        if server is None:
            master = case.master_from_pidfile()
            case.track(master)
            r = run_cli(["--stop", str(case.pidfile)], cwd=case.site, env=case.env)
            assert r.returncode == 0, r.stdout + r.stderr
            assert wait_until(lambda: not pid_alive(master), 15)
        else:
            server.stop()
        case.check_vacuumed()
    finally:
        if server:
            server.stop()


@pytest.mark.skipif(UWSGI is None, reason="uWSGI is not installed (apt-get install uwsgi-core uwsgi-plugin-python3)")
@pytest.mark.parametrize("case", cases("uwsgi"), indirect=True)
def test_uwsgi_serves_the_same(case):
    if "uwsgi_skip" in case.expect:
        pytest.skip(case.expect["uwsgi_skip"])
    log_path = case.site / "uwsgi-run.log"
    with open(log_path, "wb") as log:
        plugins = ",".join(["http", "python3"] + case.expect.get("uwsgi_plugins", "").split(",")).strip(",")
        proc = subprocess.Popen([UWSGI, "--plugin", plugins, "--ini", case.ini], cwd=case.site, env=case.env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    case.pids.add(proc.pid)

    def output():
        text = log_path.read_text(errors="replace")
        for daemon_log in case.site.rglob("*.log"):
            if daemon_log != log_path:
                text += f"\n--- {daemon_log.name}\n" + daemon_log.read_text(errors="replace")
        return text

    try:
        if case.pidfile:
            assert proc.wait(timeout=15) == 0, output()  # daemonize: the first process returns at once
            assert wait_until(lambda: case.master_from_pidfile() is not None, 15), output()
            master = case.master_from_pidfile()
        else:
            master = proc.pid
        case.track(master)
        if isinstance(case.address, str):
            assert wait_until(lambda: can_connect(case.address) or not pid_alive(master), 15), output()
        assert pid_alive(master), output()
        case.check_answer("uwsgi_body", log=output)
        case.check_socket_mode()
        case.track(master)
        os.kill(master, signal.SIGINT)  # uWSGI: SIGINT stops at once (SIGTERM would reload without die-on-term)
        if wait_until(lambda: not pid_alive(master), 3):
            case.check_vacuumed()
    finally:
        master = case.master_from_pidfile() if case.pidfile else proc.pid
        if master and pid_alive(master):
            case.track(master)
            os.kill(master, signal.SIGINT)  # uWSGI: SIGINT stops at once (SIGTERM would reload without die-on-term)
            # uWSGI may give threaded workers and attached daemons a few seconds more; what it does on
            # the way out is not under test, so past 3 s every process seen is killed (kill_leftovers).
            wait_until(lambda: not pid_alive(master), 3)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
