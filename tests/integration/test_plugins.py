"""The Python runtime is a plugin per interpreter (build/plugins/python3_plugin.so, python312_plugin.so):
the binary links no libpython, `plugins =` picks one, --version lists them, a missing or foreign one
is refused with one line. The tests that need a second interpreter run once its plugin is built
(`make test-interpreters` builds it); they are skipped otherwise."""
import os
import re
import shutil
import signal
import subprocess
import textwrap
from pathlib import Path

import pytest
import requests

from harness import APPS, BINARY, OTHER_PLUGIN, Server, free_port, wait_until

pytestmark = pytest.mark.skipif(bool(OTHER_PLUGIN), reason="these tests choose their plugins themselves")

PLUGINS = Path(BINARY).resolve().parent / "plugins"
VERSION_APP = textwrap.dedent("""
    import sys
    def application(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('%d.%d %s' % (sys.version_info[0], sys.version_info[1], sys.prefix)).encode()]
""")


def run(*args, cwd=None, env=None):
    env = {**os.environ, **(env or {})}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([BINARY, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def needed(path):
    """The ELF's NEEDED entries (what the dynamic loader maps with it)."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def debian_python_version():
    return subprocess.run(["/usr/bin/python3", "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def other_plugin():
    """(name, 'X.Y', interpreter path) of a built plugin for an interpreter other than the default one."""
    default = ".".join(debian_python_version().split(".")[:2])
    for line in run("--version").stdout.splitlines():
        m = re.match(r"(python\d+) plugin: Python (\d+\.\d+)\.\d+ \((.+)\)$", line)
        if m and m.group(1) != "python3" and m.group(2) != default:
            return m.group(1), m.group(2)
    return None


@pytest.fixture
def other():
    found = other_plugin()
    if found is None:
        pytest.skip("no plugin for a second interpreter is built (make plugin PYTHON=/path/to/python3.12)")
    return found


def test_the_binary_links_no_libpython_and_the_plugin_does():
    assert not [lib for lib in needed(BINARY) if lib.startswith("libpython")], needed(BINARY)
    assert [lib for lib in needed(PLUGINS / "python3_plugin.so") if lib.startswith("libpython3")]


def test_version_lists_each_plugin_with_its_interpreter(tmp_path):
    r = run("--version")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"appserver \d+\.\d+\.\d+", lines[0]), lines
    assert f"python3 plugin: Python {debian_python_version()} ({PLUGINS / 'python3_plugin.so'})" in lines, lines
    # plugins-dir is searched first: a copy there is the one listed (and the one loaded).
    shutil.copy(PLUGINS / "python3_plugin.so", tmp_path / "python3_plugin.so")
    r = run("--plugins-dir", tmp_path, "--version")
    assert f"python3 plugin: Python {debian_python_version()} ({tmp_path / 'python3_plugin.so'})" in r.stdout.splitlines()


def test_a_missing_plugin_is_named_with_where_it_looked_and_how_to_build_it(tmp_path):
    for extra in (["--check-config"], []):
        r = run("--http", f"127.0.0.1:{free_port()}", "--wsgi-file", APPS / "echo.py", "--plugins", "http,python27",
                "--plugin-dir", tmp_path, *extra)
        assert r.returncode == 1, r
        assert r.stderr.count("\n") == 1, r.stderr
        assert r.stderr.startswith("appserver: plugin python27: python27_plugin.so not found (looked in "
                                   f"{tmp_path}, {PLUGINS}, "), r.stderr
        assert "build it with `make plugin PYTHON=/path/to/python2.7`" in r.stderr, r.stderr


def test_two_python_plugins_are_refused(tmp_path):
    ini = tmp_path / "site.ini"
    ini.write_text(f"[uwsgi]\nhttp = 127.0.0.1:{free_port()}\nwsgi-file = {APPS / 'echo.py'}\nplugins = http,python3\n")
    r = run("--ini", ini, "--plugin", "python312")
    assert r.returncode == 1, r
    assert r.stderr == ("appserver: plugins: python3 and python312 are two Python plugins; one process runs one "
                        "interpreter: keep one\n")
    # `python` is python3 under another name: no conflict.
    r = run("--ini", ini, "--plugin", "python", "--check-config")
    assert r.returncode == 0, r.stderr


def test_a_plugin_given_by_path_serves(tmp_path):
    (tmp_path / "app.py").write_text(VERSION_APP)
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", "app.py", "--plugins", PLUGINS / "python3_plugin.so"],
               tmp_path, port=port)
    try:
        s.start()
        assert requests.get(s.url("/"), timeout=10).text.startswith(".".join(debian_python_version().split(".")[:2]))
    finally:
        s.stop()


def test_a_foreign_file_in_plugins_dir_is_passed_over_and_named_when_asked_for(tmp_path):
    # A directory shared with uWSGI holds its own python3_plugin.so: not ours, so the next one is used.
    foreign = tmp_path / "python3_plugin.so"
    foreign.write_text("not an ELF file\n" * 1000)
    r = run("--http", f"127.0.0.1:{free_port()}", "--wsgi-file", APPS / "echo.py", "--plugins-dir", tmp_path,
            "--check-config")
    assert r.returncode == 0, r.stderr
    # Named by its path, it is the only candidate: refused with dlopen's reason.
    r = run("--http", f"127.0.0.1:{free_port()}", "--wsgi-file", APPS / "echo.py", "--plugins", foreign)
    assert r.returncode == 1
    assert r.stderr.startswith(f"appserver: plugin {foreign}: cannot load {foreign}: "), r.stderr
    assert "invalid ELF header" in r.stderr, r.stderr


def test_a_plugin_built_for_another_core_is_refused(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build a stale plugin")
    (tmp_path / "stale.c").write_text(textwrap.dedent("""
        #include <stddef.h>
        int appserver_plugin_abi(void) { return 999; }
        size_t appserver_plugin_options_size(void) { return 8; }
        const char* appserver_plugin_interpreter(void) { return "Python 3.0.0"; }
        void* appserver_plugin_create_runtime(void) { return 0; }
    """))
    (tmp_path / "plugins").mkdir()
    subprocess.run([cc, "-shared", "-fPIC", "-o", tmp_path / "plugins" / "python30_plugin.so", tmp_path / "stale.c"],
                   check=True)
    r = run("--http", f"127.0.0.1:{free_port()}", "--wsgi-file", APPS / "echo.py", "--plugins", "python30",
            "--plugins-dir", tmp_path / "plugins")
    assert r.returncode == 1
    assert r.stderr.startswith(f"appserver: plugin python30 ({tmp_path / 'plugins' / 'python30_plugin.so'}): built "
                               "for plugin ABI 999 (Options of 8 bytes), this appserver has ABI "), r.stderr
    assert "rebuild it (build it with `make plugin PYTHON=/path/to/python3.0`)" in r.stderr, r.stderr
    assert "python30 plugin: " in run("--plugins-dir", tmp_path / "plugins", "--version").stdout


def test_another_interpreter_serves_and_a_reload_loads_it_again(tmp_path, other):
    name, version = other
    (tmp_path / "app.py").write_text(VERSION_APP)
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", "app.py", "--plugins", name, "--processes", "2"],
               tmp_path, port=port)
    try:
        s.start()
        assert requests.get(s.url("/"), timeout=10).text.startswith(version + " ")
        old = set(s.wait_workers(2))
        s.signal(signal.SIGHUP)  # re-executes the binary, which loads the plugin again
        assert wait_until(lambda: len(set(s.workers()) - old) == 2 and not set(s.workers()) & old, timeout=30), s.log()
        assert all(requests.get(s.url("/"), timeout=10).text.startswith(version + " ") for _ in range(5))
        assert s.proc.poll() is None
    finally:
        s.stop()


def test_a_venv_of_another_interpreter_names_the_plugin_to_use(tmp_path, other):
    name, version = other
    # pyenv's shims are no interpreters: look in its versions first.
    candidates = [*Path("/root/.pyenv/versions").glob(f"{version}.*/bin/python{version}"),
                  Path(f"/usr/bin/python{version}"), Path(f"/usr/local/bin/python{version}")]
    interpreter = next((str(p) for p in candidates if os.access(p, os.X_OK)), None)
    if interpreter is None:
        pytest.skip(f"python{version} not found to make a venv with")
    venv = tmp_path / "venv"
    subprocess.run([interpreter, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (tmp_path / "app.py").write_text(VERSION_APP)
    default = ".".join(debian_python_version().split(".")[:2])
    # The default plugin (Debian's Python) cannot import the venv's packages: refused, naming the fix.
    r = run("--http", f"127.0.0.1:{free_port()}", "--wsgi-file", tmp_path / "app.py", "--venv", venv)
    assert r.returncode == 1
    assert (f'venv "{venv}" was made with Python {version} (its pyvenv.cfg) but plugin python3 runs Python '
            f"{default}: use `plugins = {name}` (build it with `make plugin PYTHON=") in r.stderr, r.stderr
    assert len([line for line in r.stderr.splitlines() if "pyvenv.cfg" in line]) == 1, r.stderr
    # The plugin it names serves the app inside the venv.
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", "app.py", "--venv", str(venv), "--plugins", name],
               tmp_path, port=port)
    try:
        s.start()
        assert requests.get(s.url("/"), timeout=10).text == f"{version} {venv}"
    finally:
        s.stop()
