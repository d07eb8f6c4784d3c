// main() for the persistence tests: registers the module's error names so
// that messages render as people see them.
#include <gtest/gtest.h>

#include "persistence/error.hpp"

int main(int argc, char** argv) {
  tfarm::persistence::register_error_names();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
