#pragma once
// What --check-config verifies beyond loading the configuration and the application: that the files
// a real start creates (pidfile, log, unix sockets) have a directory to go in, so that a config
// reported "OK" does not fail at its first start.

#include <string>
#include <vector>

#include "appserver/options.h"
#include "os/listen_socket.h"

namespace appserver {

// False, with one line naming the option and the path, when a directory is missing, is not a
// directory, or cannot be written by this process. Relative pidfile/daemonize/logto paths are taken
// from where appserver was started; unix socket paths from the current directory (after chdir), as
// the start takes them.
bool check_file_destinations(const Options& options, const std::vector<ListenSocket>& sockets,
                             std::string& error);

}  // namespace appserver
