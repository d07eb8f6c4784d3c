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
