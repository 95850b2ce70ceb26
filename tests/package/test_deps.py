"""scripts/install-deps.sh modes and the Makefile targets that use them: a production build (`make`,
`make run`, `make install`) asks for build packages only; the test targets add the test tools."""
import subprocess

from conftest import ROOT, run

SCRIPT = ROOT / "scripts/install-deps.sh"
TEST_TOOLS = {"libgtest-dev", "python3-pytest", "nginx-light", "uwsgi-core", "prometheus", "tmux", "groff-base"}


def packages(*modes):
    return set(run([SCRIPT, "--list", *modes]).stdout.split())


def test_build_mode_has_no_test_tools():
    build = packages("build")
    assert {"cmake", "python3-dev", "libinih-dev", "libspdlog-dev", "node-llhttp"} <= build
    assert not build & TEST_TOOLS
    assert packages() == build  # the default


def test_other_modes_add_to_build():
    build = packages("build")
    assert build | TEST_TOOLS | {"systemd", "logrotate", "python3-venv"} <= packages("test")
    assert packages("package") == build | {"dpkg-dev", "file"}
    assert packages("fuzz") >= build | {"clang-14"}
    assert packages("test", "package") == packages("test") | packages("package")


def test_unknown_mode_is_refused():
    result = subprocess.run([SCRIPT, "tset"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "usage:" in result.stderr


def dry_run(target):
    """The commands `make TARGET` would run (make -n), without running them."""
    return run(["make", "-n", "-C", ROOT, target]).stdout


def test_make_alone_and_run_and_install_use_build_packages_only():
    for target in ("", "build", "run", "install"):
        commands = dry_run(target) if target else run(["make", "-n", "-C", ROOT]).stdout
        assert "install-deps.sh build" in commands, target
        assert "install-deps.sh test" not in commands, target


def test_make_test_and_sanitize_use_test_packages():
    for target in ("test", "sanitize", "unit", "integration", "chaos"):
        assert "install-deps.sh test" in dry_run(target), target
