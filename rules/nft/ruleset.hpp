// The nftables state gatewayd wants (or observed): tables it owns, their
// chains, named sets/maps and rules, as plain values. compile_ruleset()
// builds it from the config, render_ruleset() prints it as nft text, and the
// kernel layer encodes/decodes it to/from libnftnl objects. Only the closed
// set of matches and statements below exists; what the kernel holds beyond
// them decodes to Opaque, which never equals anything gatewayd wants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rules/config/source.hpp"
#include "rules/net/address.hpp"

namespace gw::nft {

enum class TableFamily { inet, ip, ip6, bridge };

// What a rule matches on, a set is keyed by, or a map yields. Each key has
// one nft spelling, one data type and one kernel encoding (see keys.hpp).
enum class Key {
    meta_iifname,   // meta iifname (string, IFNAMSIZ)
    meta_oifname,   // meta oifname
    meta_nfproto,   // meta nfproto ipv4|ipv6
    meta_l4proto,   // meta l4proto tcp|udp|icmp|ipv6-icmp
    meta_mark,      // meta mark
    meta_skuid,     // meta skuid (socket owner uid, output hook)
    meta_skgid,     // meta skgid
    ip_saddr,       // ip saddr
    ip_daddr,       // ip daddr
    ip6_saddr,      // ip6 saddr
    ip6_daddr,      // ip6 daddr
    th_sport,       // th sport (tcp/udp source port)
    th_dport,       // th dport
    icmp_type,      // icmp type
    icmpv6_type,    // icmpv6 type
    ct_state,       // ct state (bitmask: invalid, established, related, new)
    ct_status,      // ct status (bitmask: dnat, snat, ...)
    ct_mark,        // ct mark
    ether_type,     // ether type (bridge family)
    fib_daddr_type, // fib daddr type (local, ...)
    tcp_flags,      // tcp flags (bitmask)
    numgen_inc,     // numgen inc mod N: a counter per evaluation (N is the map's or statement's `modulus`)
};

struct IntRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    friend bool operator==(const IntRange&, const IntRange&) = default;
};

// One operand: an integer (port, mark, uid, protocol number, bits), a
// string (interface name), an address/prefix, or an integer range.
using Value = std::variant<std::uint64_t, std::string, net::Prefix, IntRange>;

// ---- matches -------------------------------------------------------------

// key == value / key != value; a Prefix value matches the network, an
// IntRange value is an inclusive range.
struct Cmp {
    Key key;
    Value value;
    bool negate = false;
    friend bool operator==(const Cmp&, const Cmp&) = default;
};

// key & bits != 0: "ct state established,related", "tcp flags syn".
struct AnyBits {
    Key key;
    std::uint64_t bits = 0;
    friend bool operator==(const AnyBits&, const AnyBits&) = default;
};

// key & mask == value for an address: "ip6 daddr & ::ffff:ffff:ffff:ffff ==
// ::1234", a host by its interface ID under whatever prefix it has now.
// (A contiguous mask is a prefix: that is Cmp with a net::Prefix.)
struct MaskedCmp {
    Key key;
    net::Address mask;
    net::Address value;  // already masked
    friend bool operator==(const MaskedCmp&, const MaskedCmp&) = default;
};

struct Element;

// keys (one, or a concatenation "a . b") looked up in a named set
// ("@name") or an anonymous inline set ("{ a, b }"). When the named set is a
// verdict map (Set::verdict_map) the lookup is its verdict: "keys vmap @name";
// inline elements that carry verdicts make "keys vmap { k : accept, ... }".
struct Lookup {
    std::vector<Key> keys;
    std::string set;                  // named set; empty when inline
    std::vector<Element> inline_set;  // anonymous set elements
    bool negate = false;
    friend bool operator==(const Lookup&, const Lookup&);
};

// ---- statements ------------------------------------------------------------

struct Counter {
    std::uint64_t packets = 0;  // observed values; never part of equality
    std::uint64_t bytes = 0;
    friend bool operator==(const Counter&, const Counter&) { return true; }
};

// With a group the packet goes to that NFLOG group (a listener reads it
// over nfnetlink_log), without one to the kernel ring.
struct Log {
    std::string prefix;
    std::optional<std::uint16_t> group;
    friend bool operator==(const Log&, const Log&) = default;
};

enum class RateUnit { second, minute, hour, day };

struct Limit {
    std::uint64_t rate = 0;
    RateUnit per = RateUnit::second;
    std::uint32_t burst = 0;
    friend bool operator==(const Limit&, const Limit&) = default;
};

enum class VerdictKind { accept, drop, jump, goto_, return_, continue_ };

struct Verdict {
    VerdictKind kind = VerdictKind::accept;
    std::string chain;  // jump/goto target
    friend bool operator==(const Verdict&, const Verdict&) = default;
};

enum class RejectKind {
    tcp_reset,         // "reject with tcp reset"
    admin_prohibited,  // "reject with icmpx admin-prohibited"
    port_unreachable,  // "reject" (icmpx port-unreachable)
};

struct Reject {
    RejectKind kind = RejectKind::admin_prohibited;
    friend bool operator==(const Reject&, const Reject&) = default;
};

enum class NatKind { dnat, snat, masquerade };

// dnat/snat to a fixed address[:port], or to what a map yields for keys:
// "dnat ip to meta l4proto . th dport map @fwd4" (map data addr . port).
struct Nat {
    NatKind kind = NatKind::masquerade;
    net::Family family = net::Family::ipv4;
    std::optional<net::Address> address;
    std::optional<std::uint16_t> port;
    std::vector<Key> map_keys;  // non-empty: address (and port) come from map_name
    std::string map_name;
    bool map_has_port = false;  // map data is "addr . port" rather than "addr"
    std::uint32_t modulus = 0;  // map_keys {numgen_inc}: "numgen inc mod <modulus>"
    friend bool operator==(const Nat&, const Nat&) = default;
};

enum class SetTarget {
    meta_mark,    // meta mark set ...
    ct_mark,      // ct mark set ...
    meta_broute,  // meta broute set 1 (bridge prerouting; Linux >= 6.4)
};

// target set to a constant, or copied from another key ("meta mark set ct mark").
struct SetMeta {
    SetTarget target = SetTarget::meta_mark;
    std::optional<std::uint32_t> value;
    std::optional<Key> from;
    friend bool operator==(const SetMeta&, const SetMeta&) = default;
};

// tcp option maxseg size set rt mtu
struct MssClamp {
    friend bool operator==(const MssClamp&, const MssClamp&) = default;
};

// flow add @name: hands the packet's connection to the flowtable, whose
// ingress hook then forwards the flow's later packets past the chains.
struct FlowOffload {
    std::string flowtable;
    friend bool operator==(const FlowOffload&, const FlowOffload&) = default;
};

// Something found in the kernel that this model cannot express; rendered as
// a comment so the operator sees it, never equal to a wanted statement.
struct Opaque {
    std::string description;
    friend bool operator==(const Opaque&, const Opaque&) { return false; }
};

using Stmt = std::variant<Cmp, AnyBits, MaskedCmp, Lookup, Counter, Log, Limit, Verdict, Reject, Nat,
                          SetMeta, MssClamp, FlowOffload, Opaque>;

struct Rule {
    std::vector<Stmt> stmts;
    std::string comment;    // shown in listings; names the config rule/forward
    config::Loc origin;     // config line that produced it (not compared)
    friend bool operator==(const Rule& a, const Rule& b) {
        return a.stmts == b.stmts && a.comment == b.comment;
    }
};

// ---- chains, sets, tables --------------------------------------------------

enum class ChainType { filter, nat, route };
enum class Hook { prerouting, input, forward, output, postrouting };
enum class ChainPolicy { accept, drop };

struct BaseChain {
    ChainType type = ChainType::filter;
    Hook hook = Hook::input;
    int priority = 0;
    ChainPolicy policy = ChainPolicy::accept;
    friend bool operator==(const BaseChain&, const BaseChain&) = default;
};

struct Chain {
    std::string name;
    std::optional<BaseChain> base;  // absent: a regular chain (jump target)
    std::vector<Rule> rules;
    config::Loc origin;
    friend bool operator==(const Chain& a, const Chain& b) {
        return a.name == b.name && a.base == b.base && a.rules == b.rules;
    }
};

struct Element {
    std::vector<Value> key;     // one value per key part
    std::vector<Value> data;    // maps: one value per data part
    std::optional<Verdict> verdict;  // verdict maps
    Counter counter;            // per-element counter when the set has `counter`
    std::string comment;
    config::Loc origin;
    friend bool operator==(const Element& a, const Element& b) {
        return a.key == b.key && a.data == b.data && a.verdict == b.verdict &&
               a.comment == b.comment;
    }
};

inline bool operator==(const Lookup& a, const Lookup& b) {
    return a.keys == b.keys && a.set == b.set && a.inline_set == b.inline_set &&
           a.negate == b.negate;
}

struct Set {
    std::string name;
    std::vector<Key> key;        // element type: one key or a concatenation
    std::vector<Key> data;       // maps: data type (e.g. ip_daddr, th_dport); empty for sets
    bool verdict_map = false;    // data is a verdict
    bool interval = false;       // elements may be prefixes/ranges
    bool counter = false;        // each element carries a counter
    std::vector<Element> elements;
    std::string comment;
    config::Loc origin;
    std::uint32_t modulus = 0;   // key {numgen_inc}: "typeof numgen inc mod <modulus>"
    friend bool operator==(const Set& a, const Set& b) {
        return a.name == b.name && a.key == b.key && a.data == b.data &&
               a.verdict_map == b.verdict_map && a.interval == b.interval &&
               a.counter == b.counter && a.modulus == b.modulus && a.elements == b.elements &&
               a.comment == b.comment;
    }
};

// A flowtable: "hook ingress priority P; devices = { ... }". Devices are
// kept sorted (the kernel's listing order means nothing) and are only links
// that exist, since the kernel refuses a flowtable on a missing device.
struct Flowtable {
    std::string name;
    int priority = 0;
    std::vector<std::string> devices;
    config::Loc origin;
    friend bool operator==(const Flowtable& a, const Flowtable& b) {
        return a.name == b.name && a.priority == b.priority && a.devices == b.devices;
    }
};

struct Table {
    TableFamily family = TableFamily::inet;
    std::string name;
    std::vector<Set> sets;      // declared before chains that use them
    std::vector<Chain> chains;
    std::vector<Flowtable> flowtables;  // sent before the rules that use them
    friend bool operator==(const Table&, const Table&) = default;
};

// The tables gatewayd owns, and nothing else.
struct Ruleset {
    std::vector<Table> tables;
    friend bool operator==(const Ruleset&, const Ruleset&) = default;
};

inline constexpr const char* kTableName = "gatewayd";

}  // namespace gw::nft
