// Shared state and helpers of the ruleset compiler. compile.cpp runs one
// compile_<section>() per config section over a Context; each adds sets and
// rules to the one inet table. Helpers here build the statements that
// several sections share (zones, address lists, protocols and ports).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::rules::detail {

// Where a set sits in the rendered table: sets are listed by group, then in
// the order they were added.
enum class SetGroup {
    zones,      // interface-name sets of zones and uplinks
    uplinks,    // addresses that follow the uplinks (facts)
    addresses,  // user and built-in address sets
    forwards,   // port-forward maps and the forward allow set
};

// Chain names; "fwd" would not parse (an nft keyword).
inline constexpr std::string_view kChainPrerouting = "prerouting";
inline constexpr std::string_view kChainPostrouting = "postrouting";
inline constexpr std::string_view kChainMangleForward = "mangle_forward";
inline constexpr std::string_view kChainInput = "input";
inline constexpr std::string_view kChainForward = "forward";
inline constexpr std::string_view kFlowtableName = "fastpath";
inline constexpr std::string_view kChainOutput = "output";
inline constexpr std::string_view kChainSplit = "bridge_split";  // IPv6 split: direction by mark
inline constexpr std::string_view kChainIncoming = "incoming";   // IPv6 split: what comes in from outside

class Context {
public:
    Context(const config::Config& config, const Facts& facts);

    const config::Config& config() const { return config_; }
    const Facts& facts() const { return facts_; }

    nft::Chain& chain(std::string_view name);  // the chain must exist
    nft::Chain& add_chain(nft::Chain chain);
    bool has_set(std::string_view name) const;
    nft::Set& add_set(nft::Set set, SetGroup group);
    void add_flowtable(nft::Flowtable flowtable) { table_.flowtables.push_back(std::move(flowtable)); }

    // The table with sets ordered by group, empty NAT/mangle chains left out;
    // moved out, so the context holds no table afterwards.
    nft::Table finish();

private:
    const config::Config& config_;
    const Facts& facts_;
    nft::Table table_;
    std::map<std::string, SetGroup, std::less<>> groups_;
};

// The entry of `list` (zones, uplinks, sets, interfaces) called `name`.
// Validation guarantees references resolve; null is handled anyway.
template <class T>
const T* find_named(const std::vector<T>& list, std::string_view name) {
    for (const auto& item : list)
        if (*item.name == name) return &item;
    return nullptr;
}

// Which address families a rule (or address list) can match.
struct Families {
    bool v4 = false;
    bool v6 = false;
    static Families both() { return {true, true}; }
    bool any() const { return v4 || v6; }
    bool all() const { return v4 && v6; }
    Families operator&(Families o) const { return {v4 && o.v4, v6 && o.v6}; }
};

// One nft rule per entry: alternatives that together match what one config
// entry means (nft has no "or" across different sets).
using Alternatives = std::vector<std::vector<nft::Stmt>>;
// Every combination of one entry from `a` and one from `b`, in order.
Alternatives product(const Alternatives& a, const Alternatives& b);

// ---- statements (compile_match.cpp) -------------------------------------

nft::Stmt cmp(nft::Key key, nft::Value value);
nft::Stmt in_set(nft::Key key, std::string set);
nft::Stmt in_values(nft::Key key, std::vector<nft::Value> values);  // Cmp when one value
nft::Stmt nfproto(net::Family family);
nft::Stmt counter();
nft::Stmt verdict(nft::VerdictKind kind);
nft::Rule make_rule(std::vector<nft::Stmt> stmts, std::string comment, config::Loc origin);

// Protocol and destination-port matches for proto/ports/icmp-types (proto
// "any" gives none). The caller adds "meta nfproto" first: icmp type implies
// IPv4 to the kernel (icmpv6 type IPv6), see proto_families().
std::vector<nft::Stmt> proto_matches(config::Proto proto, const config::Ports& ports,
                                     const config::Names& icmp_types);
// At most two protocol numbers, held inline: every forward asks, twice.
struct L4Protos {
    std::array<std::uint64_t, 2> values{};
    std::size_t size = 0;
    const std::uint64_t* begin() const { return values.data(); }
    const std::uint64_t* end() const { return values.data() + size; }
    bool empty() const { return size == 0; }
};
L4Protos l4protos(config::Proto proto);  // "both" -> tcp, udp
Families proto_families(config::Proto proto);                // icmp -> IPv4 only
Families config_families(config::Family family);

// ---- zones (compile_zones.cpp) --------------------------------------------

void compile_zones(Context& ctx);
std::string uplink_ifname(const Context& ctx, const config::Uplink& uplink);
// iifname/oifname (per `key`) in zone `zone`'s name set.
nft::Stmt in_zone(nft::Key key, std::string_view zone);
// The same for a name that is a zone or, where the language allows it, an
// uplink (that uplink's interface); a zone wins a name both use.
nft::Stmt in_zone_or_uplink(const Context& ctx, nft::Key key, std::string_view name);
// "zone_<zone>_net4": the zone's IPv4 networks (its `networks` and the
// networks of its interfaces' addresses), declared on first use; nullopt
// when the zone has none.
std::optional<std::string> zone_network_set(Context& ctx, std::string_view zone);
// Zones that hold no uplink: the LAN side, where hairpin clients live.
std::vector<const config::Zone*> inside_zones(const config::Config& config);

// ---- address lists (compile_sets.cpp) ---------------------------------------

void compile_sets(Context& ctx);
Families address_families(const Context& ctx, const config::AddressMatch& match);
// The ways `match` can match in `family` with `key` (ip saddr, ip6 daddr ...):
// a lookup per named set, plus literal prefixes in one match. Empty when
// nothing in `match` has that family. Creates built-in sets on first use.
std::vector<nft::Stmt> address_alternatives(Context& ctx, const config::AddressMatch& match,
                                            net::Family family, nft::Key key);
// Every prefix `match` stands for in `family`, named sets expanded, merged.
std::vector<net::Prefix> flatten_addresses(const Context& ctx, const config::AddressMatch& match,
                                           net::Family family);
// Sorted, host bits cleared, prefixes inside others dropped: nft refuses
// overlapping intervals in one set.
std::vector<net::Prefix> merge_prefixes(std::vector<net::Prefix> prefixes);
// The set of the current IPv4 addresses of `uplink` ("uplink_<name>_addr4"),
// or of every uplink when `uplink` is empty ("uplink_addr4"); created on
// first use with its elements from the facts.
std::string uplink_address_set(Context& ctx, std::string_view uplink);
// That set as `facts` fill it, outside any Context (compile_uplink_address_sets).
nft::Set build_uplink_address_set(const config::Config& config, const Facts& facts, std::string_view uplink);
// A set no single config line made points at the line of its first element,
// so a kernel rejection still lands somewhere useful.
void default_set_origin(nft::Set& set);

// ---- sections ---------------------------------------------------------------

void compile_filter(Context& ctx);    // compile_filter.cpp: input/forward/output heads + rules
std::vector<nft::Rule> compile_firewall_rule(Context& ctx, const config::FirewallRule& rule,
                                             const config::ChainSpec& chain,
                                             const std::string& comment);  // compile_rules.cpp
void compile_mape(Context& ctx);      // compile_mape.cpp: MAP-E port-set SNAT, forwards inside the set
void compile_forwards(Context& ctx);  // compile_forwards.cpp: port-forward maps, DNAT, accepts
void compile_nat(Context& ctx);       // compile_nat.cpp: masquerade, hairpin, MSS clamping
void compile_egress(Context& ctx);    // compile_egress.cpp: owner rules (output hook)
void compile_bridge(const Context& ctx, nft::Ruleset& ruleset);  // compile_bridge.cpp: bridge table
// compile_bridge_filter.cpp: the split's IPv6 filter in the inet forward
// hook, on the paths that filter there (br_netfilter) ...
void compile_split_filter(Context& ctx);
// ... and the chains themselves, for either table, entered from `forward`.
void add_split_filter(Context& ctx, nft::TableFamily family, nft::Chain& forward);
void compile_routing(Context& ctx);   // compile_routing.cpp: connection marks for uplinks
void compile_same_link(Context& ctx); // compile_zones.cpp: forward accept within one zone interface
void compile_fastpath(Context& ctx); // compile_fastpath.cpp: flowtable + flow add (firewall.fast-path)
void compile_routed6(Context& ctx);   // compile_routed6.cpp: DHCPv6 client answers, IPv6 pinholes
void compile_log(Context& ctx);       // compile_log.cpp: policy counters and drop logging
void compile_ha_input(Context& ctx, nft::Chain& input);  // compile_ha.cpp: VRRP adverts, conntrackd sync
nft::Limit log_limit(const config::LogSpec& log);
std::string chain_name(config::ChainKind kind);

}  // namespace gw::rules::detail
