// The listening sockets of a start or a reload: bound from the configuration, or taken over from a
// previous image (the reload hand-over) or from the service manager (socket activation).

#include "master/startup_sockets.h"

#include <algorithm>
#include <utility>

#include "os/socket_activation.h"

namespace appserver {
namespace {

// Whether an inherited socket serves the configured `planned` one. One handed over by a reload is
// the same configuration line (address as written, and protocol); one from socket activation is the
// same address (the configuration says which protocol it speaks).
bool serves(const InheritedSocket& in, const ListenSocket& planned) {
    if (in.fd < 0) return false;
    if (in.activated) return address_matches(planned.address, in.bound);
    return in.spec == planned.address.spec && in.protocol == planned.protocol;
}

// An activated socket no configured address names: served as its name says (protocol_for_name),
// under its bound address.
ListenSocket adopt_unnamed_activated(InheritedSocket& in) {
    ListenSocket s;
    s.protocol = in.protocol;
    std::string spec = in.spec.empty() ? in.bound.name() : in.spec;
    std::string ignored;
    if (auto address = parse_listen_address(spec, ignored)) s.address = *address;
    s.address.spec = spec;
    adopt_listen_socket(s, std::exchange(in.fd, -1));
    s.activated = true;
    return s;
}

}  // namespace

// Binds what the configuration asks for, reusing the sockets a previous image handed over or the
// service manager passed; activated sockets no address names are served too.
bool open_sockets(std::vector<ListenSocket>& sockets, const Options& o, const UnixSocketAccess& access,
                  std::vector<InheritedSocket>& inherited, std::string& error) {
    for (auto& s : sockets) {
        auto match = std::find_if(inherited.begin(), inherited.end(),
                                  [&](const InheritedSocket& in) { return serves(in, s); });
        if (match != inherited.end()) {
            s.activated = match->activated;
            adopt_listen_socket(s, std::exchange(match->fd, -1));
        } else if (!open_listen_socket(s, o.listen, access, error)) {
            return false;
        }
    }
    for (auto& in : inherited)
        if (in.fd >= 0 && in.activated) sockets.push_back(adopt_unnamed_activated(in));
    if (sockets.empty()) {
        error = "nothing to listen on: give --http, --http-socket or --socket, or start under socket activation";
        return false;
    }
    return true;
}

// The sockets the service manager passed, as inherited ones; their variables are dropped from what
// a reload re-executes with (the new image gets the sockets through the hand-over instead).
std::optional<std::vector<InheritedSocket>> take_activated(std::string& error) {
    std::optional<std::vector<ActivatedSocket>> taken = take_activated_sockets(error);
    if (!taken) return std::nullopt;
    std::vector<InheritedSocket> out;
    for (const ActivatedSocket& a : *taken)
        out.push_back(InheritedSocket{
            .fd = a.fd, .protocol = protocol_for_name(a.name), .spec = "", .activated = true, .bound = a.bound});
    if (!out.empty())
        for (std::string_view name : kListenVariables) forget_launch_variable(name);
    return out;
}

// Sockets of the previous image as they are: kept open by a degraded image so that the old
// workers go on serving and a later reload can hand them on.
std::vector<ListenSocket> keep_inherited(std::vector<InheritedSocket>& inherited) {
    std::vector<ListenSocket> kept;
    for (auto& in : inherited) {
        if (in.fd < 0) continue;
        ListenSocket s;
        s.protocol = in.protocol;
        std::string ignored;
        if (auto address = parse_listen_address(in.spec, ignored)) s.address = *address;
        s.address.spec = in.spec;
        s.activated = in.activated;
        adopt_listen_socket(s, std::exchange(in.fd, -1));
        kept.push_back(std::move(s));
    }
    return kept;
}

}  // namespace appserver
