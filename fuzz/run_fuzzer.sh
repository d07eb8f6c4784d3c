#!/usr/bin/env bash
# Fuzzes one harness for SECONDS from its committed corpus; new inputs go
# to a temporary folder (removed after), a finding is printed as base64 so
# that a CI log is enough to reproduce it:
#   base64 -d > crash && FUZZER crash
#   run_fuzzer.sh FUZZER CORPUS SECONDS [LIBFUZZER_OPTION...]
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/tfarm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
status=0
"$fuzzer" "$work/new" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$work/" -print_final_stats=1 "$@" 2>"$work/log" || status=$?
grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/log" || true
if ((status != 0)); then
  tail -60 "$work/log"
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [[ -f $f ]] || continue
    echo "finding $(basename "$f") (base64):"
    base64 -w0 "$f"
    echo
  done
  exit "$status"
fi
echo "ok: $(basename "$fuzzer") ran ${seconds}s without a finding; $(find "$work/new" -type f | wc -l) new inputs"
