#include "daemon/ipv6/lease.hpp"

#include <charconv>
#include <map>

namespace gw::ipv6 {

namespace {

using Env = std::map<std::string, std::string, std::less<>>;

Env parse_lines(std::string_view text) {
    Env env;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto eq = line.find('=');
        if (eq != std::string_view::npos) env.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    return env;
}

std::uint32_t number(const Env& env, const std::string& key) {
    auto it = env.find(key);
    std::uint32_t v = 0;
    if (it != env.end()) std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    return v;
}

// The first delegated prefix of the first IA_PD: gatewayd asks for one.
std::optional<rules::Delegation> delegation_of(const Env& env) {
    const std::string base = "new_dhcp6_ia_pd1_prefix1";
    auto p = env.find(base);
    auto len = env.find(base + "_length");
    if (p == env.end() || len == env.end()) return std::nullopt;
    auto prefix = net::Prefix::parse(p->second + "/" + len->second);
    if (!prefix || prefix->address.family != net::Family::ipv6) return std::nullopt;
    rules::Delegation d;
    d.prefix = prefix->network();
    d.preferred = number(env, base + "_pltime");
    d.valid = number(env, base + "_vltime");
    if (auto dns = env.find("new_dhcp6_name_servers"); dns != env.end()) {
        std::string_view rest = dns->second;
        while (!rest.empty()) {
            auto sp = rest.find(' ');
            if (auto a = net::Address::parse(rest.substr(0, sp))) d.dns.push_back(*a);
            rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
        }
    }
    return d;
}

bool lease_reason(std::string_view r) {
    return r == "BOUND6" || r == "RENEW6" || r == "REBIND6" || r == "REBOOT6" || r == "DELEGATED6" ||
           r == "INFORM6" || r == "TIMEOUT6";
}

}  // namespace

LeaseEvent parse_dhcpcd_env(std::string_view text) {
    auto env = parse_lines(text);
    LeaseEvent ev;
    if (auto r = env.find("reason"); r != env.end()) ev.reason = r->second;
    if (auto i = env.find("interface"); i != env.end()) ev.interface = i->second;
    if (lease_reason(ev.reason)) {
        auto d = delegation_of(env);
        ev.change = d ? LeaseChange::bound : LeaseChange::gone;
        if (d) ev.delegation = std::move(*d);
    } else if (ev.reason == "EXPIRE6" || ev.reason == "RELEASE6") {
        ev.change = LeaseChange::gone;
    }
    return ev;
}

}  // namespace gw::ipv6
