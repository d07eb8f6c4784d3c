# Project-wide build options: warnings, ccache, and the helper every target uses.

option(TFARM_WERROR "Treat warnings in project code as errors" ON)

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
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         -Wnon-virtual-dtor -Wshadow=local)
  if(TFARM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PUBLIC CAF_ENABLE_TYPE_ID_CHECKS
                             JSON_USE_IMPLICIT_CONVERSIONS=0)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
