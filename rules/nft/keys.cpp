#include "rules/nft/keys.hpp"

#include <array>

namespace gw::nft {

namespace {

constexpr std::array kKeys{
    KeyInfo{Key::meta_iifname, "meta iifname", "ifname", 16, false},
    KeyInfo{Key::meta_oifname, "meta oifname", "ifname", 16, false},
    KeyInfo{Key::meta_nfproto, "meta nfproto", "nf_proto", 1, false},
    KeyInfo{Key::meta_l4proto, "meta l4proto", "inet_proto", 1, false},
    KeyInfo{Key::meta_mark, "meta mark", "mark", 4, false},
    KeyInfo{Key::meta_skuid, "meta skuid", "uid", 4, false},
    KeyInfo{Key::meta_skgid, "meta skgid", "gid", 4, false},
    KeyInfo{Key::ip_saddr, "ip saddr", "ipv4_addr", 4, true},
    KeyInfo{Key::ip_daddr, "ip daddr", "ipv4_addr", 4, true},
    KeyInfo{Key::ip6_saddr, "ip6 saddr", "ipv6_addr", 16, true},
    KeyInfo{Key::ip6_daddr, "ip6 daddr", "ipv6_addr", 16, true},
    KeyInfo{Key::th_sport, "th sport", "inet_service", 2, true},
    KeyInfo{Key::th_dport, "th dport", "inet_service", 2, true},
    KeyInfo{Key::icmp_type, "icmp type", "icmp_type", 1, true},
    KeyInfo{Key::icmpv6_type, "icmpv6 type", "icmpv6_type", 1, true},
    KeyInfo{Key::ct_state, "ct state", "ct_state", 4, false},
    KeyInfo{Key::ct_status, "ct status", "ct_status", 4, false},
    KeyInfo{Key::ct_mark, "ct mark", "mark", 4, false},
    KeyInfo{Key::ether_type, "ether type", "ether_type", 2, true},
    KeyInfo{Key::fib_daddr_type, "fib daddr type", "fib_addrtype", 4, false},
    KeyInfo{Key::tcp_flags, "tcp flags", "tcp_flag", 1, true},
};

}  // namespace

const KeyInfo& key_info(Key key) {
    for (const auto& info : kKeys)
        if (info.key == key) return info;
    return kKeys.front();  // unreachable: every Key has an entry (checked in unit tests)
}

}  // namespace gw::nft
