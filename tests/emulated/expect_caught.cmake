# Runs a test program built with a planted bug and passes only when the tests catch it: the program must exit
# non-zero after a GoogleTest failure, an emulator error or a sanitizer report (not, say, fail to start).
# cmake -DPROGRAM=... -P expect_caught.cmake
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(status EQUAL 0)
  message(FATAL_ERROR "the planted bug went unnoticed: ${PROGRAM} passed")
endif()
string(REGEX MATCHALL "\\[  FAILED  \\] [A-Za-z0-9_/]+\\.[A-Za-z0-9_./]+" failed "${all}")
if(NOT failed AND NOT all MATCHES "SIMT emulator:|Sanitizer")
  message(FATAL_ERROR "${PROGRAM} exited with ${status} without a test failure:\n${all}")
endif()
list(REMOVE_DUPLICATES failed)
message(STATUS "caught by: ${failed}")
