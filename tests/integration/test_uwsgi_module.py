"""The `uwsgi` module and uwsgidecorators.postfork (issue 12, first part), as public code uses them."""
import os
import signal
import socket
import subprocess
import time

import pytest
import requests

from harness import APPS, ROOT, Server, free_port, pid_alive, wait_until, write_site_ini

APP = APPS / "uwsgi_module_app.py"


def start(tmp_path, processes, *extra):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    port = free_port()
    ini = write_site_ini(tmp_path, port, APP, processes, ("env = FIRST=1", "env = SECOND=2", *extra))
    server = Server(["--ini", str(ini), "--disable-logging"], tmp_path, port=port,
                    env={"UWSGI_MODULE_DIR": str(out)})
    return server.start(), out


def hooks_ran(out, prefix):
    return {int(p.name.split("-")[1]): p.read_text() for p in out.glob(prefix + "-*")}


def worker_answers(server, attempts=20):
    """Answers by pid from new connections (the kernel may hand them all to one idle worker)."""
    seen = {}
    for _ in range(attempts):
        answer = requests.get(server.url("/"), headers={"Connection": "close"}, timeout=10).json()
        seen[answer["pid"]] = answer
    return seen


@pytest.fixture
def stop_servers():
    started = []
    yield started
    for server in started:
        server.stop()


@pytest.mark.parametrize("lazy", [False, True], ids=["preload", "lazy-apps"])
def test_postfork_reconnects_once_in_each_worker(tmp_path, stop_servers, lazy):
    server, out = start(tmp_path, 3, *(["lazy-apps = true"] if lazy else []))
    stop_servers.append(server)
    workers = set(server.wait_workers(3))
    assert wait_until(lambda: len(hooks_ran(out, "second")) == 3), server.log()
    db = hooks_ran(out, "db")
    # One reconnect per worker, none in the master; each saw its own worker id, 1..N.
    assert set(db) == workers
    assert server.pid not in db
    assert sorted(db.values()) == ["1", "2", "3"]
    assert set(hooks_ran(out, "second")) == workers
    answers = worker_answers(server)
    assert answers and set(answers) <= workers
    for pid, answer in answers.items():
        assert db[pid] == str(answer["worker_id"])
        assert answer["imported_in"] == (pid if lazy else server.pid)


def test_facts(tmp_path, stop_servers):
    before = int(time.time())
    server, _ = start(tmp_path, 2)
    stop_servers.append(server)
    server.wait_workers(2)
    answer = requests.get(server.url("/"), timeout=10).json()
    assert answer["masterpid"] == server.pid
    assert answer["numproc"] == 2
    # uwsgi.opt: every key given, values as bytes, a repeated key as a list, a bare flag as True.
    opt = answer["opt"]
    assert opt["processes"] == {"bytes": "2"}
    assert opt["master"] == {"bytes": "true"}
    assert opt["http-socket"] == {"bytes": f"127.0.0.1:{server.port}"}
    assert opt["wsgi-file"] == {"bytes": str(APP)}
    assert opt["env"] == [{"bytes": "FIRST=1"}, {"bytes": "SECOND=2"}]
    assert opt["disable-logging"] is True
    assert opt["ini"] == {"bytes": str(tmp_path / "site.ini")}
    assert answer["hostname"] == {"bytes": socket.gethostname()}
    assert answer["version"]["bytes"].split(".")[0].isdigit()
    assert len(answer["version_info"]) == 5
    assert before - 5 <= answer["started_on"] <= time.time() + 1
    assert answer["accepting"] is None
    # Counters: request_id() counts this worker's earlier requests; total_requests() the instance's.
    answers = [requests.get(server.url("/"), timeout=10).json() for _ in range(6)]
    assert max(a["request_id"] for a in answers) >= 3
    assert answers[-1]["total_requests"] >= 6
    assert "uwsgi-module-app: request in worker" in server.log()


def test_atexit_runs_on_graceful_stop(tmp_path, stop_servers):
    server, out = start(tmp_path, 2)
    stop_servers.append(server)
    workers = set(server.wait_workers(2))
    worker_answers(server, 2)
    assert wait_until(lambda: len(hooks_ran(out, "db")) == 2)
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert wait_until(lambda: not any(pid_alive(p) for p in workers))
    ran = hooks_ran(out, "atexit")
    assert set(ran) == workers, server.log()
    assert sorted(ran.values()) == ["1", "2"]


def test_uwsgi_cannot_be_imported_outside_appserver():
    # Code that guards `try: import uwsgi` must see the ImportError outside the server.
    env = dict(os.environ, PYTHONPATH=str(ROOT / "plugins" / "python" / "lib"))
    result = subprocess.run(["/usr/bin/python3", "-c", "import uwsgi"], env=env, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0
    assert "No module named 'uwsgi'" in result.stderr


def test_every_uwsgidecorators_name_imports(serve, tmp_path):
    (tmp_path / "names.py").write_text(
        "from uwsgidecorators import (postfork, timer, rbtimer, cron, spool, spoolforever, thread, filemon,\n"
        "    mulefunc, lock, harakiri, signal, rpc)\n"
        "def application(environ, start_response):\n"
        "    try:\n"
        "        rpc(3)\n"
        "        answer = b'no error'\n"
        "    except NotImplementedError as e:\n"
        "        answer = str(e).encode()\n"
        "    start_response('200 OK', [])\n"
        "    return [answer]\n")
    s = serve(None, "--wsgi-file", str(tmp_path / "names.py"))
    body = requests.get(s.url("/"), timeout=10).text
    assert "not implemented in appserver" in body
