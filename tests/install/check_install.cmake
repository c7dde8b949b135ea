# Installs a tessera build into a fresh prefix, configures examples/ as a separate project
# against it, builds it and runs every example. Run by ctest:
#   cmake -DBUILD_DIR=... -DEXAMPLES_DIR=... -DWORK_DIR=... [-DCONFIG=...] [-DGENERATOR=...]
#         [-DMAKE_PROGRAM=...] [-DCXX_COMPILER=...] [-DCXX_COMPILER_LAUNCHER=...]
#         [-DEXTRA_FLAGS=...] -P check_install.cmake
cmake_minimum_required(VERSION 3.25)

foreach(required BUILD_DIR EXAMPLES_DIR WORK_DIR)
  if(NOT ${required})
    message(FATAL_ERROR "check_install: -D${required}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/examples-build")
set(log_dir "${WORK_DIR}/logs")

# Runs one step; on failure prints the command, its exit status and all its output, then stops.
function(step name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "WORKING_DIRECTORY;TIMEOUT" "COMMAND")
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${WORK_DIR}")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  string(REGEX REPLACE "[^A-Za-z0-9_.-]" "_" log_name "${name}")
  message(STATUS "check_install: ${name}")
  execute_process(
    COMMAND ${arg_COMMAND}
    WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}"
    TIMEOUT ${arg_TIMEOUT}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  file(WRITE "${log_dir}/${log_name}.log" "${output}")
  if(NOT result EQUAL 0)
    list(JOIN arg_COMMAND " " command_line)
    # NOTICE prints the output as it is; FATAL_ERROR would re-wrap compiler messages.
    message(NOTICE
      "check_install: step '${name}' failed (exit status: ${result})\n"
      "  command: ${command_line}\n"
      "  in: ${arg_WORKING_DIRECTORY}\n"
      "----- output -----\n${output}------------------")
    message(FATAL_ERROR "check_install: step '${name}' failed; everything is kept under ${WORK_DIR}")
  endif()
endfunction()

# A fresh work directory every time, so nothing from an earlier run can make this pass.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}" "${log_dir}")

set(install_command "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
if(CONFIG)
  list(APPEND install_command --config "${CONFIG}")
endif()
step("install into ${prefix}" COMMAND ${install_command})

file(GLOB_RECURSE installed_configs "${prefix}/*tesseraConfig.cmake")
if(NOT installed_configs)
  message(FATAL_ERROR "check_install: no tesseraConfig.cmake was installed under ${prefix}")
endif()

# The exported targets: one per module, linked as the modules depend on each other, and MPI
# only for the link of tessera::core (its headers never include mpi.h).
set(targets_check "${WORK_DIR}/targets-check")
file(WRITE "${targets_check}/CMakeLists.txt" [=[
cmake_minimum_required(VERSION 3.25)
project(tessera_targets_check LANGUAGES CXX)
find_package(tessera REQUIRED)
foreach(target tessera::core tessera::collections tessera::io tessera::jobqueue tessera::tessera)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "find_package(tessera) did not define ${target}")
  endif()
endforeach()
function(expect_links target)
  get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
  foreach(dependency IN LISTS ARGN)
    if(NOT dependency IN_LIST links)
      message(FATAL_ERROR "${target} should link ${dependency}; it links: ${links}")
    endif()
  endforeach()
endfunction()
expect_links(tessera::collections tessera::core)
expect_links(tessera::io tessera::collections)
expect_links(tessera::jobqueue tessera::core)
expect_links(tessera::tessera tessera::core tessera::collections tessera::io tessera::jobqueue)
get_target_property(core_links tessera::core INTERFACE_LINK_LIBRARIES)
if("MPI::MPI_CXX" IN_LIST core_links)
  message(FATAL_ERROR "tessera::core gives MPI to programs that never include it: ${core_links}")
endif()
]=])
set(targets_configure "${CMAKE_COMMAND}" -S "${targets_check}" -B "${targets_check}/build"
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(GENERATOR)
  list(APPEND targets_configure -G "${GENERATOR}")
endif()
if(MAKE_PROGRAM)
  list(APPEND targets_configure "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CXX_COMPILER)
  list(APPEND targets_configure "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
step("the installed targets and their links" COMMAND ${targets_configure})

set(configure_command
  "${CMAKE_COMMAND}" -S "${EXAMPLES_DIR}" -B "${consumer_build}"
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_PREFIX_PATH=${prefix}"
  -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(GENERATOR)
  list(APPEND configure_command -G "${GENERATOR}")
endif()
if(MAKE_PROGRAM)
  list(APPEND configure_command "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CXX_COMPILER)
  list(APPEND configure_command "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(CXX_COMPILER_LAUNCHER)
  list(APPEND configure_command "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_COMPILER_LAUNCHER}")
endif()
if(EXTRA_FLAGS)
  # A sanitized tessera needs the sanitizer runtimes in the programs that link it.
  list(APPEND configure_command
    "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
endif()
step("configure examples against the installed tessera" COMMAND ${configure_command})

# Only the fresh prefix may provide tessera, never a copy installed elsewhere on the machine.
file(STRINGS "${consumer_build}/CMakeCache.txt" found_dir REGEX "^tessera_DIR:")
string(REGEX REPLACE "^tessera_DIR:[A-Z]+=" "" found_dir "${found_dir}")
file(REAL_PATH "${prefix}" real_prefix)
if(EXISTS "${found_dir}")
  file(REAL_PATH "${found_dir}" found_dir)
endif()
string(FIND "${found_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR
    "check_install: examples found tessera in '${found_dir}', not in the fresh prefix ${prefix}")
endif()

cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
step("build examples" TIMEOUT 600
  COMMAND "${CMAKE_COMMAND}" --build "${consumer_build}" --config Release --parallel ${jobs})

# Every examples/*.cpp must have produced a program, and every program must run cleanly.
file(GLOB example_sources "${EXAMPLES_DIR}/*.cpp")
if(NOT example_sources)
  message(FATAL_ERROR "check_install: no examples found in ${EXAMPLES_DIR}")
endif()
set(ran "")
foreach(source IN LISTS example_sources)
  get_filename_component(name "${source}" NAME_WE)
  set(program "")
  foreach(candidate "${consumer_build}/${name}" "${consumer_build}/Release/${name}"
                    "${consumer_build}/${name}.exe" "${consumer_build}/Release/${name}.exe")
    if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
      set(program "${candidate}")
      break()
    endif()
  endforeach()
  if(NOT program)
    message(FATAL_ERROR
      "check_install: examples/${name}.cpp produced no program in ${consumer_build}")
  endif()
  set(run_dir "${WORK_DIR}/run-${name}")
  file(MAKE_DIRECTORY "${run_dir}")
  # An example may name the arguments of its check run in a line "// check with: ARGS".
  file(STRINGS "${source}" check_line REGEX "^// check with: " LIMIT_COUNT 1)
  string(REGEX REPLACE "^// check with: " "" check_args "${check_line}")
  separate_arguments(check_args UNIX_COMMAND "${check_args}")
  step("run ${name}" COMMAND "${program}" ${check_args} WORKING_DIRECTORY "${run_dir}")
  list(APPEND ran "${name}")
endforeach()

list(JOIN ran ", " ran)
message(STATUS "check_install: installed, built and ran: ${ran}")
