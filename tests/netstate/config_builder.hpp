// Config values built in code for the netstate tests, each value placed on
// a line of its own so tests can check which line an object came from.
#pragma once

#include <string>
#include <vector>

#include "rules/config/model.hpp"

namespace gw::test {

inline config::Loc at(int line) { return {line, 5}; }

inline net::Prefix prefix(const std::string& text) { return *net::Prefix::parse(text); }
inline net::Address address(const std::string& text) { return *net::Address::parse(text); }

inline config::Interface interface(const std::string& name, const std::string& device,
                                   const std::vector<std::string>& addresses, int line) {
    config::Interface i;
    i.name = {name, at(line)};
    i.device = {device, at(line + 1)};
    int n = line + 2;
    for (const auto& a : addresses) i.addresses.push_back({prefix(a), at(n++)});
    i.loc = at(line);
    return i;
}

inline config::StaticRoute static_route(const std::string& to, const std::string& via, int line) {
    config::StaticRoute r;
    r.to = {prefix(to), at(line)};
    if (!via.empty()) r.via = config::Located<net::Address>{address(via), at(line + 1)};
    r.loc = at(line);
    return r;
}

inline config::Uplink next_hop(const std::string& name, const std::string& device,
                               const std::string& gateway, int line) {
    config::Uplink u;
    u.name = {name, at(line)};
    u.kind = {config::UplinkKind::next_hop, at(line + 1)};
    u.device = {device, at(line + 2)};
    u.gateway = config::Located<net::Address>{address(gateway), at(line + 3)};
    u.loc = at(line);
    return u;
}

inline config::Uplink pppoe(const std::string& name, const std::string& device, int line) {
    config::Uplink u;
    u.name = {name, at(line)};
    u.kind = {config::UplinkKind::pppoe, at(line + 1)};
    u.device = {device, at(line + 2)};
    u.username = config::Located<std::string>{"user@isp.example", at(line + 3)};
    u.password_file = config::Located<std::string>{"/etc/gatewayd/isp.password", at(line + 4)};
    u.loc = at(line);
    return u;
}

inline config::Zone zone(const std::string& name, std::vector<std::string> interfaces,
                         std::vector<std::string> uplinks, int line) {
    config::Zone z;
    z.name = {name, at(line)};
    for (auto& i : interfaces) z.interfaces.push_back({i, at(line + 1)});
    for (auto& u : uplinks) z.uplinks.push_back({u, at(line + 2)});
    z.loc = at(line);
    return z;
}

inline config::Masquerade masquerade(const std::string& from, const std::string& to, int line) {
    config::Masquerade m;
    m.from_zones.push_back({from, at(line)});
    m.to.push_back({to, at(line + 1)});
    m.loc = at(line);
    return m;
}

// The LAN most cases use: lan0 with an IPv4 and an IPv6 address (line 10),
// MTU 1400 (line 14) and two static routes (lines 15 and 17).
inline config::Interface routed_lan() {
    auto lan = interface("lan", "lan0", {"172.16.2.1/16", "fd00:1::1/64"}, 10);
    lan.mtu = config::Located<std::uint32_t>{1400, at(14)};
    lan.routes.push_back(static_route("10.99.0.0/16", "172.16.0.254", 15));
    lan.routes.push_back(static_route("fd00:99::/48", "", 17));
    return lan;
}

}  // namespace gw::test
