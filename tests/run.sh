#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs the whole suite.
# Used as is by .ci/run. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# The IMAP tests run a real Dovecot: install it where it is missing (as root; CI is root).
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
    else
        echo "tests/run.sh: Dovecot is missing; its tests will be skipped (CI fails them)." \
            "Install it with: sudo apt-get install dovecot-imapd" >&2
    fi
fi

# The service tests check the systemd unit with systemd-analyze (Debian's package `systemd`).
if ! command -v systemd-analyze >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
    else
        echo "tests/run.sh: systemd-analyze is missing; its tests will be skipped (CI fails them)." \
            "Install it with: sudo apt-get install systemd" >&2
    fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# CI must never skip a test for want of a server or tool.
export CI="${CI:-}"
exec .venv/bin/python -m pytest "$@"
