# Turns the test cases of a Catch2 v2 program into ctest tests. Replaces Catch2's own
# CatchAddTests.cmake (run by catch_discover_tests after each link; see tests/CMakeLists.txt),
# which splits a test name at every ';' -- "x twice; persist() once" became two tests that
# matched nothing and passed without running -- and does not escape '\' or '"' for Catch's
# test-spec parser. Reads the same -D variables as Catch2 2.13's script.

set(prefix "${TEST_PREFIX}")
set(suffix "${TEST_SUFFIX}")

if(NOT EXISTS "${TEST_EXECUTABLE}")
  message(FATAL_ERROR "Catch test program '${TEST_EXECUTABLE}' does not exist")
endif()

execute_process(
  COMMAND ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" ${TEST_SPEC} --list-test-names-only
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${TEST_WORKING_DIR}")
# Catch exits with the number of tests it listed; anything else (a signal name) is a crash.
if(NOT result MATCHES "^[0-9]+$")
  message(FATAL_ERROR
    "Listing the tests of '${TEST_EXECUTABLE}' failed: ${result}\n${output}${errors}")
endif()

# Returns VALUE as a CMake bracket argument, whatever characters it holds.
function(bracket out value)
  set(equals "=")
  while(value MATCHES "]${equals}]")
    string(APPEND equals "=")
  endwhile()
  set(${out} "[${equals}[${value}]${equals}]" PARENT_SCOPE)
endfunction()

# Bracket arguments for each element of a list.
function(bracket_list out)
  set(result "")
  foreach(item IN LISTS ARGN)
    bracket(item "${item}")
    string(APPEND result " ${item}")
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

bracket(executable "${TEST_EXECUTABLE}")
bracket(working_dir "${TEST_WORKING_DIR}")
bracket_list(executor ${TEST_EXECUTOR})
bracket_list(extra_args ${TEST_EXTRA_ARGS})
bracket_list(properties ${TEST_PROPERTIES})
set(reporter_args "")
if(TEST_REPORTER)
  bracket_list(reporter_args --reporter "${TEST_REPORTER}")
endif()
set(output_dir "${TEST_OUTPUT_DIR}")
if(output_dir AND NOT IS_ABSOLUTE "${output_dir}")
  set(output_dir "${TEST_WORKING_DIR}/${output_dir}")
endif()
if(output_dir)
  file(MAKE_DIRECTORY "${output_dir}")
endif()

# Cut the output into lines with a CMake list, hiding from it the characters it treats
# specially: ';' separates elements and an unbalanced '[' or ']' joins them.
string(REPLACE ";" "@tessera_semicolon@" output "${output}")
string(REPLACE "[" "@tessera_open@" output "${output}")
string(REPLACE "]" "@tessera_close@" output "${output}")
string(REPLACE "\n" ";" lines "${output}")

set(script "")
set(names "")
foreach(line IN LISTS lines)
  string(REPLACE "@tessera_semicolon@" ";" name "${line}")
  string(REPLACE "@tessera_open@" "[" name "${name}")
  string(REPLACE "@tessera_close@" "]" name "${name}")
  if(name STREQUAL "")
    continue()
  endif()
  if(name MATCHES "^\"(#.*)\"$")  # Catch quotes the names that start with '#'
    set(name "${CMAKE_MATCH_1}")
  endif()

  # The name as a Catch test spec: a backslash makes the next character literal.
  set(spec "${name}")
  foreach(char "\\" "," "[" "]" "\"" "~")
    string(REPLACE "${char}" "\\${char}" spec "${spec}")
  endforeach()

  bracket(test "${prefix}${name}${suffix}")
  bracket(spec "${spec}")
  set(out_args "")
  if(output_dir)
    string(REGEX REPLACE "[^A-Za-z0-9_]" "_" clean "${name}")
    bracket_list(out_args --out
      "${output_dir}/${TEST_OUTPUT_PREFIX}${clean}${TEST_OUTPUT_SUFFIX}")
  endif()
  string(APPEND script
    "add_test(${test}${executor} ${executable} ${spec}${extra_args}${reporter_args}${out_args})\n"
    "set_tests_properties(${test} PROPERTIES WORKING_DIRECTORY ${working_dir}${properties})\n")
  string(APPEND names " ${test}")
endforeach()

if(names STREQUAL "")
  message(WARNING "Catch test program '${TEST_EXECUTABLE}' has no tests")
endif()
if(TEST_LIST)
  string(APPEND script "set(${TEST_LIST}${names})\n")
endif()

file(WRITE "${CTEST_FILE}" "${script}")
