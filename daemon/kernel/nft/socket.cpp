#include "daemon/kernel/nft/socket.hpp"

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <ctime>
#include <optional>
#include <string_view>

#include "daemon/kernel/nft/attrs.hpp"

namespace gw::kernel {

namespace {

constexpr std::size_t kRecvBuffer = 65536;        // a dump message never exceeds this
constexpr int kSocketBuffer = 8 * 1024 * 1024;   // room for a large batch and its errors

void enlarge_buffers(int fd, std::size_t batch_len) {
    int snd = static_cast<int>(batch_len + 65536);
    if (snd < kSocketBuffer) snd = kSocketBuffer;
    // FORCE needs CAP_NET_ADMIN, which applying needs anyway; fall back silently
    // to the capped variant, whose limit is then the only one that applies.
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
    int rcv = kSocketBuffer;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
}

// Extended-ack text of an NLMSG_ERROR, if the kernel attached one.
std::string ext_ack_message(const nlmsghdr* nlh) {
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    std::size_t offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    std::optional<std::string_view> text;
    for_each_attr(message_attrs(nlh, offset), [&](std::uint16_t type, ByteView v) {
        if (type == NLMSGERR_ATTR_MSG && !text) text = nul_string(v);
    });
    return text ? std::string(*text) : std::string();
}

void collect_errors(const char* buf, std::size_t len, std::vector<MessageError>& out) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf);
    auto remaining = static_cast<int>(len);
    while (mnl_nlmsg_ok(nlh, remaining)) {
        if (nlh->nlmsg_type == NLMSG_ERROR &&
            nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(nlmsgerr))) {
            const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
            if (err->error != 0)
                out.push_back({err->msg.nlmsg_seq, -err->error, ext_ack_message(nlh)});
        }
        nlh = mnl_nlmsg_next(nlh, &remaining);
    }
}

// Whatever an earlier, abandoned exchange left queued would be taken for
// the answer to the next request: drop it first.
void drain(int fd, char* buf) {
    while (recv(fd, buf, kRecvBuffer, MSG_DONTWAIT) > 0) {
    }
}

}  // namespace

// One receive buffer for the socket's life, never zeroed: a zero-filled
// 64 KiB vector per dump and per drain was a fifth of a small re-apply.
NftSocket::NftSocket(MnlSocketPtr sock) : sock_(std::move(sock)), recv_buf_(new char[kRecvBuffer]) {
    portid_ = mnl_socket_get_portid(sock_.get());
    seq_ = static_cast<std::uint32_t>(std::time(nullptr));
}

std::expected<NftSocket, KernelError> NftSocket::open() {
    MnlSocketPtr sock(mnl_socket_open(NETLINK_NETFILTER));
    if (!sock) return std::unexpected(system_error("open netfilter netlink socket", errno));
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        return std::unexpected(system_error("bind netfilter netlink socket", errno));
    int on = 1;
    // Extended acks carry the kernel's reason; capped acks keep error
    // replies small by not echoing the refused message.
    mnl_socket_setsockopt(sock.get(), NETLINK_EXT_ACK, &on, sizeof on);
    mnl_socket_setsockopt(sock.get(), NETLINK_CAP_ACK, &on, sizeof on);
    enlarge_buffers(mnl_socket_get_fd(sock.get()), 0);
    return NftSocket(std::move(sock));
}

std::expected<std::vector<MessageError>, KernelError> NftSocket::send_batch(
    const std::vector<iovec>& iov, std::size_t total_len) {
    int fd = mnl_socket_get_fd(sock_.get());
    drain(fd, recv_buf_.get());
    enlarge_buffers(fd, total_len);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    msghdr msg{};
    msg.msg_name = &kernel;
    msg.msg_namelen = sizeof kernel;
    msg.msg_iov = const_cast<iovec*>(iov.data());
    msg.msg_iovlen = iov.size();
    if (sendmsg(fd, &msg, 0) < 0) return std::unexpected(system_error("send nftables batch", errno));
    std::vector<MessageError> errors;
    for (;;) {
        auto n = recv(fd, recv_buf_.get(), kRecvBuffer, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)  // ENOBUFS: replies were lost, the outcome is unknown
            return std::unexpected(system_error("read nftables batch replies", errno,
                                                "the outcome is unknown; observe again"));
        collect_errors(recv_buf_.get(), static_cast<std::size_t>(n), errors);
    }
    return errors;
}

std::expected<void, KernelError> NftSocket::dump(
    const nlmsghdr* request, const std::function<bool(const nlmsghdr*)>& on_message) {
    drain(mnl_socket_get_fd(sock_.get()), recv_buf_.get());
    if (mnl_socket_sendto(sock_.get(), request, request->nlmsg_len) < 0)
        return std::unexpected(system_error("send nftables dump request", errno));
    struct Ctx {
        const std::function<bool(const nlmsghdr*)>* fn;
        bool ok = true;
    } ctx{&on_message};
    auto cb = [](const nlmsghdr* nlh, void* data) -> int {
        auto* c = static_cast<Ctx*>(data);
        if (!(*c->fn)(nlh)) c->ok = false;
        return MNL_CB_OK;
    };
    for (;;) {
        auto n = mnl_socket_recvfrom(sock_.get(), recv_buf_.get(), kRecvBuffer);
        if (n < 0) return std::unexpected(system_error("read nftables dump", errno));
        int r = mnl_cb_run(recv_buf_.get(), static_cast<std::size_t>(n), request->nlmsg_seq, portid_, cb, &ctx);
        if (r < 0) return std::unexpected(system_error("read nftables dump", errno));
        if (r == MNL_CB_STOP) break;
    }
    if (!ctx.ok) return std::unexpected(system_error("parse nftables dump", EBADMSG));
    return {};
}

}  // namespace gw::kernel
