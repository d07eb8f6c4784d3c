# `tfarm run` opens the accounts a farm file lists and credits each opening
# balance once in the account's life, however often the farm starts; an
# account id that another user holds in the database stops start-up. Runs
# on SQLite, and on PostgreSQL with TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
db=$(db_new farm)
cat >"$tmp/a.toml" <<'TOML'
[vault]
assets = ["USD", "BTC"]
[[user]]
name = "ann"
  [[user.account]]
  id = "ann-1"
  opening_balance = { USD = 500, BTC = 3 }
TOML
cat >"$tmp/b.toml" <<'TOML'
[[user]]
name = "ben"
  [[user.account]]
  id = "ann-1"
TOML
balances() {
  db_sql "$db" "SELECT account || ' ' || asset || ' ' || bucket || ' ' || amount FROM balances ORDER BY 1"
}
expect_exit 0 "$tfarm" run --db "$db" --config "$tmp/a.toml" --for 100ms
expect_grep 'vault: opened account ann-1 for ann' "$tmp/err"
first=$(balances)
expect_exit 0 "$tfarm" run --db "$db" --config "$tmp/a.toml" --for 100ms
[[ $(balances) == "$first" ]] || fail "a second start changed the balances: $(balances)"
[[ $(db_sql "$db" "SELECT amount FROM balances WHERE account = 'ann-1' AND asset = 'USD'") == 500 ]] ||
  fail "ann-1 should hold 500 USD: $(balances)"
[[ $(db_sql "$db" "SELECT amount FROM balances WHERE account = '@external' AND asset = 'BTC'") == -3 ]] ||
  fail "the outside world's side is missing: $(balances)"
expect_exit 1 "$tfarm" run --db "$db" --config "$tmp/b.toml" --for 100ms
expect_grep '^tfarm run: error: account_exists: cannot open account ann-1 for user ben: account ann-1 belongs to another user$' "$tmp/err"
expect_exit 0 "$tfarm" db check --db "$db"
echo ok
