# `tfarm exchange-sim replay`: an order file through the matching engine,
# fills as documented, rejections on stderr with their rows, a malformed row
# stops with FILE:ROW and leaves no output behind.
source "$(dirname "$0")/lib.sh"
data=tests/data/exchange
expect_exit 0 "$tfarm" exchange-sim replay --orders $data/orders.csv --out "$tmp/fills.csv"
diff -u $data/orders.fills.csv "$tmp/fills.csv" || fail "fills differ from $data/orders.fills.csv"
expect_grep "^$data/orders.csv:9: rejected: unknown_order: order e1 does not rest in the ETH-USD book" "$tmp/err"
expect_grep "^$data/orders.csv:10: note: market order m1: 2 of 5 found no liquidity; cancelled$" "$tmp/err"
expect_grep "^$data/orders.csv:12: rejected: self_trade: order b2 would trade with s4 of the same account dave; 1 cancelled$" "$tmp/err"
expect_grep "^$data/orders.csv:13: rejected: duplicate_order_id: order id s4 rests in the book already$" "$tmp/err"
expect_grep "^$data/orders.csv: 12 rows, 10 orders, 2 cancels, 5 fills, 3 rejected$" "$tmp/err"
# Deterministic: a second run writes the same bytes.
expect_exit 0 "$tfarm" exchange-sim replay --orders $data/orders.csv --out "$tmp/again.csv"
cmp -s "$tmp/fills.csv" "$tmp/again.csv" || fail "two replays differ"
# Malformed rows: FILE:ROW: error: ..., exit 1, no output file.
check_bad() {
  local row=$1 expected=$2
  printf '%s\n' "${@:3}" >"$tmp/bad.csv"
  rm -f "$tmp/out.csv"
  expect_exit 1 "$tfarm" exchange-sim replay --orders "$tmp/bad.csv" --out "$tmp/out.csv"
  [[ $(cat "$tmp/err") == "$tmp/bad.csv:$row: error: $expected" ]] ||
    fail "expected '$tmp/bad.csv:$row: error: $expected', got: $(cat "$tmp/err")"
  [[ ! -e $tmp/out.csv && ! -e $tmp/out.csv.partial ]] || fail "a failed replay left output"
}
check_bad 2 "qty '0' is not a positive integer" "1,new,a,x,S,buy,limit,5,3" "2,new,b,x,S,buy,limit,5,0"
check_bad 1 "side 'up' is neither 'buy' nor 'sell'" "1,new,a,x,S,up,limit,5,3"
check_bad 1 "limit price '' is not a positive integer (ticks)" "1,new,a,x,S,buy,limit,,3"
check_bad 1 "a market order takes no price, got '7'" "1,new,a,x,S,buy,market,7,3"
check_bad 1 "expected 9 comma-separated fields (seq,action,order_id,account,symbol,side,type,price,qty), got 3" "1,new,a"
check_bad 1 "action 'amend' is neither 'new' nor 'cancel'" "1,amend,a,x,S,buy,limit,5,3"
check_bad 1 "symbol (column 5 of seq,action,order_id,account,symbol,side,type,price,qty) is empty" "1,cancel,a,S,,,,,"
check_bad 1 "a cancel row has 9 fields (seq,action,order_id,account,symbol,side,type,price,qty) or 4 (seq,cancel,order_id,symbol), got 5" "1,cancel,a,x,S"
check_bad 1 "seq 'one' is not a non-negative integer" "one,new,a,x,S,buy,limit,5,3"
check_bad 1 "header must be exactly 'seq,action,order_id,account,symbol,side,type,price,qty'" "seq,act,id"
expect_exit 1 "$tfarm" exchange-sim replay --orders "$tmp/missing.csv" --out "$tmp/out.csv"
expect_grep "cannot read $tmp/missing.csv" "$tmp/err"
expect_exit 2 "$tfarm" exchange-sim replay --orders $data/orders.csv
echo ok
