# tfarm db backup|check|restore and tfarm audit on a PostgreSQL store:
# pg_dump backups (also while a node runs, and on a schedule), restores
# into an empty database only, refusals with the way out, a second node
# refused naming the first.
source "$(dirname "$0")/lib.sh"
[[ $backend == postgresql ]] || fail "run with TFARM_TEST_BACKEND=postgresql (cli.pg.db_commands)"
db=$(db_new farm)
shown=$(re_escape "$db")
expect_exit 0 "$tfarm" run --db "$db" --for 300ms
expect_exit 0 "$tfarm" db check --db "$db"
expect_grep "^$shown: clean$" "$tmp/out"
expect_exit 0 "$tfarm" db backup --db "$db" --out "$tmp/b1.dump"
expect_grep "written to $tmp/b1.dump \(verified: pg_restore --list\)$" "$tmp/out"
[[ -s "$tmp/b1.dump" && ! -e "$tmp/b1.dump.partial" ]] || fail "backup files"
pg_restore --list "$tmp/b1.dump" >"$tmp/toc" || fail "pg_restore cannot read the backup"
expect_grep "TABLE DATA public fills " "$tmp/toc"

# While a node runs: backups work, a second node is refused naming the first
# (not a node of another database on the same server: tests run side by side).
"$tfarm" run --db "$db" >"$tmp/node.out" 2>"$tmp/node.err" &
pid=$!
wait_for_line "^Running until Ctrl-C" "$tmp/node.out" 20
# Trading, so that the backup below holds fills to compare.
deadline=$((SECONDS + 30))
until (($(db_sql "$db" "SELECT COUNT(*) FROM fills") > 0)); do
  ((SECONDS < deadline)) || fail "the node recorded no fill within 30 s"
  sleep 0.2
done
expect_exit 0 "$tfarm" db backup --db "$db" --out "$tmp/b2.dump"
expect_exit 1 "$tfarm" run --db "$db" --for 1s
expect_grep "in use by another tfarm node: tfarm pid $pid " "$tmp/err"
kill -INT "$pid"
wait "$pid" || fail "the node did not stop cleanly"

# A restore goes into an empty database only, all or nothing.
expect_exit 1 "$tfarm" db restore --db "$db" --from "$tmp/b2.dump"
expect_grep "it holds a store already; restore into a new, empty database" "$tmp/err"
echo "not a dump" >"$tmp/junk.dump"
fresh=$(db_new restored)
expect_exit 1 "$tfarm" db restore --db "$fresh" --from "$tmp/junk.dump"
expect_grep "refusing to restore: .*junk.dump is not a readable pg_dump backup" "$tmp/err"
expect_exit 0 "$tfarm" db restore --db "$fresh" --from "$tmp/b2.dump"
expect_exit 0 "$tfarm" db check --db "$fresh"
expect_grep "^$(re_escape "$fresh"): clean$" "$tmp/out"
# The backup was taken while the node traded on: the restored fills are
# the source's up to that moment, every one of them the same.
fill_rows() {
  db_sql "$1" "SELECT venue || ' ' || client_order_id || ' ' || venue_fill_id || ' ' || price ||
    ' ' || qty || ' ' || fee FROM fills" | LC_ALL=C sort >"$2"
}
fill_rows "$fresh" "$tmp/fills.restored"
fill_rows "$db" "$tmp/fills.source"
[[ -s "$tmp/fills.restored" ]] || fail "the restored database has no fills"
extra=$(LC_ALL=C comm -23 "$tmp/fills.restored" "$tmp/fills.source")
[[ -z $extra ]] || fail "the restored database has fills the source has not: $extra"
expect_exit 0 "$tfarm" audit --db "$fresh" --days 1
expect_grep "  cli  .*  db.restore  restored from $tmp/b2.dump" "$tmp/out"
# The restored farm runs on.
expect_exit 0 "$tfarm" run --db "$fresh" --for 1s
expect_exit 1 "$tfarm" db restore --db "$(db_new other)" --from "$tmp/nope.dump"
expect_grep "no such backup file" "$tmp/err"

# Scheduled backups of a PostgreSQL store: pg_dump files, pruned.
backup_farm "$tmp/farm.toml" "$tmp/backups"
sched=$(db_new sched)
name=${sched#*://*/}
name=${name%%\?*}
expect_exit 0 "$tfarm" run --config "$tmp/farm.toml" --db "$sched" --for 2500ms
n=$(ls "$tmp/backups/$name"-*.dump | wc -l)
((n >= 1 && n <= 2)) || fail "$n scheduled backups, expected 1 or 2"
pg_restore --list "$(ls "$tmp/backups/$name"-*.dump | head -1)" >/dev/null || fail "unreadable"
expect_exit 0 "$tfarm" audit --db "$sched"
expect_grep "  /backup  system  db.backup  $tmp/backups/$name-" "$tmp/out"

# A corrupt checkpoint is an incident here too: audited, an error alert.
copy=$(db_copy "$db" cp)
db_sql "$copy" "UPDATE checkpoints SET crc32 = crc32 + 1 WHERE path = '/user/alice/mm-1'"
expect_exit 0 "$tfarm" run --db "$copy" --for 2s
[[ $(db_sql "$copy" "SELECT COUNT(*) FROM alerts WHERE severity = 'error' AND
  rule LIKE 'incident:%:checkpoint.corrupt' AND message LIKE '/user/alice/mm-1: %'") -ge 1 ]] ||
  fail "no error alert for the corrupt checkpoint"
echo ok
