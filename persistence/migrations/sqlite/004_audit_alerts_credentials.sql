-- Who did what, when: mode changes, restores, corrupt checkpoints, node
-- start and stop, operator commands.
CREATE TABLE audit_logs (
  id     INTEGER PRIMARY KEY,
  ts     INTEGER NOT NULL,
  actor  TEXT    NOT NULL,
  user   TEXT    NOT NULL,
  action TEXT    NOT NULL,
  detail TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_logs_ts ON audit_logs (ts);
-- Alerts with their lifecycle (the monitoring issue fills it).
CREATE TABLE alerts (
  id         INTEGER PRIMARY KEY,
  rule       TEXT    NOT NULL,
  severity   TEXT    NOT NULL,
  state      TEXT    NOT NULL,
  message    TEXT    NOT NULL,
  fired_at   INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Exchange credentials, encrypted (the exchange issue fills it).
CREATE TABLE credentials (
  venue      TEXT    NOT NULL,
  account    TEXT    NOT NULL,
  key_id     TEXT    NOT NULL,
  ciphertext BLOB    NOT NULL,
  nonce      BLOB    NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  PRIMARY KEY (venue, account, key_id)
);
