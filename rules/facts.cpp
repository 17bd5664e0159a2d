#include "rules/facts.hpp"

#include <algorithm>
#include <set>

#include "rules/config/uplink_kinds.hpp"

namespace gw::rules {

std::string uplink_ifname(const config::Uplink& uplink, const Facts& facts) {
    if (auto it = facts.uplink_ifnames.find(uplink.name.value); it != facts.uplink_ifnames.end())
        return it->second;
    return default_uplink_ifname(uplink);
}

std::string default_uplink_ifname(const config::Uplink& uplink) {
    // A link the uplink's process makes is named after the uplink (pppd is
    // started with `ifname <uplink name>`); otherwise the traffic uses its device.
    return config::uplink_kind(uplink).link == config::UplinkLink::device ? uplink.device.value : uplink.name.value;
}

bool uplink_is_up(const config::Uplink& uplink, const Facts& facts) {
    if (!uplink.enabled.value) return false;
    if (config::uplink_kind(uplink).up == config::UplinkUp::always) return true;
    auto it = facts.uplink_addresses.find(uplink.name.value);
    return it != facts.uplink_addresses.end() && !it->second.empty();
}

bool compile_reads_kernel_features(const config::Config& cfg) {
    return cfg.ipv6.bridge_split.has_value() || cfg.fast_path_switch().has_value();
}

namespace {

// The links of the zones that say `fast-path: false`: no connection that
// crosses them is offloaded, so the flowtable has no use for them.
std::set<std::string> slow_links(const config::Config& cfg, const Facts& facts) {
    std::set<std::string> out;
    for (const auto& z : cfg.zones) {
        if (!z.fast_path || **z.fast_path) continue;
        for (const auto& n : z.interfaces)
            if (const auto* i = cfg.find_interface(*n)) out.insert(i->link_name());
        for (const auto& n : z.uplinks)
            if (const auto* u = cfg.find_uplink(*n)) out.insert(uplink_ifname(*u, facts));
    }
    return out;
}

}  // namespace

std::vector<std::string> fastpath_devices(const config::Config& cfg, const Facts& facts) {
    std::set<std::string> names;
    for (const auto& i : cfg.interfaces)
        if (*i.enabled) names.insert(i.link_name());
    for (const auto& u : cfg.uplinks)
        if (*u.enabled) names.insert(uplink_ifname(u, facts));
    auto slow = slow_links(cfg, facts);
    std::vector<std::string> out;
    for (const auto& n : names)
        if ((!facts.links || facts.links->contains(n)) && !slow.contains(n)) out.push_back(n);
    return out;
}

std::vector<net::Address> uplink_ipv4_addresses(const config::Config& cfg, const config::Uplink& uplink,
                                                const Facts& facts) {
    std::vector<net::Address> out;
    auto add = [&](const net::Address& a) {
        if (a.family == net::Family::ipv4 && std::find(out.begin(), out.end(), a) == out.end())
            out.push_back(a);
    };
    // A link the traffic leaves by (next-hop) also has what the config puts on
    // it, so rules that need the address exist in the reconcile that adds it.
    if (config::uplink_kind(uplink).link == config::UplinkLink::device)
        for (const auto& iface : cfg.interfaces)
            if (iface.link_name() == uplink.device.value)
                for (const auto& p : iface.addresses) add(p->address);
    if (auto it = facts.uplink_addresses.find(uplink.name.value); it != facts.uplink_addresses.end())
        for (const auto& a : it->second) add(a);
    return out;
}

}  // namespace gw::rules
