#include "daemon/kernel/nft/events.hpp"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "daemon/kernel/nft/attrs.hpp"

namespace gw::kernel {
namespace {

// The attribute that names the table, per message type; 0 = none.
int table_attribute(int msg) {
    switch (msg) {
    case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE: return NFTA_TABLE_NAME;
    case NFT_MSG_NEWCHAIN: case NFT_MSG_DELCHAIN: return NFTA_CHAIN_TABLE;
    case NFT_MSG_NEWRULE: case NFT_MSG_DELRULE: return NFTA_RULE_TABLE;
    case NFT_MSG_NEWSET: case NFT_MSG_DELSET: return NFTA_SET_TABLE;
    case NFT_MSG_NEWSETELEM: case NFT_MSG_DELSETELEM: return NFTA_SET_ELEM_LIST_TABLE;
    case NFT_MSG_NEWOBJ: case NFT_MSG_DELOBJ: return NFTA_OBJ_TABLE;
    case NFT_MSG_NEWFLOWTABLE: case NFT_MSG_DELFLOWTABLE: return NFTA_FLOWTABLE_TABLE;
    default: return 0;
    }
}

// The payload of the first attribute `type` of an nftables message.
std::optional<ByteView> find_attr(const nlmsghdr* nlh, int type) {
    std::optional<ByteView> found;
    for_each_attr(message_attrs(nlh, sizeof(nfgenmsg)), [&](std::uint16_t t, ByteView v) {
        if (t == type && !found) found = v;
    });
    return found;
}

std::string string_attr(const nlmsghdr* nlh, int type) {
    auto v = find_attr(nlh, type);
    auto s = v ? nul_string(*v) : std::nullopt;
    return s ? std::string(*s) : std::string();
}

std::optional<std::uint32_t> u32_attr(const nlmsghdr* nlh, int type) {
    auto v = find_attr(nlh, type);
    return v ? be32(*v) : std::nullopt;
}

}  // namespace

bool NftEventFilter::feed(const nlmsghdr* nlh) {
    if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES) return false;
    int msg = NFNL_MSG_TYPE(nlh->nlmsg_type);
    if (msg == NFT_MSG_NEWGEN) {
        bool foreign = u32_attr(nlh, NFTA_GEN_PROC_PID) != own_pid_;
        bool changed = touched_ && foreign;
        touched_ = false;
        return changed;
    }
    int attr = table_attribute(msg);
    if (attr != 0 && string_attr(nlh, attr) == table_) touched_ = true;
    return false;
}

NftEvents::NftEvents(kernel::MnlSocketPtr sock, std::string table, Callback cb)
    : sock_(std::move(sock)),
      filter_(std::move(table), static_cast<std::uint32_t>(::getpid())),
      callback_(std::move(cb)) {}

std::expected<std::unique_ptr<NftEvents>, std::string> NftEvents::open(std::string table,
                                                                      Callback on_change) {
    kernel::MnlSocketPtr sock(mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!sock) return std::unexpected(std::string("nftables events: socket: ") + std::strerror(errno));
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        return std::unexpected(std::string("nftables events: bind: ") + std::strerror(errno));
    int group = NFNLGRP_NFTABLES;
    if (mnl_socket_setsockopt(sock.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
        return std::unexpected(std::string("nftables events: subscribe: ") + std::strerror(errno));
    // Room for a whole table replacement's notifications before we read them.
    int size = 4 << 20;
    setsockopt(mnl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    return std::unique_ptr<NftEvents>(new NftEvents(std::move(sock), std::move(table), std::move(on_change)));
}

int NftEvents::fd() const { return mnl_socket_get_fd(sock_.get()); }

void NftEvents::dispatch() {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
    bool changed = false;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(sock_.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == ENOBUFS) {  // notifications were dropped: assume the worst
                changed = true;
                continue;
            }
            break;  // EAGAIN: drained
        }
        int len = static_cast<int>(n);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len))
            changed = filter_.feed(nlh) || changed;
    }
    if (changed && callback_) callback_();
}

}  // namespace gw::kernel
