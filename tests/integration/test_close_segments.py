"""A response that ends its connection leaves in the same TCP segment as the FIN (issue 15,
Connection: close): its last bytes go with MSG_MORE and the close that follows at once sends them
with the FIN, so the client receives one segment fewer than from a server that writes and then
closes. The client counts what it received with TCP_INFO; a plain write-then-close server on the
same machine is the baseline, so the kernel's own habits (delayed ACKs) cancel out."""
import socket
import struct
import threading
import time

import pytest

from rawhttp import RawConnection

TCPI_SEGS_IN = 140  # offset of tcpi_segs_in in struct tcp_info (Linux 4.2+)
CLOSE_REQUEST = b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def exchange(port, data):
    """Sends `data`, reads to EOF; returns (what came, segments the client received)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
        time.sleep(0.05)  # any segment still in flight (a late ACK) counts too
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        return got, struct.unpack_from("I", info, TCPI_SEGS_IN)[0]


def baseline_segments(answer):
    """Segments a client receives from a server that writes `answer` and then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_one():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(answer)

    t = threading.Thread(target=serve_one)
    t.start()
    try:
        got, segments = exchange(port, CLOSE_REQUEST)
    finally:
        t.join(10)
        listener.close()
    assert got == answer
    return segments


@pytest.mark.parametrize("request_bytes, status", [
    (CLOSE_REQUEST, b"200"),                               # the application's answer, then close
    (b"GET /pid HTTP/1.0\r\nHost: x\r\n\r\n", b"200"),    # HTTP/1.0 without keep-alive
    (b"GET /pid HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", b"400"),  # the server's own answer
])
def test_the_last_bytes_of_a_closing_response_leave_with_the_fin(serve, request_bytes, status):
    s = serve("routes.py", "--disable-logging")
    results = [exchange(s.port, request_bytes) for _ in range(5)]
    for got, _ in results:
        assert got.split(b" ")[1] == status, got
    expected = baseline_segments(results[0][0]) - 1
    # Several tries: a segment retransmitted or split on a loaded machine must not decide it.
    assert min(segments for _, segments in results) <= expected, (results, expected)


def test_with_request_threads_too(serve):
    """A request thread writes the last bytes; the event loop closes the connection when it takes
    the connection back, and the held bytes leave then."""
    s = serve("routes.py", "--disable-logging", "--threads", "4")
    results = [exchange(s.port, CLOSE_REQUEST) for _ in range(5)]
    assert all(got.startswith(b"HTTP/1.1 200") for got, _ in results), results
    expected = baseline_segments(results[0][0]) - 1
    assert min(segments for _, segments in results) <= expected, (results, expected)


def test_a_kept_alive_response_is_not_held_back(serve):
    """MSG_MORE is only for a connection that closes next: a kept-alive response arrives at once
    (held bytes would wait for the kernel's probe timer, 200 ms or more)."""
    s = serve("routes.py", "--disable-logging")
    conn = RawConnection(s.port)
    for _ in range(3):
        started = time.monotonic()
        conn.send(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().status == 200
        assert time.monotonic() - started < 0.15


def test_a_closing_response_is_not_held_behind_the_applications_close(serve):
    """Only a body known whole waits for the connection's close: the last block of an iterable goes
    out as written, so the client has the response while the application's close() still runs."""
    s = serve("routes.py", "--disable-logging")
    conn = RawConnection(s.port)
    started = time.monotonic()
    conn.send(b"GET /sleepy-close?2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    response = conn.read_response()
    assert (response.status, response.body) == (200, b"hello")
    assert time.monotonic() - started < 1.0
