-- The farm's security state (persistence/security_state.hpp): one row.
-- admin_token_sha256 is the SHA-256 (hex) of the admin token a lockdown or
-- `tfarm security reset-token` issued; '' while the configured token
-- (TFARM_ADMIN_TOKEN or [http] admin_token) rules. The token itself is never
-- stored. lockdown_pending lists the lockdown's steps no operator has undone
-- yet ('trading', 'vault', 'logon', comma-separated); '' once unlocked.
CREATE TABLE security_state (
  id                  INTEGER PRIMARY KEY CHECK (id = 1),
  admin_token_sha256  TEXT    NOT NULL DEFAULT ''
    CHECK (admin_token_sha256 = '' OR length(admin_token_sha256) = 64),
  token_rotated_at    INTEGER NOT NULL DEFAULT 0,
  token_rotated_by    TEXT    NOT NULL DEFAULT '',
  locked_down         INTEGER NOT NULL DEFAULT 0 CHECK (locked_down IN (0, 1)),
  lockdown_reason     TEXT    NOT NULL DEFAULT '',
  lockdown_by         TEXT    NOT NULL DEFAULT '',
  lockdown_at         INTEGER NOT NULL DEFAULT 0,
  lockdown_pending    TEXT    NOT NULL DEFAULT ''
);
INSERT INTO security_state (id) VALUES (1);
