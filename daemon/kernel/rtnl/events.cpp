#include "daemon/kernel/rtnl/events.hpp"

#include <linux/rtnetlink.h>
#include <poll.h>

#include <netlink/errno.h>
#include <netlink/handlers.h>

#include "daemon/kernel/rtnl/rtnl.hpp"

namespace gw::kernel {
namespace {

constexpr int kInitialBuffer = 1 << 20;  // a burst of route changes fits
constexpr int kMaxBuffer = 16 << 20;

}  // namespace

NetEvents::NetEvents(NlSockPtr sock, Callback cb)
    : sock_(std::move(sock)), callback_(std::move(cb)), buffer_size_(kInitialBuffer) {}

std::expected<std::unique_ptr<NetEvents>, KernelError> NetEvents::open(Callback on_change) {
    NlSockPtr sock(nl_socket_alloc());
    if (!sock) return std::unexpected(system_error("subscribe to rtnetlink", ENOMEM, "nl_socket_alloc"));
    nl_socket_disable_seq_check(sock.get());  // notifications carry no sequence of ours
    int rc = nl_connect(sock.get(), NETLINK_ROUTE);
    if (rc >= 0)
        rc = nl_socket_add_memberships(sock.get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                       RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
                                       RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, 0);
    if (rc >= 0) rc = nl_socket_set_nonblocking(sock.get());
    if (rc >= 0) rc = nl_socket_set_buffer_size(sock.get(), kInitialBuffer, 0);
    if (rc < 0)
        return std::unexpected(system_error("subscribe to rtnetlink", errno_of_nl_error(rc), nl_geterror(rc)));
    std::unique_ptr<NetEvents> events(new NetEvents(std::move(sock), std::move(on_change)));
    nl_socket_modify_cb(events->sock_.get(), NL_CB_VALID, NL_CB_CUSTOM, &NetEvents::on_message,
                        events.get());
    return events;
}

int NetEvents::fd() const { return nl_socket_get_fd(sock_.get()); }

int NetEvents::on_message(nl_msg*, void* self) {
    ++static_cast<NetEvents*>(self)->messages_;
    return NL_OK;
}

int NetEvents::dispatch() {
    messages_ = 0;
    bool overrun = false;
    // Polling first keeps the loop finite whatever libnl returns for "empty".
    pollfd pfd{.fd = fd(), .events = POLLIN, .revents = 0};
    while (::poll(&pfd, 1, 0) > 0) {
        int rc = nl_recvmsgs_default(sock_.get());
        if (rc >= 0) continue;
        if (rc == -NLE_NOMEM) {  // ENOBUFS: the kernel dropped events
            overrun = true;
            if (buffer_size_ < kMaxBuffer) {
                buffer_size_ *= 2;
                nl_socket_set_buffer_size(sock_.get(), buffer_size_, 0);
            }
            continue;
        }
        break;  // NLE_AGAIN or a socket error: nothing more to read now
    }
    int seen = messages_ + (overrun ? 1 : 0);
    if (seen > 0 && callback_) callback_(overrun);
    return seen;
}

}  // namespace gw::kernel
