"""Starts the real appserver binary on loopback and cleans up every process it started, by pid."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
BINARY = os.environ.get("APPSERVER_BIN") or str(ROOT / "build" / "appserver")

# `make test-interpreters`: APPSERVER_PLUGIN=python312 runs every server with that Python plugin
# (`--plugins python312`), with Debian's pure-Python Flask and its dependencies on its path.
OTHER_PLUGIN = os.environ.get("APPSERVER_PLUGIN", "")
DEBIAN_PURE_PACKAGES = ("flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker")
_plugin_site = None


def plugin_args():
    return ["--plugins", OTHER_PLUGIN] if OTHER_PLUGIN else []


def plugin_env():
    """PYTHONPATH for the other interpreter: a directory of links to Debian's pure-Python packages
    (the whole of dist-packages would bring 3.11's compiled modules along)."""
    global _plugin_site
    if not OTHER_PLUGIN:
        return {}
    if _plugin_site is None:
        _plugin_site = Path(tempfile.mkdtemp(prefix="appserver-plugin-site-"))
        atexit.register(shutil.rmtree, _plugin_site, True)
        for name in DEBIAN_PURE_PACKAGES:
            source = Path("/usr/lib/python3/dist-packages") / name
            if source.is_dir():
                (_plugin_site / name).symlink_to(source)
    return {"PYTHONPATH": str(_plugin_site)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(address, timeout=10):
    """address: (host, port) or a unix socket path."""
    if isinstance(address, tuple):
        return socket.create_connection(address, timeout=timeout)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(address))
    return s


def can_connect(address):
    try:
        connect(address, timeout=0.5).close()
        return True
    except OSError:
        return False


def children_of(pid):
    """Direct children of pid, read from /proc (never by process name)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def holder_of(client_sock, pids):
    """Which of `pids` holds the server side of this loopback TCP connection: the worker that
    accepted it (None while it still waits in the listen queue, e.g. under TCP_DEFER_ACCEPT)."""
    client_port = client_sock.getsockname()[1]
    server_port = client_sock.getpeername()[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if int(f[1].rsplit(":", 1)[1], 16) == server_port and int(f[2].rsplit(":", 1)[1], 16) == client_port:
                if f[9] != "0":
                    inodes.add(f"socket:[{f[9]}]")
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) in inodes:
                        return pid
                except OSError:
                    pass
        except OSError:
            continue
    return None


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def wait_until(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def entered(directory):
    """Requests the test apps have entered so far (apps/routes.py, lifecycle.py: /sleep writes
    DIRECTORY/entered.log, DIRECTORY being the server's working directory)."""
    try:
        return (Path(directory) / "entered.log").read_text().count("\n")
    except OSError:
        return 0


def wait_entered(directory, count=1, timeout=10.0):
    """Waits until `count` requests are inside the app: the moment to signal, stop or reload."""
    assert wait_until(lambda: entered(directory) >= count, timeout), f"{entered(directory)} of {count} requests entered"


def run_cli(args, cwd=None, env=None, timeout=30):
    """Runs appserver to completion (for refusals, --check-config, --help)."""
    if OTHER_PLUGIN:
        env = {**(env if env is not None else os.environ), **plugin_env()}
    return subprocess.run([BINARY, *args, *plugin_args()], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


class Server:
    def __init__(self, args, cwd, env=None, port=None, preexec_fn=None):
        """preexec_fn: run in the child before exec (e.g. to set resource limits), as in Popen."""
        self.args = list(args)
        self.preexec_fn = preexec_fn
        self.cwd = Path(cwd)
        self.port = port
        self.log_path = self.cwd / f"appserver-{id(self)}.log"
        full_env = dict(os.environ)
        full_env.pop("VIRTUAL_ENV", None)
        full_env.update(plugin_env())
        full_env.update(env or {})
        self.env = full_env
        self.proc = None
        self.known_pids = set()

    def start(self, wait_port=True, timeout=15.0):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BINARY, *self.args, *plugin_args()], cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=self.preexec_fn)
        self.known_pids.add(self.proc.pid)
        if wait_port and self.port:
            ok = wait_until(lambda: self.proc.poll() is not None or can_connect(("127.0.0.1", self.port)), timeout)
            if self.proc.poll() is not None:
                raise RuntimeError(f"appserver exited with {self.proc.returncode}:\n{self.log()}")
            if not ok:
                raise RuntimeError(f"appserver did not listen on {self.port}:\n{self.log()}")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def workers(self):
        kids = children_of(self.proc.pid)
        self.known_pids.update(kids)
        return kids

    def wait_workers(self, count, timeout=10.0):
        assert wait_until(lambda: len([p for p in self.workers() if pid_alive(p)]) == count, timeout), \
            f"expected {count} workers, have {self.workers()}\n{self.log()}"
        return self.workers()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=20.0):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc is None:
            return
        self.workers()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for pid in self.known_pids:
            if pid != self.proc.pid and pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._log.close()


def write_site_ini(directory, port, app, processes=2, lines=()):
    """`directory`/site.ini as uWSGI users write one: http-socket on `port`, wsgi-file `app`,
    `processes`, master, then each of `lines` (the tests of the uwsgi module's parts share it)."""
    ini = Path(directory) / "site.ini"
    ini.write_text("[uwsgi]\n"
                   f"http-socket = 127.0.0.1:{port}\n"
                   f"wsgi-file = {app}\n"
                   f"processes = {processes}\n"
                   "master = true\n"
                   + "".join(line + "\n" for line in lines))
    return ini
