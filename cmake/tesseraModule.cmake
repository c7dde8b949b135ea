# tessera_add_module(<name> [DEPENDS <tessera targets>...] [PRIVATE_DEPENDS <targets>...])
#
# Declares the module in <name>/ as the exported target tessera::<name>, with its public
# headers in <name>/include and its sources in <name>/src. A module with sources is a library;
# one with only headers (or none yet) is an INTERFACE target, so that it can be linked and
# installed before its first source exists. DEPENDS are public links (the module's headers
# include theirs); PRIVATE_DEPENDS are used by its sources only.
function(tessera_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPENDS;PRIVATE_DEPENDS")
  set(target tessera_${name})
  set(include_dir "${CMAKE_CURRENT_SOURCE_DIR}/include")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  # Sources of optional backends (src/.../kokkos/, src/.../cuda/) are added by the module when
  # its option is on; those of src/.../hdf5/ are globbed only with TESSERA_WITH_HDF5 (so that
  # a module whose only sources they are is still a library then).
  list(FILTER sources EXCLUDE REGEX "/src/(.*/)?(kokkos|cuda)/")
  if(NOT TESSERA_WITH_HDF5)
    list(FILTER sources EXCLUDE REGEX "/src/(.*/)?hdf5/")
  endif()

  if(sources)
    add_library(${target} ${sources})
    set(scope PUBLIC)
    set_target_properties(${target} PROPERTIES
      POSITION_INDEPENDENT_CODE ON  # so the static library can go into a shared one
      VERSION ${PROJECT_VERSION}
      SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
    target_link_libraries(${target} PRIVATE ${arg_PRIVATE_DEPENDS})
    tessera_warnings(${target})
  else()
    if(arg_PRIVATE_DEPENDS)
      message(FATAL_ERROR "tessera_add_module(${name}): PRIVATE_DEPENDS needs sources in src/")
    endif()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(tessera::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  target_link_libraries(${target} ${scope} ${arg_DEPENDS})
  if(EXISTS "${include_dir}")
    target_include_directories(${target} ${scope}
      $<BUILD_INTERFACE:${include_dir}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    install(DIRECTORY "${include_dir}/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
      FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.ipp")
  endif()

  install(TARGETS ${target} EXPORT tesseraTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()
