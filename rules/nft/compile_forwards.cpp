// nat.forwards -> maps, so a packet costs one lookup per map however many
// forwards exist:
//   fwd4            tcp . 8443 : 172.16.1.100 . 443   single ports (translated or not)
//   fwd4_range_tcp  8000-8100 : 172.16.1.101          ranges, port kept; one map per protocol
// one DNAT rule per map for traffic in on the uplinks to their own current
// addresses (the uplink address sets, which follow reconnects by element
// updates), and with hairpin one per inside zone for traffic to the same
// addresses. A packet in on an uplink to any other address (a LAN host's
// private one, routed to the gateway by a neighbour on the ISP side) is not
// forwarded. Forwards limited to some uplinks get maps of their own
// ("fwd4_via_isp"), as do forwards that name their public addresses
// (`destination`, a routed subnet: "fwd4_to_<first forward's name>"), looked
// up first. The forward chain then accepts DNATed connections whose
// "server . proto . port" is in fwd4_allow (single ports of forwards open to
// anyone) or whose "source . server . port" is in fwd4_src_allow_<proto>
// (forwards with `from`, and port ranges with 0.0.0.0/0 as source): after
// the config's own forward rules, so an explicit deny still wins, and a
// forward's `from` is enforced where the packet is filtered. Maps and allow
// sets count per element (comment = forward name): map elements count
// connections per forward, allow-set elements the connections admitted.
//
// No interval map or set here has `meta l4proto` in a concatenated key:
// Debian 12's kernel (6.12.117, measured under the vm tier) refuses any
// rule that looks up a concatenated interval set or map with a 1-byte meta
// key in it ("Operation not supported"), and with it the whole batch. Hash
// maps keyed `meta l4proto . th dport`, and interval ones keyed by addresses
// and ports only, load there; so ranges get a map per protocol and the rule
// matches the protocol.
#include <algorithm>
#include <map>

#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::IntRange;
using nft::Key;

namespace {

struct Group {
    std::vector<std::string> uplinks;      // empty: every uplink
    std::vector<net::Prefix> destinations; // empty: the uplinks' own addresses
    std::vector<const config::PortForward*> forwards;
};

std::vector<std::string> sorted_uplinks(const config::PortForward& fwd) {
    std::vector<std::string> out;
    for (const auto& u : fwd.uplinks) out.push_back(*u);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// Forwards with their own public addresses come first, then those limited
// to uplinks: their maps are more specific.
std::vector<Group> forward_groups(const config::Config& cfg) {
    std::vector<Group> groups;
    for (const auto& fwd : cfg.nat.forwards) {
        auto uplinks = sorted_uplinks(fwd);
        auto destinations = merge_prefixes(cfg.prefixes_of(fwd.destinations, net::Family::ipv4));
        auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
            return g.uplinks == uplinks && g.destinations == destinations;
        });
        if (it == groups.end()) it = groups.insert(groups.end(), Group{uplinks, destinations, {}});
        it->forwards.push_back(&fwd);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
        if (a.destinations.empty() != b.destinations.empty()) return b.destinations.empty();
        if (a.uplinks.empty() != b.uplinks.empty()) return b.uplinks.empty();
        return a.uplinks < b.uplinks;
    });
    return groups;
}

std::string fam_tag(net::Family f) {
    return f == net::Family::ipv4 ? "4" : "6";
}

// "" for every uplink, "_via_isp" or "_via_a.b" for some: "." cannot occur
// in a config name, so two groups never share a map name. A group with its
// own public addresses is named after its first forward ("_to_web"), a
// name no other group has.
std::string group_suffix(const Group& g) {
    std::string s;
    if (!g.destinations.empty()) s = "_to_" + *g.forwards.front()->name;
    for (const auto& u : g.uplinks) s += (s.find("_via_") == std::string::npos ? "_via_" : ".") + u;
    return s;
}

nft::Value host(const net::Address& a) {
    return net::Prefix{a, a.bits()};
}

Key daddr_key(net::Family f) {
    return f == net::Family::ipv4 ? Key::ip_daddr : Key::ip6_daddr;
}

// "tcp", "udp": the part of a per-protocol map or set name.
std::string proto_name(std::uint64_t proto) {
    auto name = nft::value_symbol(Key::meta_l4proto, proto);
    return name ? std::string(*name) : std::to_string(proto);
}

// The rule's protocol match for a per-protocol map or set.
nft::Stmt l4proto_is(std::uint64_t proto) {
    return cmp(Key::meta_l4proto, proto);
}

nft::Set forward_map(std::string name, std::vector<Key> key, std::vector<Key> data, config::Loc origin) {
    nft::Set m;
    m.name = std::move(name);
    m.key = std::move(key);
    m.data = std::move(data);
    m.counter = true;
    m.origin = origin;
    return m;
}

// A group's maps in one family: single ports in a hash map keyed
// "proto . port"; port ranges in interval maps keyed by port, one per
// protocol (created on first use).
struct GroupMaps {
    net::Family family;
    std::string suffix;  // group_suffix()
    config::Loc origin;
    nft::Set single;
    std::map<std::uint64_t, nft::Set> ranges;  // by meta l4proto

    GroupMaps(net::Family f, std::string sfx, config::Loc loc)
        : family(f), suffix(std::move(sfx)), origin(loc),
          single(forward_map("fwd" + fam_tag(f) + suffix, {Key::meta_l4proto, Key::th_dport},
                             {daddr_key(f), Key::th_dport}, loc)) {}

    nft::Set& range(std::uint64_t proto) {
        auto it = ranges.find(proto);
        if (it != ranges.end()) return it->second;
        auto m = forward_map("fwd" + fam_tag(family) + "_range_" + proto_name(proto) + suffix, {Key::th_dport},
                             {daddr_key(family)}, origin);
        m.interval = true;
        return ranges.emplace(proto, std::move(m)).first->second;
    }
};

void add_map_elements(const config::PortForward& fwd, GroupMaps& maps) {
    for (auto proto : l4protos(*fwd.proto)) {
        for (const auto& r : fwd.ports) {
            nft::Element e;
            e.comment = *fwd.name;
            e.origin = r.loc.known() ? r.loc : fwd.loc;
            if (r.single()) {
                std::uint64_t to_port = fwd.to_port ? **fwd.to_port : r.first;
                e.key = {proto, std::uint64_t{r.first}};
                e.data = {host(*fwd.to), to_port};
                maps.single.elements.push_back(std::move(e));
            } else {
                e.key = {nft::IntRange{r.first, r.last}};
                e.data = {host(*fwd.to)};
                maps.range(proto).elements.push_back(std::move(e));
            }
        }
    }
}

// The admission of a family: `open` for single server ports of forwards
// open to anyone, `limited` for the rest, keyed "source . server . proto .
// port" until split_by_proto() makes the per-protocol interval sets.
struct AllowSets {
    nft::Set open;
    std::vector<nft::Element> limited;
};

nft::Value server_port(const config::PortForward& fwd, const config::PortRange& r) {
    if (!r.single()) return nft::IntRange{r.first, r.last};
    return std::uint64_t{fwd.to_port ? **fwd.to_port : r.first};
}

// The elements admitting `fwd` from `src`; `open`: the forward names no sources.
void add_allow_from(const config::PortForward& fwd, const net::Prefix& src, bool open, AllowSets& sets) {
    for (auto proto : l4protos(*fwd.proto)) {
        for (const auto& r : fwd.ports) {
            nft::Element e;
            e.comment = *fwd.name;
            e.origin = fwd.loc;
            if (open && r.single()) {
                e.key = {host(*fwd.to), proto, server_port(fwd, r)};
                sets.open.elements.push_back(std::move(e));
            } else {
                e.key = {src, host(*fwd.to), proto, server_port(fwd, r)};
                sets.limited.push_back(std::move(e));
            }
        }
    }
}

// Sources a forward admits, in its server's family; the whole family when
// the forward names none (most do: no list is made for them).
void add_allow_elements(const Context& ctx, const config::PortForward& fwd, AllowSets& sets) {
    auto f = fwd.to->family;
    if (fwd.sources.empty()) return add_allow_from(fwd, net::Prefix{net::Address{f, {}}, 0}, true, sets);
    for (const auto& src : flatten_addresses(ctx, fwd.sources, f)) add_allow_from(fwd, src, false, sets);
}

IntRange port_span(const nft::Value& v) {
    if (const auto* r = std::get_if<nft::IntRange>(&v)) return *r;
    auto p = std::get<std::uint64_t>(v);
    return {p, p};
}

// Element a admits everything element b does (same server and protocol).
bool covers(const nft::Element& a, const nft::Element& b) {
    auto pa = port_span(a.key[3]), pb = port_span(b.key[3]);
    return std::get<net::Prefix>(a.key[0]).contains(std::get<net::Prefix>(b.key[0])) && pa.first <= pb.first &&
           pb.last <= pa.last;
}

// The kernel refuses overlapping elements in an interval set ("File
// exists"): two forwards to one server port, one open to anyone and one
// limited, would overlap. An element another one covers adds nothing; nor
// does a limited single port the open set already admits.
void drop_covered(std::vector<nft::Element>& elements, const std::vector<nft::Element>& open) {
    std::map<std::pair<net::Address, std::uint64_t>, std::vector<nft::Element>> by_target;
    for (auto& e : elements) {
        if (std::holds_alternative<std::uint64_t>(e.key[3]) &&
            std::binary_search(open.begin(), open.end(), nft::Element{{e.key[1], e.key[2], e.key[3]}},
                               nft::element_less))
            continue;
        auto& kept = by_target[{std::get<net::Prefix>(e.key[1]).address, std::get<std::uint64_t>(e.key[2])}];
        if (std::any_of(kept.begin(), kept.end(), [&](const nft::Element& k) { return covers(k, e); })) continue;
        std::erase_if(kept, [&](const nft::Element& k) { return covers(e, k); });
        kept.push_back(std::move(e));
    }
    elements.clear();
    for (auto& [target, kept] : by_target) elements.insert(elements.end(), kept.begin(), kept.end());
}

// Sorted, one element per key: two forwards (via different uplinks) may
// admit the same server port; the first one's name counts it.
void sort_unique(std::vector<nft::Element>& elements) {
    nft::sort_elements(elements);
    auto same_key = [](const nft::Element& a, const nft::Element& b) { return a.key == b.key; };
    elements.erase(std::unique(elements.begin(), elements.end(), same_key), elements.end());
}

// Open single ports: a plain hash set. The kernel inserts into it in
// constant time, where the concatenated interval sets the limited forwards
// need rebuild their lookup tables on each insertion (10,000 forwards:
// about 1.5 s of `nft -f` in that set alone). Port ranges stay in the
// interval sets with 0.0.0.0/0 as source; a config has few of them.
AllowSets allow_sets(net::Family f, config::Loc origin) {
    AllowSets sets;
    sets.open.name = "fwd" + fam_tag(f) + "_allow";
    sets.open.key = {daddr_key(f), Key::meta_l4proto, Key::th_dport};
    sets.open.counter = true;
    sets.open.origin = origin;
    return sets;
}

// The limited elements as interval sets keyed "source . server . port",
// one per protocol: the protocol moves from the key into the rule (see the
// head of this file for why).
std::map<std::uint64_t, nft::Set> split_by_proto(net::Family f, std::vector<nft::Element> limited,
                                                 config::Loc origin) {
    std::map<std::uint64_t, nft::Set> sets;
    for (auto& e : limited) {
        auto proto = std::get<std::uint64_t>(e.key[2]);
        auto [it, fresh] = sets.try_emplace(proto);
        auto& s = it->second;
        if (fresh) {
            s.name = "fwd" + fam_tag(f) + "_src_allow_" + proto_name(proto);
            s.key = {f == net::Family::ipv4 ? Key::ip_saddr : Key::ip6_saddr, daddr_key(f), Key::th_dport};
            s.interval = true;
            s.counter = true;
            s.origin = origin;
        }
        e.key.erase(e.key.begin() + 2);
        s.elements.push_back(std::move(e));
    }
    for (auto& [proto, s] : sets) nft::sort_elements(s.elements);
    return sets;
}

nft::Stmt dnat_from_map(net::Family f, const nft::Set& map) {
    nft::Nat n;
    n.kind = nft::NatKind::dnat;
    n.family = f;
    n.map_keys = map.key;
    n.map_name = map.name;
    n.map_has_port = map.data.size() == 2;
    return n;
}

nft::Stmt uplink_in(const Context& ctx, const Group& g) {
    if (g.uplinks.empty()) return in_set(Key::meta_iifname, std::string(kUplinkIfSet));
    std::vector<nft::Value> names;
    for (const auto& u : g.uplinks)
        if (const auto* up = find_named(ctx.config().uplinks, u)) names.emplace_back(uplink_ifname(ctx, *up));
    return in_values(Key::meta_iifname, std::move(names));
}

// One way into a group's forwards from outside: in on these uplinks, to
// these public addresses.
struct WayIn {
    nft::Stmt iif;
    nft::Stmt daddr;
};

// A group's ways in: its `destination` (as written: named sets stay
// lookups); else, for every uplink, the set of all uplink addresses; else
// each uplink with its own addresses.
std::vector<WayIn> ways_in(Context& ctx, const Group& g) {
    std::vector<WayIn> out;
    if (!g.destinations.empty()) {
        for (auto& daddr : address_alternatives(ctx, g.forwards.front()->destinations, net::Family::ipv4,
                                                Key::ip_daddr))
            out.push_back({uplink_in(ctx, g), std::move(daddr)});
        return out;
    }
    if (g.uplinks.empty())
        return {{uplink_in(ctx, g), in_set(Key::ip_daddr, uplink_address_set(ctx, ""))}};
    for (const auto& u : g.uplinks) {
        const auto* up = find_named(ctx.config().uplinks, u);
        if (!up) continue;
        out.push_back({cmp(Key::meta_iifname, uplink_ifname(ctx, *up)),
                       in_set(Key::ip_daddr, uplink_address_set(ctx, u))});
    }
    return out;
}

// One DNAT through a map: the protocol match a per-protocol map needs
// (none for the single-port map, whose key holds the protocol), then the NAT.
struct Dnat {
    std::vector<nft::Stmt> proto;
    nft::Stmt nat;
};

// Hairpin: an inside host that connects to the same public addresses.
void add_hairpin_dnat(Context& ctx, const std::vector<WayIn>& ways, net::Family f, const Dnat& dnat,
                      config::Loc origin) {
    auto zones = inside_zones(ctx.config());
    if (!*ctx.config().nat.hairpin || f != net::Family::ipv4 || zones.empty()) return;
    auto& pre = ctx.chain(kChainPrerouting);
    for (const auto* zone : zones) {
        for (const auto& way : ways) {
            std::vector<nft::Stmt> stmts{in_zone(Key::meta_iifname, *zone->name), nfproto(f)};
            stmts.insert(stmts.end(), dnat.proto.begin(), dnat.proto.end());
            stmts.insert(stmts.end(), {way.daddr, counter(), dnat.nat});
            pre.rules.push_back(make_rule(std::move(stmts), "gw:hairpin", origin));
        }
    }
}

// The single-port map always (its DNAT rule is the group's), a range map
// only for protocols that have ranges: each one costs a rule per packet.
std::vector<Dnat> add_group_maps(Context& ctx, GroupMaps maps) {
    std::vector<Dnat> dnats{{{}, dnat_from_map(maps.family, maps.single)}};
    nft::sort_elements(maps.single.elements);
    ctx.add_set(std::move(maps.single), SetGroup::forwards);
    for (auto& [proto, m] : maps.ranges) {
        dnats.push_back({{l4proto_is(proto)}, dnat_from_map(maps.family, m)});
        nft::sort_elements(m.elements);
        ctx.add_set(std::move(m), SetGroup::forwards);
    }
    return dnats;
}

void compile_group(Context& ctx, const Group& g, net::Family f) {
    std::vector<const config::PortForward*> fwds;
    for (const auto* fwd : g.forwards)
        if (fwd->to->family == f) fwds.push_back(fwd);
    if (fwds.empty()) return;
    auto origin = fwds.front()->loc;
    GroupMaps maps(f, group_suffix(g), origin);
    maps.single.elements.reserve(fwds.size());
    for (const auto* fwd : fwds) add_map_elements(*fwd, maps);
    auto ways = ways_in(ctx, g);
    for (const auto& dnat : add_group_maps(ctx, std::move(maps))) {
        for (const auto& way : ways) {
            std::vector<nft::Stmt> stmts{way.iif, nfproto(f)};
            stmts.insert(stmts.end(), dnat.proto.begin(), dnat.proto.end());
            stmts.insert(stmts.end(), {way.daddr, counter(), dnat.nat});
            ctx.chain(kChainPrerouting).rules.push_back(make_rule(std::move(stmts), "gw:dnat", origin));
        }
        add_hairpin_dnat(ctx, ways, f, dnat, origin);
    }
}

// Accepts DNATed connections the set admits (nothing when it is empty);
// `proto` is the protocol match of a per-protocol set.
void add_accept(Context& ctx, net::Family f, nft::Set set, std::vector<nft::Stmt> proto = {}) {
    if (set.elements.empty()) return;
    nft::Lookup lookup{set.key, set.name, {}, false};
    auto origin = set.origin;
    ctx.add_set(std::move(set), SetGroup::forwards);
    std::vector<nft::Stmt> stmts{nfproto(f)};
    stmts.insert(stmts.end(), proto.begin(), proto.end());
    stmts.insert(stmts.end(), {nft::AnyBits{Key::ct_status, nft::kCtStatusDnat}, lookup, counter(),
                               verdict(nft::VerdictKind::accept)});
    ctx.chain(kChainForward).rules.push_back(make_rule(std::move(stmts), std::string(kCommentForwards), origin));
}

void compile_accept(Context& ctx, net::Family f) {
    const config::PortForward* first = nullptr;
    for (const auto& fwd : ctx.config().nat.forwards)
        if (fwd.to->family == f && !first) first = &fwd;
    if (!first) return;
    auto sets = allow_sets(f, first->loc);
    sets.open.elements.reserve(ctx.config().nat.forwards.size());
    for (const auto& fwd : ctx.config().nat.forwards)
        if (fwd.to->family == f) add_allow_elements(ctx, fwd, sets);
    sort_unique(sets.open.elements);
    drop_covered(sets.limited, sets.open.elements);
    add_accept(ctx, f, std::move(sets.open));
    for (auto& [proto, set] : split_by_proto(f, std::move(sets.limited), first->loc))
        add_accept(ctx, f, std::move(set), {l4proto_is(proto)});
}

}  // namespace

void compile_forwards(Context& ctx) {
    for (const auto& g : forward_groups(ctx.config()))
        for (auto f : {net::Family::ipv4, net::Family::ipv6}) compile_group(ctx, g, f);
    for (auto f : {net::Family::ipv4, net::Family::ipv6}) compile_accept(ctx, f);
}

}  // namespace gw::rules::detail
