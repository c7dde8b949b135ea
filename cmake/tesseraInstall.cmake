# Installs the exported targets and the package files that find_package(tessera) reads.
# Each module installs its own library and headers into the tesseraTargets export set.

include(CMakePackageConfigHelpers)

set(TESSERA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/tessera"
    CACHE STRING "Where tesseraConfig.cmake is installed, relative to the prefix")
mark_as_advanced(TESSERA_INSTALL_CMAKEDIR)

install(TARGETS tessera EXPORT tesseraTargets)

install(EXPORT tesseraTargets
  NAMESPACE tessera::
  FILE tesseraTargets.cmake
  DESTINATION "${TESSERA_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/tesseraConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/tesseraConfig.cmake"
  INSTALL_DESTINATION "${TESSERA_INSTALL_CMAKEDIR}")

# 0.x: a minor release may break the API, so only the same minor version is compatible.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/tesseraConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)

install(FILES
  "${PROJECT_BINARY_DIR}/tesseraConfig.cmake"
  "${PROJECT_BINARY_DIR}/tesseraConfigVersion.cmake"
  DESTINATION "${TESSERA_INSTALL_CMAKEDIR}")
