-- The sequence number of each vault account's last chained write
-- (persistence/vault_records.hpp, vault_write::seq): a write decided on an
-- account actor's memory is stored only right after the one before it.
ALTER TABLE accounts ADD COLUMN write_seq INTEGER NOT NULL DEFAULT 0;
