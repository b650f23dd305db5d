#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs the whole suite.
# Used as is by .ci/run. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# CI must never skip a test for want of a server or tool.
export CI="${CI:-}"
exec .venv/bin/python -m pytest "$@"
