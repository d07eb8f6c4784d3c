-- Double-entry ledger. A transaction has two or more legs; per asset its legs
-- sum to zero. Rows are never updated or deleted.
CREATE TABLE ledger_transactions (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT    NOT NULL UNIQUE,
  kind            TEXT    NOT NULL,
  memo            TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL
);
CREATE TABLE ledger_entries (
  id      INTEGER PRIMARY KEY,
  txn_id  INTEGER NOT NULL REFERENCES ledger_transactions (id),
  account TEXT    NOT NULL,
  asset   TEXT    NOT NULL,
  bucket  TEXT    NOT NULL CHECK (bucket IN ('available', 'reserved')),
  amount  INTEGER NOT NULL CHECK (amount <> 0)
);
CREATE INDEX ledger_entries_txn ON ledger_entries (txn_id);
CREATE INDEX ledger_entries_account ON ledger_entries (account, asset, bucket);
-- Accounts known to the vault (the vault issue fills it).
CREATE TABLE accounts (
  id         TEXT    PRIMARY KEY,
  user       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
-- Balances kept by the store in the same transaction as the legs; every row
-- equals the sum of that (account, asset, bucket)'s ledger entries.
CREATE TABLE balances (
  account TEXT    NOT NULL,
  asset   TEXT    NOT NULL,
  bucket  TEXT    NOT NULL,
  amount  INTEGER NOT NULL,
  PRIMARY KEY (account, asset, bucket)
) WITHOUT ROWID;
