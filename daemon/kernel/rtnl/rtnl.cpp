#include "daemon/kernel/rtnl/rtnl.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <netlink/errno.h>

namespace gw::kernel {
namespace {

// The NLMSGERR_ATTR_MSG string of an NLMSG_ERROR message, if the kernel sent one.
std::string ext_ack_message(const nlmsghdr* h) {
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    const auto* base = reinterpret_cast<const unsigned char*>(h);
    const auto* err = reinterpret_cast<const nlmsgerr*>(base + NLMSG_HDRLEN);
    std::size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
    while (off + NLA_HDRLEN <= h->nlmsg_len) {
        const auto* attr = reinterpret_cast<const nlattr*>(base + off);
        if (attr->nla_len < NLA_HDRLEN || off + attr->nla_len > h->nlmsg_len) break;
        if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
            const char* text = reinterpret_cast<const char*>(base + off + NLA_HDRLEN);
            return std::string(text, strnlen(text, attr->nla_len - NLA_HDRLEN));
        }
        off += NLA_ALIGN(attr->nla_len);
    }
    return {};
}

// The ack for `seq` in one received datagram, if it is there.
std::optional<Ack> find_ack(const unsigned char* buf, int len, std::uint32_t seq) {
    auto remaining = static_cast<std::size_t>(len);
    std::size_t off = 0;
    while (remaining - off >= sizeof(nlmsghdr)) {
        const auto* h = reinterpret_cast<const nlmsghdr*>(buf + off);
        if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > remaining - off) break;
        if (h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_ERROR) {
            const auto* err = reinterpret_cast<const nlmsgerr*>(buf + off + NLMSG_HDRLEN);
            return Ack{-err->error, ext_ack_message(h)};
        }
        off += NLMSG_ALIGN(h->nlmsg_len);
    }
    return std::nullopt;
}

}  // namespace

int errno_of_nl_error(int nl_error) {
    switch (-nl_error) {
    case NLE_NOMEM: return ENOBUFS;  // libnl maps ENOBUFS (socket overrun) to NLE_NOMEM
    case NLE_AGAIN: return EAGAIN;
    case NLE_BUSY: return EBUSY;
    case NLE_DUMP_INTR: return EINTR;
    case NLE_NODEV: return ENODEV;
    case NLE_EXIST: return EEXIST;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_PERM: return EPERM;
    case NLE_INVAL: return EINVAL;
    case NLE_RANGE: return ERANGE;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    default: return EIO;
    }
}

std::expected<NlSockPtr, KernelError> open_rtnl_socket(std::string_view purpose) {
    NlSockPtr sock(nl_socket_alloc());
    if (!sock) return std::unexpected(system_error(std::string(purpose), ENOMEM, "nl_socket_alloc"));
    if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0)
        return std::unexpected(system_error(std::string(purpose), errno_of_nl_error(rc), nl_geterror(rc)));
    int one = 1;
    int fd = nl_socket_get_fd(sock.get());
    // Both are best effort: without them errors lose only their explanation.
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return sock;
}

Ack send_request(nl_sock* sock, nl_msg* msg) {
    if (int rc = nl_send_auto(sock, msg); rc < 0)
        return {errno_of_nl_error(rc), nl_geterror(rc), ErrorStage::system};
    std::uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
    for (;;) {
        sockaddr_nl peer{};
        unsigned char* raw = nullptr;
        int len = nl_recv(sock, &peer, &raw, nullptr);
        NlBufferPtr buf(raw);
        if (len < 0) return {errno_of_nl_error(len), nl_geterror(len), ErrorStage::system};
        if (len == 0) return {EIO, "netlink socket closed", ErrorStage::system};
        if (auto ack = find_ack(buf.get(), len, seq)) return *ack;
    }
}

}  // namespace gw::kernel
