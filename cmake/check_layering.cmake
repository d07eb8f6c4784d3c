# check_layering.cmake -- fails when a source file includes a project header
# from a layer above its own (run by ctest as `layering`):
#
#   config <- runtime <- persistence <- actors/vault <- actors/exchange
#          <- actors/agent <- actors/monitor <- actors (assembly) <- net <- chaos
#          <- cli
#
# Linking enforces most of this, but a header-only use (a message type, an
# inline constant) links fine in the wrong direction; this check does not.
# Usage: cmake -DROOT=<source dir> -P check_layering.cmake

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_layering.cmake")
endif()

# Each layer (a folder) and the folders it may include from, besides itself.
set(layers config runtime persistence actors/vault actors/exchange actors/agent
    actors/monitor actors net chaos cli)
set(below_config "")
set(below_runtime config)
set(below_persistence config runtime)
set(below_actors/vault ${below_persistence} persistence)
set(below_actors/exchange ${below_actors/vault} actors/vault)
set(below_actors/agent ${below_actors/exchange} actors/exchange)
set(below_actors/monitor ${below_actors/agent} actors/agent)
set(below_actors ${below_actors/monitor} actors/monitor)
set(below_net ${below_actors} actors)
set(below_chaos ${below_net} net)
set(below_cli ${below_chaos} chaos)

# The layer a project header belongs to: its deepest layer folder.
function(layer_of path out)
  set(found "")
  foreach(layer IN LISTS layers)
    string(LENGTH "${layer}/" n)
    string(SUBSTRING "${path}" 0 ${n} head)
    if(head STREQUAL "${layer}/")
      string(LENGTH "${found}" have)
      string(LENGTH "${layer}" want)
      if(want GREATER have)
        set(found "${layer}")
      endif()
    endif()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

set(problems 0)
set(checked 0)
foreach(layer IN LISTS layers)
  file(GLOB_RECURSE files RELATIVE "${ROOT}" "${ROOT}/${layer}/*.hpp" "${ROOT}/${layer}/*.cpp")
  foreach(file IN LISTS files)
    layer_of("${file}" own)
    if(NOT own STREQUAL layer)
      continue() # a deeper layer's file: checked under that layer
    endif()
    math(EXPR checked "${checked} + 1")
    file(STRINGS "${ROOT}/${file}" includes REGEX "^#include \"[^\"]+\"")
    set(line_no 0)
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*$" "\\1" target "${line}")
      layer_of("${target}" to)
      if(to STREQUAL "" OR to STREQUAL layer)
        continue()
      endif()
      list(FIND below_${layer} "${to}" allowed)
      if(allowed EQUAL -1)
        message(SEND_ERROR "${file}: includes \"${target}\" (${to}), a layer above ${layer}")
        math(EXPR problems "${problems} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems GREATER 0)
  message(FATAL_ERROR "${problems} include(s) point up the layers (checked ${checked} files)")
endif()
message(STATUS "layering: ${checked} files, every include points down")
