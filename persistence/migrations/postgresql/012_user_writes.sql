-- user_writes: which member wrote for a user under which epoch, and the
-- first and last of those writes in the store's order (user_write_seq).
-- The store keeps it in the writes' own transactions (store_writer), so it
-- proves the fence per write: no two members under one epoch of a user,
-- and no write under an older epoch after one under a newer epoch.
-- One row per user, epoch and member: it grows with changes of owner only.
CREATE SEQUENCE user_write_seq;
CREATE TABLE user_writes (
  "user"     TEXT   NOT NULL CHECK ("user" <> ''),
  epoch      BIGINT NOT NULL CHECK (epoch > 0),
  node       TEXT   NOT NULL,
  writes     BIGINT NOT NULL CHECK (writes > 0),
  first_seq  BIGINT NOT NULL,
  last_seq   BIGINT NOT NULL CHECK (last_seq >= first_seq),
  PRIMARY KEY ("user", epoch, node)
);
