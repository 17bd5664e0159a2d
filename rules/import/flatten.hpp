// User chains inlined into the built-in chain that jumps to them: each
// returned rule carries the matches of every jump on its way, so a chain
// of iptables jumps becomes one ordered list, which is what a gateway.yaml
// chain is. Combining is exact (a field set twice must agree); a RETURN
// with matches cannot be inlined without negation and is left out, with
// the rules it would skip.
#pragma once

#include <vector>

#include "rules/import/plan.hpp"

namespace gw::import {

struct FlatRule {
    Rule rule;              // matches of the jumps and the rule itself; target of the rule
    const Rule* origin;     // the line with the verdict
    std::vector<const Rule*> via;  // the jumps, outermost first
};

std::vector<FlatRule> flatten_chain(const Table& table, const std::string& chain, Plan& plan);

// Does `outer` match every packet `inner` matches? (ports, prefixes, zones)
bool covers(const Rule& outer, const Rule& inner);
// Same matches (targets not compared).
bool same_matches(const Rule& a, const Rule& b);
// No match at all but (optionally) conntrack state NEW.
bool matches_everything(const Rule& r);

}  // namespace gw::import
