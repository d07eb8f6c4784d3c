-- The vault's operation journal and reservations (tfarm::actors vault).
--
-- vault_operations: one row per operation an account decided, keyed by its
-- idempotency key (scoped to the account: "<account>:<client key>"; the
-- second leg of a transfer uses "<debit key>/credit"). A replay of a key
-- returns this row instead of running again. `outcome` is 'applied',
-- 'pending' (a transfer between its phases) or the rejection's reason;
-- rows change only from 'pending' to their final outcome (post or void).
CREATE TABLE vault_operations (
  key             TEXT    PRIMARY KEY,
  account         TEXT    NOT NULL,
  user            TEXT    NOT NULL,
  op              TEXT    NOT NULL,
  ref             TEXT    NOT NULL DEFAULT '',
  asset           TEXT    NOT NULL DEFAULT '',
  amount          INTEGER NOT NULL DEFAULT 0,
  outcome         TEXT    NOT NULL,
  detail          TEXT    NOT NULL DEFAULT '',
  available_after INTEGER NOT NULL DEFAULT 0,
  reserved_after  INTEGER NOT NULL DEFAULT 0,
  txn_id          INTEGER REFERENCES ledger_transactions (id),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vault_operations_account ON vault_operations (account, created_at);
CREATE INDEX vault_operations_pending ON vault_operations (account) WHERE outcome = 'pending';
-- Funds set aside for an order: `remaining` of `amount` is still reserved.
-- state: 'open', 'settled' (remaining reached 0 through fills) or 'released'.
CREATE TABLE vault_reservations (
  account    TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  asset      TEXT    NOT NULL,
  amount     INTEGER NOT NULL CHECK (amount > 0),
  remaining  INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  state      TEXT    NOT NULL CHECK (state IN ('open', 'settled', 'released')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (account, id)
) WITHOUT ROWID;
