#pragma once
// The master's stats endpoints: `stats = ADDR` (uWSGI's stats server: on each connection one JSON
// document, then close), `stats-http` (the same over HTTP, and Prometheus text on /metrics) and
// `stats-prometheus = ADDR` (HTTP, the Prometheus text on every path).
//
// Served from the master's own loop, never blocking it: every socket is non-blocking, a document
// is rendered once per connection and written as the client takes it; a client that does not
// read (or never finishes its request) is dropped after kClientDeadline, and at most
// kMaxClients are held at once (past it the oldest one that has not sent its request yet is
// dropped for the newcomer). The master keeps reaping and
// respawning meanwhile: its loop only polls these sockets with its signal pipe.

#include <poll.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "os/listen_socket.h"
#include "os/unique_fd.h"

namespace appserver {

class StatsServer {
public:
    enum class Kind { uwsgi_json, http_json, http_prometheus };
    enum class Document { uwsgi_json, prometheus };
    using Render = std::function<std::string(Document)>;

    static constexpr auto kClientDeadline = std::chrono::seconds(10);
    static constexpr std::size_t kMaxClients = 32;
    static constexpr std::size_t kMaxRequestHead = 8192;

    explicit StatsServer(Render render) : render_(std::move(render)) {}
    ~StatsServer();

    // Binds `spec` (host:port, :port or a unix socket path; a stale unix socket file is replaced).
    // False: `error` is one line naming the address and the failing call.
    bool listen(const std::string& spec, Kind kind, std::string& error);
    bool active() const { return !endpoints_.empty(); }
    // In a forked worker: closes every socket (without removing unix socket files). A worker
    // holding the listening socket would keep its port bound across a reload, and the new master
    // image could not bind it again.
    void close_in_child();

    // The descriptors to poll (appended to `fds`, from `first`); then serve() with the revents.
    void poll_set(std::vector<pollfd>& fds);
    void serve(const std::vector<pollfd>& fds, std::size_t first);

private:
    struct Endpoint {
        ListenSocket socket;
        Kind kind;
    };
    struct Client {
        UniqueFd fd;
        Kind kind;
        std::string in;
        std::string out;
        std::size_t sent = 0;
        bool responding = false;
        std::chrono::steady_clock::time_point deadline;
    };
    void accept_from(Endpoint& endpoint);
    // False: the client is done (or broken) and is dropped.
    bool on_ready(Client& client, short revents);
    bool read_request(Client& client);
    void respond(Client& client, const std::string& path);
    bool flush(Client& client);

    Render render_;
    std::vector<Endpoint> endpoints_;
    std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace appserver
