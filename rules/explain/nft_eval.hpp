// Runs one packet through the chains of a compiled nft table, as the kernel
// would: statements in order, a failed match ends the rule, lookups in
// named sets and maps (interval elements included), jump/goto/return, and
// the first terminal verdict of a base chain decides. Pure: what needs the
// routing table (fib daddr type, the masquerade address) is asked of the
// caller through RouteView.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rules/explain/packet.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::explain {

struct RouteView {
    std::function<bool(const net::Address&)> is_local;
    // The address masquerade puts in the source for a packet leaving by `oif`.
    std::function<std::optional<net::Address>(const std::string& oif, const net::Address& daddr)> source_for;
};

// A statement that changed the packet without ending the chain (a mark set,
// a NAT translation), or the verdict that ended it.
struct Effect {
    const nft::Chain* chain = nullptr;
    const nft::Rule* rule = nullptr;
    const nft::Element* element = nullptr;  // the map/set element the rule found
    std::string set;                         // its set's name
    std::string what;                        // "DNAT to 172.16.1.100:443", "ct mark set 0x00020000"
};

enum class ChainVerdict {
    policy,  // no rule decided: the base chain's policy applies
    accept,
    drop,
    reject,
};

struct ChainRun {
    ChainVerdict verdict = ChainVerdict::policy;
    std::optional<nft::RejectKind> reject;
    Effect decided;               // the rule that gave the verdict (rule null for the policy)
    std::vector<Effect> effects;  // changes on the way, in order
    std::vector<std::string> unknown;  // statements the model could not evaluate
};

// The named set or map `name` of `table`; null when there is none.
const nft::Set* find_set(const nft::Table& table, const std::string& name);

ChainRun run_base_chain(const nft::Table& table, const nft::Chain& chain, Packet& packet,
                        const RouteView& route);

}  // namespace gw::explain
