#include "rules/mape/uplink.hpp"

namespace gw::mape {

MapRule map_rule_of(const config::MapE& m) {
    return MapRule{m.rule.ipv6_prefix->network(), m.rule.ipv4_prefix->network(),
                   static_cast<int>(*m.rule.ea_bits), static_cast<int>(*m.rule.psid_offset),
                   *m.legacy ? Layout::legacy : Layout::rfc7597};
}

std::uint32_t tunnel_mtu(const config::Uplink& u) { return u.mtu ? u.mtu->value : kDefaultMtu; }

std::string ipv6_link(const config::Config& cfg, const config::Uplink& u) {
    const auto& split = cfg.ipv6.bridge_split;
    if (split && split->outside.value == u.device.value) return split->bridge.value;
    return u.device.value;
}

namespace {

bool is_link_local(const net::Address& a) { return a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80; }

}  // namespace

std::optional<CeFacts> live_ce(const config::Uplink& u, const rules::Facts& facts) {
    if (!u.map_e) return std::nullopt;
    auto rule = map_rule_of(*u.map_e);
    if (u.map_e->end_user_prefix) return derive_ce(rule, u.map_e->end_user_prefix->value);
    auto it = facts.mape_link_addresses.find(u.name.value);
    if (it == facts.mape_link_addresses.end()) return std::nullopt;
    for (const auto& a : it->second) {
        if (a.family != net::Family::ipv6 || is_link_local(a)) continue;
        auto ce = derive_ce(rule, net::Prefix{a, 128});
        if (ce && ce->ipv6 != a) return ce;
    }
    return std::nullopt;
}

void fill_ce_addresses(const config::Config& cfg, rules::Facts& facts) {
    for (const auto& u : cfg.uplinks) {
        if (!u.map_e || !u.enabled.value) continue;
        auto ce = live_ce(u, facts);
        facts.uplink_addresses[u.name.value] = ce ? std::vector<net::Address>{ce->ipv4} : std::vector<net::Address>{};
    }
}

}  // namespace gw::mape
