# tfarm db backup|check|restore and tfarm audit against databases written by
# tfarm run; refusals while a node runs; a corrupt file at start; scheduled
# backups.
source "$(dirname "$0")/lib.sh"
umask 022
db="$tmp/farm.db"
expect_exit 0 "$tfarm" run --db "$db" --for 300ms
expect_exit 0 "$tfarm" db check --db "$db"
expect_grep "^$db: clean$" "$tmp/out"
expect_exit 0 "$tfarm" db backup --db "$db" --out "$tmp/b1.db"
expect_grep "written to $tmp/b1.db \(integrity check: ok\)" "$tmp/out"
[[ -f "$tmp/b1.db" && ! -e "$tmp/b1.db-wal" && ! -e "$tmp/b1.db.partial" ]] || fail "backup files"
# What tfarm writes is its owner's only, whatever the umask (022 above).
for f in "$db" "$db.lock" "$tmp/b1.db"; do
  [[ ! -e "$f" || $(stat -c %a "$f") == 600 ]] || fail "$f has mode $(stat -c %a "$f"), not 600"
done
[[ -e "$db" && -e "$tmp/b1.db" ]] || fail "no database or backup to check the modes of"

# While a node runs: backups work, a restore is refused.
"$tfarm" run --db "$db" >"$tmp/node.out" 2>"$tmp/node.err" &
pid=$!
wait_for_line "^Running until Ctrl-C" "$tmp/node.out" 20
expect_grep "([3-9]|[1-9][0-9]) checkpoints loaded" "$tmp/node.out"
expect_exit 0 "$tfarm" db backup --db "$db" --out "$tmp/b2.db"
expect_exit 1 "$tfarm" db restore --db "$db" --from "$tmp/b1.db"
expect_grep "refusing to restore $db: a tfarm node \(pid $pid\) is using it; stop it first" "$tmp/err"
expect_exit 1 "$tfarm" run --db "$db" --for 1s
expect_grep "in use by another tfarm process \(pid $pid\)" "$tmp/err"
kill -INT "$pid"
wait "$pid" || fail "the node did not stop cleanly"
expect_exit 0 "$tfarm" db check --db "$tmp/b2.db"

# With the node gone the restore goes through and keeps the old file aside.
expect_exit 0 "$tfarm" db restore --db "$db" --from "$tmp/b2.db"
expect_grep "^restored $db from $tmp/b2.db; the replaced database is kept at $db.replaced-" "$tmp/out"
ls "$db".replaced-* >/dev/null || fail "no replaced file kept aside"
expect_exit 0 "$tfarm" db check --db "$db"
expect_exit 0 "$tfarm" audit --db "$db" --days 1
expect_grep "  node.start  node local on $db$" "$tmp/out"
expect_grep "  cli  .*  db.restore  restored from $tmp/b2.db" "$tmp/out"
expect_exit 0 "$tfarm" audit --db "$db" --json
expect_grep '"action": "db.restore"' "$tmp/out"
expect_exit 1 "$tfarm" db restore --db "$db" --from "$tmp/nope.db"
expect_grep "no such backup file" "$tmp/err"

# A corrupt file stops start-up with the way out (exit 2: the operator's
# to mend), before anything starts.
head -c 8192 /dev/urandom >"$tmp/junk.db"
expect_exit 2 "$tfarm" run --db "$tmp/junk.db" --for 1s
expect_grep "the file is corrupt or not a database .*tfarm db restore --db $tmp/junk.db --from BACKUP" "$tmp/err"
expect_exit 1 "$tfarm" db check --db "$tmp/junk.db"
# So does a real database with pages overwritten in the middle, which SQLite
# itself would only notice when it next read them.
cp "$db" "$tmp/damaged.db"
pages=$(($(stat -c %s "$tmp/damaged.db") / 4096))
((pages > 4)) || fail "the database has only $pages pages"
count=$((pages - 3 < 20 ? pages - 3 : 20))
dd if=/dev/urandom of="$tmp/damaged.db" bs=4096 seek=2 count=$count conv=notrunc status=none
expect_exit 1 "$tfarm" db check --db "$tmp/damaged.db"
expect_exit 2 "$tfarm" run --db "$tmp/damaged.db" --for 1s
expect_grep "tfarm db restore --db $tmp/damaged.db --from BACKUP" "$tmp/err"
grep -q "node.start" "$tmp/err" && fail "a node started on a damaged database"

# Scheduled backups, audited.
backup_farm "$tmp/farm.toml" "$tmp/backups"
expect_exit 0 "$tfarm" run --config "$tmp/farm.toml" --db "$tmp/sched.db" --for 2500ms
n=$(ls "$tmp/backups"/sched-*.db | wc -l)
((n >= 1 && n <= 2)) || fail "$n scheduled backups, expected 1 or 2"
expect_exit 0 "$tfarm" db check --db "$(ls "$tmp/backups"/sched-*.db | head -1)"
expect_exit 0 "$tfarm" audit --db "$tmp/sched.db"
expect_grep "  /backup  system  db.backup  $tmp/backups/sched-" "$tmp/out"

# A corrupt checkpoint is an incident: audited, and an `error` alert (the
# agent starts from its previous checkpoint or afresh; the node runs on).
cp "$db" "$tmp/cp.db"
sqlite3 "$tmp/cp.db" "UPDATE checkpoints SET crc32 = crc32 + 1 WHERE path = '/user/alice/mm-1'"
expect_exit 0 "$tfarm" run --db "$tmp/cp.db" --for 2s
[[ $(sqlite3 "$tmp/cp.db" "SELECT COUNT(*) FROM alerts WHERE severity = 'error' AND
  rule LIKE 'incident:%:checkpoint.corrupt' AND message LIKE '/user/alice/mm-1: %'") -ge 1 ]] ||
  fail "no error alert for the corrupt checkpoint: $(sqlite3 "$tmp/cp.db" "SELECT * FROM alerts")"
[[ $(sqlite3 "$tmp/cp.db" "SELECT COUNT(*) FROM audit_logs WHERE action = 'checkpoint.corrupt'
  AND actor = '/user/alice/mm-1'") -ge 1 ]] || fail "the corrupt checkpoint was not audited"
echo ok
