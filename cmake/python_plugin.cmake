# The Python runtime as loadable plugins, one per interpreter, named as uWSGI names its own:
# python3_plugin.so for the default interpreter, python<X><Y>_plugin.so for each other one. They land
# in ${CMAKE_BINARY_DIR}/plugins (where the binary looks first, src/os/plugin_loader.cpp) and install
# to lib/appserver/plugins. The core links no libpython; a plugin resolves the core's api_* functions
# against the executable when it is loaded.
#
#   APPSERVER_PYTHON         the default interpreter (python3_plugin.so); Debian's, so that apt's
#                            python3-flask / python3-django import
#   APPSERVER_EXTRA_PYTHONS  more interpreters (a ;-list of paths); `make plugin PYTHON=...` adds one
#                            through APPSERVER_ADD_PYTHON

if(CMAKE_VERSION VERSION_LESS 3.24)
  message(FATAL_ERROR "the plugin build needs CMake >= 3.24 ($<LINK_LIBRARY:WHOLE_ARCHIVE,...>)")
endif()

if(DEFINED Python3_EXECUTABLE AND NOT DEFINED APPSERVER_PYTHON)
  set(APPSERVER_PYTHON "${Python3_EXECUTABLE}" CACHE FILEPATH "default interpreter: python3_plugin.so")
endif()
set(APPSERVER_PYTHON /usr/bin/python3 CACHE FILEPATH "default interpreter: python3_plugin.so")
set(APPSERVER_EXTRA_PYTHONS "" CACHE STRING "other interpreters (;-list of paths): pythonXY_plugin.so each")
if(APPSERVER_ADD_PYTHON)
  list(APPEND APPSERVER_EXTRA_PYTHONS "${APPSERVER_ADD_PYTHON}")
  list(REMOVE_DUPLICATES APPSERVER_EXTRA_PYTHONS)
  set(APPSERVER_EXTRA_PYTHONS "${APPSERVER_EXTRA_PYTHONS}" CACHE STRING
      "other interpreters (;-list of paths): pythonXY_plugin.so each" FORCE)
  unset(APPSERVER_ADD_PYTHON CACHE)
endif()

file(GLOB_RECURSE APPSERVER_PYTHON_PLUGIN_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/plugins/python/*.cpp)
add_custom_target(python_plugins)

# appserver_add_python_plugin(PYTHON NAME): asks interpreter PYTHON where its headers and shared
# libpython are, and builds NAME_plugin.so (NAME empty: python<X><Y>) from plugins/python. Also defines
# NAME_objects (the compiled sources) and NAME_libpython (the library), which unit_tests links.
function(appserver_add_python_plugin python name)
  execute_process(
    COMMAND "${python}" -c "import sys, sysconfig as s; print(';'.join([str(sys.version_info[0]), str(sys.version_info[1]), sys.version.split()[0], s.get_paths()['include'], s.get_config_var('LIBDIR') or '', s.get_config_var('LDLIBRARY') or '', str(s.get_config_var('Py_ENABLE_SHARED') or 0)]))"
    OUTPUT_VARIABLE facts OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "${python} did not run (${failed}): cannot build a Python plugin for it")
  endif()
  list(GET facts 0 major)
  list(GET facts 1 minor)
  list(GET facts 2 version)
  list(GET facts 3 include_dir)
  list(GET facts 4 libdir)
  list(GET facts 5 ldlibrary)
  list(GET facts 6 shared)
  set(libpython "${libdir}/${ldlibrary}")
  if(NOT shared STREQUAL "1" OR NOT ldlibrary MATCHES "\\.so" OR NOT EXISTS "${libpython}")
    message(FATAL_ERROR "${python} (Python ${version}) has no shared libpython (${libpython}): a plugin "
                        "needs one (Debian: libpython${major}.${minor}-dev; pyenv/source builds: "
                        "--enable-shared)")
  endif()
  if(NOT EXISTS "${include_dir}/Python.h")
    message(FATAL_ERROR "${python} (Python ${version}): no Python.h in ${include_dir} (Debian: "
                        "python${major}.${minor}-dev)")
  endif()
  if(name STREQUAL "")
    set(name "python${major}${minor}")
  endif()
  if(TARGET ${name}_plugin)
    message(WARNING "${python}: plugin ${name} is already built from another interpreter; skipped")
    return()
  endif()
  message(STATUS "Python plugin ${name}: Python ${version} (${python}, ${libpython})")

  add_library(${name}_libpython INTERFACE)
  target_include_directories(${name}_libpython SYSTEM INTERFACE "${include_dir}")
  target_link_libraries(${name}_libpython INTERFACE "${libpython}")

  add_library(${name}_objects OBJECT ${APPSERVER_PYTHON_PLUGIN_SOURCES})
  target_include_directories(${name}_objects PUBLIC ${PROJECT_SOURCE_DIR}/plugins/python ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name}_objects PUBLIC ${name}_libpython spdlog::spdlog)
  # uwsgidecorators.py and friends: found next to an installed binary (share/appserver/python) or
  # here in the source tree (plugins/python/interpreter.cpp).
  target_compile_definitions(${name}_objects PRIVATE
    APPSERVER_VERSION="${PROJECT_VERSION}" APPSERVER_PLUGIN_NAME="${name}"
    APPSERVER_PYTHON_LIB_SOURCE="${PROJECT_SOURCE_DIR}/plugins/python/lib")
  # Only plugin_entry.cpp's entry points are exported: two plugins' internals never bind to each other.
  set_target_properties(${name}_objects PROPERTIES POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)

  add_library(${name}_plugin MODULE $<TARGET_OBJECTS:${name}_objects>)
  target_link_libraries(${name}_plugin PRIVATE ${name}_libpython spdlog::spdlog)
  set_target_properties(${name}_plugin PROPERTIES PREFIX "" OUTPUT_NAME ${name}_plugin
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
  # A libpython outside the linker's default directories (pyenv, /opt) is found through the rpath,
  # in the build tree (CMake adds it) and once installed.
  if(NOT libdir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES AND NOT libdir IN_LIST CMAKE_PLATFORM_IMPLICIT_LINK_DIRECTORIES)
    set_target_properties(${name}_plugin PROPERTIES INSTALL_RPATH "${libdir}" BUILD_WITH_INSTALL_RPATH ON)
  endif()
  if(name STREQUAL "python3")
    install(TARGETS ${name}_plugin LIBRARY DESTINATION lib/appserver/plugins)
  else()
    # Other interpreters' plugins (make plugin PYTHON=...) are their own install component, left out
    # of `cmake --install` without --component and of the .deb: their libpython is usually not a
    # Debian package (pyenv, /opt), which dpkg-shlibdeps could not name. `make install` installs
    # them too (cmake --install build --component extra_python_plugins).
    install(TARGETS ${name}_plugin LIBRARY DESTINATION lib/appserver/plugins
            COMPONENT extra_python_plugins EXCLUDE_FROM_ALL)
  endif()
  add_dependencies(python_plugins ${name}_plugin)
endfunction()

appserver_add_python_plugin("${APPSERVER_PYTHON}" python3)
foreach(extra IN LISTS APPSERVER_EXTRA_PYTHONS)
  appserver_add_python_plugin("${extra}" "")
endforeach()

# Where an installed appserver finds its plugins when none is next to the executable.
set_source_files_properties(${PROJECT_SOURCE_DIR}/src/os/plugin_loader.cpp PROPERTIES COMPILE_DEFINITIONS
  APPSERVER_PLUGIN_INSTALL_DIR="${CMAKE_INSTALL_PREFIX}/lib/appserver/plugins")
