#!/usr/bin/env bash
# Installs the Debian 12 packages appserver needs for one purpose, when run as root and any is missing
# (else it names them and exits 1). One or more modes:
#   build    what a production build needs (the default; `make`, `make run`, `make install`)
#   test     build + what the test suites run (`make test`, `make sanitize`)
#   fuzz     build + clang and its libFuzzer runtime (`make fuzz`)
#   package  build + what `make deb` needs (dpkg-shlibdeps computes the package's Depends)
# A production host runs `build` only: no test tools (gtest, pytest, nginx, prometheus...) land there.
# `--list MODE...` prints the packages of those modes, one a line, and changes nothing.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  python3-dev            # CPython headers and libpython (Debian's /usr/bin/python3)
  libinih-dev            # ini files
  libspdlog-dev          # logging
  node-llhttp            # llhttp's C sources, built as a static library
)
test_packages=(
  libgtest-dev           # unit tests
  python3-pytest python3-requests python3-flask python3-django   # integration tests
  python3-venv           # integration tests of home/venv
  nginx-light            # integration tests behind a real nginx (uwsgi_pass); run by the tests, not as a service
  uwsgi-core uwsgi-plugin-python3   # the corpus and the stats JSON are compared with the real uWSGI
  tmux                   # uwsgitop (tests/vendor) driven in a terminal by test_stats.py
  prometheus             # promtool check metrics (/metrics); its service is not started (policy-rc.d below)
  systemd                # systemd-socket-activate, systemd-analyze verify (socket activation, units)
  logrotate              # the shipped /etc/logrotate.d file is tested with it
  groff-base             # the man page must render without warnings (ManPage.RendersWithoutWarnings)
)
fuzz_packages=(clang-14 libclang-rt-14-dev)
package_packages=(
  dpkg-dev               # dpkg-shlibdeps: the .deb's Depends, computed by CPack
  file                   # CPack finds the ELF files to run dpkg-shlibdeps on with it
)

list_only=
if [ "${1:-}" = --list ]; then
  list_only=1
  shift
fi
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(build)
packages=("${build_packages[@]}")
for mode in "${modes[@]}"; do
  case "$mode" in
    build) ;;
    test) packages+=("${test_packages[@]}") ;;
    fuzz) packages+=("${fuzz_packages[@]}") ;;
    package) packages+=("${package_packages[@]}") ;;
    *) echo "usage: $0 [build|test|fuzz|package]..." >&2; exit 2 ;;
  esac
done

if [ -n "$list_only" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
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
