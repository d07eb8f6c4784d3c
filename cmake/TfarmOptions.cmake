# Project-wide build options: warnings, ccache, and the helper every target uses.

option(TFARM_WERROR "Treat warnings in project code as errors" ON)

# TFARM_FUZZ: a build of the libraries and the libFuzzer harnesses only
# (fuzz/), with clang, AddressSanitizer and coverage instrumentation; the
# normal build replays the committed corpora instead (see docs/reliability.md).
option(TFARM_FUZZ "Build the libFuzzer harnesses (clang) instead of the farm" OFF)
if(TFARM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TFARM_FUZZ needs clang with libFuzzer: "
                        "-DCMAKE_CXX_COMPILER=clang++-14 (Debian's clang-14)")
  endif()
  # -O1 (after the build type's flags) fuzzes fast enough and builds much
  # faster than -O3; assertions stay on: an input that reaches one is a
  # finding.
  add_compile_options(-O1 -UNDEBUG -fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=undefined -fno-sanitize=vptr -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()

# ctest resources (a spec the build writes; ctest reads it without a flag):
# the machine's `cores` and as many `soaks`. A test that keeps a core busy
# takes one core (TFARM_TEST_BUSY, every test unless it says otherwise); a
# test that runs a cluster (several nodes and a database server) takes them
# all (TFARM_TEST_MACHINE); a money soak, which mostly waits on its farm's
# clock (15-25 % of a core each, measured with six at once), takes a soak
# slot and no core. scripts/test.sh's `--parallel 2 x cores` so runs soaks
# beside the busy tests instead of taking turns with them, and never more
# busy work than before (two busy tests, or a cluster, plus two soaks at
# most on two cores). Long tests also get a COST (their bound in seconds),
# so that a run without an earlier one's costs (a fresh clone) starts the
# longest first.
cmake_host_system_information(RESULT tfarm_cores QUERY NUMBER_OF_LOGICAL_CORES)
set(TFARM_TEST_RESOURCES "${PROJECT_BINARY_DIR}/ctest_resources.json")
file(WRITE "${TFARM_TEST_RESOURCES}"
     "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": [{"
     "\"cores\": [{\"id\": \"0\", \"slots\": ${tfarm_cores}}], "
     "\"soaks\": [{\"id\": \"0\", \"slots\": ${tfarm_cores}}]}]}\n")
set(CTEST_RESOURCE_SPEC_FILE "${TFARM_TEST_RESOURCES}")
set(TFARM_TEST_BUSY "cores:1")
set(TFARM_TEST_MACHINE "cores:${tfarm_cores}")
set(TFARM_TEST_SOAK "soaks:1")

find_program(TFARM_CCACHE ccache)
if(TFARM_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${TFARM_CCACHE}")
endif()

# tfarm_target_defaults(TARGET): warnings at zero on our own code, CAF's
# compile-time type-ID checks on, nlohmann::json without implicit conversions
# (a status read as the wrong type must not compile), and the project root as
# include root so that headers read as "runtime/supervisor.hpp".
function(tfarm_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)
  endif()
  if(TFARM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PUBLIC CAF_ENABLE_TYPE_ID_CHECKS
                             JSON_USE_IMPLICIT_CONVERSIONS=0)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
