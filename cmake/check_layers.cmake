cmake_policy(SET CMP0007 NEW)  # keep the empty "below" of the lowest layer
# Fails when an engine file includes a layer above its own (src/CMakeLists.txt, irrev_layer).
# RULES_FILE: one line per layer, "name:below1;below2;..."; ROOT: the source tree; STAMP: written
# when every file keeps to its layers. A file's layer is its first folder under src/ or
# include/irrev/; an include names a layer as "irrev/<layer>/..." or "../<layer>/..." (any
# number of "../"), in quotes or angle brackets, indented or not.
file(STRINGS "${RULES_FILE}" rules)
set(layers "")
foreach(rule ${rules})
  string(REPLACE ":" ";" parts "${rule}")
  list(GET parts 0 name)
  list(REMOVE_AT parts 0)
  set(below_${name} ${parts})
  list(APPEND layers ${name})
endforeach()
set(errors "")
foreach(layer ${layers})
  file(GLOB_RECURSE files "${ROOT}/src/${layer}/*.cpp" "${ROOT}/src/${layer}/*.hpp" "${ROOT}/src/${layer}/*.h"
       "${ROOT}/src/${layer}/*.cu" "${ROOT}/src/${layer}/*.cuh" "${ROOT}/include/irrev/${layer}/*.hpp")
  foreach(f ${files})
    file(STRINGS "${f}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<](irrev/|(\\.\\./)+)[a-z_]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<](irrev/|(\\.\\./)+)([a-z_]+)/.*" "\\3" to "${line}")
      # Only the names of layers count: "../detail/..." from a layer's subfolder is its own.
      list(FIND layers "${to}" is_layer)
      if(to STREQUAL layer OR is_layer EQUAL -1)
        continue()
      endif()
      list(FIND below_${layer} "${to}" at)
      if(at EQUAL -1)
        file(RELATIVE_PATH rel "${ROOT}" "${f}")
        set(allowed ${layer} ${below_${layer}})
        list(REMOVE_ITEM allowed "")
        list(JOIN allowed ", " allowed)
        string(APPEND errors "  ${rel}: ${line}: layer '${layer}' may include only ${allowed}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "includes that run up the engine's layers (src/CMakeLists.txt lists each layer's below):\n${errors}")
endif()
file(TOUCH "${STAMP}")
