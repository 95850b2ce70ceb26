"""harakiri when the worker cannot end itself (issue 8, item 19): a worker frozen by SIGSTOP in the
middle of a request is killed by the master (harakiri + grace), and the site serves again."""
import os
import signal
import socket
import time

from harness import pid_alive, wait_until
from site_dir import get

HARAKIRI = 2
GRACE = 1  # HarakiriBackstop::grace_s(2)


def start_sleep_request(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"GET /sleep HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return s


def read_all(s):
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


def test_master_kills_a_frozen_worker_past_harakiri_and_grace(serve, tmp_path):
    marker = tmp_path / "entered"
    server = serve("privs_sleepy.py", "--harakiri", str(HARAKIRI), env={"PRIVS_MARKER": str(marker)})
    (worker,) = server.wait_workers(1)
    client = start_sleep_request(server.port)
    try:
        assert wait_until(marker.exists, timeout=10), server.log()
        entered = time.monotonic()
        os.kill(worker, signal.SIGSTOP)  # its watchdog thread stops with it
        assert wait_until(lambda: not pid_alive(worker), timeout=HARAKIRI + GRACE + 2 + 5), server.log()
        took = time.monotonic() - entered
        assert took < HARAKIRI + GRACE + 2, f"killed after {took:.1f}s\n{server.log()}"
        assert f"HARAKIRI ON WORKER 1 (pid {worker}, try 1)" in server.log()
        assert read_all(client) == b""  # the frozen worker wrote nothing; the connection just ends
    finally:
        client.close()
    assert wait_until(lambda: get(server.port)[0] == 200, timeout=15), server.log()
    assert get(server.port) == (200, "awake")


def test_a_worker_that_is_not_frozen_ends_itself_first_with_a_504(serve, tmp_path):
    marker = tmp_path / "entered"
    server = serve("privs_sleepy.py", "--harakiri", str(HARAKIRI), env={"PRIVS_MARKER": str(marker)})
    (worker,) = server.wait_workers(1)
    client = start_sleep_request(server.port)
    with client:
        response = read_all(client)
    assert response.startswith(b"HTTP/1.1 504 "), response
    assert wait_until(lambda: not pid_alive(worker), timeout=10)
    assert "HARAKIRI ON WORKER" not in server.log()  # the grace left it to the worker's watchdog
    assert wait_until(lambda: get(server.port)[0] == 200, timeout=15), server.log()
