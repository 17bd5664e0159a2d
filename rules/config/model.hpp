// The typed, validated gateway.yaml: what the operator asked for, with the
// file position of every value. Built only by parse_config(); a Config that
// exists has passed every check that needs no kernel. YAML keys are given
// in comments where they differ from the member name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/source.hpp"
#include "rules/net/address.hpp"

namespace gw::config {

using Name = Located<std::string>;
using Names = std::vector<Name>;

enum class Family {
    any,   // both IPv4 and IPv6 (default)
    ipv4,  // "ipv4"
    ipv6,  // "ipv6"
};

enum class Proto {
    any,     // no protocol match
    tcp,     // "tcp"
    udp,     // "udp"
    tcp_udp, // "both": tcp and udp
    icmp,    // "icmp" (IPv4)
    icmpv6,  // "icmpv6"
};

// One entry of a port list: "443", 443, or "8000-8100".
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    Loc loc;
    bool single() const { return first == last; }
    friend bool operator==(const PortRange&, const PortRange&) = default;
};
using Ports = std::vector<PortRange>;

// An address list as written: literal prefixes and names of `sets`
// (user-defined or built-in). Empty means "any address".
struct AddressMatch {
    std::vector<Located<net::Prefix>> prefixes;
    Names sets;
    bool empty() const { return prefixes.empty() && sets.empty(); }
};

// ---- interfaces ----------------------------------------------------------

struct StaticRoute {
    Located<net::Prefix> to;
    std::optional<Located<net::Address>> via;
    std::optional<Located<std::uint32_t>> metric;
    Loc loc;
};

// ---- routed IPv6 on a LAN interface ---------------------------------------

// Router advertisements gatewayd sends on a LAN interface (radvd).
struct RouterAdverts {
    Located<bool> enabled{true};
    std::optional<Located<std::uint32_t>> mtu;         // the MTU option; none = not sent
    std::vector<Located<net::Address>> rdnss;          // none = the DNS servers learned with the prefix
    Located<std::uint32_t> max_interval{600};          // "max-interval": seconds between unsolicited RAs
    Loc loc;
};

// An inbound pinhole toward one LAN host: by its full address, or by its
// interface ID (the low 64 bits) under whatever prefix the LAN has now, so
// it keeps working when the ISP delegates another prefix.
struct Pinhole {
    Name name;
    std::optional<Located<net::Address>> interface_id;  // "interface-id": "::1234"
    std::optional<Located<net::Address>> address;       // "address": the host's whole address
    Located<Proto> proto{Proto::tcp};                   // tcp, udp or both
    Ports ports;                                        // "port" / "ports"
    AddressMatch sources;                               // "from": allowed sources; empty = anyone
    Loc loc;
};

// `ipv6:` on an interface: a /64 out of an uplink's delegated prefix,
// announced by RA, and the pinholes toward its hosts.
struct LanIpv6 {
    Name from;                          // "delegate.from": an uplink with dhcpv6-pd
    Located<std::uint32_t> subnet_id{0};  // "delegate.subnet-id": which /64 of the delegation
    RouterAdverts ra;                   // "router-advertisements"
    std::vector<Pinhole> inbound;       // "allow-inbound"
    Loc loc;
};

struct Interface {
    Name name;                                   // the map key
    Name device;                                 // kernel link name; defaults to the key
    std::vector<Located<net::Prefix>> addresses; // host addresses with prefix length
    std::optional<Located<std::uint32_t>> mtu;
    std::vector<StaticRoute> routes;
    // false: the link is kept down (set down, and its static routes left
    // out) until the file says otherwise; its addresses stay listed
    Located<bool> enabled{true};
    std::optional<LanIpv6> ipv6;  // routed IPv6 from a delegated prefix
    Loc loc;
    // The kernel link: `device`, or the key when none is given.
    const std::string& link_name() const { return device->empty() ? *name : *device; }
};

// ---- uplinks ---------------------------------------------------------------

// What each kind means to the parser, the compilers, the supervisor and
// status is its entry in uplink_kinds.cpp, in this order.
enum class UplinkKind {
    pppoe,    // "pppoe": pppd with the kernel PPPoE plugin on `device`
    next_hop, // "next-hop": an Ethernet router at `gateway`
    map_e,    // "map-e": IPv4 in IPv6 (ip6tnl ipip6) to a MAP-E border relay, over `device`'s IPv6
};

// The basic mapping rule of a map-e uplink (RFC 7597 section 5), as written.
struct MapRuleSpec {
    Located<net::Prefix> ipv6_prefix;                   // "ipv6-prefix": rule IPv6 prefix
    Located<net::Prefix> ipv4_prefix;                   // "ipv4-prefix": rule IPv4 prefix
    Located<std::uint32_t> ea_bits{0};                  // "ea-bits": EA-bits length
    Located<std::uint32_t> psid_offset{6};              // "psid-offset" (RFC 7597 default 6)
    std::optional<Located<std::uint32_t>> psid_length;  // "psid-length": must match the rule
    Loc loc;
};

// What a map-e uplink adds to an uplink.
struct MapE {
    std::optional<Located<std::string>> profile;  // "profile": v6plus, ocn-vc, ipv6-option
    Located<net::Address> br;                     // "br": border relay (IPv6); a profile fills it
    MapRuleSpec rule;                             // "rule"
    Located<bool> legacy{false};                  // "legacy": draft-03 interface ID (v6plus)
    std::optional<Located<net::Prefix>> end_user_prefix;  // "end-user-prefix": fixed, not learned
};

struct LcpEcho {
    Located<std::uint32_t> interval{20};  // seconds between LCP echo requests
    Located<std::uint32_t> failures{3};   // missed echoes before the link is dead
};

// How an uplink takes IPv6.
enum class UplinkIpv6 {
    off,      // "false": no IPv6 on the uplink (pppoe's default: pppd runs without IPv6CP)
    ra,       // "true" / "ra": router advertisements on its link (accept_ra=2); next-hop's default
    static_,  // "static": only the addresses `interfaces` puts on its device and `gateway6`
};

// `dhcpv6-pd:` on an uplink: a DHCPv6 client asks the ISP for a prefix.
struct PrefixDelegation {
    Located<std::uint32_t> size_hint{56};  // "size-hint": the prefix length asked for
    Loc loc;
};

struct Hooks {
    std::optional<Located<std::string>> on_up;    // "on-up": a command line
    std::optional<Located<std::string>> on_down;  // "on-down"
    Located<std::uint32_t> timeout{30};           // "hook-timeout": seconds
};

struct Uplink {
    Name name;
    Located<UplinkKind> kind;
    Name device;  // PPPoE: the Ethernet port; next-hop: the link towards the router

    // pppoe only
    std::optional<Located<std::string>> username;
    std::optional<Located<std::string>> password_file;  // "password-file"; 0600, never inline
    std::optional<Located<std::string>> service;        // PPPoE service name
    std::optional<Located<std::string>> ac_name;        // "ac-name"
    LcpEcho lcp_echo;                                   // "lcp-echo"

    // next-hop only
    std::optional<Located<net::Address>> gateway;   // IPv4 router address
    std::optional<Located<net::Address>> gateway6;  // "gateway6": IPv6 router (optional)

    // map-e only; `device` is the IPv6 uplink link whose prefix holds the end-user prefix
    std::optional<MapE> map_e;

    std::optional<Located<std::uint32_t>> mtu;  // pppoe default 1454, map-e 1460 (the tunnel's)
    Located<UplinkIpv6> ipv6{UplinkIpv6::off};    // pppoe: IPv6CP; others: ra or static
    std::optional<PrefixDelegation> dhcpv6_pd;    // "dhcpv6-pd"
    Located<bool> default_route{false};         // "default-route"
    Located<std::uint32_t> metric{0};
    std::optional<Located<std::uint32_t>> table;  // routing table; allocated when absent
    Located<bool> use_dns{true};                  // "use-dns": take DNS servers from the peer
    std::optional<Located<std::string>> resolv_conf;  // "resolv-conf": file to write them to
    Hooks hooks;
    // false: no session (a PPPoE pppd is stopped), no routes, and its device
    // kept down unless an enabled section of the file needs it up
    Located<bool> enabled{true};
    Loc loc;

    // Enabled and asking for a delegated prefix: gatewayd runs a DHCPv6
    // client on it and lets its answers in.
    bool asks_for_prefix() const { return dhcpv6_pd && *enabled; }
};

// ---- zones and sets --------------------------------------------------------

struct Zone {
    Name name;
    Names interfaces;       // names of `interfaces` entries
    Names uplinks;          // names of `uplinks` entries
    AddressMatch networks;  // the addresses that live behind this zone
    // "fast-path": overrides firewall.fast-path for the zone's links; false
    // keeps every connection that enters or leaves by them out of the
    // flowtable, true offloads them with the global switch off.
    std::optional<Located<bool>> fast_path;
    Loc loc;
};

struct AddressSet {
    Name name;
    std::vector<Located<net::Prefix>> elements;
    bool builtin = false;  // rfc1918, loopback, link-local, ula, documentation
    Loc loc;
};

// ---- nat -------------------------------------------------------------------

// One entry of `masquerade` or `snat`: the same selection of traffic; a
// masquerade takes the outgoing link's address, an snat entry the fixed
// `address` (set for snat entries only).
struct Masquerade {
    Names from_zones;          // "from": zone names ...
    AddressMatch from;         // ... and/or networks and sets
    Names to;                  // "to": zone or uplink names
    std::optional<Located<net::Address>> address;  // snat: the IPv4 source to write
    Loc loc;
};

struct PortForward {
    Name name;
    Located<Proto> proto{Proto::tcp};  // tcp, udp or both
    Ports ports;                       // "port" (one) or "ports" (list)
    Located<net::Address> to;          // "to": "172.16.1.100" or "172.16.1.100:8443"
    std::optional<Located<std::uint16_t>> to_port;  // only with a single port
    AddressMatch sources;  // "from": allowed sources; empty = anyone
    Names uplinks;         // "uplink": one name or a list; empty = every uplink
    // "destination": the public addresses it answers on (a routed subnet);
    // empty = its uplinks' own current addresses
    AddressMatch destinations;
    Loc loc;
};

struct Nat {
    std::vector<Masquerade> masquerade;
    std::vector<Masquerade> snat;      // source NAT to a fixed address
    std::vector<PortForward> forwards;
    Located<bool> hairpin{true};
    Located<bool> mss_clamp{true};  // "mss-clamp"
};

// ---- firewall --------------------------------------------------------------

enum class Action {
    allow,   // accept
    deny,    // drop silently
    reject,  // tcp reset / ICMP administratively prohibited
};

enum class Policy {
    accept,  // "accept"
    drop,    // "drop"
};

struct LogSpec {
    Located<bool> enabled{true};
    Located<std::string> prefix;             // default "gw-<chain>-drop: "
    Located<std::uint32_t> rate{5};          // messages ...
    Located<std::string> per{"minute"};      // ... per second|minute|hour|day
    Located<std::uint32_t> burst{10};
};

struct FirewallRule {
    Name name;                     // optional; shown in status and counters
    Located<Action> action;
    Names from;                    // zones the packet comes from (iif)
    Names to;                      // zones the packet goes to (oif)
    AddressMatch source;
    AddressMatch destination;
    Located<Proto> proto{Proto::any};
    Ports ports;                   // destination ports; needs tcp, udp or both
    Names icmp_types;              // "icmp-types": e.g. echo-request
    Located<Family> family{Family::any};
    Located<bool> log{false};
    Loc loc;
};

enum class ChainKind { input, forward, output };

struct ChainSpec {
    ChainKind kind = ChainKind::input;
    Located<Policy> policy;   // input/forward default drop, output default accept
    LogSpec log;              // logging of what the policy drops
    std::vector<FirewallRule> rules;
    Loc loc;
};

struct Firewall {
    ChainSpec input{ChainKind::input, {Policy::drop}, {}, {}, {}};
    ChainSpec forward{ChainKind::forward, {Policy::drop}, {}, {}, {}};
    ChainSpec output{ChainKind::output, {Policy::accept}, {}, {}, {}};
    Located<bool> icmp_echo{true};  // "icmp-echo": answer/forward ping
    Located<bool> fast_path{false}; // "fast-path": flowtable offload of established forwarded flows
};

// ---- ipv6 bridge-router split ----------------------------------------------

enum class SplitFallback {
    refuse,      // "refuse": no broute support -> configuration error (default)
    l3_on_bridge // "l3-on-bridge": routed traffic uses the bridge device itself
};

struct BridgeSplit {
    Name bridge;                                // bridge link gatewayd creates
    Names inside;                               // LAN port(s)
    Name outside;                               // WAN port
    Located<std::uint32_t> inside_mark{0x600};  // "marks.inside"
    Located<std::uint32_t> outside_mark{0x601}; // "marks.outside"
    std::vector<FirewallRule> inbound;          // "allow-inbound": allows toward the LAN
    Located<bool> icmpv6_echo{true};            // "icmpv6-echo"
    Located<SplitFallback> fallback{SplitFallback::refuse};
    Loc loc;
};

struct Ipv6 {
    std::optional<BridgeSplit> bridge_split;  // "bridge-split"
};

// ---- egress owner rules ----------------------------------------------------

enum class EgressAction { reject, drop };

struct EgressRule {
    Name name;
    Located<Proto> proto{Proto::tcp};
    Ports ports;
    AddressMatch destination;
    Located<Family> family{Family::any};
    Names users;   // allowed users (names; resolved to uids when applied)
    Names groups;  // allowed groups
    Names deny_users;   // "deny-users": refused users; everyone else may connect
    Names deny_groups;  // "deny-groups": refused groups
    Located<EgressAction> action{EgressAction::reject};
    Loc loc;
    // The deny form names who is refused; the allow form (users/groups)
    // who is not. Parsing guarantees a rule has exactly one of the two.
    bool deny_form() const { return !deny_users.empty() || !deny_groups.empty(); }
};

// ---- routing ---------------------------------------------------------------

enum class PinFallback {
    default_route, // "default": use the default uplink while the pinned one is down
    drop,          // "drop": no traffic leaves while the pinned uplink is down
};

struct Pin {
    AddressMatch from;   // source networks/hosts/sets
    Names zones;         // "zone"/"zones": source zones
    Name uplink;
    Located<PinFallback> fallback{PinFallback::default_route};
    Loc loc;
};

struct Routing {
    std::optional<Name> default_uplink;        // "default"
    Located<bool> reply_via_ingress{true};     // "reply-via-ingress"
    std::vector<Pin> pins;                     // "pin"
};

// ---- ha: a VRRP pair (keepalived) with state sync (conntrackd) -------------

// VRRP's simple password authentication carries 8 octets.
inline constexpr std::size_t kVrrpPasswordMax = 8;

struct VrrpInstance {
    Name name;                                      // the map key; keepalived's vrrp_instance name
    Name interface;                                 // an `interfaces` entry: where adverts go
    Located<std::uint32_t> vrid{0};                 // virtual router id, 1-255
    Located<std::uint32_t> priority{100};           // 1-254; the higher one is MASTER
    Located<std::uint32_t> advert_interval{1};      // "advert-interval": seconds
    std::vector<Located<net::Prefix>> virtual_addresses;  // "virtual-addresses": held by the MASTER
    std::optional<Located<std::string>> auth_secret_file; // "auth-secret-file": 0600, never printed
    Names track_links;                              // "track-links": interfaces or uplinks; down -> FAULT
    Located<bool> preempt{true};                    // a higher priority takes over again when back
    Loc loc;
    // Every virtual address has this family (validated).
    net::Family family() const;
};

// conntrackd's FTFW link: flows are copied to the peer over it.
struct HaSync {
    Name interface;                    // an `interfaces` entry with an IPv4 address
    Located<net::Address> peer;        // the other gateway's address on that link
    Loc loc;
};

struct Ha {
    std::vector<VrrpInstance> instances;
    Names only_on_master;                                        // "only-on-master": uplink names
    std::optional<HaSync> sync;
    Located<std::string> keepalived{"/usr/sbin/keepalived"};     // the binary gatewayd runs
    Located<std::string> conntrackd{"/usr/sbin/conntrackd"};
    Loc loc;
    bool follows_role(std::string_view uplink) const;
};

// ---- the whole file ----------------------------------------------------------

struct Config {
    std::string file;             // path as given, for diagnostics
    Located<std::uint32_t> version{1};
    std::vector<Interface> interfaces;
    std::vector<Uplink> uplinks;
    std::vector<Zone> zones;
    std::vector<AddressSet> sets;  // user sets followed by the built-ins
    Nat nat;
    Firewall firewall;
    Ipv6 ipv6;
    std::vector<EgressRule> egress;
    Routing routing;
    std::optional<Ha> ha;

    const Interface* find_interface(std::string_view name) const;
    const Uplink* find_uplink(std::string_view name) const;
    const Zone* find_zone(std::string_view name) const;
    const AddressSet* find_set(std::string_view name) const;

    // What an address list stands for in `family`: its literal prefixes,
    // then the elements of its named sets, as written (host bits kept,
    // config order, duplicates possible). The compilers merge or dedupe.
    std::vector<net::Prefix> prefixes_of(const AddressMatch& match, net::Family family) const;
    // The addresses behind a zone in `family`: its `networks`, then the
    // addresses of its interfaces, as prefixes_of() gives them.
    std::vector<net::Prefix> zone_prefixes(const Zone& zone, net::Family family) const;
    // Where the fast path is turned on: firewall.fast-path, else the first
    // zone with `fast-path: true`; nullopt when nothing turns it on.
    std::optional<Loc> fast_path_switch() const;
};

}  // namespace gw::config
