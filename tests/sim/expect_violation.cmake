# ctest helper: runs pstorage-sim (SIM, ARGS as a ;-list) and passes only if
# it exits non-zero AND names the expected invariant (INVARIANT) — proof that
# a deliberate bug is caught by the invariant meant to catch it.
execute_process(COMMAND ${SIM} ${ARGS} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "expected a violation of ${INVARIANT}, but the sweep passed")
endif()
# INVARIANT may name alternatives, "a|b": a bug whose first visible effect
# depends on timing (which check fires first) is caught by either.
string(REPLACE "|" ";" alternatives "${INVARIANT}")
set(found FALSE)
foreach(inv ${alternatives})
  string(FIND "${out}" "invariant=${inv} " pos)
  if(NOT pos EQUAL -1)
    set(found TRUE)
  endif()
endforeach()
if(NOT found)
  message(FATAL_ERROR "the sweep failed (exit ${rc}) but not with invariant ${INVARIANT}")
endif()
