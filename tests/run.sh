#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs the whole suite.
# Used as is by .ci/run. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Servers and tools the tests run for real, installed where missing when run as root (CI is
# root), with one apt-get update for all. Without root their tests are skipped (CI fails them).
need=()
lacks() {  # lacks COMMAND: not on PATH nor in sbin (which is not on every user's PATH)
    ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ] && [ ! -x "/sbin/$1" ]
}
# The IMAP tests run a real Dovecot.
if lacks dovecot; then need+=(dovecot-imapd); fi
# The service tests check the unit with systemd-analyze, and run it under a real systemd in
# namespaces of its own (tests/test_under_systemd.py): systemd, the system bus (dbus-daemon),
# util-linux (unshare, nsenter, pivot_root), mount, and script (bsdutils).
if lacks systemd-analyze || [ ! -x /lib/systemd/systemd ]; then need+=(systemd); fi
if lacks dbus-daemon; then need+=(dbus); fi
if lacks unshare || lacks nsenter || lacks pivot_root; then need+=(util-linux); fi
if lacks mount; then need+=(mount); fi
if lacks script; then need+=(bsdutils); fi
# The desktop notification tests (tests/test_desktop_notifications.py) run a private session
# bus (dbus-daemon, above) and send through notify-send (libnotify-bin) and gdbus (libglib2.0-bin).
if lacks notify-send; then need+=(libnotify-bin); fi
if lacks gdbus; then need+=(libglib2.0-bin); fi
# The command line tests (tests/test_cli_surface.py) load the completion scripts in zsh and
# fish (bash is there already), and render the man page with man (man-db) and groff (groff-base).
if lacks zsh; then need+=(zsh); fi
if lacks fish; then need+=(fish); fi
if lacks man; then need+=(man-db); fi
if lacks groff; then need+=(groff-base); fi
# The board's tests (tests/test_board_browser.py) render the page in Debian's headless Chromium,
# driven by Selenium through chromium-driver (both at /usr/bin: Selenium downloads nothing).
if [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
if [ ! -x /usr/bin/chromedriver ]; then need+=(chromium-driver); fi
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "tests/run.sh: missing ${need[*]}; their tests will be skipped (CI fails them)." \
            "Install them with: sudo apt-get install ${need[*]}" >&2
    fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# CI must never skip a test for want of a server or tool.
export CI="${CI:-}"
exec .venv/bin/python -m pytest "$@"
