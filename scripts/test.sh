#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest
# (every test has its own timeout). Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --tests
"$root/scripts/build.sh"
build_dir=${TFARM_BUILD_DIR:-$root/build}
# Two tests a core: busy tests at most one a core, money soaks (which mostly
# wait) beside them (ctest resources: cmake/TfarmOptions.cmake).
ctest --test-dir "$build_dir" --output-on-failure --parallel "$((2 * ${TFARM_JOBS:-$(nproc)}))" "$@"
