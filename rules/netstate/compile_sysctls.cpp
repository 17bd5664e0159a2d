// Sysctls a gateway needs: forwarding once it routes between zones or
// NATs, RAs still accepted on uplinks while forwarding (accept_ra=2), and
// reverse-path filtering: strict inside, loose on uplinks when there are
// several (a reply may legitimately arrive on another uplink), with the
// packet mark taken into account when connection marks pick the uplink.
#include <algorithm>
#include <set>

#include "rules/marks.hpp"
#include "rules/netstate/compile_parts.hpp"

namespace gw::netstate::detail {
namespace {

void set(NetState& out, std::string path, std::string value, config::Loc loc) {
    auto same_path = [&](const Sysctl& s) { return s.path == path; };
    if (std::any_of(out.sysctls.begin(), out.sysctls.end(), same_path)) return;
    out.sysctls.push_back({std::move(path), std::move(value), loc});
}

bool needs_forwarding(const config::Config& cfg) {
    return cfg.zones.size() > 1 || !cfg.nat.masquerade.empty() || !cfg.nat.snat.empty() ||
           !cfg.nat.forwards.empty();
}

// The value that made forwarding necessary, for error messages.
config::Loc forwarding_loc(const config::Config& cfg) {
    if (!cfg.nat.masquerade.empty()) return cfg.nat.masquerade.front().loc;
    if (!cfg.nat.snat.empty()) return cfg.nat.snat.front().loc;
    if (!cfg.nat.forwards.empty()) return cfg.nat.forwards.front().loc;
    return cfg.zones.size() > 1 ? cfg.zones[1].loc : config::Loc{};
}

std::string conf(std::string_view family, std::string_view ifname, std::string_view key) {
    return "net/" + std::string(family) + "/conf/" + std::string(ifname) + "/" + std::string(key);
}

}  // namespace

void compile_sysctls(const config::Config& cfg, const rules::Facts& facts, NetState& out) {
    if (needs_forwarding(cfg)) {
        set(out, "net/ipv4/ip_forward", "1", forwarding_loc(cfg));
        set(out, "net/ipv6/conf/all/forwarding", "1", forwarding_loc(cfg));
    }
    std::set<std::string> uplink_links;
    const char* uplink_rp = cfg.uplinks.size() > 1 ? "2" : "1";
    for (const auto& u : cfg.uplinks) {
        if (!uplink_is_up(u, facts)) continue;
        std::string ifname = uplink_ifname(u, facts);
        uplink_links.insert(ifname);
        // A static IPv6 uplink takes no router's word for its addresses and routes.
        set(out, conf("ipv6", ifname, "accept_ra"), u.ipv6.value == config::UplinkIpv6::static_ ? "0" : "2",
            u.loc);
        set(out, conf("ipv4", ifname, "rp_filter"), uplink_rp, u.loc);
    }
    // The reverse-path check of a packet whose restored mark selects an
    // uplink's table must look in that table too, or a source reachable
    // only through that uplink fails it. The kernel ORs all/ and the link's.
    if (rules::uses_connection_marks(cfg)) set(out, "net/ipv4/conf/all/src_valid_mark", "1", cfg.uplinks[1].loc);
    for (const auto& iface : cfg.interfaces) {
        const std::string& dev = iface.link_name();
        if (!uplink_links.contains(dev)) set(out, conf("ipv4", dev, "rp_filter"), "1", iface.loc);
    }
}

}  // namespace gw::netstate::detail
