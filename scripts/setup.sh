#!/usr/bin/env bash
# Installs every Debian 12 package Trading Farm needs to build, test and run.
#
# Idempotent and non-interactive: it asks dpkg which packages are missing and
# only then runs apt-get (as root, or through sudo when it is available).
# With --tests it also installs what only the test suite uses: curl,
# promtool (package prometheus) to check /metrics, Chromium to drive the
# dashboard headless, python3 (the soak tests edit farm files with it) and
# openssl (the TLS test probes the console port with s_client) and
# postgresql (the tests start private servers for the PostgreSQL store).
# With --fuzz: clang-14 and its libFuzzer runtime (scripts/fuzz.sh).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # libraries (see docs/architecture.md for what each one is for)
  libcaf-dev libboost-dev libsqlitecpp-dev libsqlite3-dev sqlite3 libcereal-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev zlib1g-dev
  libreadline-dev libssl-dev libpq-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(curl prometheus chromium python3 openssl postgresql)
fi
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
run_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  run_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${run_root[@]}" apt-get update -qq
"${run_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
