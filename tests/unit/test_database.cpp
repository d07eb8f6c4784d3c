#include "test_database.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include <unistd.h>

#include "persistence/pg_connection.hpp"

namespace tfarm::test {

std::string pg_admin_url() {
  auto state = std::getenv("TFARM_TEST_PG_STATE");
  if (state == nullptr || *state == '\0')
    throw std::runtime_error("TFARM_TEST_PG_STATE is not set: run the test through ctest (fixture "
                             "tfarm_pg) or start a server with `scripts/pg_private.sh start FILE` "
                             "and export TFARM_TEST_PG_STATE=FILE");
  std::ifstream in{state};
  std::string url;
  if (!std::getline(in, url) || url.empty())
    throw std::runtime_error(std::string{"no private PostgreSQL server: "} + state +
                             " is missing or empty (did the fixture tfarm_pg start?)");
  return url;
}

std::string fresh_database(backend b, const std::string& dir, const std::string& name) {
  if (b == backend::sqlite)
    return (std::filesystem::path{dir} / name).string();
  static std::atomic<unsigned> counter{0};
  static const auto salt = std::random_device{}();
  auto db = "tf_" + std::to_string(getpid()) + "_" + std::to_string(salt % 100000) + "_" +
            std::to_string(++counter);
  auto admin = pg_admin_url();
  persistence::pg_connection conn{admin};
  conn.exec("CREATE DATABASE " + db);
  auto at = admin.find("/postgres?");
  if (at == std::string::npos)
    throw std::runtime_error("unexpected admin URL " + admin);
  return admin.substr(0, at) + "/" + db + admin.substr(at + 9);
}

} // namespace tfarm::test
