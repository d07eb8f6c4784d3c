// main() for the actors tests: registers the error names of every module
// so that refusals render as people see them.
#include <gtest/gtest.h>

#include "actors/exchange/error.hpp"
#include "actors/vault/error.hpp"
#include "config/logging.hpp"
#include "persistence/error.hpp"

int main(int argc, char** argv) {
  tfarm::persistence::register_error_names();
  tfarm::actors::register_vault_error_names();
  tfarm::actors::register_exchange_error_names();
  // Warnings and errors only: thousands of operations log at info.
  std::string why;
  tfarm::config::setup_logging(tfarm::config::logging_options{"warn", {}}, why);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
