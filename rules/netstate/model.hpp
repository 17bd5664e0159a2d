// The netlink side of the state gatewayd wants (or observed): links it
// manages, addresses, routes, policy rules and sysctls, as plain values.
// compile_netstate() builds it from the config, render_netstate() prints it
// in `ip`-like text and diff_netstate() turns desired vs observed into
// operations. Every desired object carries the Loc of the value behind it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/source.hpp"
#include "rules/net/address.hpp"

namespace gw::netstate {

// Kernel routing table numbers with a name in `ip route`.
inline constexpr std::uint32_t kTableDefault = 253;
inline constexpr std::uint32_t kTableMain = 254;
inline constexpr std::uint32_t kTableLocal = 255;

// An ip6tnl link in mode ipip6 (IPv4 in IPv6) with the encapsulation
// limit option off (`encaplimit none`): a MAP-E CE's tunnel to its BR.
// `ipip6_no_encaplimit` is false when the kernel's link is some other
// ip6tnl, so such a link differs from what gatewayd wants.
struct Ip6Tunnel {
    net::Address local;   // the CE's IPv6 address
    net::Address remote;  // the border relay
    bool ipip6_no_encaplimit = true;
    friend bool operator==(const Ip6Tunnel&, const Ip6Tunnel&) = default;
};

// A link whose state gatewayd keeps. Fields left empty are not its business.
struct Link {
    std::string name;                  // kernel link name
    std::string kind;                  // "" = an existing device; "bridge" = created by gatewayd
    std::optional<std::string> master; // bridge to enslave to ("" = none); nullopt = leave as is
    std::optional<std::uint32_t> mtu;  // nullopt = leave as is
    bool up = true;
    // The config lists this link's addresses, so permanent addresses on it
    // that the config does not name are stale and removed. False for ports
    // gatewayd only brings up (a PPPoE uplink's Ethernet device).
    bool manage_addresses = false;
    // gatewayd created it (the IPv6 split's bridge): it carries the alias
    // kLinkAlias (owner.hpp), so a later reconcile that no longer wants it
    // recognises it as its own and deletes it, even after a restart.
    bool owned = false;
    std::optional<Ip6Tunnel> tunnel;  // kind "ip6tnl": its endpoints; nullopt = leave as is
    // Permanent /128 addresses inside these prefixes on this link are
    // gatewayd's (MAP-E CE addresses on a WAN link it does not otherwise
    // manage), so the old one goes when the prefix moves. Not kernel state.
    std::vector<net::Prefix> owned_host_space;
    config::Loc loc;
    // Addresses keepalived adds on the VRRP MASTER and removes again: never
    // stale, whoever holds them (compared by address, any prefix length).
    std::vector<net::Address> vrrp_addresses;
};

// A host address with its prefix length, host bits set ("172.16.2.1/16").
struct Address {
    std::string ifname;
    net::Prefix prefix;
    config::Loc loc;
};

enum class RouteType {
    unicast,     // forward to a gateway or out of a link
    blackhole,   // silently discard
    unreachable, // discard with ICMP unreachable
    prohibit,    // discard with ICMP administratively prohibited
};

struct Route {
    std::uint32_t table = kTableMain;
    net::Prefix destination;            // network (no host bits); length 0 = default
    std::optional<net::Address> gateway;
    std::string ifname;                 // output link; "" = resolved from the gateway
    std::uint32_t metric = 0;           // IPv6: the kernel turns 0 into 1024
    std::uint8_t protocol = 0;          // compile sets kRouteProtocol
    RouteType type = RouteType::unicast;
    config::Loc loc;
    net::Family family() const { return destination.address.family; }
};

enum class RuleAction {
    to_table,    // lookup <table>
    blackhole,   // blackhole
    unreachable, // unreachable
    prohibit,    // prohibit
};

struct Rule {
    net::Family family = net::Family::ipv4;
    std::uint32_t priority = 0;
    std::optional<std::uint32_t> fwmark;
    std::uint32_t fwmask = 0xffffffff;  // meaningful only with fwmark
    std::optional<net::Prefix> from;    // nullopt = from all
    std::string iif;                    // "" = any input link
    std::uint32_t table = 0;            // with RuleAction::to_table
    RuleAction action = RuleAction::to_table;
    // "suppress_prefixlength N": a lookup result with a prefix this short or
    // shorter is ignored (0: the table's default route does not count).
    std::optional<std::uint32_t> suppress_prefixlen;
    config::Loc loc;
};

// One file under /proc/sys, written as a whole.
struct Sysctl {
    std::string path;   // relative to /proc/sys, '/'-separated: "net/ipv4/ip_forward"
    std::string value;  // without the trailing newline
    config::Loc loc;
};

struct NetState {
    std::vector<Link> links;
    std::vector<Address> addresses;
    std::vector<Route> routes;
    std::vector<Rule> rules;
    std::vector<Sysctl> sysctls;

    const Link* find_link(std::string_view name) const;
};

// Identity of each object as the kernel sees it: two objects with equal keys
// occupy the same slot (a change, not an addition). Locs never take part.
struct LinkKey {
    std::string name;
    friend auto operator<=>(const LinkKey&, const LinkKey&) = default;
};
struct AddressKey {
    std::string ifname;
    net::Prefix prefix;
    friend auto operator<=>(const AddressKey&, const AddressKey&) = default;
};
struct RouteKey {
    net::Family family;
    std::uint32_t table;
    net::Prefix destination;
    std::uint32_t metric;
    friend auto operator<=>(const RouteKey&, const RouteKey&) = default;
};
// Rules have no identity beyond their whole content.
struct RuleKey {
    net::Family family;
    std::uint32_t priority;
    std::optional<std::uint32_t> fwmark;
    std::uint32_t fwmask;
    std::optional<net::Prefix> from;
    std::string iif;
    std::uint32_t table;
    RuleAction action;
    std::optional<std::uint32_t> suppress_prefixlen;
    friend auto operator<=>(const RuleKey&, const RuleKey&) = default;
};
struct SysctlKey {
    std::string path;
    friend auto operator<=>(const SysctlKey&, const SysctlKey&) = default;
};

LinkKey key_of(const Link& l);
AddressKey key_of(const Address& a);
RouteKey key_of(const Route& r);
RuleKey key_of(const Rule& r);
SysctlKey key_of(const Sysctl& s);

// Equal content apart from Locs (for links: every field, optional or not).
bool same(const Link& a, const Link& b);
bool same(const Address& a, const Address& b);
bool same(const Route& a, const Route& b);
bool same(const Rule& a, const Rule& b);
bool same(const Sysctl& a, const Sysctl& b);

}  // namespace gw::netstate
