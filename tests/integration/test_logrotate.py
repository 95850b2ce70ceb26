"""dist/logrotate/appserver, run by the real logrotate (Debian's logrotate package) with its paths
moved into a temporary directory: the servers' log files are rotated, --reopen-logs is run for the
single-site pidfile and for each instance's, and every server then writes to a new file."""
import os
import shutil
import subprocess

import pytest

from harness import APPS, BINARY, ROOT, Server, free_port, wait_until
from site_dir import get

LOGROTATE = shutil.which("logrotate") or ("/usr/sbin/logrotate" if os.path.exists("/usr/sbin/logrotate") else None)
pytestmark = pytest.mark.skipif(LOGROTATE is None, reason="needs logrotate (Debian's logrotate package)")


def test_logrotate_rotates_and_every_server_reopens(tmp_path, servers):
    logs, run = tmp_path / "log", tmp_path / "run"
    logs.mkdir(mode=0o755)
    (run / "blog").mkdir(parents=True)
    # appserver.service's pidfile, and appserver@blog.service's.
    sites = {"appserver": run / "appserver.pid", "blog": run / "blog" / "appserver.pid"}
    for name, pidfile in sites.items():
        port = free_port()
        server = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "systemd_app.py"),
                         "--logto", str(logs / f"{name}.log"), "--pidfile", str(pidfile)], tmp_path, port=port)
        servers.append(server.start())
        assert get(port, "/before") == (200, "v1")
    for name in sites:
        assert wait_until(lambda: "GET /before" in (logs / f"{name}.log").read_text())

    template = (ROOT / "dist" / "logrotate" / "appserver.in").read_text()
    config = tmp_path / "logrotate.conf"
    config.write_text(template.replace("/var/log/appserver", str(logs)).replace("/run/appserver", str(run))
                      .replace("@APPSERVER_BINARY@", BINARY))
    config.chmod(0o644)  # logrotate refuses a configuration others may write
    result = subprocess.run([LOGROTATE, "-f", "-s", str(tmp_path / "state"), str(config)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr

    for server, name in zip(servers, sites):
        rotated = logs / f"{name}.log.1"  # delaycompress: the newest rotation stays plain
        assert "GET /before" in rotated.read_text()
        current = logs / f"{name}.log"

        # --reopen-logs returns once it has signalled the master, which then tells its workers: ask
        # until a request is logged in the new file.
        def logged_anew(port=server.port, current=current):
            assert get(port, "/after") == (200, "v1")
            return current.exists() and "GET /after" in current.read_text()
        assert wait_until(logged_anew, timeout=10, interval=0.2), f"{name}: the server did not reopen its log"
