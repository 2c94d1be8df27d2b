#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build --build-tests
# Swift Testing only: its closing line counts every test that ran.
swift test --skip-build --disable-xctest "$@"
