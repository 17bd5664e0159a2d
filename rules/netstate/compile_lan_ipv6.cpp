// Routed IPv6 on LAN links: the router's address (<prefix>::1/64) on each
// link that takes a /64 out of an uplink's delegated prefix, a discard
// route for the whole delegated prefix, and IPv6 forwarding. The address follows the delegation: when the ISP hands out
// another prefix the old address is stale (the link's addresses are
// gatewayd's) and goes in the same reconcile that adds the new one.
#include <algorithm>

#include "rules/ipv6/delegation.hpp"
#include "rules/netstate/compile_parts.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::netstate::detail {

void compile_lan_ipv6(const config::Config& cfg, const rules::Facts& facts, NetState& out) {
    auto lans = ipv6::lan_prefixes(cfg, facts);
    for (const auto& lp : lans) {
        if (!lp.prefix) continue;
        out.addresses.push_back({.ifname = lp.interface->link_name(),
                                 .prefix = ipv6::router_address(*lp.prefix),
                                 .loc = lp.interface->ipv6->loc});
    }
    // RFC 7084 WPD-5: the delegated prefix ends here. Without a discard route
    // a packet to a /64 no LAN took follows the default route back to the
    // ISP, which routes it here again, until its hop limit runs out. The
    // LAN /64s are longer and win; `unreachable` answers with ICMPv6.
    for (const auto& u : cfg.uplinks) {
        auto d = facts.delegations.find(u.name.value);
        if (!u.asks_for_prefix() || d == facts.delegations.end() || !d->second.prefix) continue;
        out.routes.push_back({.destination = d->second.prefix->network(),
                              .metric = kernel_metric(net::Family::ipv6, 0),
                              .protocol = kRouteProtocol,
                              .type = RouteType::unreachable,
                              .loc = u.dhcpv6_pd->loc});
    }
    // dhcpcd turns the kernel's link-local generation off on the link it asks
    // on (it would add its own address, which --noconfigure forbids it) and
    // cycles the link, which leaves it without one; DHCPv6 speaks from the
    // link-local address, so gatewayd keeps the kernel making it (writing 0
    // makes the kernel add it again at once).
    for (const auto& u : cfg.uplinks)
        if (u.asks_for_prefix() && uplink_is_up(u, facts))
            out.sysctls.push_back({"net/ipv6/conf/" + uplink_ifname(u, facts) + "/addr_gen_mode", "0", u.dhcpv6_pd->loc});
    if (lans.empty()) return;
    std::string forwarding = "net/ipv6/conf/all/forwarding";
    bool set = std::any_of(out.sysctls.begin(), out.sysctls.end(),
                           [&](const Sysctl& s) { return s.path == forwarding; });
    if (!set) out.sysctls.push_back({forwarding, "1", lans.front().interface->ipv6->loc});
}

}  // namespace gw::netstate::detail
