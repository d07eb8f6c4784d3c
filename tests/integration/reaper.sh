# reaper.sh PID DIR: waits for the test shell PID to end, then kills every
# process left that names DIR in its command line or carries
# TFARM_TEST_RUN=DIR in its environment, and removes DIR.
#
# Why: ctest ends a test at its timeout with SIGKILL, so the test's EXIT trap
# never runs, and ctest kills only the processes still below the test in the
# process tree. Cluster members (`cluster up`), database servers (pg_ctl)
# and the members of a killed chaos harness have left that tree: once, one
# timed-out cluster test left three members trading on the shared database
# server, and every test after it timed out. lib.sh starts this outside the
# test's tree (setsid --fork), with no terminal and no output pipe, so ctest
# neither waits for it nor kills it.
set -u
pid=$1
dir=$2
[[ -n $dir && $dir == /tmp/* ]] || exit 2
start=$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null) || exit 0
# The same pid with the same start time is the same process.
while [[ $(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null) == "$start" ]]; do
  sleep 1
done
# The list is made before anything is killed: the subshells making it carry
# this script's command line.
pids=$({
  grep -lzF -f - /proc/[0-9]*/cmdline <<<"$dir"
  grep -lzxF -f - /proc/[0-9]*/environ <<<"TFARM_TEST_RUN=$dir"
} 2>/dev/null | cut -d/ -f3 | sort -u)
for p in $pids; do
  [[ $p == "$$" ]] || kill -9 "$p" 2>/dev/null || true
done
rm -rf "$dir"
