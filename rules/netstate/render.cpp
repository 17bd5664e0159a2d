#include "rules/netstate/render.hpp"

#include <algorithm>
#include <cstdio>

#include "rules/netstate/owner.hpp"

namespace gw::netstate {
namespace {

// IPv6 "everything" is spelled ::/0 so a line never leaves the family open.
std::string prefix_text(const net::Prefix& p) {
    if (p.length == 0) return p.address.family == net::Family::ipv4 ? "default" : "::/0";
    return p.str();
}

std::string hex(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

const char* route_type_text(RouteType t) {
    switch (t) {
    case RouteType::unicast: return "";
    case RouteType::blackhole: return "blackhole ";
    case RouteType::unreachable: return "unreachable ";
    case RouteType::prohibit: return "prohibit ";
    }
    return "";
}

std::string rule_action_text(const Rule& r) {
    switch (r.action) {
    case RuleAction::to_table: return "lookup " + render_table(r.table);
    case RuleAction::blackhole: return "blackhole";
    case RuleAction::unreachable: return "unreachable";
    case RuleAction::prohibit: return "prohibit";
    }
    return "";
}

template <class T>
std::vector<const T*> sorted(const std::vector<T>& items) {
    std::vector<const T*> out;
    for (const auto& i : items) out.push_back(&i);
    std::stable_sort(out.begin(), out.end(),
                     [](const T* a, const T* b) { return key_of(*a) < key_of(*b); });
    return out;
}

}  // namespace

std::string render_table(std::uint32_t table) {
    switch (table) {
    case kTableMain: return "main";
    case kTableLocal: return "local";
    case kTableDefault: return "default";
    default: return std::to_string(table);
    }
}

std::string render_link(const Link& l) {
    std::string s = "link " + l.name;
    if (!l.kind.empty()) s += " type " + l.kind;
    if (l.tunnel) {
        s += " local " + l.tunnel->local.str() + " remote " + l.tunnel->remote.str();
        s += l.tunnel->ipip6_no_encaplimit ? " mode ipip6 encaplimit none" : " (other mode or encaplimit)";
    }
    if (l.master) s += l.master->empty() ? " nomaster" : " master " + *l.master;
    if (l.mtu) s += " mtu " + std::to_string(*l.mtu);
    if (l.owned) s += " alias " + std::string(kLinkAlias);
    return s + (l.up ? " up" : " down");
}

std::string render_address(const Address& a) {
    return "address " + a.prefix.str() + " dev " + a.ifname;
}

std::string render_route(const Route& r) {
    std::string s = "route " + std::string(route_type_text(r.type)) + prefix_text(r.destination);
    if (r.gateway) s += " via " + r.gateway->str();
    if (!r.ifname.empty()) s += " dev " + r.ifname;
    s += " table " + render_table(r.table);
    s += " metric " + std::to_string(r.metric);
    return s + " proto " + std::to_string(r.protocol);
}

std::string render_rule(const Rule& r) {
    std::string s = "rule pref " + std::to_string(r.priority) + " from ";
    if (r.from)
        s += r.from->str();
    else
        s += r.family == net::Family::ipv4 ? "all" : "::/0";
    if (r.fwmark) s += " fwmark " + hex(*r.fwmark) + "/" + hex(r.fwmask);
    if (!r.iif.empty()) s += " iif " + r.iif;
    s += " " + rule_action_text(r);
    if (r.suppress_prefixlen) s += " suppress_prefixlength " + std::to_string(*r.suppress_prefixlen);
    return s;
}

std::string sysctl_dotted(const std::string& path) {
    std::string s = path;
    for (char& c : s) c = c == '/' ? '.' : c == '.' ? '/' : c;
    return s;
}

std::string render_sysctl(const Sysctl& s) {
    return "sysctl " + sysctl_dotted(s.path) + " = " + s.value;
}

std::string render_netstate(const NetState& s) {
    std::string out;
    for (const auto* l : sorted(s.links)) out += render_link(*l) + "\n";
    for (const auto* a : sorted(s.addresses)) out += render_address(*a) + "\n";
    for (const auto* r : sorted(s.routes)) out += render_route(*r) + "\n";
    for (const auto* r : sorted(s.rules)) out += render_rule(*r) + "\n";
    for (const auto* c : sorted(s.sysctls)) out += render_sysctl(*c) + "\n";
    return out;
}

}  // namespace gw::netstate
