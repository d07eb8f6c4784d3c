# `tfarm credentials`: a secret from stdin is stored sealed (never in the
# database, output or audit log in clear), checks against the master key,
# rotates, revokes, and a wrong master key is named as such. On SQLite,
# and on PostgreSQL with TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
key_a=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
key_b=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
db=$(db_new farm)
probe=$(db_new probe)
echo "$key_a" >"$tmp/master.key"
# A key file others may read is refused, naming the fix.
chmod 644 "$tmp/master.key"
expect_exit 0 "$tfarm" run --db "$probe" --config examples/single_node/farm.toml --for 100ms
expect_exit 1 "$tfarm" credentials set --db "$probe" --venue sim --account alice-main \
  --key-id k1 --master-key-file "$tmp/master.key" <<<'api-key-1:TOPSECRET-1'
expect_grep "is open to other users \(mode 0644\): chmod 600 $tmp/master.key" "$tmp/err"
chmod 600 "$tmp/master.key"
expect_exit 0 "$tfarm" run --db "$db" --config examples/single_node/farm.toml --for 100ms
printf 'api-key-1:TOPSECRET-1\n' >"$tmp/secret"
expect_exit 0 "$tfarm" credentials set --db "$db" --venue sim --account alice-main --key-id k1 \
  --master-key-file "$tmp/master.key" <"$tmp/secret"
expect_grep '^stored sim/alice-main key k1 \(master key [0-9a-f]{16}\)$' "$tmp/out"
TFARM_MASTER_KEY=$key_a expect_exit 0 "$tfarm" credentials check --db "$db" --venue sim --account alice-main
expect_grep '^sim/alice-main key k1: opens with master key [0-9a-f]{16}$' "$tmp/out"
TFARM_MASTER_KEY=$key_b expect_exit 1 "$tfarm" credentials check --db "$db" --venue sim --account alice-main
expect_grep 'wrong_master_key: the secret of sim/alice-main/k1 was sealed under master key [0-9a-f]{16}, not the configured [0-9a-f]{16} \(wrong master key\)' "$tmp/err"
# Rotation: the new key is active, the old one revoked.
printf 'api-key-2:TOPSECRET-2' | TFARM_MASTER_KEY=$key_a expect_exit 0 "$tfarm" credentials set \
  --db "$db" --venue sim --account alice-main --key-id k2
expect_grep '; 1 earlier key revoked$' "$tmp/out"
expect_exit 0 "$tfarm" credentials list --db "$db"
expect_grep $'^sim\talice-main\tk1\t.*\trevoked ' "$tmp/out"
expect_grep $'^sim\talice-main\tk2\t.*\tactive$' "$tmp/out"
expect_exit 0 "$tfarm" credentials revoke --db "$db" --venue sim --account alice-main
expect_grep '^revoked 1 credential of sim/alice-main$' "$tmp/out"
TFARM_MASTER_KEY=$key_a expect_exit 1 "$tfarm" credentials check --db "$db" --venue sim --account alice-main
expect_grep 'no active credential for sim/alice-main' "$tmp/err"
# Bad or missing master keys and an empty secret are usage problems.
echo x | TFARM_MASTER_KEY=abc expect_exit 1 "$tfarm" credentials set --db "$db" --venue sim --account a --key-id k
expect_grep 'bad_master_key: the master key must be 64 hex digits \(256 bits\), got 3 characters' "$tmp/err"
echo x | env -u TFARM_MASTER_KEY "$tfarm" credentials set --db "$db" --venue sim --account a --key-id k \
  >"$tmp/out" 2>"$tmp/err" && fail "set without a master key succeeded"
expect_grep 'no master key: give --master-key-file FILE or set TFARM_MASTER_KEY' "$tmp/err"
TFARM_MASTER_KEY=$key_a expect_exit 2 "$tfarm" credentials set --db "$db" --venue sim --account a --key-id k </dev/null
# rotate-master re-seals every credential under a new key (a file it
# creates, 0600) in one transaction: all open with the new key, none with
# the old; the same key again is refused.
printf 'api-key-3:TOPSECRET-3' | TFARM_MASTER_KEY=$key_a expect_exit 0 "$tfarm" credentials set \
  --db "$db" --venue sim --account bob-main --key-id k1
expect_exit 0 "$tfarm" credentials rotate-master --db "$db" --master-key-file "$tmp/master.key" \
  --new-master-key-file "$tmp/new.key"
expect_grep '^re-sealed 3 credentials under master key [0-9a-f]{16} \(was [0-9a-f]{16}, in ' "$tmp/out"
[[ $(stat -c %a "$tmp/new.key") == 600 ]] || fail "the new master key file is not 0600"
expect_exit 0 "$tfarm" credentials check --db "$db" --venue sim --account bob-main \
  --master-key-file "$tmp/new.key"
expect_exit 1 "$tfarm" credentials check --db "$db" --venue sim --account bob-main \
  --master-key-file "$tmp/master.key"
expect_grep 'wrong master key' "$tmp/err"
expect_exit 2 "$tfarm" credentials rotate-master --db "$db" --master-key-file "$tmp/new.key" \
  --new-master-key-file "$tmp/new.key"
expect_grep 'holds the current master key' "$tmp/err"
# One credential the key does not open: nothing is changed.
printf 'api-key-4:TOPSECRET-4' | TFARM_MASTER_KEY=$key_b expect_exit 0 "$tfarm" credentials set \
  --db "$db" --venue sim --account carol-main --key-id k1
expect_exit 1 "$tfarm" credentials rotate-master --db "$db" --master-key-file "$tmp/new.key" \
  --new-master-key-file "$tmp/newer.key"
expect_grep 'sim/carol-main key k1: .*; nothing was changed$' "$tmp/err"
expect_exit 0 "$tfarm" credentials check --db "$db" --venue sim --account bob-main \
  --master-key-file "$tmp/new.key"
# The secrets are nowhere in clear: not in the database, not in the audit log.
if [[ $backend == postgresql ]]; then
  pg_dump "$db" >"$tmp/dump.sql" || fail "pg_dump failed"
  ! grep -q TOPSECRET "$tmp/dump.sql" || fail "a secret is in the database in clear"
else
  ! grep -q TOPSECRET "$db" "$db-wal" 2>/dev/null || fail "a secret is in the database in clear"
fi
expect_exit 0 "$tfarm" audit --db "$db" --days 1
expect_grep 'credentials.rotate' "$tmp/out"
! grep -q TOPSECRET "$tmp/out" || fail "a secret is in the audit log"
expect_exit 0 "$tfarm" db check --db "$db"
echo ok
