#include "persistence/sql_connection.hpp"

namespace tfarm::persistence {

const char* to_string(sql_failure x) noexcept {
  switch (x) {
  case sql_failure::disk_full:
    return "disk full";
  case sql_failure::read_only:
    return "read-only";
  case sql_failure::locked:
    return "locked";
  case sql_failure::corrupt:
    return "corrupt";
  case sql_failure::cant_open:
    return "cannot open";
  case sql_failure::connection_lost:
    return "connection lost";
  case sql_failure::auth:
    return "authentication failed";
  case sql_failure::timeout:
    return "statement timeout";
  case sql_failure::serialization:
    return "serialization conflict";
  case sql_failure::constraint:
    return "constraint violated";
  case sql_failure::other:
    break;
  }
  return "failed";
}

int64_t query_int64(sql_connection& db, const std::string& sql) {
  auto q = db.prepare(sql);
  return q->step() ? q->int64(0) : 0;
}

} // namespace tfarm::persistence
