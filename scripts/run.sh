#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: a single-node farm
# with its supervision tree from examples/single_node (Ctrl-C stops it).
# Extra arguments go to `tfarm run`, e.g. scripts/run.sh --for 30s
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root"
exec "${TFARM_BUILD_DIR:-$root/build}/bin/tfarm" run "$@"
