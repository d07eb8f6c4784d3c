// The databases the store-backed suites run on: each such suite runs once
// per backend (TEST_P over test::backends), on the same code and the same
// assertions.
//
// PostgreSQL databases live on the suite's private server, which the ctest
// fixture `tfarm_pg` starts (scripts/pg_private.sh) and stops; the test
// finds it through TFARM_TEST_PG_STATE. Outside ctest, start one the same
// way and export that variable.
#pragma once

#include <ostream>
#include <string>

#include <gtest/gtest.h>

namespace tfarm::test {

enum class backend { sqlite, postgresql };

inline const backend backends[] = {backend::sqlite, backend::postgresql};

inline std::string to_string(backend b) {
  return b == backend::sqlite ? "sqlite" : "postgresql";
}

/// gtest prints the parameter by name.
inline void PrintTo(backend b, std::ostream* os) {
  *os << to_string(b);
}

/// Names parametrized tests ".../sqlite" and ".../postgresql".
struct backend_name {
  std::string operator()(const testing::TestParamInfo<backend>& info) const {
    return to_string(info.param);
  }
};

/// A new, empty database for one test: a file `name` under `dir` (SQLite)
/// or a new database on the private server (PostgreSQL), as the target
/// `--db` and open_database() take. Throws std::runtime_error when the
/// private server is not there (naming what to run).
std::string fresh_database(backend b, const std::string& dir, const std::string& name = "s.db");

/// The private server's admin URL (database "postgres").
std::string pg_admin_url();

} // namespace tfarm::test
