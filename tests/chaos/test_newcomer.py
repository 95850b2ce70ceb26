"""What a newcomer sees first (issue 14, "small things"): --help's usage lines and defaults, and error
messages that name the user's files, never an internal temporary file."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness import BINARY, ROOT, free_port


def run_as_user(args, cwd, binary=BINARY):
    """Runs the binary to completion; as root, as nobody (a read-only directory must refuse it)."""
    drop = (lambda: (os.setgid(65534), os.setuid(65534))) if os.geteuid() == 0 else None
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=30, preexec_fn=drop)


def server_args(pidfile):
    return ["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(ROOT / "examples/hello.py"), "--pidfile", str(pidfile)]


def test_pidfile_in_a_missing_directory_names_the_pidfile(tmp_path):
    pidfile = tmp_path / "missing" / "app.pid"
    result = subprocess.run([BINARY, *server_args(pidfile)], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f'open("{pidfile}") failed (2: No such file or directory)' in result.stderr, result.stderr
    assert ".tmp" not in result.stderr


def reachable_copy(scratch):
    """The binary, its plugins and the app copied where `nobody` can reach them: a checkout in a
    private directory (a CI clone made with mktemp -d is 0700) cannot be."""
    bin_dir = scratch / "bin"
    bin_dir.mkdir()
    shutil.copy(BINARY, bin_dir / "appserver")
    plugins = Path(BINARY).parent / "plugins"
    if plugins.is_dir():
        shutil.copytree(plugins, bin_dir / "plugins")
    shutil.copy(ROOT / "examples/hello.py", scratch / "hello.py")
    for path in [scratch, *scratch.rglob("*")]:
        path.chmod(0o755)
    return bin_dir / "appserver"


def test_pidfile_in_a_read_only_directory_names_the_pidfile():
    scratch = Path(tempfile.mkdtemp(prefix="appserver-ro-"))
    try:
        binary = reachable_copy(scratch)
        (scratch / "ro").mkdir()
        (scratch / "ro").chmod(0o555)
        pidfile = scratch / "ro" / "app.pid"
        args = ["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(scratch / "hello.py"), "--pidfile", str(pidfile)]
        result = run_as_user(args, cwd=scratch, binary=binary)
        assert result.returncode == 1
        assert f'open("{pidfile}") failed (13: Permission denied)' in result.stderr, result.stderr
        assert ".tmp" not in result.stderr
        assert not list((scratch / "ro").iterdir())
    finally:
        (scratch / "ro").chmod(0o755)
        for p in sorted(scratch.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
        scratch.rmdir()


def test_help_lists_every_action_and_the_defaults(tmp_path):
    result = subprocess.run([BINARY, "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    usage = result.stdout.split("\n\n")[0]
    for action in ("--stop PIDFILE", "--reload PIDFILE", "--reopen-logs PIDFILE", "--check-config", "--help",
                   "--version"):
        assert f"  appserver {action}" in usage, usage
    assert "-p, --processes, --workers N" in result.stdout
    assert "number of worker processes (default: 1)" in result.stdout
    assert "(default: 60)" in result.stdout  # worker-reload-mercy, http-timeout
