// Zones -> named sets of interface names ("zone_lan_if"), plus "uplink_if"
// with every uplink's interface. Rules match iifname/oifname against these
// sets, by name rather than index, so a rule for a link that does not exist
// yet (a ppp link before it comes up) works the moment the link appears.
// Where no interface is known (NAT postrouting), "zone_lan_net4" holds the
// zone's IPv4 networks instead. The forward chain's last accept, for
// traffic that stays on one zone interface, is built here too.
#include <algorithm>

#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/diff.hpp"

namespace gw::rules::detail {

std::string uplink_ifname(const Context& ctx, const config::Uplink& uplink) {
    return rules::uplink_ifname(uplink, ctx.facts());
}

nft::Stmt in_zone(nft::Key key, std::string_view zone) {
    return in_set(key, zone_set_name(zone));
}

nft::Stmt in_zone_or_uplink(const Context& ctx, nft::Key key, std::string_view name) {
    if (!find_named(ctx.config().zones, name))
        if (const auto* up = find_named(ctx.config().uplinks, name)) return cmp(key, uplink_ifname(ctx, *up));
    return in_zone(key, name);
}

std::vector<const config::Zone*> inside_zones(const config::Config& config) {
    std::vector<const config::Zone*> out;
    for (const auto& z : config.zones)
        if (z.uplinks.empty() && !z.interfaces.empty()) out.push_back(&z);
    return out;
}

namespace {

nft::Set ifname_set(std::string name, config::Loc origin) {
    nft::Set s;
    s.name = std::move(name);
    s.key = {nft::Key::meta_iifname};
    s.origin = origin;
    return s;
}

void add_ifname(nft::Set& set, std::string ifname, config::Loc origin) {
    for (const auto& e : set.elements)
        if (std::get<std::string>(e.key.front()) == ifname) return;
    nft::Element e;
    e.key = {std::move(ifname)};
    e.origin = origin;
    set.elements.push_back(std::move(e));
}

std::string interface_device(const config::Config& config, const config::Name& name) {
    const auto* itf = find_named(config.interfaces, *name);
    return itf ? itf->link_name() : *name;
}

nft::Set zone_set(const Context& ctx, const config::Zone& zone) {
    const auto& config = ctx.config();
    auto set = ifname_set(zone_set_name(*zone.name), zone.loc);
    for (const auto& n : zone.interfaces) add_ifname(set, interface_device(config, n), n.loc);
    for (const auto& n : zone.uplinks) {
        if (const auto* up = find_named(config.uplinks, *n)) add_ifname(set, uplink_ifname(ctx, *up), n.loc);
    }
    nft::sort_elements(set.elements);
    return set;
}

}  // namespace

std::optional<std::string> zone_network_set(Context& ctx, std::string_view zone_name) {
    const auto* zone = find_named(ctx.config().zones, zone_name);
    if (!zone) return std::nullopt;
    auto name = "zone_" + std::string(zone_name) + "_net4";
    if (ctx.has_set(name)) return name;
    auto nets = merge_prefixes(ctx.config().zone_prefixes(*zone, net::Family::ipv4));
    if (nets.empty()) return std::nullopt;
    nft::Set s;
    s.name = name;
    s.key = {nft::Key::ip_saddr};
    s.interval = true;
    s.origin = zone->loc;
    for (const auto& p : nets) s.elements.push_back(nft::Element{{p}, {}, {}, {}, {}, zone->loc});
    ctx.add_set(std::move(s), SetGroup::zones);
    return name;
}

void compile_zones(Context& ctx) {
    for (const auto& zone : ctx.config().zones) ctx.add_set(zone_set(ctx, zone), SetGroup::zones);
    // Used by forwards and MSS clamping; a config with neither has no use for it.
    if (ctx.config().uplinks.empty() && ctx.config().nat.forwards.empty()) return;
    auto uplinks = ifname_set(std::string(kUplinkIfSet), {});
    for (const auto& up : ctx.config().uplinks)
        add_ifname(uplinks, uplink_ifname(ctx, up), up.loc);
    nft::sort_elements(uplinks.elements);
    ctx.add_set(std::move(uplinks), SetGroup::zones);
}

// With br_netfilter loaded (the IPv6 split's br_netfilter path, or another
// tool such as Docker), frames switched between the ports of a LAN bridge
// pass the inet forward hook with the bridge as both input and output. A
// drop policy would then cut the LAN in two. What no rule above decided is
// accepted when it leaves by the zone interface it came in on: it never
// crosses a zone. Placed last, so the config's rules, the forwards' counters
// and the IPv6 split's filter still see it first.
void compile_same_link(Context& ctx) {
    const auto& config = ctx.config();
    if (*config.firewall.forward.policy != config::Policy::drop) return;
    auto& chain = ctx.chain(kChainForward);
    std::vector<std::string> seen;
    for (const auto& zone : config.zones) {
        for (const auto& n : zone.interfaces) {
            std::string dev = interface_device(config, n);
            if (std::find(seen.begin(), seen.end(), dev) != seen.end()) continue;
            seen.push_back(dev);
            chain.rules.push_back(make_rule({cmp(nft::Key::meta_iifname, dev), cmp(nft::Key::meta_oifname, dev),
                                             counter(), verdict(nft::VerdictKind::accept)},
                                            "gw:same-link", n.loc));
        }
    }
}

}  // namespace gw::rules::detail
