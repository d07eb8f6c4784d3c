-- user_writes: one row for each transaction that wrote for a user in a
-- fenced store (a cluster member): the user, the lease epoch the write was
-- checked against, the member, and the store's order of the write (seq:
-- SQLite has one writer, so the rowid's next number). It proves the fence
-- per write (docs/cluster.md): no two members under one epoch of a user, no
-- write under an older epoch after one under a newer epoch. Rows are only
-- ever inserted.
CREATE TABLE user_writes (
  seq    INTEGER PRIMARY KEY,
  "user" TEXT    NOT NULL CHECK ("user" <> ''),
  epoch  INTEGER NOT NULL CHECK (epoch > 0),
  node   TEXT    NOT NULL
);
