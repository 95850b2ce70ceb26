# `make install` / `cmake --install build [--prefix P]`: what an installed appserver is made of.
# Paths follow GNUInstallDirs (PREFIX/bin, PREFIX/share/man, PREFIX/share/doc/appserver); DESTDIR
# is honoured by cmake --install itself. The Python plugin(s) under lib/appserver/plugins, the
# systemd units and the logrotate file are installed by their own CMake files; uwsgidecorators.py
# and friends go to share/appserver/python (root CMakeLists.txt), where the binary looks first.
include(GNUInstallDirs)

install(TARGETS appserver RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# appserver(1), generated from the option table and kept in step by a unit test (ManPage.*).
install(FILES ${PROJECT_SOURCE_DIR}/docs/appserver.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# The documentation and the examples: Debian's place for both is /usr/share/doc/PACKAGE (policy
# 12.3 and 12.6), and the examples are read as documentation (copied and adapted), not run from there.
file(GLOB APPSERVER_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${APPSERVER_DOCS} ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian policy 12.5: the licence as /usr/share/doc/PACKAGE/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        PATTERN "__pycache__" EXCLUDE
        PATTERN "*.pyc" EXCLUDE
        PATTERN "*.sqlite3" EXCLUDE
        PATTERN ".gitignore" EXCLUDE)

# `make deb`: the same files as a Debian package (CPack).
include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
