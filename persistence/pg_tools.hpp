// Backups of a PostgreSQL store with the server's own tools: pg_dump in
// custom format (verified by reading its table of contents back with
// pg_restore --list) and pg_restore into an empty database.
//
// The URL's password, if it has one, reaches the tools through PGPASSWORD,
// never their command line (which `ps` shows to every user).
#pragma once

#include <string>

#include <caf/error.hpp>

namespace tfarm::persistence {

/// Writes `out` (custom format) from the database at `url`: to
/// `out.partial` first, renamed once pg_restore --list reads it back with
/// every store table in it.
caf::error pg_backup(const std::string& url, const std::string& out);

/// Restores the custom-format backup `from` into the database at `url`,
/// which must be empty (no store schema): one transaction, all or nothing.
caf::error pg_restore_into(const std::string& url, const std::string& from);

} // namespace tfarm::persistence
