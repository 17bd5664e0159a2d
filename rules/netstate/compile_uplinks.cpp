// Uplinks: their Ethernet device is kept up, and each uplink's default
// route goes into its own table (for the policy routing of several uplinks)
// and, for the uplink that carries the default, into the main table. A
// disabled uplink (`enabled: false`) has no routes, and its device is kept
// down unless `interfaces` lists that device too (its entry decides).
#include <algorithm>

#include "rules/config/uplink_kinds.hpp"
#include "rules/netstate/compile_parts.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::netstate::detail {
namespace {

// The device must be up for PPPoE discovery or to reach the next hop. Its
// addresses stay its own unless `interfaces` lists it too. `mtu` is the
// device's when the traffic leaves by it (a ppp link gets it from pppd).
void keep_device(const config::Uplink& u, NetState& out) {
    auto it = std::find_if(out.links.begin(), out.links.end(),
                           [&](const Link& l) { return l.name == u.device.value; });
    bool own_mtu = config::uplink_kind(u).link == config::UplinkLink::device;
    if (it == out.links.end()) {
        bool up = u.enabled.value;
        auto loc = up || !u.enabled.loc.known() ? u.device.loc : u.enabled.loc;
        Link link{.name = u.device.value, .up = up, .manage_addresses = false, .loc = loc};
        if (own_mtu && u.mtu) link.mtu = u.mtu->value;
        out.links.push_back(link);
    } else if (own_mtu && u.mtu && !it->mtu) {
        it->mtu = u.mtu->value;
    }
}

bool carries_default(const config::Config& cfg, const config::Uplink& u) {
    return u.default_route.value ||
           (cfg.routing.default_uplink && cfg.routing.default_uplink->value == u.name.value);
}

config::Loc default_loc(const config::Config& cfg, const config::Uplink& u) {
    if (u.default_route.loc.known()) return u.default_route.loc;
    if (cfg.routing.default_uplink && cfg.routing.default_uplink->loc.known())
        return cfg.routing.default_uplink->loc;
    return u.loc;
}

// One default route in the uplink's table and, when it carries the
// default, the same route in the main table.
void add_defaults(const config::Config& cfg, const config::Uplink& u, Route r,
                  std::uint32_t table, NetState& out) {
    r.protocol = kRouteProtocol;
    r.metric = kernel_metric(r.family(), u.metric.value);
    r.table = table;
    out.routes.push_back(r);
    if (!carries_default(cfg, u)) return;
    r.table = kTableMain;
    r.loc = default_loc(cfg, u);
    out.routes.push_back(r);
}

Route default_route(net::Family family) {
    Route r;
    r.destination.address.family = family;
    r.destination.length = 0;
    return r;
}

void compile_via_gateways(const config::Config& cfg, const config::Uplink& u, std::uint32_t table,
                      NetState& out) {
    for (const auto* gw : {&u.gateway, &u.gateway6}) {
        if (!*gw) continue;
        Route r = default_route((*gw)->value.family);
        r.gateway = (*gw)->value;
        r.ifname = u.device.value;
        r.loc = (*gw)->loc.known() ? (*gw)->loc : u.loc;
        add_defaults(cfg, u, r, table, out);
    }
}

// A link such as ppp exists only while the session is up; pppd's own
// default route is off, the daemon installs it once the link has an IPv4
// address. IPv6 on PPPoE routes by RA (accept_ra=2), so no IPv6 default here.
void compile_on_link(const config::Config& cfg, const config::Uplink& u, const rules::Facts& facts,
                   std::uint32_t table, NetState& out) {
    if (!uplink_has_ipv4(u, facts)) return;
    Route r = default_route(net::Family::ipv4);
    r.ifname = uplink_ifname(u, facts);
    r.loc = u.loc;
    add_defaults(cfg, u, r, table, out);
}

}  // namespace

void compile_uplinks(const config::Config& cfg, const rules::Facts& facts, NetState& out) {
    auto tables = uplink_tables(cfg);
    for (const auto& u : cfg.uplinks) {
        keep_device(u, out);
        if (!u.enabled.value) continue;
        std::uint32_t table = tables.at(u.name.value);
        switch (config::uplink_kind(u).route) {
        case config::UplinkRoute::via_gateways: compile_via_gateways(cfg, u, table, out); break;
        case config::UplinkRoute::on_link_with_ipv4: compile_on_link(cfg, u, facts, table, out); break;
        }
    }
}

}  // namespace gw::netstate::detail
