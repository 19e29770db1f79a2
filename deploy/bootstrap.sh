#!/usr/bin/env bash
# Prepare a fresh Debian 12 machine (as root) for the project: uv, then the Debian
# packages the local stack and the browser test need. Safe to run again: it only installs
# what is missing.
set -euo pipefail

for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

say() { printf '\033[2m%s\033[0m\n' "$*" >&2; }

python_ok() { python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: $*; run as root or install them: apt-get install -y $*" >&2
    exit 1
  fi
  say "apt-get install $*"
  if [ -z "${_apt_updated:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! python_ok; then
  apt_install python3 python3-venv
fi

if ! command -v uv >/dev/null 2>&1; then
  say "installing uv"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip
  fi
  python3 -m pip install --quiet uv 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages uv
fi

missing=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql postgresql-contrib)
command -v runuser >/dev/null || missing+=(util-linux)
if [ "$for_tests" = 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
