# Builds tests/fuzz with clang in WORK_DIR and runs the fuzz target TARGET (fuzz_deserialize
# unless given) for SECONDS seconds on a copy of its seed corpus, corpus/CORPUS (deserialize
# unless given; the repository's corpus is not changed). An allocation above
# MALLOC_LIMIT_MB or a process above 512 MiB counts as a failure, like a crash or a sanitizer
# report. DICT (optional) names a libFuzzer dictionary in SOURCE_DIR. Prints "skipped: ..." when
# no clang with libFuzzer is installed.
#   cmake -DSOURCE_DIR=tests/fuzz -DWORK_DIR=... -DSECONDS=20 -DMALLOC_LIMIT_MB=64 -P run_fuzz.cmake
#   cmake ... -DTARGET=fuzz_array_specs -DCORPUS=array_specs -P run_fuzz.cmake
foreach(variable SOURCE_DIR WORK_DIR SECONDS MALLOC_LIMIT_MB)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzz.cmake: -D${variable}=... is required")
  endif()
endforeach()

if(NOT DEFINED TARGET)
  set(TARGET fuzz_deserialize)
endif()
if(NOT DEFINED CORPUS)
  set(CORPUS deserialize)
endif()

find_program(CLANGXX NAMES clang++-14 clang++)
if(NOT CLANGXX)
  message("skipped: no clang++ (install clang-14 and libclang-rt-14-dev: scripts/setup.sh)")
  return()
endif()

set(build_dir "${WORK_DIR}/build")
if(NOT EXISTS "${build_dir}/CMakeCache.txt")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${build_dir}" -G Ninja
            -DCMAKE_CXX_COMPILER=${CLANGXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
    RESULT_VARIABLE result)
  if(result)
    message(FATAL_ERROR "run_fuzz.cmake: configuring the fuzz build failed")
  endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${build_dir}" --target ${TARGET}
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "run_fuzz.cmake: building ${TARGET} failed")
endif()

set(corpus "${WORK_DIR}/corpus/${CORPUS}")
file(REMOVE_RECURSE "${corpus}")
file(COPY "${SOURCE_DIR}/corpus/${CORPUS}/" DESTINATION "${corpus}")
set(dictionary)
if(DEFINED DICT)
  set(dictionary "-dict=${SOURCE_DIR}/${DICT}")
endif()
set(artifacts "${WORK_DIR}/artifacts/${TARGET}/")
file(MAKE_DIRECTORY "${artifacts}")
execute_process(
  COMMAND "${build_dir}/${TARGET}" -max_total_time=${SECONDS} -rss_limit_mb=512
          -malloc_limit_mb=${MALLOC_LIMIT_MB} -print_final_stats=1 ${dictionary}
          -artifact_prefix=${artifacts} "${corpus}"
  RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "run_fuzz.cmake: ${TARGET} found a failure (exit ${result}); "
                      "the input that fails is in ${artifacts}")
endif()
