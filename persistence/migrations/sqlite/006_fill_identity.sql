-- A fill is identified by its venue, its order and the venue's fill id:
-- venues number their fills per venue (some per session or per day), so a
-- venue fill id alone may repeat; with the venue and the order in the key no
-- two fills can share one, and the settlement's idempotency key is built the
-- same way ("<account>:settle:<venue>:<client order id>:<venue fill id>").
CREATE TABLE fills_by_venue (
  venue           TEXT    NOT NULL,
  client_order_id TEXT    NOT NULL REFERENCES orders (client_order_id),
  venue_fill_id   TEXT    NOT NULL,
  price           INTEGER NOT NULL CHECK (price > 0),
  qty             INTEGER NOT NULL CHECK (qty > 0),
  fee             INTEGER NOT NULL CHECK (fee >= 0),
  ts              INTEGER NOT NULL,
  PRIMARY KEY (venue, client_order_id, venue_fill_id)
);
INSERT INTO fills_by_venue (venue, client_order_id, venue_fill_id, price, qty, fee, ts)
  SELECT o.venue, f.client_order_id, f.venue_fill_id, f.price, f.qty, f.fee, f.ts
  FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id ORDER BY f.rowid;
DROP TABLE fills;
ALTER TABLE fills_by_venue RENAME TO fills;
CREATE INDEX fills_order ON fills (client_order_id);
-- What the venue last reported filled (cumulative), written in the same
-- transaction as the fills that make it up, and why an order became final
-- ("known to no venue", "cancelled", the venue's rejection).
ALTER TABLE orders ADD COLUMN filled INTEGER NOT NULL DEFAULT 0 CHECK (filled >= 0);
ALTER TABLE orders ADD COLUMN reason TEXT NOT NULL DEFAULT '';
UPDATE orders SET filled = (SELECT COALESCE(SUM(qty), 0) FROM fills
                            WHERE fills.client_order_id = orders.client_order_id);
-- Settlements written before this schema were keyed by the venue fill id
-- alone ("<account>:settle:<venue fill id>"); checks accept that form for
-- the fills recorded before it.
CREATE TABLE legacy_fill_keys (
  venue           TEXT NOT NULL,
  client_order_id TEXT NOT NULL,
  venue_fill_id   TEXT NOT NULL,
  PRIMARY KEY (venue, client_order_id, venue_fill_id)
) WITHOUT ROWID;
INSERT INTO legacy_fill_keys SELECT venue, client_order_id, venue_fill_id FROM fills;
-- Checks and reconciliation find an order's settlements and release by
-- account and reservation.
CREATE INDEX vault_operations_ref ON vault_operations (account, ref);
