"""Runs Debian's real nginx on loopback in front of appserver: a generated config, every path (pid,
logs, *_temp_path) under the test's own directory, one foreground process stopped by its pid."""
import os
import signal
import subprocess
from pathlib import Path

from harness import can_connect, free_port, wait_until

NGINX = "/usr/sbin/nginx"
UWSGI_PARAMS = "/etc/nginx/uwsgi_params"

# What every config starts with (format fields: dir, and the http body's own).
HEAD = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body_temp;
    proxy_temp_path {dir}/proxy_temp;
    fastcgi_temp_path {dir}/fastcgi_temp;
    uwsgi_temp_path {dir}/uwsgi_temp;
    scgi_temp_path {dir}/scgi_temp;
"""

# The http block's body for the usual case: every upstream behind uwsgi_pass.
UWSGI_PASS = """\
    client_max_body_size 16m;

    upstream app {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        location / {{
            include {uwsgi_params};
            uwsgi_pass app;
        }}
        # As behind a TLS-terminating nginx: uwsgi_params sends HTTPS=$https, "on" there.
        location /tls/ {{
            include {uwsgi_params};
            uwsgi_param HTTPS on;
            uwsgi_pass app;
        }}
    }}
}}
"""


def upstream_server(address):
    """An appserver `socket` address as nginx's upstream `server` names it."""
    if isinstance(address, tuple):
        return f"{address[0]}:{address[1]}"
    return f"unix:{address}"


class Nginx:
    def __init__(self, directory, upstreams=(), http=UWSGI_PASS, **fields):
        """`http`: the http block after HEAD, formatted with dir, port, servers, uwsgi_params and `fields`."""
        self.dir = Path(directory) / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        servers = "\n".join(f"        server {upstream_server(a)};" for a in upstreams)
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text((HEAD + http).format(dir=self.dir, port=self.port, servers=servers,
                                                   uwsgi_params=UWSGI_PARAMS, **fields))
        self.proc = None

    def start(self):
        self._out = open(self.dir / "stderr.log", "wb")
        self.proc = subprocess.Popen([NGINX, "-p", str(self.dir), "-e", str(self.dir / "error.log"),
                                      "-c", str(self.conf)],
                                     stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT)
        ok = wait_until(lambda: self.proc.poll() is not None or can_connect(("127.0.0.1", self.port)), 10)
        if self.proc.poll() is not None or not ok:
            raise RuntimeError(f"nginx did not start:\n{self.error_log()}")
        return self

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def error_log(self):
        text = ""
        for name in ("stderr.log", "error.log"):
            try:
                text += (self.dir / name).read_text(errors="replace")
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._out.close()
