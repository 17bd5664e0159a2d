#include "rules/explain/route.hpp"

#include <algorithm>
#include <cstdio>

#include "rules/netstate/render.hpp"

namespace gw::explain {
namespace {

constexpr std::uint32_t kPriorityLocal = 0;
constexpr std::uint32_t kPriorityMain = 32766;
constexpr std::uint32_t kPriorityDefault = 32767;

netstate::Rule kernel_rule(net::Family f, std::uint32_t priority, std::uint32_t table) {
    netstate::Rule r;
    r.family = f;
    r.priority = priority;
    r.table = table;
    return r;
}

bool rule_matches(const netstate::Rule& r, const RouteQuery& q) {
    if (r.family != q.daddr.family) return false;
    if (r.fwmark && (q.mark & r.fwmask) != *r.fwmark) return false;
    if (r.from && r.from->length > 0 && (!q.saddr || !r.from->contains(*q.saddr))) return false;
    if (!r.iif.empty() && r.iif != (q.iif.empty() ? "lo" : q.iif)) return false;
    return true;
}

// Longest prefix first, then the lowest metric, as the FIB does.
const netstate::Route* table_lookup(const Routing& routing, std::uint32_t table, const net::Address& d) {
    const netstate::Route* best = nullptr;
    for (const auto& r : routing.routes) {
        if (r.table != table || r.family() != d.family || !r.destination.contains(d)) continue;
        if (!best || r.destination.length > best->destination.length ||
            (r.destination.length == best->destination.length && r.metric < best->metric))
            best = &r;
    }
    return best;
}

RouteResult from_route(const netstate::Route& route, const netstate::Rule& rule) {
    RouteResult res;
    res.rule = rule;
    res.route = route;
    res.table = route.table;
    res.oif = route.ifname;
    res.via = route.gateway;
    res.kind = route.type == netstate::RouteType::unicast ? RouteKind::unicast : RouteKind::unreachable;
    return res;
}

}  // namespace

bool Routing::is_local(const net::Address& a) const {
    return local_address(a) != nullptr;
}

const LocalAddress* Routing::local_address(const net::Address& a) const {
    for (const auto& l : addresses)
        if (l.prefix.address == a) return &l;
    return nullptr;
}

std::optional<net::Address> Routing::source_for(const std::string& oif, const net::Address& daddr) const {
    const LocalAddress* first = nullptr;
    for (const auto& l : addresses) {
        if (l.ifname != oif || l.prefix.address.family != daddr.family) continue;
        if (l.prefix.network().contains(daddr)) return l.prefix.address;
        if (!first) first = &l;
    }
    if (first) return first->prefix.address;
    for (const auto& l : addresses)  // the kernel falls back to any global address
        if (l.prefix.address.family == daddr.family && l.ifname != "lo") return l.prefix.address;
    return std::nullopt;
}

Routing build_routing(const netstate::NetState& state, const std::vector<LocalAddress>& uplink_addresses) {
    Routing r;
    for (const auto& a : state.addresses) r.addresses.push_back({a.ifname, a.prefix, a.loc});
    for (const auto& a : uplink_addresses) r.addresses.push_back(a);
    r.addresses.push_back({"lo", *net::Prefix::parse("127.0.0.1/8"), {}});
    r.addresses.push_back({"lo", *net::Prefix::parse("::1/128"), {}});
    for (const auto& a : r.addresses) {
        if (a.prefix.length == a.prefix.address.bits() || a.ifname == "lo") continue;
        netstate::Route connected;
        connected.destination = a.prefix.network();
        connected.ifname = a.ifname;
        connected.loc = a.loc;
        r.routes.push_back(connected);
    }
    r.routes.insert(r.routes.end(), state.routes.begin(), state.routes.end());
    r.rules = state.rules;
    for (auto f : {net::Family::ipv4, net::Family::ipv6}) {
        r.rules.push_back(kernel_rule(f, kPriorityLocal, netstate::kTableLocal));
        r.rules.push_back(kernel_rule(f, kPriorityMain, netstate::kTableMain));
        r.rules.push_back(kernel_rule(f, kPriorityDefault, netstate::kTableDefault));
    }
    std::stable_sort(r.rules.begin(), r.rules.end(),
                     [](const auto& a, const auto& b) { return a.priority < b.priority; });
    return r;
}

RouteResult route_lookup(const Routing& routing, const RouteQuery& q) {
    for (const auto& rule : routing.rules) {
        if (!rule_matches(rule, q)) continue;
        if (rule.action != netstate::RuleAction::to_table) {
            RouteResult res;
            res.kind = RouteKind::unreachable;
            res.rule = rule;
            return res;
        }
        if (rule.table == netstate::kTableLocal) {
            if (routing.is_local(q.daddr)) {
                RouteResult res;
                res.kind = RouteKind::local;
                res.oif = "lo";
                res.table = netstate::kTableLocal;
                res.rule = rule;
                return res;
            }
            continue;
        }
        const auto* route = table_lookup(routing, rule.table, q.daddr);
        if (!route) continue;
        if (rule.suppress_prefixlen && route->destination.length <= static_cast<int>(*rule.suppress_prefixlen))
            continue;
        return from_route(*route, rule);
    }
    return RouteResult{};
}

std::string describe_rule(const netstate::Rule& r) {
    std::string s = "pref " + std::to_string(r.priority) + " from " + (r.from ? r.from->str() : "all");
    if (r.fwmark) {
        char buf[40];
        std::snprintf(buf, sizeof buf, " fwmark 0x%x/0x%x", *r.fwmark, r.fwmask);
        s += buf;
    }
    if (!r.iif.empty()) s += " iif " + r.iif;
    switch (r.action) {
    case netstate::RuleAction::to_table: s += " lookup " + netstate::render_table(r.table); break;
    case netstate::RuleAction::blackhole: s += " blackhole"; break;
    case netstate::RuleAction::unreachable: s += " unreachable"; break;
    case netstate::RuleAction::prohibit: s += " prohibit"; break;
    }
    if (r.suppress_prefixlen) s += " suppress_prefixlength " + std::to_string(*r.suppress_prefixlen);
    return s;
}

std::string describe_route(const netstate::Route& r) {
    std::string s = r.destination.length == 0 ? "default" : r.destination.str();
    if (r.type == netstate::RouteType::unreachable) s = "unreachable " + s;
    if (r.gateway) s += " via " + r.gateway->str();
    if (!r.ifname.empty()) s += " dev " + r.ifname;
    s += " table " + netstate::render_table(r.table);
    return s;
}

}  // namespace gw::explain
