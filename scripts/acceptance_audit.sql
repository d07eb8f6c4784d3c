-- The money audit of the operator runs (docs/reliability.md, "Operator
-- runs"; scripts/acceptance.sh), written from the schema
-- (docs/schema.md) without the farm's code: a second opinion beside
-- `tfarm db check`. One line per check, `name count`; every count must be 0
-- on a farm that stopped cleanly. Runs unchanged on SQLite
-- (sqlite3 -separator ' ' DB < this) and PostgreSQL (psql -At -F ' ').

-- A filled order's fills make up its quantity; no order's fills exceed it.
SELECT 'filled_order_short', COUNT(*) FROM orders o
 WHERE o.status = 'filled'
   AND o.qty <> (SELECT COALESCE(SUM(f.qty), 0) FROM fills f
                  WHERE f.client_order_id = o.client_order_id);
SELECT 'fills_beyond_order', COUNT(*) FROM orders o
 WHERE o.qty < (SELECT COALESCE(SUM(f.qty), 0) FROM fills f
                 WHERE f.client_order_id = o.client_order_id);

-- Every fill has exactly one applied settlement, under its key.
SELECT 'fill_not_settled_once', COUNT(*) FROM fills f JOIN orders o
    ON o.client_order_id = f.client_order_id
 WHERE (SELECT COUNT(*) FROM vault_operations v
         WHERE v.key = o.account || ':settle:' || f.venue || ':' || f.client_order_id || ':' ||
                       f.venue_fill_id
           AND v.op = 'settle' AND v.outcome = 'applied') <> 1;
SELECT 'settlement_without_fill', COUNT(*) FROM vault_operations v
 WHERE v.op = 'settle' AND v.outcome = 'applied'
   AND v.key NOT IN (SELECT o.account || ':settle:' || f.venue || ':' || f.client_order_id ||
                            ':' || f.venue_fill_id
                       FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id);

-- A settlement moves for the order's account exactly what its fill says:
-- a buy pays price x qty + fee of the quote and gets qty of the base; a
-- sell gives qty of the base and gets price x qty - fee of the quote.
-- A symbol is BASE-QUOTE; matched with LIKE, which both stores have.
WITH s AS (
  SELECT v.txn_id, o.account, o.side, o.symbol, f.price * f.qty AS notional, f.qty, f.fee
    FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
    JOIN vault_operations v
      ON v.key = o.account || ':settle:' || f.venue || ':' || f.client_order_id || ':' ||
                 f.venue_fill_id AND v.outcome = 'applied'),
moved AS (
  SELECT s.*,
         (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e
           WHERE e.txn_id = s.txn_id AND e.account = s.account
             AND s.symbol LIKE e.asset || '-%') AS base_moved,
         (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e
           WHERE e.txn_id = s.txn_id AND e.account = s.account
             AND s.symbol LIKE '%-' || e.asset) AS quote_moved
    FROM s)
SELECT 'settlement_amount', COUNT(*) FROM moved
 WHERE (side = 'buy' AND (base_moved <> qty OR quote_moved <> -(notional + fee)))
    OR (side = 'sell' AND (base_moved <> -qty OR quote_moved <> notional - fee));

-- Reservations follow their orders: none open on a final order, none closed
-- while its order works; after a clean stop every order is final.
SELECT 'reservation_open_order_final', COUNT(*) FROM vault_reservations r
  JOIN orders o ON o.client_order_id = r.id AND o.account = r.account
 WHERE r.state = 'open' AND o.status IN ('filled', 'cancelled', 'rejected');
SELECT 'reservation_closed_order_live', COUNT(*) FROM vault_reservations r
  JOIN orders o ON o.client_order_id = r.id AND o.account = r.account
 WHERE r.state <> 'open' AND o.status NOT IN ('filled', 'cancelled', 'rejected');
SELECT 'order_not_final', COUNT(*) FROM orders
 WHERE status NOT IN ('filled', 'cancelled', 'rejected');
SELECT 'reserved_not_open_remaining', COUNT(*) FROM balances b
 WHERE b.bucket = 'reserved' AND b.account NOT LIKE '@%'
   AND b.amount <> (SELECT COALESCE(SUM(r.remaining), 0) FROM vault_reservations r
                     WHERE r.account = b.account AND r.asset = b.asset AND r.state = 'open');

-- The ledger: every transaction and every asset sums to zero, the balances
-- are the sums of their entries, no user's bucket is below zero.
SELECT 'transaction_unbalanced', COUNT(*) FROM (
  SELECT txn_id FROM ledger_entries GROUP BY txn_id, asset HAVING SUM(amount) <> 0) AS t;
SELECT 'asset_unbalanced', COUNT(*) FROM (
  SELECT asset FROM ledger_entries GROUP BY asset HAVING SUM(amount) <> 0) AS t;
SELECT 'balance_not_entries', COUNT(*) FROM (
  SELECT b.account, b.asset, b.bucket FROM balances b
    LEFT JOIN (SELECT account, asset, bucket, SUM(amount) AS total FROM ledger_entries
                GROUP BY account, asset, bucket) t
      ON t.account = b.account AND t.asset = b.asset AND t.bucket = b.bucket
   WHERE b.amount <> COALESCE(t.total, 0)
  UNION ALL
  SELECT t.account, t.asset, t.bucket FROM (
    SELECT account, asset, bucket, SUM(amount) AS total FROM ledger_entries
     GROUP BY account, asset, bucket) t
   WHERE t.total <> 0 AND NOT EXISTS (
     SELECT 1 FROM balances b
      WHERE b.account = t.account AND b.asset = t.asset AND b.bucket = t.bucket)) AS u;
SELECT 'user_balance_negative', COUNT(*) FROM balances
 WHERE account NOT LIKE '@%' AND amount < 0;
