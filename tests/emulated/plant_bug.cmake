# Copies one source file with one planted bug: cmake -DSOURCE=... -DDEST=... -DFROM=... -DTO=... -P plant_bug.cmake
# FROM must occur exactly once in SOURCE, so a mutation that no longer matches the code fails the build instead
# of testing nothing.
file(READ "${SOURCE}" text)
string(FIND "${text}" "${FROM}" first)
string(FIND "${text}" "${FROM}" last REVERSE)
if(first EQUAL -1)
  message(FATAL_ERROR "plant_bug: '${FROM}' not found in ${SOURCE}")
endif()
if(NOT first EQUAL last)
  message(FATAL_ERROR "plant_bug: '${FROM}' occurs more than once in ${SOURCE}")
endif()
string(REPLACE "${FROM}" "${TO}" mutated "${text}")
file(WRITE "${DEST}" "${mutated}")
