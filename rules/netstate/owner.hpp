// How gatewayd recognises the kernel objects that are its own, so that it
// removes stale ones and never touches anyone else's: a route protocol
// number, a band of rule priorities, the links the config names, and the
// per-uplink routing tables. Pure predicates shared by diff, the real
// kernel backend and the in-memory one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "rules/config/model.hpp"
#include "rules/netstate/model.hpp"

namespace gw::netstate {

// Route protocol (rtm_protocol) of every route gatewayd installs. 157 is not
// assigned in /etc/iproute2/rt_protos nor used by any routing daemon we know
// of (bird uses 12, FRR 186 and up), so `ip route` shows such routes as
// `proto 157` and a dump can tell them from static, kernel, RA or DHCP ones.
inline constexpr std::uint8_t kRouteProtocol = 157;

// Policy rules gatewayd installs live in this priority band: above the
// kernel's own rules (0 local, 32766 main, 32767 default) and well away from
// the low numbers people pick by hand, so "in the band" means "ours".
inline constexpr std::uint32_t kRulePriorityFirst = 10000;
inline constexpr std::uint32_t kRulePriorityLast = 10999;

// The alias (IFLA_IFALIAS, `ip link show` prints it) of links gatewayd
// creates: a link with it and no longer wanted is deleted.
inline constexpr std::string_view kLinkAlias = "gatewayd";

// Uplinks without an explicit `table` get the lowest free table from here.
inline constexpr std::uint32_t kUplinkTableFirst = 1000;

// Where each kind of policy rule sits in the band; earlier wins. Connected
// and LAN routes first (main without its default), then connection marks
// (reply via ingress beats a pin), the uplinks' own addresses, and the pins
// with their fallback rules, two priorities per pin in config order.
inline constexpr std::uint32_t kRulePrioritySuppress = 10000;
inline constexpr std::uint32_t kRulePriorityMarks = 10100;
inline constexpr std::uint32_t kRulePriorityAddresses = 10200;
inline constexpr std::uint32_t kRulePriorityPins = 10500;

inline constexpr std::size_t kMaxPins = (kRulePriorityLast + 1 - kRulePriorityPins) / 2;
static_assert(kMaxPins == 250, "parse_routing.cpp refuses more than 250 pins");

// Uplink name -> routing table: the explicit `table`, else allocated in
// config order from kUplinkTableFirst, skipping tables named explicitly.
std::map<std::string, std::uint32_t, std::less<>> uplink_tables(const config::Config& cfg);

bool is_owned_route(const Route& r);
bool is_owned_rule(const Rule& r);
// An observed address gatewayd may remove: on a link whose addresses the
// scope manages (not a VRRP virtual address: keepalived's), or a /128 in
// the link's owned_host_space (a MAP-E CE address), and never an IPv6
// link-local (the kernel's own, needed by ND).
bool is_owned_address(const Address& a, const NetState& scope);
bool is_ipv6_link_local(const net::Prefix& p);

// What observation keeps of a full kernel view: the scope's links, the owned
// addresses, routes and rules, and the sysctls the scope names. Links come
// back with every field filled; diff_netstate() compares only the fields the
// desired link sets.
NetState restrict_to_scope(const NetState& kernel, const NetState& scope);

}  // namespace gw::netstate
