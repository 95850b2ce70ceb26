"""The units in dist/systemd pass `systemd-analyze verify` (Debian's systemd package) once their
@...@ are configured, as dist/CMakeLists.txt does, with the binary this test runs (it must exist:
verify checks ExecStart's path). The build's own configured copies are checked too."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import BINARY, ROOT

DIST = ROOT / "dist" / "systemd"
ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(ANALYZE is None, reason="needs systemd-analyze (Debian's systemd package)")


def configure(template: Path, binary: str) -> str:
    """What configure_file(@ONLY) makes of it."""
    text = template.read_text()
    text = text.replace("@APPSERVER_BINARY@", binary)
    assert not re.search(r"@[A-Z_]+@", text), f"{template.name}: a placeholder dist/CMakeLists.txt does not set"
    return text


@pytest.fixture
def units(tmp_path):
    out = tmp_path / "units"
    out.mkdir()
    for template in DIST.glob("*.in"):
        (out / template.stem).write_text(configure(template, str(Path(BINARY).resolve())))
    shutil.copy(DIST / "appserver.socket", out)
    return out


def verify(*paths):
    result = subprocess.run([ANALYZE, "verify", "--man=no", *map(str, paths)], capture_output=True, text=True,
                            timeout=60)
    return result.returncode, (result.stdout + result.stderr).strip()


@pytest.mark.parametrize("unit", ["appserver.service", "appserver@site.service", "appserver.socket"])
def test_unit_verifies_without_a_word(units, unit):
    if "@site" in unit:
        shutil.copy(units / "appserver@.service", units / unit)  # an instance of the template
    code, output = verify(units / unit)
    assert code == 0 and output == "", output


def test_a_unit_naming_a_missing_binary_does_not_verify(units, tmp_path):
    # The check above means something: verify does look at ExecStart.
    broken = tmp_path / "broken.service"
    broken.write_text(configure(DIST / "appserver.service.in", "/nonexistent/bin/appserver"))
    code, output = verify(broken)
    assert code != 0 and "/nonexistent/bin/appserver" in output


def test_the_service_is_notify_with_a_waiting_reload(units):
    text = (units / "appserver.service").read_text()
    for line in ["Type=notify", "NotifyAccess=main", "KillSignal=SIGTERM", "RuntimeDirectory=appserver",
                 "ExecReload=" + str(Path(BINARY).resolve()) + " --reload /run/appserver/appserver.pid",
                 "TimeoutStopSec=75"]:
        assert line in text.splitlines(), line
    instance = (units / "appserver@.service").read_text()
    assert "--ini /etc/appserver/%i.ini --pidfile /run/appserver/%i/appserver.pid" in instance


def test_the_build_configured_the_same_units():
    build = Path(BINARY).resolve().parent
    cache = build / "CMakeCache.txt"
    if not cache.exists():
        pytest.skip("not a CMake build directory")
    prefix = re.search(r"^CMAKE_INSTALL_PREFIX:PATH=(.*)$", cache.read_text(), re.M).group(1)
    for template in DIST.glob("*.in"):
        configured = build / "dist" / "systemd" / template.stem
        assert configured.read_text() == configure(template, f"{prefix}/bin/appserver")
