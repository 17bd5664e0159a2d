#include "rules/ipv6/delegation.hpp"

namespace gw::ipv6 {

std::optional<net::Prefix> lan_prefix(const net::Prefix& delegated, std::uint32_t subnet_id) {
    if (delegated.address.family != net::Family::ipv6 || delegated.length > 64) return std::nullopt;
    int bits = 64 - delegated.length;
    if (bits < 32 && subnet_id >= (std::uint64_t{1} << bits)) return std::nullopt;
    net::Prefix out{delegated.network().address, 64};
    // The subnet-id fills bits [length, 64) of the address, big-endian.
    std::uint64_t high = 0;
    for (int i = 0; i < 8; ++i) high = high << 8 | out.address.bytes[static_cast<std::size_t>(i)];
    high |= std::uint64_t{subnet_id};
    for (int i = 7; i >= 0; --i, high >>= 8) out.address.bytes[static_cast<std::size_t>(i)] = high & 0xff;
    for (std::size_t i = 8; i < 16; ++i) out.address.bytes[i] = 0;
    return out;
}

net::Prefix router_address(const net::Prefix& lan64) {
    net::Prefix out = lan64.network();
    out.address.bytes[15] = 1;
    return out;
}

std::vector<LanPrefix> lan_prefixes(const config::Config& cfg, const rules::Facts& facts) {
    std::vector<LanPrefix> out;
    for (const auto& itf : cfg.interfaces) {
        if (!itf.ipv6 || !*itf.enabled) continue;
        LanPrefix lp;
        lp.interface = &itf;
        lp.uplink = cfg.find_uplink(itf.ipv6->from.value);
        auto d = facts.delegations.find(itf.ipv6->from.value);
        if (d != facts.delegations.end()) {
            if (d->second.prefix) lp.prefix = lan_prefix(*d->second.prefix, *itf.ipv6->subnet_id);
            for (const auto& old : d->second.retired)
                if (auto p = lan_prefix(old, *itf.ipv6->subnet_id); p && p != lp.prefix) lp.retired.push_back(*p);
        }
        out.push_back(std::move(lp));
    }
    return out;
}

}  // namespace gw::ipv6
