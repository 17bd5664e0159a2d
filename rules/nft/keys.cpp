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
    KeyInfo{Key::numgen_inc, "numgen inc", "integer", 4, false},
};

struct Symbol {
    Key key;
    std::uint64_t value;
    std::string_view name;
};

// nft's own spellings (nftables 1.0.6 datatypes); first name wins when
// printing a value that has two.
constexpr std::array kSymbols{
    Symbol{Key::meta_nfproto, 2, "ipv4"},
    Symbol{Key::meta_nfproto, 10, "ipv6"},
    Symbol{Key::meta_l4proto, 1, "icmp"},
    Symbol{Key::meta_l4proto, 4, "ipencap"},
    Symbol{Key::meta_l4proto, 6, "tcp"},
    Symbol{Key::meta_l4proto, 17, "udp"},
    Symbol{Key::meta_l4proto, 58, "ipv6-icmp"},
    Symbol{Key::icmp_type, 0, "echo-reply"},
    Symbol{Key::icmp_type, 3, "destination-unreachable"},
    Symbol{Key::icmp_type, 4, "source-quench"},
    Symbol{Key::icmp_type, 5, "redirect"},
    Symbol{Key::icmp_type, 8, "echo-request"},
    Symbol{Key::icmp_type, 9, "router-advertisement"},
    Symbol{Key::icmp_type, 10, "router-solicitation"},
    Symbol{Key::icmp_type, 11, "time-exceeded"},
    Symbol{Key::icmp_type, 12, "parameter-problem"},
    Symbol{Key::icmp_type, 13, "timestamp-request"},
    Symbol{Key::icmp_type, 14, "timestamp-reply"},
    Symbol{Key::icmp_type, 15, "info-request"},
    Symbol{Key::icmp_type, 16, "info-reply"},
    Symbol{Key::icmp_type, 17, "address-mask-request"},
    Symbol{Key::icmp_type, 18, "address-mask-reply"},
    Symbol{Key::icmpv6_type, 1, "destination-unreachable"},
    Symbol{Key::icmpv6_type, 2, "packet-too-big"},
    Symbol{Key::icmpv6_type, 3, "time-exceeded"},
    Symbol{Key::icmpv6_type, 4, "parameter-problem"},
    Symbol{Key::icmpv6_type, 128, "echo-request"},
    Symbol{Key::icmpv6_type, 129, "echo-reply"},
    Symbol{Key::icmpv6_type, 130, "mld-listener-query"},
    Symbol{Key::icmpv6_type, 131, "mld-listener-report"},
    Symbol{Key::icmpv6_type, 132, "mld-listener-done"},
    Symbol{Key::icmpv6_type, 132, "mld-listener-reduction"},
    Symbol{Key::icmpv6_type, 133, "nd-router-solicit"},
    Symbol{Key::icmpv6_type, 134, "nd-router-advert"},
    Symbol{Key::icmpv6_type, 135, "nd-neighbor-solicit"},
    Symbol{Key::icmpv6_type, 136, "nd-neighbor-advert"},
    Symbol{Key::icmpv6_type, 137, "nd-redirect"},
    Symbol{Key::icmpv6_type, 138, "router-renumbering"},
    Symbol{Key::icmpv6_type, 141, "ind-neighbor-solicit"},
    Symbol{Key::icmpv6_type, 142, "ind-neighbor-advert"},
    Symbol{Key::icmpv6_type, 143, "mld2-listener-report"},
    Symbol{Key::ct_state, 1, "invalid"},
    Symbol{Key::ct_state, 2, "established"},
    Symbol{Key::ct_state, 4, "related"},
    Symbol{Key::ct_state, 8, "new"},
    Symbol{Key::ct_state, 64, "untracked"},
    Symbol{Key::ct_status, 0x1, "expected"},
    Symbol{Key::ct_status, 0x2, "seen-reply"},
    Symbol{Key::ct_status, 0x4, "assured"},
    Symbol{Key::ct_status, 0x8, "confirmed"},
    Symbol{Key::ct_status, 0x10, "snat"},
    Symbol{Key::ct_status, 0x20, "dnat"},
    Symbol{Key::ct_status, 0x200, "dying"},
    Symbol{Key::tcp_flags, 0x01, "fin"},
    Symbol{Key::tcp_flags, 0x02, "syn"},
    Symbol{Key::tcp_flags, 0x04, "rst"},
    Symbol{Key::tcp_flags, 0x08, "psh"},
    Symbol{Key::tcp_flags, 0x10, "ack"},
    Symbol{Key::tcp_flags, 0x20, "urg"},
    Symbol{Key::tcp_flags, 0x40, "ecn"},
    Symbol{Key::tcp_flags, 0x80, "cwr"},
    Symbol{Key::ether_type, 0x0800, "ip"},
    Symbol{Key::ether_type, 0x0806, "arp"},
    Symbol{Key::ether_type, 0x86dd, "ip6"},
    Symbol{Key::ether_type, 0x8100, "8021q"},
    Symbol{Key::fib_daddr_type, 0, "unspec"},
    Symbol{Key::fib_daddr_type, 1, "unicast"},
    Symbol{Key::fib_daddr_type, 2, "local"},
    Symbol{Key::fib_daddr_type, 3, "broadcast"},
    Symbol{Key::fib_daddr_type, 4, "anycast"},
    Symbol{Key::fib_daddr_type, 5, "multicast"},
    Symbol{Key::fib_daddr_type, 6, "blackhole"},
    Symbol{Key::fib_daddr_type, 7, "unreachable"},
    Symbol{Key::fib_daddr_type, 8, "prohibit"},
};

// One bit per key that has named values: most values rendered (ports,
// numbers) have none, and a 10,000-forward ruleset renders 50,000 of them.
constexpr std::uint64_t kKeysWithSymbols = [] {
    std::uint64_t mask = 0;
    for (const auto& s : kSymbols) mask |= std::uint64_t{1} << static_cast<unsigned>(s.key);
    return mask;
}();

}  // namespace

bool is_bitmask(Key key) {
    return key == Key::ct_state || key == Key::ct_status || key == Key::tcp_flags;
}

std::optional<std::string_view> value_symbol(Key key, std::uint64_t value) {
    if (!(kKeysWithSymbols >> static_cast<unsigned>(key) & 1)) return std::nullopt;
    for (const auto& s : kSymbols)
        if (s.key == key && s.value == value) return s.name;
    return std::nullopt;
}

std::optional<std::uint64_t> symbol_value(Key key, std::string_view name) {
    for (const auto& s : kSymbols)
        if (s.key == key && s.name == name) return s.value;
    return std::nullopt;
}

const KeyInfo& key_info(Key key) {
    // The table is in enum order; encoding and decoding 10,000 set elements
    // ask millions of times, so try the direct index before scanning.
    auto i = static_cast<std::size_t>(key);
    if (i < kKeys.size() && kKeys[i].key == key) return kKeys[i];
    for (const auto& info : kKeys)
        if (info.key == key) return info;
    return kKeys.front();  // unreachable: every Key has an entry (checked in unit tests)
}

}  // namespace gw::nft
