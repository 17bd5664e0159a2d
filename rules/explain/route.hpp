// The routing decision of the kernel, on the compiled netlink state: the
// local table (every address the gateway holds), connected routes of the
// interface addresses, the routes gatewayd installs, and policy rules in
// priority order with the kernel's own rules (local 0, main 32766,
// default 32767) around gatewayd's band. Routes gatewayd does not own are
// not known offline; the walk says so when it finds no route.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rules/netstate/model.hpp"

namespace gw::explain {

struct LocalAddress {
    std::string ifname;
    net::Prefix prefix;  // host address with its prefix length
    config::Loc loc;
};

struct Routing {
    std::vector<LocalAddress> addresses;
    std::vector<netstate::Route> routes;  // connected routes included
    std::vector<netstate::Rule> rules;    // gatewayd's and the kernel's, by priority

    bool is_local(const net::Address& a) const;
    const LocalAddress* local_address(const net::Address& a) const;
    // The address a packet from the gateway leaving by `oif` towards
    // `daddr` carries (what masquerade uses too).
    std::optional<net::Address> source_for(const std::string& oif, const net::Address& daddr) const;
};

// `uplink_addresses`: uplink link -> its addresses (with prefix lengths).
Routing build_routing(const netstate::NetState& state,
                      const std::vector<LocalAddress>& uplink_addresses);

enum class RouteKind { local, unicast, unreachable, none };

struct RouteResult {
    RouteKind kind = RouteKind::none;
    std::string oif;
    std::optional<net::Address> via;
    std::uint32_t table = netstate::kTableMain;
    std::optional<netstate::Rule> rule;    // the policy rule that chose the table
    std::optional<netstate::Route> route;  // the route found
};

struct RouteQuery {
    net::Address daddr;
    std::optional<net::Address> saddr;  // unset for a local socket not bound yet
    std::uint32_t mark = 0;
    std::string iif;                    // "" for locally generated packets
};

RouteResult route_lookup(const Routing& routing, const RouteQuery& q);

std::string describe_rule(const netstate::Rule& rule);
std::string describe_route(const netstate::Route& route);

}  // namespace gw::explain
