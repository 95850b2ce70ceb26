#pragma once
// Trusting a front proxy (forwarded-allow-ips): which peers may say who the client is and whether it
// came over TLS, and what a trusted one's X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Ssl mean.
// Pure: the worker passes the peer and the header values in and applies the answer to the request.
//
// Off by default: any client can send these headers, so they may only be believed from a peer the
// operator names. uWSGI 2.0 believes X-Forwarded-Proto from anyone (any value becomes
// wsgi.url_scheme); appserver does not (docs/security.md).

#include <string>
#include <string_view>
#include <vector>

#include "appserver/app_runtime.h"
#include "proto/ip_address.h"

namespace appserver {

// The CGI variable that keeps the peer's own address once REMOTE_ADDR names the forwarded client.
inline constexpr std::string_view kProxyAddrVar = "appserver.proxy_addr";

// Longest X-Forwarded-For chain walked from the right; past it the walk stops at the last trusted
// address, as if the rest were unreadable (bounded work whatever a client sends).
inline constexpr int kMaxForwardedHops = 16;

class TrustedProxies {
public:
    // Adds one forwarded-allow-ips value: IPv4/IPv6 addresses and CIDR blocks, `unix` (peers on
    // unix sockets, which have no address) and `*` (any peer), separated by spaces or commas.
    // False: `error` names the first entry that is none of those.
    bool add(std::string_view list, std::string& error);

    bool empty() const { return !any_ && !unix_ && blocks_.empty(); }
    bool trusts(const IpAddress& address) const;
    // A peer as the worker knows it: its address text, or an empty one on a unix socket.
    bool trusts_peer(std::string_view address, bool unix_socket) const;

private:
    bool any_ = false;
    bool unix_ = false;
    std::vector<CidrBlock> blocks_;
};

// What a trusted peer's headers change; empty fields change nothing.
struct ForwardedFacts {
    std::string client;       // the new REMOTE_ADDR
    std::string_view scheme;  // "https" or "http": the new wsgi.url_scheme
};

// The client as nginx's real_ip_recursive finds it: walk X-Forwarded-For from the right, skipping
// addresses that are themselves trusted; the first untrusted one is the client. An unreadable
// element ends the walk at the trusted address to its right (the left part is what the client
// wrote and cannot be believed); an unreadable rightmost element, or an empty header: "".
std::string forwarded_client(const TrustedProxies& trusted, std::string_view xff);

// X-Forwarded-Proto's first value if it is https or http (any case); else X-Forwarded-Ssl's
// on/off; else "".
std::string_view forwarded_scheme(std::string_view proto, std::string_view ssl);

// The whole decision for one request whose peer is `peer_address` (empty with `unix_socket` for a
// unix-socket peer): nothing unless the peer is trusted.
ForwardedFacts resolve_forwarded(const TrustedProxies& trusted, std::string_view peer_address,
                                 bool unix_socket, const CgiVarList& vars);

// REMOTE_ADDR becomes facts.client; the peer's REMOTE_ADDR moves to kProxyAddrVar and REMOTE_PORT
// (the proxy's connection, not the client's) is dropped. Views into `facts` are kept: it must live
// as long as `vars`. No-op when facts.client is empty.
void apply_forwarded_client(const ForwardedFacts& facts, CgiVarList& vars);

}  // namespace appserver
