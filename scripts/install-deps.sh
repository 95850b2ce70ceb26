#!/usr/bin/env bash
# Installs the Debian packages appserver builds and tests with, when run as root and any is missing.
# With the argument `fuzz`, also what the libFuzzer targets need.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  python3-dev            # embedded CPython (Debian's /usr/bin/python3)
  libinih-dev            # ini files
  libspdlog-dev          # logging
  libgtest-dev           # unit tests
  node-llhttp            # llhttp's C sources, built as a static library
  python3-pytest python3-requests python3-flask python3-django   # integration tests
  python3-venv           # integration tests of home/venv
  nginx-light            # integration tests behind a real nginx (uwsgi_pass); run by the tests, not as a service
  uwsgi-core uwsgi-plugin-python3   # the corpus and the stats JSON are compared with the real uWSGI
  tmux                   # uwsgitop (tests/vendor) driven in a terminal by test_stats.py
  prometheus             # promtool check metrics (/metrics); its service is not started (policy-rc.d below)
)
# `make fuzz` only (scripts/install-deps.sh fuzz): clang and its libFuzzer runtime.
fuzz_packages=(clang-14 libclang-rt-14-dev)
if [ "${1:-}" = fuzz ]; then
  packages+=("${fuzz_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages such as nginx-light would start their service on install (port 80): tests start
# their own nginx, so forbid service starts for this install unless a policy already exists.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
status=0
apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
[ -n "$own_policy" ] && rm -f "$policy"
exit $status
