"""A tiny raw HTTP/1.1 client for what http.client hides: pipelining, framing, half-sent heads."""
import socket
import time


def answered_in(port, path="/other", timeout=15):
    """Seconds another client waits for GET `path` answered "ok PATH" (the chaos apps' bystander
    route) while the worker holds some troublesome connection."""
    started = time.monotonic()
    conn = RawConnection(port, timeout=timeout)
    try:
        conn.send(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert conn.read_response().body == f"ok {path}".encode()
    finally:
        conn.close()
    return time.monotonic() - started


class RawResponse:
    def __init__(self, status_line, headers, body):
        self.status_line = status_line
        self.status = int(status_line.split()[1])
        self.headers = headers  # lower-case name -> value (last one)
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


class RawConnection:
    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by server")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head_request=False):
        status_line = self._line().decode("latin-1")
        while status_line.split()[1].startswith("1") and status_line.split()[1] != "101":
            while self._line():
                pass
            status_line = self._line().decode("latin-1")
        headers = {}
        raw_headers = []
        while True:
            line = self._line()
            if not line:
                break
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
            raw_headers.append((name, value.strip()))
        status = int(status_line.split()[1])
        if head_request or status in (204, 304):
            body = b""
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._take(size)
                self._take(2)
        else:
            body = self.read_until_close()
        resp = RawResponse(status_line, headers, body)
        resp.raw_headers = raw_headers
        return resp

    def read_until_close(self):
        data = self.buf
        self.buf = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk

    def closed_by_peer(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def request(port, data, head_request=False):
    conn = RawConnection(port)
    try:
        conn.send(data)
        return conn.read_response(head_request=head_request)
    finally:
        conn.close()
