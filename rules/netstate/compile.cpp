#include "rules/netstate/compile.hpp"

#include "rules/netstate/compile_parts.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::netstate {
namespace detail {

bool uplink_has_ipv4(const config::Uplink& u, const rules::Facts& facts) {
    auto it = facts.uplink_addresses.find(u.name.value);
    if (it == facts.uplink_addresses.end()) return false;
    for (const auto& a : it->second)
        if (a.family == net::Family::ipv4) return true;
    return false;
}

std::uint32_t kernel_metric(net::Family family, std::uint32_t metric) {
    return family == net::Family::ipv6 && metric == 0 ? 1024 : metric;
}

namespace {

Route static_route(const config::StaticRoute& sr, const std::string& device) {
    Route r;
    r.destination = sr.to.value.network();
    if (sr.via) r.gateway = sr.via->value;
    r.ifname = device;
    r.metric = kernel_metric(r.family(), sr.metric ? sr.metric->value : 0);
    r.protocol = kRouteProtocol;
    r.loc = sr.loc.known() ? sr.loc : sr.to.loc;
    return r;
}

}  // namespace

// Each entry of `interfaces` is a link gatewayd keeps up (down with
// `enabled: false`: a link downed by hand is drift either way), with
// exactly the addresses listed and, while up, the static routes through it
// (main table; the kernel refuses a route through a link that is down).
void compile_interfaces(const config::Config& cfg, NetState& out) {
    for (const auto& iface : cfg.interfaces) {
        const std::string& dev = iface.link_name();
        bool up = iface.enabled.value;
        Link link{.name = dev, .up = up, .manage_addresses = true,
                  .loc = up || !iface.enabled.loc.known() ? iface.loc : iface.enabled.loc};
        if (iface.mtu) link.mtu = iface.mtu->value;
        if (cfg.ha)
            for (const auto& vi : cfg.ha->instances)
                if (vi.interface.value == iface.name.value)
                    for (const auto& va : vi.virtual_addresses) link.vrrp_addresses.push_back(va.value.address);
        out.links.push_back(link);
        for (const auto& a : iface.addresses)
            out.addresses.push_back({.ifname = dev, .prefix = a.value, .loc = a.loc});
        if (up)
            for (const auto& sr : iface.routes) out.routes.push_back(static_route(sr, dev));
    }
}

}  // namespace detail

NetState compile_netstate(const config::Config& cfg, const rules::Facts& facts) {
    NetState out;
    detail::compile_interfaces(cfg, out);
    detail::compile_uplinks(cfg, facts, out);
    detail::compile_rules(cfg, facts, out);
    detail::compile_sysctls(cfg, facts, out);
    detail::compile_lan_ipv6(cfg, facts, out);
    detail::compile_bridge(cfg, facts, out);
    detail::compile_mape(cfg, facts, out);
    return out;
}

}  // namespace gw::netstate
