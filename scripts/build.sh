#!/usr/bin/env bash
# Configures (once) and builds Trading Farm into ${TFARM_BUILD_DIR:-build}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${TFARM_BUILD_DIR:-$root/build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="${TFARM_BUILD_TYPE:-RelWithDebInfo}"
fi
cmake --build "$build_dir" --parallel "${TFARM_JOBS:-$(nproc)}"
