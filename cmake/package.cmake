# `make deb` (cpack in the build directory): build/appserver_<version>_<arch>.deb holding every file
# `cmake --install` installs, under /usr (and /etc for parts that install there with an absolute
# destination). Depends is computed by dpkg-shlibdeps from the ELF files in the package (the binary
# and the Python plugins), never listed by hand: the package asks for the libinih, libspdlog,
# libpython3.X... this build linked against.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "appserver")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "appserver maintainers <appserver@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "prefork WSGI application server that reads uWSGI configurations")
set(CPACK_PACKAGE_DESCRIPTION
    "A master process and prefork workers serve a Python WSGI application over HTTP/1.1 and the uwsgi
protocol (nginx's uwsgi_pass). appserver reads uWSGI's command-line options and uwsgi.ini files.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_OUTPUT_FILE_PREFIX "${PROJECT_BINARY_DIR}")
set(CPACK_STRIP_FILES ON)  # as Debian policy asks: the debug info of RelWithDebInfo is 40 MB of 67

set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")  # appserver_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_NAME "appserver")
set(CPACK_DEBIAN_PACKAGE_SECTION "httpd")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# uwsgidecorators.py and the examples are Python: the plugin's libpython brings no interpreter.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx-light | nginx, logrotate")

# Every file the package puts under /etc is a conffile: dpkg keeps the administrator's edits on
# upgrade and on remove, and deletes them on purge. The list is made when cpack runs, from the staged
# tree, so whichever part installs a file under /etc (logrotate, systemd drop-ins) need not list it.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_BINARY_DIR}/cpack/conffiles")
set(CPACK_PRE_BUILD_SCRIPTS "${CMAKE_CURRENT_LIST_DIR}/deb_conffiles.cmake")

include(CPack)
