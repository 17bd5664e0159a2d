// MAP-E uplinks: once the end-user prefix is known, an ip6tnl tunnel in
// mode ipip6 (encaplimit none) named after the uplink from the CE's IPv6
// address to the border relay, the CE's IPv6 address on the link the prefix
// lives on (where the ISP's router finds it by neighbour discovery), and the
// CE's shared IPv4 address on the tunnel. The IPv4 default route follows
// from that address like a PPPoE link's (compile_uplinks.cpp). When the
// prefix moves, the tunnel's local address changes in place and the old CE
// address, a /128 inside the rule prefix, is gatewayd's to remove.
#include <algorithm>

#include "rules/mape/uplink.hpp"
#include "rules/netstate/compile_parts.hpp"

namespace gw::netstate::detail {
namespace {

Link& link_named(NetState& out, const std::string& name, config::Loc loc) {
    auto it = std::find_if(out.links.begin(), out.links.end(), [&](const Link& l) { return l.name == name; });
    if (it != out.links.end()) return *it;
    return out.links.emplace_back(Link{.name = name, .up = true, .manage_addresses = false, .loc = loc});
}

// The prefix arrives by RA, which a forwarding host ignores unless told.
void accept_ra(const std::string& link, config::Loc loc, NetState& out) {
    std::string path = "net/ipv6/conf/" + link + "/accept_ra";
    auto it = std::find_if(out.sysctls.begin(), out.sysctls.end(), [&](const Sysctl& s) { return s.path == path; });
    if (it == out.sysctls.end()) out.sysctls.push_back({path, "2", loc});
}

void compile_one(const config::Config& cfg, const config::Uplink& u, const rules::Facts& facts, NetState& out) {
    auto rule = mape::map_rule_of(*u.map_e);
    std::string v6link = mape::ipv6_link(cfg, u);
    link_named(out, v6link, u.device.loc).owned_host_space.push_back(rule.ipv6);
    accept_ra(v6link, u.device.loc, out);
    auto ce = mape::live_ce(u, facts);
    if (!ce) return;
    config::Loc loc = u.map_e->rule.loc.known() ? u.map_e->rule.loc : u.loc;
    out.links.push_back(Link{.name = u.name.value,
                             .kind = "ip6tnl",
                             .mtu = mape::tunnel_mtu(u),
                             .up = true,
                             .manage_addresses = true,
                             .owned = true,
                             .tunnel = Ip6Tunnel{ce->ipv6, u.map_e->br.value, true},
                             .loc = u.loc});
    out.addresses.push_back({.ifname = v6link, .prefix = {ce->ipv6, 128}, .loc = loc});
    out.addresses.push_back({.ifname = u.name.value, .prefix = {ce->ipv4, 32}, .loc = loc});
}

}  // namespace

void compile_mape(const config::Config& cfg, const rules::Facts& facts, NetState& out) {
    for (const auto& u : cfg.uplinks)
        if (u.map_e && u.enabled.value) compile_one(cfg, u, facts, out);
}

}  // namespace gw::netstate::detail
