# Run by cpack after staging the package (CPACK_PRE_BUILD_SCRIPTS): writes the DEB control file
# `conffiles`, one line per regular file under etc/ in the staged tree (empty when there is none).
file(GLOB_RECURSE etc_files LIST_DIRECTORIES false RELATIVE "${CPACK_TEMPORARY_INSTALL_DIRECTORY}"
     "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/etc/*")
list(SORT etc_files)
set(text "")
foreach(f IN LISTS etc_files)
  string(APPEND text "/${f}\n")
endforeach()
file(WRITE "${CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA}" "${text}")
