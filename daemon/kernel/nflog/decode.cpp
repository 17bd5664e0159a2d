#include "daemon/kernel/nflog/decode.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <netinet/in.h>

#include <array>
#include <cstring>
#include <span>

namespace gw::kernel {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint16_t be16(Bytes b, std::size_t at) { return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]); }

std::string address(int af, const std::uint8_t* raw) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    return inet_ntop(af, raw, text.data(), text.size()) ? text.data() : "";
}

std::string proto_name(std::uint8_t proto) {
    switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmpv6";
    case IPPROTO_SCTP: return "sctp";
    case IPPROTO_UDPLITE: return "udplite";
    case IPPROTO_GRE: return "gre";
    case IPPROTO_ESP: return "esp";
    default: return std::to_string(proto);
    }
}

// Ports of the transport header at `l4`, for the protocols that have them.
void read_ports(NflogPacket& p, std::uint8_t proto, Bytes l4) {
    bool ported = proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
    if (!ported || l4.size() < 4) return;
    p.sport = be16(l4, 0);
    p.dport = be16(l4, 2);
}

void read_ipv4(NflogPacket& p, Bytes b) {
    std::size_t ihl = (b[0] & 0x0f) * 4u;
    if (b.size() < 20 || ihl < 20) return;
    p.src = address(AF_INET, &b[12]);
    p.dst = address(AF_INET, &b[16]);
    p.proto = proto_name(b[9]);
    bool first_fragment = (be16(b, 6) & 0x1fff) == 0;
    if (first_fragment && b.size() > ihl) read_ports(p, b[9], b.subspan(ihl));
}

bool is_extension_header(std::uint8_t next) {
    return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS;
}

// Walks hop-by-hop, routing and destination options headers; a fragment
// header ends the walk (only the first fragment has ports, and rarely).
void read_ipv6(NflogPacket& p, Bytes b) {
    if (b.size() < 40) return;
    p.src = address(AF_INET6, &b[8]);
    p.dst = address(AF_INET6, &b[24]);
    std::uint8_t next = b[6];
    std::size_t at = 40;
    while (is_extension_header(next) && at + 8 <= b.size()) {
        std::size_t len = (b[at + 1] + 1u) * 8u;
        next = b[at];
        at += len;
    }
    p.proto = proto_name(next);
    if (at < b.size()) read_ports(p, next, b.subspan(at));
}

void read_payload(NflogPacket& p, Bytes b) {
    if (b.empty()) return;
    if (b[0] >> 4 == 4) read_ipv4(p, b);
    else if (b[0] >> 4 == 6) read_ipv6(p, b);
}

std::uint32_t be32_attr(const nlattr* a) {
    return mnl_attr_get_payload_len(a) >= 4 ? ntohl(mnl_attr_get_u32(a)) : 0;
}

void read_attr(NflogPacket& p, const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
    case NFULA_PACKET_HDR:
        if (mnl_attr_get_payload_len(a) >= sizeof(nfulnl_msg_packet_hdr))
            p.hook = static_cast<const nfulnl_msg_packet_hdr*>(mnl_attr_get_payload(a))->hook;
        break;
    case NFULA_PREFIX: {
        const char* s = static_cast<const char*>(mnl_attr_get_payload(a));
        p.prefix.assign(s, strnlen(s, mnl_attr_get_payload_len(a)));
        break;
    }
    case NFULA_IFINDEX_INDEV: p.indev = be32_attr(a); break;
    case NFULA_IFINDEX_OUTDEV: p.outdev = be32_attr(a); break;
    case NFULA_IFINDEX_PHYSINDEV: p.physindev = be32_attr(a); break;
    case NFULA_IFINDEX_PHYSOUTDEV: p.physoutdev = be32_attr(a); break;
    case NFULA_PAYLOAD:
        read_payload(p, Bytes(static_cast<const std::uint8_t*>(mnl_attr_get_payload(a)),
                              mnl_attr_get_payload_len(a)));
        break;
    default: break;
    }
}

}  // namespace

std::optional<NflogPacket> decode_nflog_packet(const nlmsghdr* nlh) {
    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg))) return std::nullopt;
    if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_ULOG || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFULNL_MSG_PACKET)
        return std::nullopt;
    NflogPacket p;
    p.family = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh))->nfgen_family;
    const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    for (const auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
         mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a))); a = mnl_attr_next(a))
        read_attr(p, a);
    return p;
}

std::vector<char> encode_nflog_bind(std::uint16_t group, std::uint32_t copy_range, std::uint32_t seq) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(group);
    nfulnl_msg_config_cmd cmd{NFULNL_CFG_CMD_BIND};
    mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof cmd, &cmd);
    nfulnl_msg_config_mode mode{};
    mode.copy_range = htonl(copy_range);
    mode.copy_mode = NFULNL_COPY_PACKET;
    mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof mode, &mode);
    buf.resize(nlh->nlmsg_len);
    return buf;
}

std::string hook_name(std::uint8_t hook) {
    static constexpr std::array<const char*, 5> kNames{"prerouting", "input", "forward", "output", "postrouting"};
    return hook < kNames.size() ? kNames[hook] : "";
}

}  // namespace gw::kernel
