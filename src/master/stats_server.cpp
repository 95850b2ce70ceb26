#include "master/stats_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"
#include "stats/prometheus.h"

namespace appserver {
namespace {

// The path of an HTTP request line ("GET /metrics HTTP/1.1"); empty when it is not one.
std::string request_path(const std::string& head) {
    auto sp = head.find(' ');
    if (sp == std::string::npos) return {};
    auto end = head.find_first_of(" \r\n", sp + 1);
    std::string target = head.substr(sp + 1, end == std::string::npos ? std::string::npos : end - sp - 1);
    if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
    return target;
}

std::string http_response(const char* status, const char* type, const std::string& body) {
    return std::string("HTTP/1.0 ") + status + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

StatsServer::~StatsServer() {
    for (Endpoint& e : endpoints_)
        if (e.socket.address.is_unix) ::unlink(e.socket.address.unix_path.c_str());
}

bool StatsServer::listen(const std::string& spec, Kind kind, std::string& error) {
    std::optional<ListenAddress> address = parse_listen_address(spec, error);
    if (!address) return false;
    Endpoint e{.socket = {}, .kind = kind};
    e.socket.address = *address;
    if (address->is_unix) {
        // Left by an earlier master (a reload re-executes this one): only a socket is replaced.
        struct stat st {};
        if (::lstat(address->unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
            ::unlink(address->unix_path.c_str());
    }
    if (!open_listen_socket(e.socket, 64, UnixSocketAccess{}, error)) return false;
    spdlog::info("stats server ({}) on {}",
                 kind == Kind::uwsgi_json  ? "uWSGI JSON"
                 : kind == Kind::http_json ? "HTTP: JSON, /metrics for Prometheus"
                                           : "HTTP: Prometheus",
                 e.socket.bound_name);
    endpoints_.push_back(std::move(e));
    return true;
}

void StatsServer::close_in_child() {
    clients_.clear();
    endpoints_.clear();  // UniqueFd closes; the destructor finds no unix path to remove
}

void StatsServer::poll_set(std::vector<pollfd>& fds) {
    auto now = std::chrono::steady_clock::now();
    std::erase_if(clients_, [now](const std::unique_ptr<Client>& c) { return now >= c->deadline; });
    for (const Endpoint& e : endpoints_) fds.push_back({e.socket.fd.get(), POLLIN, 0});
    for (const auto& c : clients_)
        fds.push_back({c->fd.get(), static_cast<short>(c->responding ? POLLOUT : POLLIN), 0});
}

void StatsServer::serve(const std::vector<pollfd>& fds, std::size_t first) {
    // Clients first (their indexes follow the endpoints'), then new connections.
    std::size_t at = first + endpoints_.size();
    std::vector<Client*> done;
    for (const auto& c : clients_) {
        if (at >= fds.size()) break;
        short revents = fds[at++].revents;
        if (revents != 0 && !on_ready(*c, revents)) done.push_back(c.get());
    }
    std::erase_if(clients_, [&done](const std::unique_ptr<Client>& c) {
        return std::find(done.begin(), done.end(), c.get()) != done.end();
    });
    for (std::size_t i = 0; i < endpoints_.size() && first + i < fds.size(); ++i)
        if (fds[first + i].revents & POLLIN) accept_from(endpoints_[i]);
}

void StatsServer::accept_from(Endpoint& endpoint) {
    for (int taken = 0; taken < 16; ++taken) {
        int fd = ::accept4(endpoint.socket.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                spdlog::warn("stats server: {}",
                             log::syscall_error("accept4", endpoint.socket.bound_name, errno));
            return;
        }
        if (clients_.size() >= kMaxClients) {
            // Full: the oldest client still silent about its request makes room (idle connections
            // must not lock the stats out); if every one is being answered, the new one waits for
            // nothing and is closed.
            auto idle = std::find_if(clients_.begin(), clients_.end(),
                                     [](const std::unique_ptr<Client>& c) { return !c->responding; });
            if (idle == clients_.end()) {
                ::close(fd);
                continue;
            }
            clients_.erase(idle);
        }
        auto client = std::make_unique<Client>();
        client->fd.reset(fd);
        client->kind = endpoint.kind;
        client->deadline = std::chrono::steady_clock::now() + kClientDeadline;
        Client& c = *client;
        clients_.push_back(std::move(client));
        if (c.kind == Kind::uwsgi_json) {
            // uWSGI's stats server writes at once, whatever the client sends.
            respond(c, "");
            if (!flush(c)) clients_.pop_back();
        }
    }
}

bool StatsServer::on_ready(Client& client, short revents) {
    if (client.responding) return flush(client);
    if (revents & (POLLERR | POLLNVAL)) return false;
    return read_request(client);
}

bool StatsServer::read_request(Client& client) {
    char buf[2048];
    for (;;) {
        ssize_t n = ::recv(client.fd.get(), buf, sizeof buf, 0);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        if (n == 0) return false;  // closed before its request was complete
        client.in.append(buf, static_cast<std::size_t>(n));
        if (client.in.find("\r\n\r\n") != std::string::npos || client.in.find("\n\n") != std::string::npos) {
            respond(client, request_path(client.in));
            return flush(client);
        }
        if (client.in.size() > kMaxRequestHead) return false;
    }
}

void StatsServer::respond(Client& client, const std::string& path) {
    client.responding = true;
    switch (client.kind) {
        case Kind::uwsgi_json: client.out = render_(Document::uwsgi_json); break;
        case Kind::http_json:
            client.out =
                path == "/metrics"
                    ? http_response("200 OK", stats::kPrometheusContentType, render_(Document::prometheus))
                    : http_response("200 OK", "application/json", render_(Document::uwsgi_json));
            break;
        case Kind::http_prometheus:
            client.out =
                http_response("200 OK", stats::kPrometheusContentType, render_(Document::prometheus));
            break;
    }
}

bool StatsServer::flush(Client& client) {
    while (client.sent < client.out.size()) {
        ssize_t n = ::send(client.fd.get(), client.out.data() + client.sent, client.out.size() - client.sent,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        client.sent += static_cast<std::size_t>(n);
    }
    ::shutdown(client.fd.get(), SHUT_WR);
    return false;  // all sent: closed
}

}  // namespace appserver
