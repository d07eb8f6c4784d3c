#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest
# (every test has its own timeout). Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --tests
"$root/scripts/build.sh"
build_dir=${TFARM_BUILD_DIR:-$root/build}
ctest --test-dir "$build_dir" --output-on-failure --parallel "${TFARM_JOBS:-$(nproc)}" "$@"
