// Facts about each nft::Key that both the renderer and the kernel layer
// need: its nft spelling, the nft type name used in set declarations, and
// the size of its value in the kernel's registers.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "rules/nft/ruleset.hpp"

namespace gw::nft {

struct KeyInfo {
    Key key;
    std::string_view nft;    // "meta iifname", "ip saddr", ...
    std::string_view type;   // nft type name: "ifname", "ipv4_addr", ...
    std::uint32_t length;    // bytes in a register (IFNAMSIZ for names)
    bool network_order;      // value is big-endian in the packet/register
};

const KeyInfo& key_info(Key key);

// Constants compilation writes into rules; the kernel's own numbers.
inline constexpr std::uint64_t kNfprotoIpv4 = 2;    // NFPROTO_IPV4
inline constexpr std::uint64_t kNfprotoIpv6 = 10;   // NFPROTO_IPV6
inline constexpr std::uint64_t kProtoIcmp = 1;      // IPPROTO_ICMP
inline constexpr std::uint64_t kProtoIpencap = 4;   // IPPROTO_IPIP: IPv4 inside IPv6 (MAP-E)
inline constexpr std::uint64_t kProtoTcp = 6;       // IPPROTO_TCP
inline constexpr std::uint64_t kProtoUdp = 17;      // IPPROTO_UDP
inline constexpr std::uint64_t kProtoIcmpv6 = 58;   // IPPROTO_ICMPV6
inline constexpr std::uint64_t kCtStateInvalid = 1;
inline constexpr std::uint64_t kCtStateEstablished = 2;
inline constexpr std::uint64_t kCtStateRelated = 4;
inline constexpr std::uint64_t kCtStateNew = 8;
inline constexpr std::uint64_t kCtStatusDnat = 0x20;  // IPS_DST_NAT
inline constexpr std::uint64_t kTcpFlagSyn = 0x02;

// Keys whose values are bit masks, written as comma-separated flag names
// ("ct state established,related").
bool is_bitmask(Key key);
// The nft name of one constant of `key` ("tcp" for meta l4proto 6,
// "echo-request" for icmp type 8); nullopt when nft has none. For bit-mask
// keys this names a single bit.
std::optional<std::string_view> value_symbol(Key key, std::uint64_t value);
// The inverse: "echo-request" -> 8 for icmp type. Also used by validation.
std::optional<std::uint64_t> symbol_value(Key key, std::string_view name);

}  // namespace gw::nft
