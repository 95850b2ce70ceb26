"""register_signal targets owned by the mules and the spooler units (issue 12): "mules" reaches every
mule, "muleN" one mule, "mule" whichever mule reads first, "spooler" a spooler process."""
import requests

from harness import wait_until


def lines(path):
    try:
        return [l.split() for l in path.read_text().splitlines()]
    except OSError:
        return []


def where(path, num):
    return sorted(w for n, w, _ in lines(path) if n == str(num))


def test_signals_reach_mules_and_the_spooler(serve, tmp_path):
    (tmp_path / "spool").mkdir()
    s = serve("uwsgi_signal_targets_app.py", "--processes", "1", "--mules", "2",
              "--spooler", str(tmp_path / "spool"), cwd=tmp_path)
    out = tmp_path / "signals.log"

    def raise_signal(num):
        assert requests.get(s.url(f"/{num}"), timeout=10).text == "raised"

    # Mules and the spooler start once the master runs: retry until each has taken its channel.
    assert wait_until(lambda: raise_signal(10) or where(out, 10)[-2:] == ["mule1", "mule2"] or
                      {"mule1", "mule2"} <= set(where(out, 10)), 15), (lines(out), s.log()[-3000:])
    assert wait_until(lambda: raise_signal(11) or "spooler" in where(out, 11), 15), (lines(out), s.log()[-3000:])
    before = len(where(out, 12))
    raise_signal(12)
    assert wait_until(lambda: len(where(out, 12)) > before, 10), lines(out)
    assert set(where(out, 12)) == {"mule1"}
    raise_signal(13)
    assert wait_until(lambda: where(out, 13), 10), lines(out)
    assert where(out, 13)[0] in ("mule1", "mule2")
    assert "worker" not in {w for _, w, _ in lines(out)}
