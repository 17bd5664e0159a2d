// nfnetlink_log (NFLOG) messages, without libnetfilter_log: what the kernel
// says about one logged packet, decoded from the netlink message with
// libmnl, and the config request that binds a group. Pure: tested on bytes
// captured from the kernel (tests/kernel/nflog_decode_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <linux/netlink.h>

namespace gw::kernel {

// One packet a `log group N` statement sent. Interfaces are ifindexes (0 =
// none): names belong to the namespace that reads them.
struct NflogPacket {
    std::uint8_t family = 0;              // the hook's family: NFPROTO_IPV4/IPV6/BRIDGE
    std::optional<std::uint8_t> hook;     // NF_INET_* (the bridge family numbers its hooks alike)
    std::string prefix;                   // the log statement's prefix, as written
    std::uint32_t indev = 0, outdev = 0;  // for a bridge: the bridge; physindev/physoutdev: its ports
    std::uint32_t physindev = 0, physoutdev = 0;
    std::string src, dst;                 // "" when the payload is not IPv4/IPv6
    std::string proto;                    // "tcp", "udp", "icmp", "icmpv6", ... or the number
    std::optional<std::uint16_t> sport, dport;
};

// The packet a NFULNL_MSG_PACKET message carries; nullopt for any other message.
std::optional<NflogPacket> decode_nflog_packet(const nlmsghdr* nlh);

// A NFULNL_MSG_CONFIG request (with NLM_F_ACK) that binds `group` to the
// sending socket and asks for the first `copy_range` bytes of each packet.
std::vector<char> encode_nflog_bind(std::uint16_t group, std::uint32_t copy_range, std::uint32_t seq);

// "input", "forward", ... for a hook number; "" for one it does not know.
std::string hook_name(std::uint8_t hook);

}  // namespace gw::kernel
