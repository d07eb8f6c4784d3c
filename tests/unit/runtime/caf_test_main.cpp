// The one translation unit that instantiates CAF's unit-test engine, which
// caf/test/dsl.hpp needs; GoogleTest provides main() and runs the tests.
#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
