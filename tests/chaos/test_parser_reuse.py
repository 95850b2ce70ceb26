"""Parsers are reused across connections (worker/parser_pool.h): a connection going idle, closing,
failing or vanishing mid-request gives its parser back and another connection parses with it
next. Nothing of one request may reach another: many connections interleave their bytes in random
pieces, some abandon a request half-way, some send garbage, and every answer must be the echo of
its own request (headers, target and body), with the worker alive at the end."""
import json
import random
import socket
import time

from rawhttp import RawConnection

ROUNDS = 300


def request_for(conn_id, n, rng):
    body = f"body-{conn_id}-{n}-".encode() * rng.randint(0, 40)
    extra = "".join(f"X-Pad-{i}: {conn_id}-{n}-{i}\r\n" for i in range(rng.randint(0, 12)))
    chunked = rng.random() < 0.3
    head = (f"POST /c{conn_id}/r{n}?who={conn_id}-{n} HTTP/1.1\r\nHost: h{conn_id}\r\n"
            f"X-Who: {conn_id}-{n}\r\n{extra}")
    if chunked:
        payload = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:7], body[7:]) if p) + b"0\r\n\r\n"
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + payload, body
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body, body


def send_in_pieces(sock, data, rng):
    i = 0
    while i < len(data):
        step = rng.choice([1, 2, 7, 64, 300, len(data)])
        sock.sendall(data[i:i + step])
        i += step


def test_no_request_sees_another_connections_bytes(serve):
    s = serve("echo.py", "--processes", "1")
    rng = random.Random(1234)
    conns = {}
    answered = 0
    deadline = time.monotonic() + 90
    for n in range(ROUNDS):
        assert time.monotonic() < deadline, f"{answered} answered before the deadline"
        conn_id = rng.randrange(12)
        action = rng.random()
        if conn_id not in conns:
            conns[conn_id] = RawConnection(s.port)
        conn = conns[conn_id]
        if action < 0.1:
            # Half a request, then gone: its parser goes back mid-head or mid-body.
            data, _ = request_for(conn_id, n, rng)
            conn.send(data[:rng.randrange(1, len(data))])
            conn.sock.close()
            del conns[conn_id]
        elif action < 0.15:
            # Garbage: a 400, and the connection ends (its parser was in error).
            conn.send(b"GET /x HTTP/1.1\r\nBad Header: " + str(n).encode() + b"\r\n\r\n")
            assert conn.read_response().status == 400
            conn.sock.close()
            del conns[conn_id]
        else:
            data, body = request_for(conn_id, n, rng)
            send_in_pieces(conn.sock, data, rng)
            response = conn.read_response()
            assert response.status == 200, response.body[:300]
            seen = json.loads(response.body)
            assert seen["HTTP_X_WHO"] == f"{conn_id}-{n}"
            assert seen["HTTP_HOST"] == f"h{conn_id}"
            assert seen["PATH_INFO"] == f"/c{conn_id}/r{n}"
            assert seen["QUERY_STRING"] == f"who={conn_id}-{n}"
            assert seen["body"].encode("latin-1") == body
            pads = {k: v for k, v in seen.items() if k.startswith("HTTP_X_PAD_")}
            assert all(v.startswith(f"{conn_id}-{n}-") for v in pads.values()), pads
            assert "HTTP_TRANSFER_ENCODING" not in seen or "CONTENT_LENGTH" not in seen
            answered += 1
    for conn in conns.values():
        conn.sock.close()
    assert answered > ROUNDS // 2
    # The worker that did all this still answers a new connection.
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        c.sendall(b"GET /last HTTP/1.1\r\nHost: z\r\nConnection: close\r\n\r\n")
        assert c.recv(65536).startswith(b"HTTP/1.1 200")
