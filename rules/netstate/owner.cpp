#include "rules/netstate/owner.hpp"

#include <algorithm>
#include <set>

namespace gw::netstate {

std::map<std::string, std::uint32_t, std::less<>> uplink_tables(const config::Config& cfg) {
    std::map<std::string, std::uint32_t, std::less<>> tables;
    std::set<std::uint32_t> taken;
    for (const auto& u : cfg.uplinks)
        if (u.table) taken.insert(u.table->value);
    std::uint32_t next = kUplinkTableFirst;
    for (const auto& u : cfg.uplinks) {
        if (u.table) {
            tables[u.name.value] = u.table->value;
            continue;
        }
        while (taken.contains(next)) ++next;
        taken.insert(next);
        tables[u.name.value] = next;
    }
    return tables;
}

bool is_owned_route(const Route& r) { return r.protocol == kRouteProtocol; }

bool is_owned_rule(const Rule& r) {
    return r.priority >= kRulePriorityFirst && r.priority <= kRulePriorityLast;
}

bool is_ipv6_link_local(const net::Prefix& p) {
    static const net::Prefix kLinkLocal = *net::Prefix::parse("fe80::/10");
    return kLinkLocal.contains(p.address);
}

bool is_owned_address(const Address& a, const NetState& scope) {
    const Link* link = scope.find_link(a.ifname);
    if (!link || is_ipv6_link_local(a.prefix)) return false;
    if (link->manage_addresses) {
        const auto& vrrp = link->vrrp_addresses;
        return std::find(vrrp.begin(), vrrp.end(), a.prefix.address) == vrrp.end();
    }
    return a.prefix.length == 128 &&
           std::any_of(link->owned_host_space.begin(), link->owned_host_space.end(),
                       [&](const net::Prefix& p) { return p.contains(a.prefix.address); });
}

namespace {

bool scope_has_sysctl(const NetState& scope, std::string_view path) {
    return std::any_of(scope.sysctls.begin(), scope.sysctls.end(),
                       [&](const Sysctl& s) { return s.path == path; });
}

}  // namespace

NetState restrict_to_scope(const NetState& kernel, const NetState& scope) {
    NetState out;
    for (const auto& l : kernel.links)
        if (scope.find_link(l.name) || l.owned) out.links.push_back(l);
    for (const auto& a : kernel.addresses)
        if (is_owned_address(a, scope)) out.addresses.push_back(a);
    for (const auto& r : kernel.routes)
        if (is_owned_route(r)) out.routes.push_back(r);
    for (const auto& r : kernel.rules)
        if (is_owned_rule(r)) out.rules.push_back(r);
    for (const auto& s : kernel.sysctls)
        if (scope_has_sysctl(scope, s.path)) out.sysctls.push_back(s);
    return out;
}

}  // namespace gw::netstate
