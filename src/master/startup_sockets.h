#pragma once
// The listening sockets of a start or a reload: bound from the configuration, or taken over from a
// previous image (the reload hand-over) or from the service manager (socket activation).

#include <optional>
#include <string>
#include <vector>

#include "appserver/options.h"
#include "master/reexec.h"
#include "os/listen_socket.h"

namespace appserver {

// Binds what the configuration asks for, reusing the sockets a previous image handed over or the
// service manager passed; activated sockets no address names are served too.
bool open_sockets(std::vector<ListenSocket>& sockets, const Options& o, const UnixSocketAccess& access,
                  std::vector<InheritedSocket>& inherited, std::string& error);

// The sockets the service manager passed, as inherited ones; their variables are dropped from what
// a reload re-executes with (the new image gets the sockets through the hand-over instead).
std::optional<std::vector<InheritedSocket>> take_activated(std::string& error);

// Sockets of the previous image as they are: kept open by a degraded image so that the old
// workers go on serving and a later reload can hand them on.
std::vector<ListenSocket> keep_inherited(std::vector<InheritedSocket>& inherited);

}  // namespace appserver
