#include "daemon/kernel/nflog/socket.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

namespace gw::kernel {
namespace {

// Enough for the IP and transport headers behind IPv6 extension headers.
constexpr std::uint32_t kCopyRange = 128;

std::string failure(const char* what) { return std::string("drop log: ") + what + ": " + std::strerror(errno); }

// The kernel's answer to the bind request: 0 or its errno.
int read_ack(mnl_socket* sock, std::uint32_t seq) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
    if (n < 0) return errno;
    if (mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, mnl_socket_get_portid(sock), nullptr, nullptr) < 0)
        return errno;
    return 0;
}

}  // namespace

std::expected<std::unique_ptr<NflogSocket>, std::string> NflogSocket::open(std::uint16_t group) {
    // Non-blocking: reads run on the event loop. The kernel answers a
    // request before sendto() returns, so the ack is there to read.
    MnlSocketPtr sock(mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!sock) return std::unexpected(failure("socket"));
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) return std::unexpected(failure("bind"));
    const std::uint32_t seq = 1;
    auto req = encode_nflog_bind(group, kCopyRange, seq);
    if (mnl_socket_sendto(sock.get(), req.data(), req.size()) < 0) return std::unexpected(failure("send"));
    if (int err = read_ack(sock.get(), seq); err != 0) {
        errno = err;
        return std::unexpected(failure(("binding NFLOG group " + std::to_string(group)).c_str()));
    }
    return std::unique_ptr<NflogSocket>(new NflogSocket(std::move(sock)));
}

int NflogSocket::fd() const { return mnl_socket_get_fd(sock_.get()); }

unsigned NflogSocket::drain(const OnPacket& on_packet) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
    unsigned overruns = 0;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(sock_.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == ENOBUFS) {
                ++overruns;
                continue;
            }
            return overruns;  // EAGAIN: drained
        }
        int len = static_cast<int>(n);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len))
            if (auto p = decode_nflog_packet(nlh)) on_packet(*p);
    }
}

}  // namespace gw::kernel
