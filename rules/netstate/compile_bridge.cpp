// ipv6.bridge-split -> the bridge gatewayd creates, its inside and outside
// ports enslaved to it (every reconcile re-enslaves a port that was
// unplugged and came back), and the sysctls the chosen kernel path needs:
// whether bridged IPv6 passes the inet hooks (br_netfilter), and no SLAAC
// on the bridge itself, which hears the ISP's router advertisements.
#include <algorithm>

#include "rules/mape/uplink.hpp"
#include "rules/netstate/compile_parts.hpp"
#include "rules/split_path.hpp"

namespace gw::netstate::detail {
namespace {

// The link called `name`, moved to the front: links are created and changed
// in list order, and the bridge must exist before a port can join it.
Link& bridge_first(NetState& out, const config::Name& name) {
    auto it = std::find_if(out.links.begin(), out.links.end(), [&](const Link& l) { return l.name == name.value; });
    if (it == out.links.end()) {
        out.links.insert(out.links.begin(), Link{.name = name.value, .up = true, .loc = name.loc});
    } else {
        std::rotate(out.links.begin(), it, it + 1);
    }
    return out.links.front();
}

void enslave(NetState& out, const config::Name& port, const std::string& bridge) {
    auto it = std::find_if(out.links.begin(), out.links.end(), [&](const Link& l) { return l.name == port.value; });
    if (it == out.links.end()) {
        out.links.push_back(Link{.name = port.value, .master = bridge, .up = true, .loc = port.loc});
        return;
    }
    it->master = bridge;
}

void add_sysctl(NetState& out, std::string path, std::string value, config::Loc loc) {
    auto same = [&](const Sysctl& s) { return s.path == path; };
    std::erase_if(out.sysctls, same);
    out.sysctls.push_back({std::move(path), std::move(value), loc});
}

}  // namespace

void compile_bridge(const config::Config& cfg, const rules::Facts& facts, NetState& out) {
    auto path = rules::choose_split_path(cfg, facts.kernel);
    if (path == rules::SplitPath::none || path == rules::SplitPath::unsupported) return;
    const auto& split = *cfg.ipv6.bridge_split;
    Link& bridge = bridge_first(out, split.bridge);
    bridge.kind = "bridge";
    bridge.up = true;
    bridge.owned = true;
    for (const auto& port : split.inside) enslave(out, port, split.bridge.value);
    enslave(out, split.outside, split.bridge.value);
    // Per network namespace since Linux 5.3; only br_netfilter paths want
    // bridged IPv6 in the inet hooks (the bridge-conntrack path filters in
    // the bridge table, and would otherwise filter twice). The switch only
    // exists while br_netfilter is loaded; without it nothing goes there.
    if (facts.kernel.br_netfilter)
        add_sysctl(out, "net/bridge/bridge-nf-call-ip6tables", rules::filters_in_inet(path) ? "1" : "0",
                   split.loc);
    // The bridge hears the ISP's RAs and the gateway takes no address from
    // them, unless a MAP-E CE rides on the outside port: it derives itself
    // from the prefix's address there (accept_ra 2: forwarding is on).
    std::string conf = "net/ipv6/conf/" + split.bridge.value + "/";
    bool ce_learns_here = std::any_of(cfg.uplinks.begin(), cfg.uplinks.end(), [&](const config::Uplink& u) {
        return u.map_e && u.enabled.value && !u.map_e->end_user_prefix && mape::ipv6_link(cfg, u) == split.bridge.value;
    });
    add_sysctl(out, conf + "accept_ra", ce_learns_here ? "2" : "0", split.bridge.loc);
    add_sysctl(out, conf + "autoconf", ce_learns_here ? "1" : "0", split.bridge.loc);
}

}  // namespace gw::netstate::detail
