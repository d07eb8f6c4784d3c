-- Actor checkpoints: the newest two versions of each actor path's state.
-- `slot` alternates 0/1 per path, so a save is one upsert and the previous
-- version stays available as a fallback when the newest cannot be restored.
CREATE TABLE checkpoints (
  path           TEXT    NOT NULL,
  slot           INTEGER NOT NULL CHECK (slot IN (0, 1)),
  kind           TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  format_version INTEGER NOT NULL,
  blob           BLOB    NOT NULL,
  crc32          INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (path, slot)
) WITHOUT ROWID;
CREATE UNIQUE INDEX checkpoints_seq ON checkpoints (seq);
