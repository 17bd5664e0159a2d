// Config values built in code for the compiler's unit tests: a small home
// router (LAN zone, PPPoE uplink in the wan zone) and helpers to add rules
// and forwards to it, each value at a distinct line so origins can be told
// apart.
#pragma once

#include <string>

#include "rules/config/model.hpp"

namespace gw::test {

inline config::Loc at(int line) {
    return config::Loc{line, 1};
}

inline config::Name name(std::string s, int line = 0) {
    return config::Name{std::move(s), at(line)};
}

inline config::Located<net::Prefix> prefix(const char* text, int line = 0) {
    return {*net::Prefix::parse(text), at(line)};
}

inline config::PortRange ports(std::uint16_t first, std::uint16_t last, int line = 0) {
    return config::PortRange{first, last, at(line)};
}

// lan (lan0, 172.16.0.0/16) and wan (pppoe uplink "isp" on wan0).
inline config::Config home_config() {
    config::Config c;
    c.file = "test.yaml";
    config::Interface lan;
    lan.name = name("lan", 2);
    lan.device = name("lan0", 3);
    lan.loc = at(2);
    c.interfaces.push_back(lan);
    config::Uplink isp;
    isp.name = name("isp", 5);
    isp.kind = {config::UplinkKind::pppoe, at(6)};
    isp.device = name("wan0", 7);
    isp.loc = at(5);
    c.uplinks.push_back(isp);
    config::Zone zlan;
    zlan.name = name("lan", 10);
    zlan.interfaces = {name("lan", 11)};
    zlan.networks.prefixes = {prefix("172.16.0.0/16", 12)};
    zlan.loc = at(10);
    config::Zone zwan;
    zwan.name = name("wan", 13);
    zwan.uplinks = {name("isp", 14)};
    zwan.loc = at(13);
    c.zones = {zlan, zwan};
    return c;
}

inline config::PortForward forward(std::string fname, config::Proto proto, config::Ports p,
                                   const char* to, int line) {
    config::PortForward f;
    f.name = name(std::move(fname), line);
    f.proto = {proto, at(line)};
    f.ports = std::move(p);
    f.to = {*net::Address::parse(to), at(line)};
    f.loc = at(line);
    return f;
}

inline config::FirewallRule rule(std::string rname, config::Action action, int line) {
    config::FirewallRule r;
    r.name = name(std::move(rname), line);
    r.action = {action, at(line)};
    r.loc = at(line);
    return r;
}

inline config::AddressSet address_set(std::string sname, std::vector<const char*> prefixes,
                                      bool builtin, int line) {
    config::AddressSet s;
    s.name = name(std::move(sname), line);
    for (const auto* p : prefixes) s.elements.push_back(prefix(p, line));
    s.builtin = builtin;
    s.loc = at(line);
    return s;
}

}  // namespace gw::test
