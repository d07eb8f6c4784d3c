-- Orders (client order id unique, recorded before submission) and fills
-- (venue fill id unique). A fill always belongs to a recorded order.
CREATE TABLE orders (
  client_order_id TEXT    PRIMARY KEY,
  agent           TEXT    NOT NULL,
  account         TEXT    NOT NULL,
  venue           TEXT    NOT NULL,
  symbol          TEXT    NOT NULL,
  side            TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
  type            TEXT    NOT NULL CHECK (type IN ('limit', 'market')),
  price           INTEGER NOT NULL,
  qty             INTEGER NOT NULL CHECK (qty > 0),
  status          TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX orders_agent ON orders (agent, created_at);
CREATE TABLE fills (
  venue_fill_id   TEXT    PRIMARY KEY,
  client_order_id TEXT    NOT NULL REFERENCES orders (client_order_id),
  price           INTEGER NOT NULL,
  qty             INTEGER NOT NULL CHECK (qty > 0),
  fee             INTEGER NOT NULL,
  ts              INTEGER NOT NULL
);
CREATE INDEX fills_order ON fills (client_order_id);
