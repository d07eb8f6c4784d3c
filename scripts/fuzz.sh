#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang-14, AddressSanitizer and
# UndefinedBehaviorSanitizer into ${TFARM_FUZZ_BUILD_DIR:-build-fuzz}, then
# fuzzes each for SECONDS (default 20) from its committed corpus with ctest
# (label fuzz). A finding fails its test and is printed as base64; keep it
# in fuzz/corpus/NAME/ once fixed (the normal suite replays it).
#   scripts/fuzz.sh [--seconds N] [ctest args, e.g. -R checkpoint]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=20
if [[ "${1:-}" == "--seconds" ]]; then
  seconds=$2
  shift 2
fi
"$root/scripts/setup.sh" --fuzz
build_dir=${TFARM_FUZZ_BUILD_DIR:-$root/build-fuzz}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++-14 \
  -DTFARM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFARM_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build "$build_dir" --parallel "${TFARM_JOBS:-$(nproc)}"
ctest --test-dir "$build_dir" --output-on-failure -L fuzz --parallel "${TFARM_JOBS:-$(nproc)}" "$@"
