// NetState as `ip`-like text, one object a line, in a fixed order (links,
// addresses, routes, rules, sysctls; each sorted by its kernel identity), so
// the same state always prints the same and golden files stay stable.
#pragma once

#include <cstdint>
#include <string>

#include "rules/netstate/model.hpp"

namespace gw::netstate {

std::string render_link(const Link& l);          // "link lan0 mtu 1500 up"
std::string render_address(const Address& a);    // "address 172.16.2.1/16 dev lan0"
std::string render_route(const Route& r);        // "route default via 192.168.1.1 dev v6p0 table main metric 100 proto 157"
std::string render_rule(const Rule& r);          // "rule pref 10000 from all fwmark 0x1/0xff lookup 1000"
std::string render_sysctl(const Sysctl& s);      // "sysctl net.ipv4.ip_forward = 1"
std::string render_table(std::uint32_t table);   // "main", "local", "default" or the number
// "net/ipv4/conf/eth0.5/rp_filter" -> "net.ipv4.conf.eth0/5.rp_filter", as sysctl(8) spells it.
std::string sysctl_dotted(const std::string& path);

// Every object, one line each, each line ending in '\n'.
std::string render_netstate(const NetState& s);

}  // namespace gw::netstate
