#include "os/listen_queue.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "os/unique_fd.h"

namespace appserver {
namespace {

constexpr int kTcpListenState = 10;  // TCP_LISTEN in the kernel's state numbering

ListenQueue tcp_queue(int fd) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return {};
    return {.known = true, .queue = info.tcpi_unacked, .max_queue = info.tcpi_sacked};
}

ListenQueue unix_queue(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return {};
    UniqueFd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!nl) return {};
    struct {
        nlmsghdr header;
        unix_diag_req request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;
    message.request.sdiag_family = AF_UNIX;
    message.request.udiag_states = 1u << kTcpListenState;
    message.request.udiag_ino = static_cast<__u32>(st.st_ino);
    message.request.udiag_show = UDIAG_SHOW_RQLEN;
    message.request.udiag_cookie[0] = message.request.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(nl.get(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
        0)
        return {};
    alignas(nlmsghdr) char buf[8192];
    ssize_t n = ::recv(nl.get(), buf, sizeof buf, 0);
    if (n <= 0) return {};
    auto* header = reinterpret_cast<nlmsghdr*>(buf);
    int left = static_cast<int>(n);
    for (; NLMSG_OK(header, left); header = NLMSG_NEXT(header, left)) {
        if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY) return {};  // NLMSG_ERROR, NLMSG_DONE
        auto* diag = static_cast<unix_diag_msg*>(NLMSG_DATA(header));
        if (diag->udiag_ino != message.request.udiag_ino) continue;
        int attr_left = static_cast<int>(header->nlmsg_len - NLMSG_LENGTH(sizeof *diag));
        for (auto* attr = reinterpret_cast<rtattr*>(diag + 1); RTA_OK(attr, attr_left);
             attr = RTA_NEXT(attr, attr_left)) {
            if (attr->rta_type != UNIX_DIAG_RQLEN) continue;
            unix_diag_rqlen rqlen{};
            std::memcpy(&rqlen, RTA_DATA(attr), sizeof rqlen);
            return {.known = true, .queue = rqlen.udiag_rqueue, .max_queue = rqlen.udiag_wqueue};
        }
    }
    return {};
}

}  // namespace

ListenQueue read_listen_queue(int fd, bool is_unix) { return is_unix ? unix_queue(fd) : tcp_queue(fd); }

}  // namespace appserver
