#!/usr/bin/env python3
"""Regenerates tests/data/uwsgi-2.0-options.txt from `uwsgi --plugin http,python3 --help`.

Needs Debian's uWSGI (apt-get install -y uwsgi-core uwsgi-plugin-python3); CI only reads the committed
list (tests/unit/config/uwsgi_catalogue_test.cpp checks every name is in the option table).

Output: one line per long option name, sorted: `name<TAB>short<TAB>description`, where short is the
one-letter command-line alias uWSGI gives that name (`-p|--processes`) or empty.
Usage: scripts/uwsgi_option_list.py [OUTPUT]   (default: tests/data/uwsgi-2.0-options.txt)
"""
import os
import re
import subprocess
import sys

LINE = re.compile(r"^    (?:-(?P<short>[A-Za-z0-9])\|)?--(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\s+(?P<desc>.*))?$")


def parse(help_text):
    options = {}
    for line in help_text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name = m.group("name")
        desc = " ".join((m.group("desc") or "").split())
        options.setdefault(name, (m.group("short") or "", desc))
    return options


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "uwsgi-2.0-options.txt")
    proc = subprocess.run(["uwsgi", "--plugin", "http,python3", "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    options = parse(proc.stdout + proc.stderr)
    if len(options) < 500:
        sys.exit(f"only {len(options)} options parsed from uwsgi --help (exit {proc.returncode}); is uWSGI installed?")
    version = subprocess.run(["uwsgi", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# uwsgi {version} --plugin http,python3 --help; regenerate: scripts/uwsgi_option_list.py\n")
        for name in sorted(options):
            short, desc = options[name]
            f.write(f"{name}\t{short}\t{desc}\n")
    print(f"{out}: {len(options)} options")


if __name__ == "__main__":
    main()
